/**
 * The configurator's own bootstrapping key: created at first start, kept as
 * `<dataDir>/configurator-key.pem` (PKCS#8, mode 0600, in a 0700 directory; either found open to
 * group or others is refused, as the database is). Enrollees that pin it (from
 * `configurator identity`'s URI or QR code) get mutual authentication.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeIdentity, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { formatDppUri, type DppChannel } from '../../protocol/dpp/uri.js';
import { PRIVATE_DIR_MODE, requirePrivate } from '../../whitelist/private-files.js';
import { readPrivateKeyFile, writePrivateKeyFile } from './key-file.js';

export const IDENTITY_FILE = 'configurator-key.pem';

export function identityPath(dataDir: string): string {
  return join(dataDir, IDENTITY_FILE);
}

export function loadIdentity(dataDir: string): BootstrapIdentity | undefined {
  const path = identityPath(dataDir);
  requirePrivate([
    { path: dataDir, kind: 'directory' },
    { path, kind: 'file' },
  ]);
  if (!existsSync(path)) return undefined;
  const pair = readPrivateKeyFile(path);
  return makeIdentity(encodeBootstrapKey(pair.publicKey), pair.privateKey);
}

export function loadOrCreateIdentity(dataDir: string): {
  identity: BootstrapIdentity;
  created: boolean;
} {
  const existing = loadIdentity(dataDir);
  if (existing !== undefined) return { identity: existing, created: false };
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const pair = generateKeyPair();
  writePrivateKeyFile(identityPath(dataDir), pair);
  return {
    identity: makeIdentity(encodeBootstrapKey(pair.publicKey), pair.privateKey),
    created: true,
  };
}

/** Our DPP URI: the key, and the ESP-NOW channels (operating class 81 = 2.4 GHz) when known. */
export function identityUri(
  identity: BootstrapIdentity,
  options: { channels?: readonly number[]; host?: string; info?: string } = {},
): string {
  const channels: DppChannel[] = [...new Set(options.channels ?? [])]
    .sort((a, b) => a - b)
    .map((channel) => ({ opClass: 81, channel }));
  return formatDppUri({
    key: identity.key,
    channels,
    mac: null,
    info: options.info ?? null,
    version: 2,
    host: options.host ?? null,
    supportedCurves: null,
    unknownTokens: [],
  });
}
