import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores, type SqliteStores } from '../../daemon/service/stores.js';
import { toHex } from '../../protocol/bytes.js';
import { chirpHashOfDer, keyHashOfDer } from '../../protocol/dpp/bootstrap-key.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import { WhitelistStore } from '../../whitelist/whitelist-store.js';
import { newIdentity } from '../support/dpp-fixtures.js';

function newDevice(): { der: Uint8Array; keyHash: string; chirpHash: string } {
  const der = newIdentity().key.der;
  return { der, keyHash: toHex(keyHashOfDer(der)), chirpHash: toHex(chirpHashOfDer(der)) };
}

describe('the daemon’s whitelist lookups (kept between changes)', () => {
  let dir: string;
  let stores: SqliteStores;
  let adminDb: Database;
  let admin: WhitelistStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-views-'));
    stores = openStores(dir);
    adminDb = openDatabase(dir);
    admin = new WhitelistStore(adminDb);
  });
  afterEach(() => {
    adminDb.close();
    stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a repeated lookup from memory, by key hash and by chirp hash', () => {
    const d = newDevice();
    admin.add({ keyHash: d.keyHash, publicKey: d.der, label: 'one' }, 'cli:test');
    const first = stores.whitelist.get(d.keyHash);
    assert.equal(first?.label, 'one');
    assert.equal(stores.whitelist.get(d.keyHash), first);
    assert.equal(stores.whitelist.get(d.keyHash.toUpperCase()), first);
    const byChirp = stores.whitelist.findByChirpHash(d.chirpHash);
    assert.equal(byChirp?.keyHash, d.keyHash);
    assert.equal(stores.whitelist.findByChirpHash(d.chirpHash), byChirp);
  });

  it('sees an admin’s revoke from another connection at the next lookup', () => {
    const d = newDevice();
    admin.add({ keyHash: d.keyHash, publicKey: d.der }, 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash)?.status, 'active');
    assert.equal(stores.whitelist.findByChirpHash(d.chirpHash)?.status, 'active');
    admin.setStatus(d.keyHash, 'revoked', 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash)?.status, 'revoked');
    assert.equal(stores.whitelist.findByChirpHash(d.chirpHash)?.status, 'revoked');
    admin.remove(d.keyHash, 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash), undefined);
  });

  it('sees an edit made through its own connection', () => {
    const d = newDevice();
    stores.whitelistStore.add({ keyHash: d.keyHash, publicKey: d.der, profile: 'a' }, 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash)?.profile, 'a');
    stores.whitelistStore.update(d.keyHash, { profile: 'b' }, 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash)?.profile, 'b');
    stores.whitelistStore.setStatus(d.keyHash, 'inactive', 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash)?.status, 'inactive');
  });

  it('does not remember a miss: a device added later is found', () => {
    const d = newDevice();
    assert.equal(stores.whitelist.get(d.keyHash), undefined);
    assert.equal(stores.whitelist.findByChirpHash(d.chirpHash), undefined);
    admin.add({ keyHash: d.keyHash, publicKey: d.der }, 'cli:test');
    assert.equal(stores.whitelist.get(d.keyHash)?.keyHash, d.keyHash);
    assert.equal(stores.whitelist.findByChirpHash(d.chirpHash)?.keyHash, d.keyHash);
  });

  it('keeps answering through the daemon’s own writes (last seen, provisioned)', () => {
    const d = newDevice();
    admin.add({ keyHash: d.keyHash, publicKey: d.der }, 'cli:test');
    const first = stores.whitelist.get(d.keyHash);
    stores.whitelist.markProvisioned(d.keyHash, new Date());
    stores.commit();
    assert.equal(stores.whitelist.get(d.keyHash), first, 'still the kept entry');
    assert.ok(stores.whitelistStore.get(d.keyHash)?.provisionedAt, 'the write itself happened');
  });
});
