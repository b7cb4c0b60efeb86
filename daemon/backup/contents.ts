/**
 * What a backup of the data dir holds, and its manifest. The archive is a gzip-compressed tar, a
 * format any machine lists and unpacks without the configurator (`tar -tzvf`), written and read
 * with node-tar (npm's own). Its first member, manifest.json, names the format and release and
 * each file with its size and SHA-256; the files follow, each under its data-dir name. gzip's
 * check catches a file cut short or changed, but not one unpacked, edited and packed again (and
 * tar's own checksums cover only its headers): the manifest's hashes make a restore refuse any
 * changed byte, naming the file.
 *
 * Not in a backup: the configuration and the Wi-Fi passphrase files (the admin's own, kept where
 * the admin keeps them), daemon.json and control.sock (the running daemon's), anything else.
 */
import { z } from 'zod';
import { DB_FILE_NAME } from '../../whitelist/database.js';
import { CERT_FILE, KEY_FILE } from '../console/tls.js';
import { TOKENS_FILE } from '../console/tokens.js';
import { IDENTITY_FILE } from '../keys/identity.js';

export const BACKUP_FORMAT = 'dpp-configurator-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** A manifest is a few hundred bytes; a larger first member is not one. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

export interface BackedUpFile {
  readonly name: string;
  /** For people: what losing it means. */
  readonly what: string;
  /** Holds a secret: refused when open to group or others, as everywhere (private-files.ts). */
  readonly secret: boolean;
}

/** In archive order; the database is the one file every backup has. */
export const BACKED_UP_FILES: readonly BackedUpFile[] = [
  {
    name: DB_FILE_NAME,
    what: 'the database: whitelist, devices, per-device secrets, audit log',
    secret: true,
  },
  { name: IDENTITY_FILE, what: "the configurator's private bootstrapping key", secret: true },
  { name: TOKENS_FILE, what: "the console's login tokens", secret: true },
  { name: CERT_FILE, what: "the console's HTTPS certificate", secret: false },
  { name: KEY_FILE, what: "the console certificate's private key", secret: true },
];

export function isBackedUpName(name: string): boolean {
  return BACKED_UP_FILES.some((f) => f.name === name);
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
const count = z.number().int().min(0);

export const manifestSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_FORMAT_VERSION),
  createdAt: z.string(),
  configuratorVersion: z.string(),
  host: z.string(),
  /** The data dir it was taken from. */
  dataDir: z.string(),
  database: z.strictObject({
    schemaVersion: count,
    whitelistEntries: count,
    devices: count,
    deviceSecrets: count,
    auditRecords: count,
  }),
  files: z
    .array(
      z.strictObject({
        name: z.string().refine(isBackedUpName, 'not a file a backup holds'),
        size: count,
        sha256: hex64,
      }),
    )
    .min(1),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
