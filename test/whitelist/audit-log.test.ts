import assert from 'node:assert/strict';
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import { TempDirs } from './fixtures.js';

describe('AuditLog', () => {
  const temp = new TempDirs();
  let db: Database;
  let audit: AuditLog;
  const h1 = '11'.repeat(32);
  const h2 = '22'.repeat(32);

  beforeEach(() => {
    db = openDatabase(temp.make());
    audit = new AuditLog(db);
  });
  afterEach(() => {
    db.close();
    temp.cleanup();
  });

  it('appends records with increasing ids and reads every field back', () => {
    const at = new Date('2025-04-01T08:00:00.000Z');
    const id1 = audit.append({
      kind: 'refused',
      keyHash: h1,
      peer: 'aa:bb:cc:dd:ee:ff',
      reason: 'not on the whitelist',
      detail: { transport: 'espnow', rssi: -40 },
      actor: 'daemon',
      at,
    });
    const id2 = audit.append({ kind: 'identity-created' });
    assert.ok(id2 > id1);
    const [second, first] = audit.list();
    assert.deepEqual(first, {
      id: id1,
      at: at.toISOString(),
      kind: 'refused',
      keyHash: h1,
      peer: 'aa:bb:cc:dd:ee:ff',
      reason: 'not on the whitelist',
      detail: '{"transport":"espnow","rssi":-40}',
      actor: 'daemon',
    });
    assert.equal(second!.kind, 'identity-created');
    assert.equal(second!.keyHash, undefined);
    assert.equal(audit.count(), 2);
  });

  it('refuses UPDATE and DELETE: the log is append-only', () => {
    audit.append({ kind: 'refused', keyHash: h1 });
    assert.throws(() => db.prepare("UPDATE audit SET kind = 'nothing'").run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit').run(), /append-only/);
    assert.equal(audit.list()[0]!.kind, 'refused');
    assert.equal(audit.count(), 1);
  });

  it('appendMany writes all or nothing', () => {
    const ids = audit.appendMany([
      { kind: 'refused', keyHash: h1 },
      { kind: 'refused', keyHash: h2 },
    ]);
    assert.equal(ids.length, 2);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() =>
      audit.appendMany([
        { kind: 'refused', keyHash: h1 },
        { kind: 'bad', detail: cyclic },
      ]),
    );
    assert.equal(audit.count(), 2);
  });

  it('filters by kind, key hash, time and id, newest first, with a limit', () => {
    const base = Date.parse('2025-04-01T00:00:00.000Z');
    for (let i = 0; i < 6; i++) {
      audit.append({
        kind: i % 2 === 0 ? 'refused' : 'admitted',
        keyHash: i < 3 ? h1 : h2,
        at: new Date(base + i * 60_000),
      });
    }
    assert.deepEqual(
      audit.list({ kind: 'refused' }).map((r) => r.id),
      [5, 3, 1],
    );
    assert.deepEqual(
      audit.list({ keyHash: h2.toUpperCase() }).map((r) => r.id),
      [6, 5, 4],
    );
    assert.deepEqual(
      audit.list({ since: new Date(base + 4 * 60_000) }).map((r) => r.id),
      [6, 5],
    );
    assert.deepEqual(
      audit.list({ afterId: 4, kind: 'admitted' }).map((r) => r.id),
      [6],
    );
    assert.deepEqual(
      audit.list({ limit: 2 }).map((r) => r.id),
      [6, 5],
    );
  });
});
