/**
 * `configurator restore FILE`: a backup back into a data dir, only while no daemon runs on it
 * (its state file tells), into a data dir that holds none of the files a backup holds, or with
 * `force` over one that does (the answer says what was replaced and what removed). The backup is
 * unpacked and checked entirely inside the data dir (same file system, so the files then move into
 * place by rename) before anything there changes: a bad backup restores nothing. The data dir
 * then passes the private-file checks: 0700, every file 0600. Run as root on a data dir of
 * another owner (a service user's), the files are given to that owner.
 */
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { ConfiguratorError } from '../../protocol/errors.js';
import { bytesEqual } from '../../protocol/bytes.js';
import { databasePath, databasePrivatePaths, ensureDirectory } from '../../whitelist/database.js';
import { requirePrivate } from '../../whitelist/private-files.js';
import { DaemonErrorCode } from '../errors.js';
import { IDENTITY_FILE } from '../keys/identity.js';
import { parsePrivateKey } from '../keys/key-file.js';
import { readDaemonState } from '../service/state-file.js';
import { BACKED_UP_FILES } from './contents.js';
import { readBackup, type ReadBackup } from './read-backup.js';

export interface RestoreOptions {
  /** Replace what the data dir holds. */
  readonly force?: boolean;
}

export interface RestoreOutcome extends ReadBackup {
  /** Files of the data dir the backup's replaced. */
  readonly replaced: string[];
  /** Files the data dir held that the backup has not: removed, so the data dir is the backup's. */
  readonly removed: string[];
  /** The configurator's key changed: devices that pinned the old one no longer trust us. */
  readonly keyChanged: boolean;
}

/** The database's -wal and -shm: an old -wal beside the restored database would be applied to it. */
function databaseSideFiles(dataDir: string): string[] {
  return ['-wal', '-shm'].map((suffix) => `${databasePath(dataDir)}${suffix}`);
}

export async function restoreBackup(
  file: string,
  dataDir: string,
  options: RestoreOptions = {},
): Promise<RestoreOutcome> {
  const running = readDaemonState(dataDir);
  if (running !== undefined)
    throw new ConfiguratorError(
      DaemonErrorCode.BackupDaemonRunning,
      `a daemon (pid ${running.pid}) runs on ${dataDir}: stop it first (systemctl stop dpp-configurator); nothing restored`,
    );
  const present = BACKED_UP_FILES.map((f) => f.name).filter((name) =>
    existsSync(join(dataDir, name)),
  );
  if (present.length > 0 && options.force !== true)
    throw new ConfiguratorError(
      DaemonErrorCode.BackupRefused,
      `${dataDir} already holds ${present.join(', ')}: --force replaces ${present.length === 1 ? 'it' : 'them'} with the backup (back ${present.length === 1 ? 'it' : 'them'} up first); nothing restored`,
    );
  const created = !existsSync(dataDir);
  ensureDirectory(dataDir);
  requirePrivate([{ path: dataDir, kind: 'directory' }]);
  const stage = mkdtempSync(join(dataDir, '.restore-'));
  try {
    const read = await readBackup(file, stage);
    const names = read.manifest.files.map((f) => f.name);
    const keyChanged =
      present.includes(IDENTITY_FILE) &&
      !sameKey(
        join(dataDir, IDENTITY_FILE),
        names.includes(IDENTITY_FILE) ? join(stage, IDENTITY_FILE) : undefined,
      );
    giveToOwnerOf(
      dataDir,
      names.map((n) => join(stage, n)),
    );
    for (const side of databaseSideFiles(dataDir)) rmSync(side, { force: true });
    for (const name of names) renameSync(join(stage, name), join(dataDir, name));
    const removed = present.filter((name) => !names.includes(name));
    for (const name of removed) rmSync(join(dataDir, name), { force: true });
    requirePrivate([
      ...databasePrivatePaths(dataDir),
      ...names.map((n) => ({ path: join(dataDir, n), kind: 'file' as const })),
    ]);
    return {
      ...read,
      replaced: present.filter((name) => names.includes(name)),
      removed,
      keyChanged,
    };
  } catch (e) {
    if (created) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function sameKey(current: string, restored: string | undefined): boolean {
  if (restored === undefined) return false;
  try {
    const a = parsePrivateKey(readFileSync(current, 'latin1'));
    const b = parsePrivateKey(readFileSync(restored, 'latin1'));
    return bytesEqual(a.publicKey, b.publicKey);
  } catch {
    // An unreadable current key is being replaced: a change either way.
    return false;
  }
}

/** As root, restored files belong to the data dir's owner (the service user), not to root. */
function giveToOwnerOf(dataDir: string, paths: readonly string[]): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(dataDir);
  if (uid === 0) return;
  for (const path of paths) chownSync(path, uid, gid);
}
