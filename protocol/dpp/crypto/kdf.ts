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

export const HASH_LEN = 32;
export const NONCE_LEN = 16;

const EMPTY = new Uint8Array(0);

/**
 * RFC 5869 HKDF-SHA256 for one output block (L = 32): PRK = HMAC(salt, IKM), OKM = HMAC(PRK, info ‖ 0x01).
 * Two HMACs directly: node's hkdfSync builds KeyObjects and costs 3× more here (docs/benchmarks.md).
 */
function hkdf(salt: Uint8Array, ikm: Uint8Array, info: string): Uint8Array {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return new Uint8Array(
    createHmac('sha256', prk).update(utf8(info)).update(Uint8Array.of(1)).digest(),
  );
}

export function deriveK1(mx: Uint8Array): Uint8Array {
  return hkdf(EMPTY, mx, 'first intermediate key');
}

export function deriveK2(nx: Uint8Array): Uint8Array {
  return hkdf(EMPTY, nx, 'second intermediate key');
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
  return hkdf(concatBytes(iNonce, rNonce), ikm, 'DPP Key');
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
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
