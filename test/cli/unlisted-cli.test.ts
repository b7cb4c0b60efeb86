import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { parseDppUri } from '../../protocol/dpp/uri.js';
import { openStores } from '../../daemon/service/stores.js';
import { runConfigurator } from '../support/cli-in-process.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { UnlistedStore } from '../../whitelist/unlisted-store.js';
import { openMemoryDatabase } from '../../whitelist/database.js';

describe('devices heard but not listed', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-unlisted-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the daemon sums sightings per device between commits; status counts them; --unlisted lists them with a URI to add', async () => {
    const stranger = newIdentity();
    const keyHash = toHex(stranger.hash);
    const chirpOnly = 'c1'.repeat(32);
    const stores = openStores(dataDir);
    const at = new Date('2026-03-01T10:00:00Z');
    for (let i = 0; i < 5; i++)
      stores.unlisted.heard({
        keyHash,
        publicKey: stranger.key.der,
        address: '02:00:00:00:aa:01',
        rssi: -40 - i,
        transport: 'espnow',
        at: new Date(at.getTime() + i * 1000),
      });
    stores.unlisted.heard({
      chirpHash: chirpOnly,
      address: '02:00:00:00:aa:02',
      transport: 'espnow',
      at,
    });
    // A key that hashes like any other but is no P-256 point: listed, with no URI to add it by.
    const notAKey = new Uint8Array(91).fill(7);
    stores.unlisted.heard({
      keyHash: 'e7'.repeat(32),
      publicKey: notAKey,
      address: '02:00:00:00:aa:03',
      transport: 'espnow',
      at,
    });
    assert.equal(stores.writes.pendingWrites, 1, 'one write for every sighting before the commit');
    stores.close();

    const status = await runConfigurator('--data-dir', dataDir, 'status');
    assert.equal(status.status, 0, status.stderr);
    assert.match(
      status.stdout,
      /^heard but not listed: 3 device\(s\) refused as unknown, heard 7 time\(s\)/m,
    );

    const listed = await runConfigurator('--data-dir', dataDir, 'devices', '--unlisted', '--json');
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as {
      keyHash?: string;
      chirpHash?: string;
      count: number;
      rssi?: number;
      uri?: string;
      lastSeen: string;
    }[];
    assert.equal(rows.length, 3);
    assert.equal(rows.find((r) => r.keyHash === 'e7'.repeat(32))?.uri, undefined);
    const known = rows.find((r) => r.keyHash === keyHash)!;
    assert.equal(known.count, 5);
    assert.equal(known.rssi, -44, 'the latest sighting');
    assert.equal(known.lastSeen, '2026-03-01T10:00:04.000Z');
    assert.equal(
      (known as { firstSeen?: string }).firstSeen,
      '2026-03-01T10:00:00.000Z',
      'the first of the sightings summed in one commit',
    );
    const uri = parseDppUri(known.uri!);
    assert.ok(uri.ok);
    assert.deepEqual(uri.value.key.der, stranger.key.der);
    assert.equal(rows.find((r) => r.chirpHash === chirpOnly)?.uri, undefined);

    const table = await runConfigurator('--data-dir', dataDir, 'devices', '--unlisted');
    assert.match(
      table.stdout,
      new RegExp(`^${keyHash.slice(0, 16)} +yes +02:00:00:00:aa:01 +-44 +espnow +5 `, 'm'),
    );
    assert.match(table.stdout, /^chirp c1c1c1c1c1 +no /m);

    const both = await runConfigurator(
      '--data-dir',
      dataDir,
      'devices',
      '--unlisted',
      '--state',
      'failed',
    );
    assert.equal(both.status, 2);
  });

  it('keeps at most its bound, dropping the least recently heard', () => {
    const db = openMemoryDatabase();
    const store = new UnlistedStore(db, 3);
    const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    for (let i = 1; i <= 5; i++)
      store.record([
        {
          keyHash: toHex(new Uint8Array(32).fill(i)),
          address: `a${i}`,
          transport: 'tcp',
          at: t(i),
          count: 1,
        },
      ]);
    // The first one was dropped by the fourth; heard again, it comes back as new.
    store.record([
      {
        keyHash: toHex(new Uint8Array(32).fill(1)),
        address: 'a1',
        transport: 'tcp',
        at: t(9),
        count: 2,
      },
    ]);
    const kept = store.list();
    assert.deepEqual(
      kept.map((d) => d.address),
      ['a1', 'a5', 'a4'],
    );
    assert.equal(kept[0]!.count, 2);
    assert.equal(kept[0]!.firstSeen, t(9).toISOString());
    db.close();
  });
});
