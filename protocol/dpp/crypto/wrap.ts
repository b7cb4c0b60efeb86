/**
 * AES-SIV (RFC 5297) wrapping of DPP attributes. The key is a 32-byte DPP key (k1, k2 or ke),
 * i.e. AES-128-SIV. Associated data is a list of components, passed exactly as the specification
 * (and hostap) does; an empty component is not the same as no component in S2V, so callers say
 * which they mean.
 */
import { aesSivDecrypt, aesSivEncrypt } from './aes-siv.js';
import { ConfiguratorError, ErrorCode } from '../../errors.js';

export const SIV_TAG_LEN = 16;

export function wrap(
  key: Uint8Array,
  plaintext: Uint8Array,
  ad: readonly Uint8Array[],
): Uint8Array {
  return aesSivEncrypt(key, plaintext, ad);
}

/** Throws ConfiguratorError(CryptoUnwrapFailed) when the tag does not verify. */
export function unwrap(
  key: Uint8Array,
  wrapped: Uint8Array,
  ad: readonly Uint8Array[],
  what: string,
): Uint8Array {
  if (wrapped.length < SIV_TAG_LEN) {
    throw new ConfiguratorError(
      ErrorCode.CryptoUnwrapFailed,
      `${what}: wrapped data shorter than the SIV tag`,
    );
  }
  const clear = aesSivDecrypt(key, wrapped, ad);
  if (!clear)
    throw new ConfiguratorError(
      ErrorCode.CryptoUnwrapFailed,
      `${what}: wrapped data does not authenticate`,
    );
  return clear;
}
