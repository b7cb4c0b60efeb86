import assert from 'node:assert/strict';
import { isConfiguratorError, must } from '../../protocol/errors.js';
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import { resolveKey } from '../../whitelist/key-input.js';
import { WhitelistStore, type ImportRow } from '../../whitelist/whitelist-store.js';
import { KNOWN_CHIRP_HASH, KNOWN_KEY_HASH, KNOWN_URI, TempDirs, newKey } from './fixtures.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';

const ACTOR = 'cli:tester';
const T0 = new Date('2025-03-01T10:00:00.000Z');
const T1 = new Date('2025-03-01T11:00:00.000Z');

describe('WhitelistStore', () => {
  const temp = new TempDirs();
  let db: Database;
  let store: WhitelistStore;
  let audit: AuditLog;

  beforeEach(() => {
    db = openDatabase(temp.make());
    store = new WhitelistStore(db);
    audit = new AuditLog(db);
  });
  afterEach(() => {
    db.close();
    temp.cleanup();
  });

  it('adds by URI with the key, its hash and chirp hash, and finds it both ways', () => {
    const added = store.add(
      { ...must(resolveKey({ uri: KNOWN_URI })), label: 'unit 1', profile: 'factory' },
      ACTOR,
      T0,
    );
    assert.equal(added.keyHash, KNOWN_KEY_HASH);
    assert.equal(added.chirpHash, KNOWN_CHIRP_HASH);
    assert.equal(added.uri, KNOWN_URI);
    assert.equal(added.publicKey?.length, 59);
    assert.equal(added.status, 'active');
    assert.equal(added.createdAt, T0.toISOString());
    assert.equal(added.updatedAt, T0.toISOString());
    assert.deepEqual(store.get(KNOWN_KEY_HASH.toUpperCase()), added);
    assert.deepEqual(store.findByChirpHash(KNOWN_CHIRP_HASH), added);
    assert.equal(store.count(), 1);
  });

  it('adds by hash alone: no key, no chirp hash, not found by chirp', () => {
    const k = newKey();
    const added = store.add(must(resolveKey({ hash: k.keyHash.toUpperCase() })), ACTOR);
    assert.equal(added.keyHash, k.keyHash);
    assert.equal(added.publicKey, undefined);
    assert.equal(added.chirpHash, undefined);
    assert.equal(store.findByChirpHash(k.chirpHash), undefined);
  });

  it('refuses a duplicate key with a specific error and writes nothing', () => {
    const k = newKey();
    store.add(must(resolveKey({ uri: k.uri })), ACTOR);
    const audits = audit.count();
    assert.throws(
      () => store.add({ ...must(resolveKey({ hash: k.keyHash })), label: 'again' }, ACTOR),
      (e: unknown) =>
        isConfiguratorError(e, WhitelistErrorCode.WhitelistDuplicate) &&
        e.message.includes(k.keyHash),
    );
    assert.equal(store.count(), 1);
    assert.equal(store.get(k.keyHash)?.label, undefined);
    assert.equal(audit.count(), audits);
  });

  it("refuses a key stored under another key's hash", () => {
    const a = newKey();
    const b = newKey();
    assert.throws(
      () => store.add({ keyHash: a.keyHash, publicKey: b.der }, ACTOR),
      (e: unknown) => isConfiguratorError(e, WhitelistErrorCode.WhitelistBadEntry),
    );
    assert.equal(store.count(), 0);
  });

  it('refuses a bad profile name and control characters in a label', () => {
    const k = newKey();
    assert.throws(
      () => store.add({ keyHash: k.keyHash, profile: 'no spaces' }, ACTOR),
      (e: unknown) =>
        isConfiguratorError(e, WhitelistErrorCode.WhitelistBadEntry) && /profile/.test(e.message),
    );
    assert.throws(
      () => store.add({ keyHash: k.keyHash, label: 'bell\u0007' }, ACTOR),
      (e: unknown) =>
        isConfiguratorError(e, WhitelistErrorCode.WhitelistBadEntry) && /label/.test(e.message),
    );
    assert.equal(store.count(), 0);
  });

  it('audits every edit in the same transaction, with the actor', () => {
    const k = newKey();
    store.add({ ...must(resolveKey({ uri: k.uri })), label: 'a' }, ACTOR, T0);
    assert.equal(store.setStatus(k.keyHash, 'inactive', ACTOR, T1), true);
    assert.equal(store.setStatus(k.keyHash, 'inactive', ACTOR, T1), false);
    store.update(k.keyHash, { label: 'b', location: 'hall 2', notes: null }, ACTOR, T1);
    store.remove(k.keyHash, ACTOR, T1);
    const kinds = audit.list().map((r) => [r.kind, r.keyHash, r.actor]);
    assert.deepEqual(kinds.reverse(), [
      ['whitelist-added', k.keyHash, ACTOR],
      ['whitelist-status', k.keyHash, ACTOR],
      ['whitelist-updated', k.keyHash, ACTOR],
      ['whitelist-removed', k.keyHash, ACTOR],
    ]);
    const [removed, updated, status] = audit.list();
    assert.deepEqual(JSON.parse(status!.detail!), { from: 'active', to: 'inactive' });
    assert.deepEqual(JSON.parse(updated!.detail!), {
      label: { from: 'a', to: 'b' },
      location: { from: null, to: 'hall 2' },
    });
    assert.equal(JSON.parse(removed!.detail!).label, 'b');
    assert.equal(store.get(k.keyHash), undefined);
  });

  it('an edit whose audit record cannot be written is rolled back', () => {
    const k = newKey();
    store.add(must(resolveKey({ uri: k.uri })), ACTOR);
    db.exec(`CREATE TRIGGER block_status BEFORE INSERT ON audit WHEN NEW.kind = 'whitelist-status'
             BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`);
    assert.throws(() => store.setStatus(k.keyHash, 'revoked', ACTOR), /audit unavailable/);
    assert.equal(store.get(k.keyHash)?.status, 'active');
  });

  it('names the missing entry on status change, update and remove', () => {
    const hash = 'ab'.repeat(32);
    for (const edit of [
      () => store.setStatus(hash, 'revoked', ACTOR),
      () => store.update(hash, { label: 'x' }, ACTOR),
      () => store.remove(hash, ACTOR),
    ]) {
      assert.throws(
        edit,
        (e: unknown) =>
          isConfiguratorError(e, WhitelistErrorCode.WhitelistNotFound) && e.message.includes(hash),
      );
    }
  });

  it('update sets, clears and keeps fields and bumps updated_at only', () => {
    const k = newKey();
    store.add({ keyHash: k.keyHash, label: 'l', location: 'x', notes: 'n' }, ACTOR, T0);
    const after = store.update(
      k.keyHash,
      { label: 'l2', location: null, status: 'revoked' },
      ACTOR,
      T1,
    );
    assert.equal(after.label, 'l2');
    assert.equal(after.location, undefined);
    assert.equal(after.notes, 'n');
    assert.equal(after.status, 'revoked');
    assert.equal(after.createdAt, T0.toISOString());
    assert.equal(after.updatedAt, T1.toISOString());
  });

  it('markSeen and markProvisioned set their times and write no audit record', () => {
    const k = newKey();
    store.add({ keyHash: k.keyHash }, ACTOR, T0);
    const audits = audit.count();
    store.markSeen(k.keyHash, T1);
    assert.equal(store.get(k.keyHash)?.lastSeen, T1.toISOString());
    const t2 = new Date('2025-03-02T00:00:00.000Z');
    store.markProvisioned(k.keyHash, t2);
    assert.equal(store.get(k.keyHash)?.provisionedAt, t2.toISOString());
    assert.equal(store.get(k.keyHash)?.lastSeen, t2.toISOString());
    assert.equal(store.get(k.keyHash)?.updatedAt, T0.toISOString());
    assert.equal(audit.count(), audits);
  });

  it('lists oldest first, filtered by status', () => {
    const keys = [newKey(), newKey(), newKey()];
    keys.forEach((k, i) =>
      store.add({ keyHash: k.keyHash }, ACTOR, new Date(T0.getTime() + i * 1000)),
    );
    store.setStatus(keys[1]!.keyHash, 'revoked', ACTOR);
    assert.deepEqual(
      store.list().map((e) => e.keyHash),
      keys.map((k) => k.keyHash),
    );
    assert.deepEqual(
      store.list({ status: 'revoked' }).map((e) => e.keyHash),
      [keys[1]!.keyHash],
    );
    assert.deepEqual(store.list({ status: 'inactive' }), []);
  });

  it('finds entries by hash prefix, and nothing for a non-hex prefix', () => {
    const k = newKey();
    store.add({ keyHash: k.keyHash }, ACTOR);
    assert.deepEqual(
      store.findByPrefix(k.keyHash.slice(0, 8).toUpperCase()).map((e) => e.keyHash),
      [k.keyHash],
    );
    assert.deepEqual(store.findByPrefix('*'), []);
    assert.deepEqual(store.findByPrefix('zz'), []);
  });

  describe('importEntries', () => {
    const rowFor = (
      where: string,
      fields: Parameters<typeof resolveKey>[0],
      extra = {},
    ): ImportRow => ({
      where,
      entry: { ...must(resolveKey(fields)), ...extra },
    });

    it('adds every row in one transaction with one audit record of counts', () => {
      const keys = [newKey(), newKey(), newKey()];
      const outcome = store.importEntries(
        keys.map((k, i) => rowFor(`line ${i + 2}`, { uri: k.uri }, { label: `u${i}` })),
        { actor: ACTOR, source: 'batch.csv' },
      );
      assert.deepEqual(outcome, { applied: true, added: 3, unchanged: 0, problems: [] });
      assert.equal(store.count(), 3);
      const records = audit.list();
      assert.equal(records.length, 1);
      assert.equal(records[0]!.kind, 'whitelist-imported');
      assert.deepEqual(JSON.parse(records[0]!.detail!), {
        source: 'batch.csv',
        added: 3,
        unchanged: 0,
        skipped: 0,
      });
    });

    it('rejects the whole import, listing every bad row, unless skipInvalid', () => {
      const existing = newKey();
      store.add({ ...must(resolveKey({ uri: existing.uri })), label: 'old' }, ACTOR);
      const same = newKey();
      store.add({ ...must(resolveKey({ uri: same.uri })), label: 'same' }, ACTOR);
      const good = newKey();
      const dup = newKey();
      const rows: ImportRow[] = [
        rowFor('line 2', { uri: good.uri }),
        { where: 'line 3', problem: 'bad URI: whatever' },
        rowFor('line 4', { uri: dup.uri }),
        rowFor('line 5', { hash: dup.keyHash }),
        rowFor('line 6', { uri: existing.uri }, { label: 'new' }),
        rowFor('line 7', { uri: same.uri }, { label: 'same' }),
      ];
      const before = audit.count();
      const rejected = store.importEntries(rows, { actor: ACTOR });
      assert.equal(rejected.applied, false);
      assert.deepEqual(
        rejected.problems.map((p) => p.where),
        ['line 3', 'line 5', 'line 6'],
      );
      assert.match(
        rejected.problems[1]!.reason,
        /duplicate within the file \(same key as line 4\)/,
      );
      assert.match(rejected.problems[2]!.reason, /already on the whitelist with a different label/);
      assert.equal(store.count(), 2);
      assert.equal(audit.count(), before);

      const skipped = store.importEntries(rows, { actor: ACTOR, skipInvalid: true });
      assert.equal(skipped.applied, true);
      assert.equal(skipped.added, 2);
      assert.equal(skipped.unchanged, 1);
      assert.equal(skipped.problems.length, 3);
      assert.equal(store.count(), 4);
      assert.equal(store.get(existing.keyHash)?.label, 'old');
    });

    it('never un-revokes: a re-import naming another status is a bad row, one without is unchanged', () => {
      const k = newKey();
      store.add(must(resolveKey({ uri: k.uri })), ACTOR);
      store.setStatus(k.keyHash, 'revoked', ACTOR);
      const noStatus = store.importEntries([rowFor('line 2', { uri: k.uri })], { actor: ACTOR });
      assert.deepEqual(noStatus, { applied: true, added: 0, unchanged: 1, problems: [] });
      const active = store.importEntries([rowFor('line 2', { uri: k.uri }, { status: 'active' })], {
        actor: ACTOR,
      });
      assert.equal(active.applied, false);
      assert.match(active.problems[0]!.reason, /different status/);
      assert.equal(store.get(k.keyHash)?.status, 'revoked');
    });

    it('a key on the whitelist by hash only cannot gain its key through an import', () => {
      const k = newKey();
      store.add({ keyHash: k.keyHash }, ACTOR);
      const outcome = store.importEntries([rowFor('line 2', { uri: k.uri })], { actor: ACTOR });
      assert.equal(outcome.applied, false);
      assert.match(outcome.problems[0]!.reason, /by hash only/);
    });

    it("reports a bad field in a row as that row's problem", () => {
      const k = newKey();
      const outcome = store.importEntries(
        [rowFor('entry 1', { uri: k.uri }, { profile: 'bad profile', createdAt: 'yesterday' })],
        { actor: ACTOR },
      );
      assert.equal(outcome.applied, false);
      assert.equal(outcome.problems[0]!.where, 'entry 1');
      assert.match(outcome.problems[0]!.reason, /bad profile/);
    });

    it('restores the times an export carried', () => {
      const k = newKey();
      store.importEntries(
        [
          rowFor(
            'line 2',
            { uri: k.uri },
            {
              createdAt: '2024-01-02T03:04:05.000Z',
              updatedAt: '2024-02-02T03:04:05Z',
              lastSeen: '2024-03-02T03:04:05.678Z',
            },
          ),
        ],
        { actor: ACTOR },
      );
      const e = store.get(k.keyHash)!;
      assert.equal(e.createdAt, '2024-01-02T03:04:05.000Z');
      assert.equal(e.updatedAt, '2024-02-02T03:04:05.000Z');
      assert.equal(e.lastSeen, '2024-03-02T03:04:05.678Z');
      assert.equal(e.provisionedAt, undefined);
    });
  });
});
