/**
 * The optional native crypto backend: P-256 key generation and ECDH, AES-SIV, SHA-256 and
 * HKDF-SHA256, in C on the OpenSSL inside node (protocol/dpp/crypto/native/, built at install by
 * `npm run build:native` when a C compiler and node's headers are present). It does what
 * node:crypto does minus node's per-call validation of our own key, about half the cost per ECDH
 * (docs/benchmarks.md, "Crypto backend"), and hashes without node's Hash and Hmac objects.
 *
 * Loaded once, here. When the addon is missing, disabled or unusable, `nativeCrypto` is undefined,
 * `nativeCryptoUnavailableReason` says why, and p256.ts, aes-siv.ts and kdf.ts use node:crypto.
 * DPP_CRYPTO_BACKEND=node in the environment disables it (to compare, or to rule it out).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's exports. Same byte conventions as p256.ts and aes-siv.ts. */
export interface NativeCrypto {
  /** Interface version the addon was built with; must equal NATIVE_CRYPTO_ABI. */
  readonly abi: number;
  /** False when this OpenSSL lacks AES-SIV (the EC functions still work). */
  readonly aesSiv: boolean;
  generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array };
  /** Throws RangeError for a scalar of the wrong length, 0 or ≥ n. */
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  /** False for anything but 64 bytes x‖y of a point on P-256. */
  isOnCurve(point: Uint8Array): boolean;
  /** x of privateKey·point; throws for an invalid scalar or a point not on the curve. */
  ecdhX(privateKey: Uint8Array, point: Uint8Array): Uint8Array;
  /** x‖y of a SEC1 point (33 bytes compressed or 65 uncompressed); throws if it is not on P-256. */
  decodeSec1Point(sec1: Uint8Array): Uint8Array;
  /**
   * V ‖ C. Throws RangeError for an empty plaintext, which OpenSSL's AES-SIV refuses, and for more
   * than 126 AD components (RFC 5297 §7).
   */
  aesSivEncrypt(key: Uint8Array, plaintext: Uint8Array, ad: readonly Uint8Array[]): Uint8Array;
  /** The plaintext, or null when V does not verify. Throws RangeError for an empty plaintext. */
  aesSivDecrypt(key: Uint8Array, sealed: Uint8Array, ad: readonly Uint8Array[]): Uint8Array | null;
  /** SHA-256 of the parts in order (at most 16). */
  sha256(parts: readonly Uint8Array[]): Uint8Array;
  /** RFC 5869 HKDF-SHA256, one output block (32 bytes); an empty salt is a zero-length key. */
  hkdfSha256(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array): Uint8Array;
}

export const NATIVE_CRYPTO_ABI = 3;

const FUNCTIONS = [
  'generateKeyPair',
  'publicKeyOf',
  'isOnCurve',
  'ecdhX',
  'decodeSec1Point',
  'aesSivEncrypt',
  'aesSivDecrypt',
  'sha256',
  'hkdfSha256',
] as const;

/**
 * Where `make` puts the addon, from this module's place in the compiled tree
 * (dist/protocol/dpp/crypto/ → the package root → protocol/dpp/crypto/native/build/).
 */
export const NATIVE_CRYPTO_PATH = fileURLToPath(
  new URL('../../../../protocol/dpp/crypto/native/build/dpp_crypto.node', import.meta.url),
);

function isNativeCrypto(value: unknown): value is NativeCrypto {
  if (typeof value !== 'object' || value === null) return false;
  const exports = value as Record<string, unknown>;
  return (
    exports.abi === NATIVE_CRYPTO_ABI &&
    typeof exports.aesSiv === 'boolean' &&
    FUNCTIONS.every((name) => typeof exports[name] === 'function')
  );
}

function load(): { native: NativeCrypto } | { reason: string } {
  if (process.env.DPP_CRYPTO_BACKEND === 'node') {
    return { reason: 'disabled by DPP_CRYPTO_BACKEND=node' };
  }
  if (!existsSync(NATIVE_CRYPTO_PATH)) {
    return { reason: `not built (no ${NATIVE_CRYPTO_PATH}; npm run build:native)` };
  }
  let exports: unknown;
  try {
    exports = createRequire(import.meta.url)(NATIVE_CRYPTO_PATH);
  } catch (err) {
    return { reason: `${NATIVE_CRYPTO_PATH} did not load: ${(err as Error).message}` };
  }
  if (!isNativeCrypto(exports)) {
    return { reason: `${NATIVE_CRYPTO_PATH} is from another version (npm run build:native)` };
  }
  return { native: exports };
}

const loaded = load();

export const nativeCrypto: NativeCrypto | undefined =
  'native' in loaded ? loaded.native : undefined;

/** Why `nativeCrypto` is undefined; undefined when it is loaded. */
export const nativeCryptoUnavailableReason: string | undefined =
  'reason' in loaded ? loaded.reason : undefined;
