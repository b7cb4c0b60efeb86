/**
 * `configurator backup FILE`: the data dir's database (an online snapshot: a running daemon goes
 * on), the configurator's key and the console's files, in one archive (contents.ts), mode 0600,
 * never over an existing file. The files are gathered in a private folder beside FILE (where the
 * space for the backup is, rather than a /tmp that may be RAM), then packed; when anything fails,
 * FILE is removed again rather than left half written.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { ConfiguratorError } from '../../protocol/errors.js';
import { databasePath, DB_FILE_NAME } from '../../whitelist/database.js';
import { PRIVATE_FILE_MODE, requirePrivate } from '../../whitelist/private-files.js';
import { describeDatabaseFile, snapshotDatabase } from '../../whitelist/snapshot.js';
import { DaemonErrorCode } from '../errors.js';
import { VERSION } from '../version.js';
import {
  BACKED_UP_FILES,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  MANIFEST_FILE,
  type BackupManifest,
} from './contents.js';

export async function createBackup(dataDir: string, out: string): Promise<BackupManifest> {
  if (!existsSync(databasePath(dataDir)))
    throw new ConfiguratorError(
      DaemonErrorCode.BackupRefused,
      `no database at ${databasePath(dataDir)}: nothing to back up (is --data-dir right?)`,
    );
  requirePrivate(
    BACKED_UP_FILES.filter((f) => f.secret).map((f) => ({
      path: join(dataDir, f.name),
      kind: 'file' as const,
    })),
  );
  const fd = claimOutput(out);
  let stage: string | undefined;
  let written = false;
  try {
    stage = mkdtempSync(join(dirname(out), `.${basename(out)}.`));
    const manifest = await gather(dataDir, stage);
    writeFileSync(join(stage, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: PRIVATE_FILE_MODE,
    });
    await pipeline(
      tar.c({ gzip: true, cwd: stage, portable: true }, [
        MANIFEST_FILE,
        ...manifest.files.map((f) => f.name),
      ]),
      createWriteStream('', { fd, autoClose: false }),
    );
    fsyncSync(fd);
    written = true;
    return manifest;
  } catch (e) {
    if (e instanceof ConfiguratorError) throw e;
    throw new ConfiguratorError(
      DaemonErrorCode.BackupFailed,
      `cannot write ${out}: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    closeSync(fd);
    if (!written) unlinkSync(out);
    if (stage !== undefined) rmSync(stage, { recursive: true, force: true });
  }
}

/** The output file, created 0600 whatever the umask; an existing one is refused. */
function claimOutput(out: string): number {
  let fd: number;
  try {
    fd = openSync(out, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new ConfiguratorError(
        DaemonErrorCode.BackupRefused,
        `refusing to overwrite ${out}: the file exists`,
      );
    throw new ConfiguratorError(
      DaemonErrorCode.BackupFailed,
      `cannot create ${out}: ${code ?? String(e)}`,
    );
  }
  fchmodSync(fd, PRIVATE_FILE_MODE);
  return fd;
}

/** The files into `stage`, the database as a snapshot, each with its size and hash. */
async function gather(dataDir: string, stage: string): Promise<BackupManifest> {
  await snapshotDatabase(dataDir, join(stage, DB_FILE_NAME));
  const database = describeDatabaseFile(join(stage, DB_FILE_NAME), 'the snapshot');
  const files: BackupManifest['files'] = [];
  for (const { name } of BACKED_UP_FILES) {
    const target = join(stage, name);
    if (name !== DB_FILE_NAME) {
      const source = join(dataDir, name);
      if (!existsSync(source)) continue;
      copyFileSync(source, target);
      chmodSync(target, PRIVATE_FILE_MODE);
    }
    files.push({ name, size: statSync(target).size, sha256: await sha256Of(target) });
  }
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    configuratorVersion: VERSION,
    host: hostname(),
    dataDir,
    database,
    files,
  };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
