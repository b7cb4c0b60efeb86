#include "dpp_siv.h"

#include <string.h>

#include "dpp_err.h"

/* dbl(S): multiply by x in GF(2^128), RFC 5297 2.3 */
static void dbl(uint8_t d[16])
{
    uint8_t carry = (uint8_t)(d[0] >> 7);
    for (int i = 0; i < 15; i++) {
        d[i] = (uint8_t)((d[i] << 1) | (d[i + 1] >> 7));
    }
    d[15] = (uint8_t)((d[15] << 1) ^ (carry ? 0x87 : 0));
}

/* S2V(K, S1, ..., Sn) with Sn = the plaintext, RFC 5297 2.4 */
static int s2v(const uint8_t k1[16], const dpp_span_t *ad, size_t n_ad, const uint8_t *pt, size_t len,
               uint8_t v[16])
{
    static const uint8_t zero[16];
    uint8_t d[16], c[16], t[16];
    dpp_span_t one = {zero, sizeof(zero)};
    int rc = dpp_aes128_cmac(k1, &one, 1, d); /* D = AES-CMAC(K, <zero>) */
    for (size_t i = 0; rc == 0 && i < n_ad; i++) {
        rc = dpp_aes128_cmac(k1, &ad[i], 1, c); /* D = dbl(D) xor AES-CMAC(K, Si) */
        dbl(d);
        for (int j = 0; j < 16; j++) {
            d[j] ^= c[j];
        }
    }
    if (rc != 0) {
        return rc;
    }
    if (len >= 16) {
        /* T = Sn xorend D: the last 16 bytes xored, the rest as is */
        for (int j = 0; j < 16; j++) {
            t[j] = (uint8_t)(pt[len - 16 + (size_t)j] ^ d[j]);
        }
        dpp_span_t parts[2] = {{pt, len - 16}, {t, 16}};
        return dpp_aes128_cmac(k1, parts, 2, v);
    }
    /* T = dbl(D) xor pad(Sn), pad = Sn || 10* */
    dbl(d);
    memset(t, 0, sizeof(t));
    if (len > 0) {
        memcpy(t, pt, len);
    }
    t[len] = 0x80;
    for (int j = 0; j < 16; j++) {
        t[j] ^= d[j];
    }
    dpp_span_t last = {t, 16};
    return dpp_aes128_cmac(k1, &last, 1, v);
}

/* Q = V with the top bits of bytes 8 and 12 cleared, RFC 5297 2.6 */
static void counter_of(const uint8_t v[16], uint8_t q[16])
{
    memcpy(q, v, 16);
    q[8] &= 0x7f;
    q[12] &= 0x7f;
}

int dpp_siv_encrypt(const uint8_t key[32], const dpp_span_t *ad, size_t n_ad, const uint8_t *pt, size_t len,
                    uint8_t *out)
{
    uint8_t v[16], q[16];
    if (n_ad > DPP_SIV_MAX_AD) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    int rc = s2v(key, ad, n_ad, pt, len, v);
    if (rc != 0) {
        return rc;
    }
    counter_of(v, q);
    if (len > 0) {
        rc = dpp_aes128_ctr(key + 16, q, pt, len, out + 16);
    }
    memcpy(out, v, 16);
    return rc;
}

int dpp_siv_decrypt(const uint8_t key[32], const dpp_span_t *ad, size_t n_ad, uint8_t *in, size_t len,
                    uint8_t *out)
{
    uint8_t v[16], q[16], check[16];
    if (len < DPP_SIV_TAG_LEN || n_ad > DPP_SIV_MAX_AD) {
        return DPP_E_CRYPTO_UNWRAP_FAILED;
    }
    size_t n = len - DPP_SIV_TAG_LEN;
    memcpy(v, in, 16);
    counter_of(v, q);
    const uint8_t *c = in + 16;
    if (out == in && n > 0) {
        memmove(out, in + 16, n); /* shift down, then decrypt in place */
        c = out;
    }
    int rc = n > 0 ? dpp_aes128_ctr(key + 16, q, c, n, out) : 0;
    if (rc == 0) {
        rc = s2v(key, ad, n_ad, out, n, check);
    }
    /* constant time compare: the tag is the only secret-dependent check */
    uint8_t diff = 0;
    for (int j = 0; j < 16; j++) {
        diff |= (uint8_t)(check[j] ^ v[j]);
    }
    if (rc == 0 && diff != 0) {
        rc = DPP_E_CRYPTO_UNWRAP_FAILED;
    }
    if (rc != 0 && n > 0) {
        dpp_wipe(out, n);
    }
    return rc;
}
