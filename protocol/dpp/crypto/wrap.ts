/**
 * AES-SIV (RFC 5297) wrapping of DPP attributes. The key is a 32-byte DPP key (k1, k2 or ke),
 * i.e. AES-128-SIV. Associated data is a list of components, passed exactly as the specification
 * (and hostap) does; an empty component is not the same as no component in S2V, so callers say
 * which they mean.
 */
import { aessiv } from '@noble/ciphers/aes.js';
import { DppError, ErrorCode } from '../../errors.js';

export const SIV_TAG_LEN = 16;

export function wrap(
  key: Uint8Array,
  plaintext: Uint8Array,
  ad: readonly Uint8Array[],
): Uint8Array {
  return aessiv(key, ...ad).encrypt(plaintext);
}

/** Throws DppError(CryptoUnwrapFailed) when the tag does not verify. */
export function unwrap(
  key: Uint8Array,
  wrapped: Uint8Array,
  ad: readonly Uint8Array[],
  what: string,
): Uint8Array {
  if (wrapped.length < SIV_TAG_LEN) {
    throw new DppError(
      ErrorCode.CryptoUnwrapFailed,
      `${what}: wrapped data shorter than the SIV tag`,
    );
  }
  try {
    return aessiv(key, ...ad).decrypt(wrapped);
  } catch {
    throw new DppError(ErrorCode.CryptoUnwrapFailed, `${what}: wrapped data does not authenticate`);
  }
}
