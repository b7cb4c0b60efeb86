/**
 * Copies of the database for backups. A snapshot is taken with SQLite's online backup, so the
 * daemon may go on writing meanwhile: the copy is one consistent state, made in a single backup
 * step under one read transaction (WAL readers do not block the writer, and a copy made in many
 * steps would start over at each commit of a busy daemon). The copy is one self-contained file
 * (rollback journal mode, no -wal beside it), and describing one checks its integrity first.
 */
import { chmodSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { ConfiguratorError } from '../protocol/errors.js';
import { appliedVersion, databasePath, databasePrivatePaths } from './database.js';
import { WhitelistErrorCode } from './errors.js';
import { SCHEMA_VERSION } from './migrations.js';
import { PRIVATE_FILE_MODE, requirePrivate } from './private-files.js';

/** Pages per backup step: all of them, in one step. */
const ALL_PAGES = 0x7fffffff;

export interface DatabaseContents {
  readonly schemaVersion: number;
  readonly whitelistEntries: number;
  readonly devices: number;
  readonly deviceSecrets: number;
  readonly auditRecords: number;
}

/** `path` opened read-only; a file SQLite cannot open is refused with `code`, naming `what`. */
function openReadonly(path: string, code: number, what: string): BetterSqlite3.Database {
  try {
    return new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new ConfiguratorError(code, `${what} (${messageOf(e)})`);
  }
}

/** A consistent copy of `<dataDir>/configurator.db` at `dest` (which must not exist yet). */
export async function snapshotDatabase(dataDir: string, dest: string): Promise<void> {
  const path = databasePath(dataDir);
  requirePrivate(databasePrivatePaths(dataDir));
  const source = openReadonly(path, WhitelistErrorCode.StoreOpenFailed, `cannot open ${path}`);
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(dest, { progress: () => ALL_PAGES });
  } catch (e) {
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreOpenFailed,
      `cannot copy ${path}: ${messageOf(e)}`,
    );
  } finally {
    source.close();
  }
  // SQLite made the file under the umask; it holds every device's secrets.
  chmodSync(dest, PRIVATE_FILE_MODE);
  const copy = new BetterSqlite3(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * What a database file holds, after SQLite's integrity check; one that fails it, or was written
 * by a newer release, is refused (StoreBadRecord, StoreSchemaTooNew) naming `what`.
 */
export function describeDatabaseFile(path: string, what: string): DatabaseContents {
  const db = openReadonly(
    path,
    WhitelistErrorCode.StoreBadRecord,
    `${what}: not an SQLite database`,
  );
  try {
    let check: unknown[];
    try {
      check = db.pragma('integrity_check', { simple: false }) as unknown[];
    } catch (e) {
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreBadRecord,
        `${what}: not a usable SQLite database (${messageOf(e)})`,
      );
    }
    const problems = check
      .map((row) => Object.values(row as object).join(' '))
      .filter((r) => r !== 'ok');
    if (problems.length > 0)
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreBadRecord,
        `${what}: fails SQLite's integrity check (${problems.slice(0, 3).join('; ')})`,
      );
    const schemaVersion = appliedVersion(db);
    if (schemaVersion > SCHEMA_VERSION)
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreSchemaTooNew,
        `${what} has schema version ${schemaVersion}, newer than this release knows (${SCHEMA_VERSION}): restore it with the release that made it, or a newer one`,
      );
    const count = (table: string): number => {
      const exists = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(table);
      if (exists === undefined) return 0;
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    };
    return {
      schemaVersion,
      whitelistEntries: count('whitelist'),
      devices: count('devices'),
      deviceSecrets: count('device_secrets'),
      auditRecords: count('audit'),
    };
  } finally {
    db.close();
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
