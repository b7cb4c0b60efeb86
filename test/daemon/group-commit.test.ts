import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit } from '../../daemon/service/group-commit.js';
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase, type Database } from '../../whitelist/database.js';

describe('group commit of the daemon writes', () => {
  let dir: string;
  let db: Database;
  let audit: AuditLog;
  const errors: string[] = [];
  const log = { error: (_obj: object, msg: string) => void errors.push(msg) };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
    db = openDatabase(dir);
    audit = new AuditLog(db);
    errors.length = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes everything queued within the window in one transaction', async () => {
    const writes = new GroupCommit(db, log, 10);
    for (let i = 0; i < 50; i++) writes.defer('audit', () => void audit.append({ kind: `k${i}` }));
    assert.equal(audit.count(), 0, 'nothing written before the window ends');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(audit.count(), 50);
    assert.deepEqual(writes.counters, { commits: 1, writes: 50, failed: 0 });
  });

  it('calls afterCommit only once the writes before it are on disk', async () => {
    const writes = new GroupCommit(db, log, 10);
    writes.defer('audit', () => void audit.append({ kind: 'configuration-delivered' }));
    const seen = await new Promise<{ ok: boolean; count: number }>((resolve) =>
      writes.afterCommit((ok) => resolve({ ok, count: audit.count() })),
    );
    assert.deepEqual(seen, { ok: true, count: 1 });
  });

  it('a failing write loses none of the others, is logged, and makes afterCommit say so', () => {
    const writes = new GroupCommit(db, log, 10);
    writes.defer('audit', () => void audit.append({ kind: 'before' }));
    writes.defer('broken', () => {
      throw new Error('disk I/O error');
    });
    writes.defer('audit', () => void audit.append({ kind: 'after' }));
    let result: boolean | undefined;
    writes.afterCommit((ok) => (result = ok));
    writes.commit();
    assert.equal(result, false);
    assert.deepEqual(
      audit.list({}).map((r) => r.kind),
      ['after', 'before'],
    );
    assert.ok(errors.includes('a database write failed'));
  });
});
