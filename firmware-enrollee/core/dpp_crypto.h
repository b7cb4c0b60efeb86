/* The crypto port: every primitive the enrollee uses, implemented by one
 * backend per build on a real library (crypto/openssl/ for the host; PSA
 * Crypto for ESP-IDF later). Nothing here is computed by hand: AES-SIV
 * (dpp_siv.c) and the DPP derivations (dpp_kdf.c) are constructions over
 * these calls.
 *
 * Bytes as in protocol/dpp/crypto/p256.ts: points are x||y (64 bytes, no
 * 0x04), scalars 32 bytes big-endian. Every function returns 0 on success;
 * point functions return DPP_E_CRYPTO_BAD_POINT for a point not on P-256,
 * other failures DPP_E_CRYPTO_LIBRARY. */
#ifndef DPP_CRYPTO_H
#define DPP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define DPP_P256_SCALAR_LEN 32
#define DPP_P256_POINT_LEN 64
#define DPP_SHA256_LEN 32
#define DPP_AES_BLOCK 16

/* A list of byte strings hashed or MACed as their concatenation. */
typedef struct {
    const uint8_t *p;
    size_t len;
} dpp_span_t;

/* Set up the backend once (PSA needs psa_crypto_init); idempotent. */
int dpp_crypto_init(void);

int dpp_random(uint8_t *out, size_t len);

/* A fresh key pair: priv in [1, n-1], pub = priv*G. */
int dpp_p256_keygen(uint8_t priv[32], uint8_t pub[64]);
/* pub = priv*G; fails for a scalar outside [1, n-1]. */
int dpp_p256_public(const uint8_t priv[32], uint8_t pub[64]);
/* The x coordinate of priv*peer, after checking that peer is on the curve. */
int dpp_p256_ecdh_x(const uint8_t priv[32], const uint8_t peer[64], uint8_t x[32]);
/* out = (a + b) mod n (for L = ((bR + pR) mod n) * BI). */
int dpp_p256_add_scalars(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]);
/* A SEC1 point (33 bytes compressed or 65 uncompressed) to x||y, checked. */
int dpp_p256_decode_sec1(const uint8_t *sec1, size_t len, uint8_t pub[64]);

int dpp_sha256(const dpp_span_t *parts, size_t n, uint8_t out[32]);
int dpp_hmac_sha256(const uint8_t *key, size_t key_len, const dpp_span_t *parts, size_t n, uint8_t out[32]);
/* RFC 5869 HKDF-SHA256 with L = 32; salt_len 0 means the empty salt. */
int dpp_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                    const uint8_t *info, size_t info_len, uint8_t out[32]);
/* AES-128-CMAC (RFC 4493) over the concatenation of parts. */
int dpp_aes128_cmac(const uint8_t key[16], const dpp_span_t *parts, size_t n, uint8_t out[16]);
/* AES-128-CTR with a 128-bit big-endian counter block; in == out allowed. */
int dpp_aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t len, uint8_t *out);

/* Overwrite secrets so the compiler cannot drop it. */
void dpp_wipe(void *p, size_t len);

#endif
