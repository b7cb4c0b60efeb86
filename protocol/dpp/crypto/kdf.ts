/**
 * DPP key derivation for P-256 / SHA-256 (Wi-Fi Easy Connect §6.3.3, §6.3.4):
 *   k1 = HKDF(<>, "first intermediate key", M.x)        M = pI·BR = bR·PI
 *   k2 = HKDF(<>, "second intermediate key", N.x)       N = pI·PR = pR·PI
 *   ke = HKDF(I-nonce ‖ R-nonce, "DPP Key", M.x ‖ N.x [‖ L.x])
 *   R-auth = H(I-nonce ‖ R-nonce ‖ PI.x ‖ PR.x ‖ [BI.x ‖] BR.x ‖ 0)
 *   I-auth = H(R-nonce ‖ I-nonce ‖ PR.x ‖ PI.x ‖ BR.x ‖ [BI.x ‖] 1)
 * An empty HKDF salt equals HMAC with a zero-length key, which is what hostap computes.
 */
import { createHash, createHmac } from 'node:crypto';
import { concatBytes, utf8 } from '../../bytes.js';
import { nativeCrypto, type NativeCrypto } from './native-backend.js';

export const HASH_LEN = 32;
export const NONCE_LEN = 16;

const EMPTY = new Uint8Array(0);

/**
 * RFC 5869 HKDF-SHA256 for one output block (L = 32): PRK = HMAC(salt, IKM), OKM = HMAC(PRK, info ‖ 0x01).
 * Two HMACs directly: node's hkdfSync builds KeyObjects and costs 3× more here (docs/benchmarks.md).
 */
function nodeHkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array): Uint8Array {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return new Uint8Array(createHmac('sha256', prk).update(info).update(Uint8Array.of(1)).digest());
}

function nodeSha256(parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** SHA-256 and HKDF: the native addon's when it is loaded (no Hash or Hmac object per call). */
export interface HashBackend {
  readonly name: string;
  sha256(parts: readonly Uint8Array[]): Uint8Array;
  hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array): Uint8Array;
}

export const nodeHashBackend: HashBackend = {
  name: 'node:crypto',
  sha256: nodeSha256,
  hkdf: nodeHkdf,
};

export const nativeHashBackend: HashBackend | undefined =
  nativeCrypto && nativeHashes(nativeCrypto);

function nativeHashes(native: NativeCrypto): HashBackend {
  return {
    name: 'native',
    sha256: (parts) => native.sha256(parts),
    hkdf: (salt, ikm, info) => native.hkdfSha256(salt, ikm, info),
  };
}

/** The addon's when it is loaded (DPP_CRYPTO_BACKEND=node keeps it out, as for the rest). */
const backend: HashBackend = nativeHashBackend ?? nodeHashBackend;

/** "native" or "node:crypto": for the log line at startup. */
export const activeHashBackendName = (): string => backend.name;

const FIRST = utf8('first intermediate key');
const SECOND = utf8('second intermediate key');
const DPP_KEY = utf8('DPP Key');

export function deriveK1(mx: Uint8Array): Uint8Array {
  return backend.hkdf(EMPTY, mx, FIRST);
}

export function deriveK2(nx: Uint8Array): Uint8Array {
  return backend.hkdf(EMPTY, nx, SECOND);
}

/** ke; `lx` present only for mutual authentication. */
export function deriveKe(
  iNonce: Uint8Array,
  rNonce: Uint8Array,
  mx: Uint8Array,
  nx: Uint8Array,
  lx?: Uint8Array,
): Uint8Array {
  const ikm = lx ? concatBytes(mx, nx, lx) : concatBytes(mx, nx);
  return backend.hkdf(concatBytes(iNonce, rNonce), ikm, DPP_KEY);
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  return backend.sha256(parts);
}

export interface AuthTagInputs {
  readonly iNonce: Uint8Array;
  readonly rNonce: Uint8Array;
  /** x-coordinates of the protocol keys. */
  readonly piX: Uint8Array;
  readonly prX: Uint8Array;
  /** x-coordinates of the bootstrapping keys; biX only for mutual authentication. */
  readonly brX: Uint8Array;
  readonly biX?: Uint8Array | undefined;
}

export function computeRAuth(t: AuthTagInputs): Uint8Array {
  return t.biX
    ? sha256(t.iNonce, t.rNonce, t.piX, t.prX, t.biX, t.brX, Uint8Array.of(0))
    : sha256(t.iNonce, t.rNonce, t.piX, t.prX, t.brX, Uint8Array.of(0));
}

export function computeIAuth(t: AuthTagInputs): Uint8Array {
  return t.biX
    ? sha256(t.rNonce, t.iNonce, t.prX, t.piX, t.brX, t.biX, Uint8Array.of(1))
    : sha256(t.rNonce, t.iNonce, t.prX, t.piX, t.brX, Uint8Array.of(1));
}
