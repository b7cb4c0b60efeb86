/* Host backend of the crypto port on OpenSSL 3 libcrypto (Debian
 * libssl-dev). Only non-deprecated APIs: EC_GROUP/EC_POINT for P-256,
 * EVP_MAC for HMAC and CMAC, EVP_KDF for HKDF, EVP ciphers for CTR. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include "dpp_crypto.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "dpp_err.h"

static EC_GROUP *s_group;
static EVP_MAC *s_hmac, *s_cmac;
static EVP_KDF *s_hkdf;

int dpp_crypto_init(void)
{
    if (s_group != NULL) {
        return 0;
    }
    s_group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    s_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    s_cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    s_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (s_group == NULL || s_hmac == NULL || s_cmac == NULL || s_hkdf == NULL) {
        ERR_clear_error();
        return DPP_E_CRYPTO_LIBRARY;
    }
    return 0;
}

static int lib_fail(void)
{
    ERR_clear_error();
    return DPP_E_CRYPTO_LIBRARY;
}

int dpp_random(uint8_t *out, size_t len)
{
    return RAND_bytes(out, (int)len) == 1 ? 0 : lib_fail();
}

static int point_to_xy(const EC_POINT *pt, uint8_t xy[64], BN_CTX *ctx)
{
    uint8_t buf[65];
    if (EC_POINT_is_at_infinity(s_group, pt)) {
        return DPP_E_CRYPTO_BAD_POINT;
    }
    if (EC_POINT_point2oct(s_group, pt, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof(buf), ctx) != 65) {
        return lib_fail();
    }
    memcpy(xy, buf + 1, 64);
    return 0;
}

/* Parse and check a point; oct2point rejects points off the curve. */
static int xy_to_point(const uint8_t *sec1, size_t len, EC_POINT *pt, BN_CTX *ctx)
{
    if (EC_POINT_oct2point(s_group, pt, sec1, len, ctx) != 1 || EC_POINT_is_at_infinity(s_group, pt) ||
        EC_POINT_is_on_curve(s_group, pt, ctx) != 1) {
        ERR_clear_error();
        return DPP_E_CRYPTO_BAD_POINT;
    }
    return 0;
}

/* priv as a BIGNUM in [1, n-1], or NULL. */
static BIGNUM *scalar(const uint8_t priv[32])
{
    BIGNUM *k = BN_bin2bn(priv, 32, NULL);
    if (k == NULL) {
        return NULL;
    }
    if (BN_is_zero(k) || BN_cmp(k, EC_GROUP_get0_order(s_group)) >= 0) {
        BN_clear_free(k);
        return NULL;
    }
    return k;
}

int dpp_p256_public(const uint8_t priv[32], uint8_t pub[64])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    int rc = DPP_E_CRYPTO_LIBRARY;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *k = scalar(priv);
    EC_POINT *p = EC_POINT_new(s_group);
    if (ctx != NULL && k != NULL && p != NULL && EC_POINT_mul(s_group, p, k, NULL, NULL, ctx) == 1) {
        rc = point_to_xy(p, pub, ctx);
    }
    EC_POINT_free(p);
    BN_clear_free(k);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int dpp_p256_keygen(uint8_t priv[32], uint8_t pub[64])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    BIGNUM *k = BN_new();
    int rc = DPP_E_CRYPTO_LIBRARY;
    /* uniform in [0, n-1]; zero is drawn again */
    for (int tries = 0; k != NULL && tries < 8; tries++) {
        if (BN_priv_rand_range(k, EC_GROUP_get0_order(s_group)) != 1) {
            break;
        }
        if (!BN_is_zero(k) && BN_bn2binpad(k, priv, 32) == 32) {
            rc = dpp_p256_public(priv, pub);
            break;
        }
    }
    BN_clear_free(k);
    ERR_clear_error();
    return rc;
}

