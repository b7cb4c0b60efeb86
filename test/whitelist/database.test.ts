import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isConfiguratorError } from '../../protocol/errors.js';
import { appliedVersion, databasePath, migrate, openDatabase } from '../../whitelist/database.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../whitelist/migrations.js';
import { TempDirs } from './fixtures.js';
import { UnlistedStore } from '../../whitelist/unlisted-store.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';

describe('whitelist database', () => {
  const temp = new TempDirs();
  afterEach(() => temp.cleanup());

  for (const umask of [0o000, 0o177]) {
    it(`creates the directory 0700 and the file 0600 (also -wal, -shm) under umask ${umask.toString(8)}`, () => {
      const dir = join(temp.make(), 'state');
      const old = process.umask(umask);
      let db;
      try {
        db = openDatabase(dir);
        db.prepare('SELECT count(*) FROM whitelist').get();
      } finally {
        process.umask(old);
      }
      try {
        assert.equal(statSync(dir).mode & 0o777, 0o700);
        assert.equal(statSync(databasePath(dir)).mode & 0o777, 0o600);
        for (const suffix of ['-wal', '-shm']) {
          const p = databasePath(dir) + suffix;
          assert.ok(existsSync(p), `${p} exists in WAL mode`);
          assert.equal(statSync(p).mode & 0o777, 0o600, suffix);
        }
      } finally {
        db.close();
      }
    });
  }

  const notPrivate = (pattern: RegExp) => (e: unknown) =>
    isConfiguratorError(e, WhitelistErrorCode.StoreNotPrivate) && pattern.test(e.message);

  it('refuses a database file chmod 0644, reading or writing, naming the chmod that fixes it', () => {
    const dir = temp.make();
    openDatabase(dir).close();
    const path = databasePath(dir);
    chmodSync(path, 0o644);
    const fix = new RegExp(`${path} \\(mode 0644\\).*Fix: chmod 600 ${path} `);
    assert.throws(() => openDatabase(dir), notPrivate(fix));
    assert.throws(() => openDatabase(dir, { readonly: true }), notPrivate(fix));
    // Refused, not repaired: the mode is the admin's to fix (and to think about).
    assert.equal(statSync(path).mode & 0o777, 0o644);
    chmodSync(path, 0o600);
    openDatabase(dir).close();
  });

  it('refuses a data dir its group can read and a -wal others can, listing both fixes at once', () => {
    const dir = temp.make();
    const db = openDatabase(dir);
    try {
      chmodSync(dir, 0o750);
      chmodSync(`${databasePath(dir)}-wal`, 0o604);
      assert.throws(
        () => openDatabase(dir, { readonly: true }),
        notPrivate(new RegExp(`Fix: chmod 700 ${dir} && chmod 600 ${databasePath(dir)}-wal \\(`)),
      );
      assert.equal(statSync(dir).mode & 0o777, 0o750);
    } finally {
      db.close();
      chmodSync(dir, 0o700);
    }
  });

  it('sets WAL, synchronous NORMAL, busy timeout and foreign keys', () => {
    const db = openDatabase(temp.make());
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      db.close();
    }
  });

  it('records each migration once, also when opened again', () => {
    const dir = temp.make();
    openDatabase(dir).close();
    const db = openDatabase(dir);
    try {
      const rows = db.prepare('SELECT version, applied_at FROM schema_migrations').all();
      assert.equal(rows.length, MIGRATIONS.length);
      assert.equal(appliedVersion(db), SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('applies a later migration to an existing database in its own transaction', () => {
    const dir = temp.make();
    const db = openDatabase(dir);
    try {
      const next = [
        ...MIGRATIONS,
        { version: SCHEMA_VERSION + 1, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER)' },
        { version: SCHEMA_VERSION + 2, name: 'broken', sql: 'CREATE TABLE extra (y INTEGER)' },
      ];
      assert.throws(() => migrate(db, next), /already exists/);
      // The good one stayed, the failed one left nothing behind.
      assert.equal(appliedVersion(db), SCHEMA_VERSION + 1);
      assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'extra'").get());
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer release without touching it', () => {
    const dir = temp.make();
    openDatabase(dir).close();
    const raw = new BetterSqlite3(databasePath(dir));
    raw
      .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
      .run(SCHEMA_VERSION + 7, 'later');
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const before = statSync(databasePath(dir)).mtimeMs;
    assert.throws(
      () => openDatabase(dir),
      (e: unknown) =>
        isConfiguratorError(e, WhitelistErrorCode.StoreSchemaTooNew) &&
        e.message.includes(`schema version ${SCHEMA_VERSION + 7}`) &&
        e.message.includes('newer'),
    );
    const check = new BetterSqlite3(databasePath(dir), { readonly: true });
    try {
      // Still in the journal mode it was left in: we changed nothing, not even that.
      assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
    } finally {
      check.close();
    }
    assert.equal(statSync(databasePath(dir)).mtimeMs, before);
  });

  it('gives a clear error for a file that is not a database', () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'configurator.db'), 'this is not sqlite, just some text'.repeat(100), {
      mode: 0o600,
    });
    assert.throws(
      () => openDatabase(dir),
      (e: unknown) =>
        isConfiguratorError(e, WhitelistErrorCode.StoreOpenFailed) &&
        /configurator\.db/.test(e.message),
    );
  });

  it('opens read-only only an existing, current database', () => {
    const dir = temp.make();
    assert.throws(
      () => openDatabase(dir, { readonly: true }),
      (e: unknown) => isConfiguratorError(e, WhitelistErrorCode.StoreOpenFailed),
    );
    openDatabase(dir).close();
    const ro = openDatabase(dir, { readonly: true });
    try {
      assert.throws(
        () => ro.prepare("INSERT INTO audit (at, kind) VALUES ('x', 'y')").run(),
        /readonly/,
      );
    } finally {
      ro.close();
    }
  });

  it('lets two connections use the same file at once (WAL: a reader during a write)', () => {
    const dir = temp.make();
    const a = openDatabase(dir);
    const b = openDatabase(dir);
    try {
      a.exec('BEGIN IMMEDIATE');
      a.prepare("INSERT INTO audit (at, kind) VALUES ('2025-01-01T00:00:00.000Z', 'x')").run();
      // b reads the committed state while a holds the write lock.
      assert.deepEqual(b.prepare('SELECT count(*) AS n FROM audit').get(), { n: 0 });
      a.exec('COMMIT');
      assert.deepEqual(b.prepare('SELECT count(*) AS n FROM audit').get(), { n: 1 });
    } finally {
      a.close();
      b.close();
    }
  });

  it('keeps the devices heard but not listed across migration 3, which adds Bluetooth LE, the radio that heard them and the URI', () => {
    const dir = temp.make();
    const old = new BetterSqlite3(databasePath(dir));
    try {
      migrate(
        old,
        MIGRATIONS.filter((m) => m.version <= 2),
      );
      old
        .prepare(
          `INSERT INTO unlisted (id, key_hash, address, rssi, transport, first_seen, last_seen, count)
           VALUES (?, ?, 'aa:bb:cc:dd:ee:01', -60, 'espnow', ?, ?, 7)`,
        )
        .run(
          'c'.repeat(64),
          'c'.repeat(64),
          '2026-01-01T00:00:00.000Z',
          '2026-01-02T00:00:00.000Z',
        );
    } finally {
      old.close();
    }
    for (const file of ['', '-wal', '-shm'])
      if (existsSync(databasePath(dir) + file)) chmodSync(databasePath(dir) + file, 0o600);
    const db = openDatabase(dir);
    try {
      const store = new UnlistedStore(db);
      const kept = store.get('c'.repeat(64));
      assert.equal(kept?.count, 7);
      assert.equal(kept?.transport, 'espnow');
      assert.equal(kept?.heardBy, undefined);
      const at = new Date('2026-01-03T00:00:00.000Z');
      store.record([
        {
          keyHash: 'd'.repeat(64),
          uri: 'DPP:K:abc;;',
          address: '24:0a:c4:00:00:02',
          rssi: -71,
          transport: 'ble',
          heardBy: 'hci0',
          at,
          count: 1,
        },
      ]);
      const ble = store.get('d'.repeat(64));
      assert.equal(ble?.transport, 'ble');
      assert.equal(ble?.heardBy, 'hci0');
      assert.equal(ble?.uri, 'DPP:K:abc;;');
    } finally {
      db.close();
    }
  });

  it('the schema refuses rows that break its rules', () => {
    const db = openDatabase(temp.make());
    try {
      const at = '2025-01-01T00:00:00.000Z';
      assert.throws(
        () =>
          db
            .prepare(
              'INSERT INTO whitelist (key_hash, status, created_at, updated_at) VALUES (?, ?, ?, ?)',
            )
            .run('A'.repeat(64), 'active', at, at),
        /CHECK/,
      );
      assert.throws(
        () =>
          db
            .prepare(
              'INSERT INTO whitelist (key_hash, status, created_at, updated_at) VALUES (?, ?, ?, ?)',
            )
            .run('a'.repeat(64), 'maybe', at, at),
        /CHECK/,
      );
      assert.throws(
        () =>
          db
            .prepare(
              `INSERT INTO devices (key_hash, state, first_seen, last_seen, state_changed_at)
               VALUES (?, 'lost', ?, ?, ?)`,
            )
            .run('a'.repeat(64), at, at, at),
        /CHECK/,
      );
    } finally {
      db.close();
    }
  });
});
