/**
 * The configurator's SQLite database: `<dataDir>/configurator.db`, directory 0700, file 0600 (it
 * holds per-device secrets); found open to group or others, it is refused (private-files.ts). WAL mode with a busy timeout, so the daemon and admin commands can
 * use the file at the same time: readers never block, a writer waits up to 5 s for another.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ConfiguratorError } from '../protocol/errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
import { isoTime } from './time.js';
import { WhitelistErrorCode } from './errors.js';
import {
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  requirePrivate,
  type PrivatePath,
} from './private-files.js';

export type Database = BetterSqlite3.Database;

export const DB_FILE_NAME = 'configurator.db';
const BUSY_TIMEOUT_MS = 5000;

export interface OpenOptions {
  /** Open for reading only: the file must exist and be at the current schema version. */
  readonly readonly?: boolean;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, DB_FILE_NAME);
}

/** The data dir and the database's files (SQLite gives -wal and -shm the database file's mode). */
export function databasePrivatePaths(dataDir: string): PrivatePath[] {
  const path = databasePath(dataDir);
  return [
    { path: dataDir, kind: 'directory' },
    ...['', '-wal', '-shm'].map((suffix) => ({ path: path + suffix, kind: 'file' as const })),
  ];
}

export function openDatabase(dataDir: string, options: OpenOptions = {}): Database {
  const path = databasePath(dataDir);
  const readonly = options.readonly === true;
  if (!readonly) {
    ensureDirectory(dataDir);
    ensureFile(path);
  }
  // Before SQLite reads a byte: reading or writing, a database others can read is not used.
  requirePrivate(databasePrivatePaths(dataDir));
  let db: Database;
  try {
    db = new BetterSqlite3(path, { readonly, fileMustExist: true });
  } catch (e) {
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreOpenFailed,
      `cannot open ${path}: ${messageOf(e)}`,
    );
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // Refuse a newer schema before changing anything, even the journal mode.
    const version = appliedVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreSchemaTooNew,
        `${path} has schema version ${version}, newer than this release knows (${SCHEMA_VERSION}): ` +
          'it was written by a newer configurator; upgrade instead of opening it with this one',
      );
    }
    if (readonly) {
      if (version < SCHEMA_VERSION) {
        throw new ConfiguratorError(
          WhitelistErrorCode.StoreOpenFailed,
          `${path} has schema version ${version}, this release needs ${SCHEMA_VERSION}: ` +
            'open it once for writing to upgrade it',
        );
      }
    } else {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') {
        throw new ConfiguratorError(
          WhitelistErrorCode.StoreOpenFailed,
          `${path}: cannot use WAL mode (got ${String(mode)})`,
        );
      }
      db.pragma('synchronous = NORMAL');
      migrate(db, MIGRATIONS);
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof ConfiguratorError) throw e;
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreOpenFailed,
      `cannot open ${path}: ${messageOf(e)}`,
    );
  }
}

/** A private in-memory database with the current schema (tests; views of a missing data dir). */
export function openMemoryDatabase(): Database {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS);
  return db;
}

/** The highest migration applied; 0 for a new file. */
export function appliedVersion(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get();
  return readNumber(row, 'v') ?? 0;
}

/**
 * Apply the migrations not yet applied, each in its own IMMEDIATE transaction that re-reads the
 * version first: two processes opening a new file at once apply each migration once.
 */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)',
  );
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  for (const migration of migrations) {
    db.transaction(() => {
      const current = appliedVersion(db);
      if (current > known) {
        throw new ConfiguratorError(
          WhitelistErrorCode.StoreSchemaTooNew,
          `schema version ${current} is newer than this release knows (${known})`,
        );
      }
      if (migration.version <= current) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        isoTime(),
      );
    }).immediate();
  }
}

/** Create the data directory 0700 if missing; an existing one is checked, not changed. */
export function ensureDirectory(dir: string): void {
  try {
    const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // mkdir's mode passes through the umask; chmod makes it exact.
    if (created !== undefined) chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (e) {
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreOpenFailed,
      `cannot create ${dir}: ${messageOf(e)}`,
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw new ConfiguratorError(WhitelistErrorCode.StoreOpenFailed, `${dir} is not a directory`);
  }
}

/**
 * Create the database file 0600 before SQLite opens it, whatever the umask; SQLite gives the -wal
 * and -shm files the database file's mode.
 */
function ensureFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return;
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreOpenFailed,
      `cannot create ${path}: ${messageOf(e)}`,
    );
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

function readNumber(row: unknown, column: string): number | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const value: unknown = Reflect.get(row, column);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && e.code === code;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