int dpp_p256_ecdh_x(const uint8_t priv[32], const uint8_t peer[64], uint8_t x[32])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    uint8_t sec1[65];
    uint8_t xy[64];
    sec1[0] = 0x04;
    memcpy(sec1 + 1, peer, 64);
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *p = EC_POINT_new(s_group);
    EC_POINT *r = EC_POINT_new(s_group);
    BIGNUM *k = scalar(priv);
    int rc = DPP_E_CRYPTO_LIBRARY;
    if (ctx != NULL && p != NULL && r != NULL) {
        rc = xy_to_point(sec1, sizeof(sec1), p, ctx);
        if (rc == 0) {
            rc = DPP_E_CRYPTO_LIBRARY;
            if (k != NULL && EC_POINT_mul(s_group, r, NULL, p, k, ctx) == 1) {
                rc = point_to_xy(r, xy, ctx);
                if (rc == 0) {
                    memcpy(x, xy, 32);
                }
            }
        }
    }
    dpp_wipe(xy, sizeof(xy));
    BN_clear_free(k);
    EC_POINT_clear_free(r);
    EC_POINT_free(p);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int dpp_p256_add_scalars(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    int rc = DPP_E_CRYPTO_LIBRARY;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *x = BN_bin2bn(a, 32, NULL);
    BIGNUM *y = BN_bin2bn(b, 32, NULL);
    BIGNUM *s = BN_new();
    if (ctx != NULL && x != NULL && y != NULL && s != NULL &&
        BN_mod_add(s, x, y, EC_GROUP_get0_order(s_group), ctx) == 1 && BN_bn2binpad(s, out, 32) == 32) {
        rc = 0;
    }
    BN_clear_free(s);
    BN_clear_free(y);
    BN_clear_free(x);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int dpp_p256_decode_sec1(const uint8_t *sec1, size_t len, uint8_t pub[64])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    if (!((len == 33 && (sec1[0] == 2 || sec1[0] == 3)) || (len == 65 && sec1[0] == 4))) {
        return DPP_E_CRYPTO_BAD_POINT;
    }
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *p = EC_POINT_new(s_group);
    int rc = DPP_E_CRYPTO_LIBRARY;
    if (ctx != NULL && p != NULL) {
        rc = xy_to_point(sec1, len, p, ctx);
        if (rc == 0) {
            rc = point_to_xy(p, pub, ctx);
        }
    }
    EC_POINT_free(p);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int dpp_sha256(const dpp_span_t *parts, size_t n, uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = parts[i].len == 0 || EVP_DigestUpdate(md, parts[i].p, parts[i].len) == 1;
    }
    unsigned int olen = 0;
    ok = ok && EVP_DigestFinal_ex(md, out, &olen) == 1 && olen == 32;
    EVP_MD_CTX_free(md);
    return ok ? 0 : lib_fail();
}

static int mac_run(EVP_MAC *mac, const OSSL_PARAM *params, const uint8_t *key, size_t key_len,
                   const dpp_span_t *parts, size_t n, uint8_t *out, size_t out_len)
{
    static const uint8_t no_key[1] = {0};
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
    /* HMAC with an empty key is legal (HKDF's empty salt); OpenSSL wants a pointer */
    int ok = c != NULL && EVP_MAC_init(c, key_len ? key : no_key, key_len, params) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = parts[i].len == 0 || EVP_MAC_update(c, parts[i].p, parts[i].len) == 1;
    }
    size_t olen = 0;
    ok = ok && EVP_MAC_final(c, out, &olen, out_len) == 1 && olen == out_len;
    EVP_MAC_CTX_free(c);
    return ok ? 0 : lib_fail();
}

int dpp_hmac_sha256(const uint8_t *key, size_t key_len, const dpp_span_t *parts, size_t n, uint8_t out[32])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    return mac_run(s_hmac, params, key, key_len, parts, n, out, 32);
}

int dpp_aes128_cmac(const uint8_t key[16], const dpp_span_t *parts, size_t n, uint8_t out[16])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
                           OSSL_PARAM_construct_end()};
    return mac_run(s_cmac, params, key, 16, parts, n, out, 16);
}

int dpp_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                    const uint8_t *info, size_t info_len, uint8_t out[32])
{
    if (dpp_crypto_init() != 0) {
        return DPP_E_CRYPTO_LIBRARY;
    }
    OSSL_PARAM params[6];
    size_t i = 0;
    params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    /* No salt given = HashLen zero bytes (RFC 5869 2.2), the same HMAC key as the empty salt. */
    if (salt_len > 0) {
        params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    }
    params[i] = OSSL_PARAM_construct_end();
    EVP_KDF_CTX *c = EVP_KDF_CTX_new(s_hkdf);
    int ok = c != NULL && EVP_KDF_derive(c, out, 32, params) == 1;
    EVP_KDF_CTX_free(c);
    return ok ? 0 : lib_fail();
}

int dpp_aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c != NULL && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1;
    size_t done = 0;
    /* EVP takes int lengths: go in bounded steps */
    while (ok && done < len) {
        int step = (int)(len - done > 65536 ? 65536 : len - done);
        int olen = 0;
        ok = EVP_EncryptUpdate(c, out + done, &olen, in + done, step) == 1 && olen == step;
        done += (size_t)step;
    }
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : lib_fail();
}

void dpp_wipe(void *p, size_t len)
{
    OPENSSL_cleanse(p, len);
}
