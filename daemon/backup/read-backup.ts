/**
 * Reading a backup (contents.ts) into a private folder, trusting nothing in it: the first member
 * must be a manifest of our format, every other member a regular file the manifest lists (names
 * from a fixed set, so nothing can be written outside the folder), each with the manifest's size
 * and SHA-256, none missing; the database must pass SQLite's integrity check and the keys must
 * parse. Any fault, a truncated or corrupted file among them, refuses the whole backup.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import * as tar from 'tar';
import { ConfiguratorError } from '../../protocol/errors.js';
import { DB_FILE_NAME } from '../../whitelist/database.js';
import { PRIVATE_FILE_MODE } from '../../whitelist/private-files.js';
import { describeDatabaseFile, type DatabaseContents } from '../../whitelist/snapshot.js';
import { CERT_FILE, KEY_FILE } from '../console/tls.js';
import { readTokens } from '../console/tokens.js';
import { DaemonErrorCode } from '../errors.js';
import { IDENTITY_FILE } from '../keys/identity.js';
import { parsePrivateKey } from '../keys/key-file.js';
import { describeIssues } from '../config/load.js';
import {
  BACKUP_FORMAT,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  manifestSchema,
  type BackupManifest,
} from './contents.js';

export interface ReadBackup {
  readonly manifest: BackupManifest;
  /** What the database in it holds, counted again here. */
  readonly database: DatabaseContents;
}

/** Unpacks `file` into `stage` (an empty private folder) and checks everything in it. */
export async function readBackup(file: string, stage: string): Promise<ReadBackup> {
  const invalid = (why: string): ConfiguratorError =>
    new ConfiguratorError(DaemonErrorCode.BackupInvalid, `${file}: ${why}; nothing restored`);
  const manifest = await unpack(file, stage, invalid);
  try {
    return { manifest, database: checkContents(stage, manifest) };
  } catch (e) {
    if (e instanceof ConfiguratorError) throw invalid(e.message);
    throw e;
  }
}

async function unpack(
  file: string,
  stage: string,
  invalid: (why: string) => ConfiguratorError,
): Promise<BackupManifest> {
  let manifest: BackupManifest | undefined;
  let problem: string | undefined;
  const seen = new Map<string, { readonly size: number; readonly sha256: Promise<string> }>();
  const refuse = (why: string): void => {
    problem ??= why;
  };

  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      if (problem !== undefined) return entry.resume();
      const name = entry.path;
      if (manifest === undefined) {
        if (name !== MANIFEST_FILE || entry.type !== 'File' || entry.size > MAX_MANIFEST_BYTES) {
          refuse(`not a configurator backup: it does not start with ${MANIFEST_FILE}`);
          return entry.resume();
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          const parsed = parseManifest(Buffer.concat(chunks).toString('utf8'));
          if (typeof parsed === 'string') refuse(parsed);
          else manifest = parsed;
        });
        return;
      }
      const listed = manifest.files.find((f) => f.name === name);
      if (listed === undefined || entry.type !== 'File' || seen.has(name)) {
        refuse(
          `${JSON.stringify(name)} is ${seen.has(name) ? 'in it twice' : 'not listed in its manifest'}`,
        );
        return entry.resume();
      }
      const hash = createHash('sha256');
      const out = createWriteStream(join(stage, name), { flags: 'wx', mode: PRIVATE_FILE_MODE });
      const written = {
        size: 0,
        sha256: finished(out).then(
          () => hash.digest('hex'),
          (e: unknown) => {
            refuse(`cannot unpack ${name}: ${e instanceof Error ? e.message : String(e)}`);
            return '';
          },
        ),
      };
      seen.set(name, written);
      // One consumer for hash and file: a second one attached later would miss what the entry
      // already had buffered.
      entry.on('data', (c: Buffer) => {
        written.size += c.length;
        hash.update(c);
        if (!out.write(c)) {
          entry.pause();
          out.once('drain', () => entry.resume());
        }
      });
      entry.on('end', () => out.end());
    },
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(file);
      input.on('error', reject);
      parser.on('error', reject);
      parser.on('close', resolve);
      input.pipe(parser);
    });
  } catch (e) {
    throw invalid(describeReadError(e));
  }
  if (problem !== undefined) throw invalid(problem);
  if (manifest === undefined) throw invalid(`not a configurator backup: no ${MANIFEST_FILE} in it`);
  for (const f of manifest.files) {
    const got = seen.get(f.name);
    if (got === undefined) throw invalid(`${f.name} is missing (truncated?)`);
    const sha256 = await got.sha256;
    if (problem !== undefined) throw invalid(problem);
    if (got.size !== f.size || sha256 !== f.sha256)
      throw invalid(
        `${f.name} does not match its manifest (${got.size} bytes, ${f.size} expected; SHA-256 ${sha256 === f.sha256 ? 'matches' : 'differs'}): corrupted`,
      );
  }
  return manifest;
}

function parseManifest(text: string): BackupManifest | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return `${MANIFEST_FILE} is not JSON`;
  }
  const format = (doc as { format?: unknown } | null)?.format;
  if (format !== BACKUP_FORMAT)
    return `not a configurator backup (format ${JSON.stringify(format)})`;
  const parsed = manifestSchema.safeParse(doc);
  if (!parsed.success)
    return `${MANIFEST_FILE} is not one this release reads: ${describeIssues(parsed.error.issues)}`;
  if (!parsed.data.files.some((f) => f.name === DB_FILE_NAME))
    return `${MANIFEST_FILE} lists no ${DB_FILE_NAME}`;
  return parsed.data;
}

/** What a read error means for the admin: the archive's own words are for us. */
function describeReadError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
    return `cannot read it (${code})`;
  if (code === 'Z_BUF_ERROR' || (code === 'TAR_BAD_ARCHIVE' && /truncat/i.test(message)))
    return `truncated: it ends before the archive does (${message})`;
  if (code === 'Z_DATA_ERROR')
    return `corrupted: its compressed data fails the gzip check (${message})`;
  if (code === 'TAR_BAD_ARCHIVE') return `not a configurator backup (${message})`;
  return `unreadable (${message})`;
}

/** The files themselves: the database sound and not newer than this release, the keys parse. */
function checkContents(stage: string, manifest: BackupManifest): DatabaseContents {
  const has = (name: string): boolean => manifest.files.some((f) => f.name === name);
  const database = describeDatabaseFile(join(stage, DB_FILE_NAME), DB_FILE_NAME);
  if (has(IDENTITY_FILE))
    parsePrivateKey(readFileSync(join(stage, IDENTITY_FILE), 'latin1'), IDENTITY_FILE);
  // readTokens reads `<dir>/console-tokens.json` and refuses a malformed one.
  readTokens(stage);
  if (has(CERT_FILE) !== has(KEY_FILE))
    throw new ConfiguratorError(
      DaemonErrorCode.BackupInvalid,
      `${has(CERT_FILE) ? CERT_FILE : KEY_FILE} without ${has(CERT_FILE) ? KEY_FILE : CERT_FILE}`,
    );
  if (has(CERT_FILE)) {
    try {
      const cert = new X509Certificate(readFileSync(join(stage, CERT_FILE)));
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(join(stage, KEY_FILE)))))
        throw new Error(`${KEY_FILE} is not the certificate's key`);
    } catch (e) {
      throw new ConfiguratorError(
        DaemonErrorCode.BackupInvalid,
        `${CERT_FILE}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  return database;
}
