/* AES-SIV (RFC 5297) with a 32-byte key (AES-128-SIV: K1 for S2V, K2 for
 * CTR), built on the crypto port's AES-CMAC and AES-CTR. DPP wraps
 * attributes with it; associated data is a list of components, and an
 * empty component is not the same as no component. */
#ifndef DPP_SIV_H
#define DPP_SIV_H

#include <stddef.h>
#include <stdint.h>

#include "dpp_crypto.h"

#define DPP_SIV_TAG_LEN 16
/* RFC 5297 2.6: at most 126 AD components besides the plaintext. */
#define DPP_SIV_MAX_AD 126

/* out = V || C (len + 16 bytes). pt may sit at out + 16 (in place). */
int dpp_siv_encrypt(const uint8_t key[32], const dpp_span_t *ad, size_t n_ad, const uint8_t *pt, size_t len,
                    uint8_t *out);

/* in = V || C (len >= 16); out gets len - 16 bytes and may be in or
 * in + 16 (in place). DPP_E_CRYPTO_UNWRAP_FAILED when V does not verify;
 * out is wiped then. */
int dpp_siv_decrypt(const uint8_t key[32], const dpp_span_t *ad, size_t n_ad, uint8_t *in, size_t len,
                    uint8_t *out);

#endif
