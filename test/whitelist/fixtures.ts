/** Shared helpers for the store tests: temp data directories and fresh bootstrapping keys. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import {
  bootstrapKeyHash,
  chirpHash,
  encodeBootstrapKey,
} from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { formatDppUri } from '../../protocol/dpp/uri.js';

/** The field-notes key (hostap's test URI) with its known hashes. */
export const KNOWN_KEY_B64 =
  'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=';
export const KNOWN_URI = `DPP:K:${KNOWN_KEY_B64};;`;
export const KNOWN_KEY_HASH = 'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302';
export const KNOWN_CHIRP_HASH = '826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3';

export interface TestKey {
  readonly der: Uint8Array;
  readonly base64: string;
  readonly uri: string;
  readonly keyHash: string;
  readonly chirpHash: string;
}

export function newKey(info?: string): TestKey {
  const key = encodeBootstrapKey(generateKeyPair().publicKey);
  return {
    der: key.der,
    base64: Buffer.from(key.der).toString('base64'),
    uri: formatDppUri({
      key,
      channels: [{ opClass: 81, channel: 6 }],
      mac: null,
      info: info ?? null,
      version: 2,
      host: null,
      supportedCurves: null,
      unknownTokens: [],
    }),
    keyHash: toHex(bootstrapKeyHash(key)),
    chirpHash: toHex(chirpHash(key)),
  };
}

/** A temp directory per test; `cleanup` removes every one made. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'dpp-store-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
