/* The crypto port on PSA Crypto: the API that builds on both ESP-IDF 5.5
 * (mbedTLS 3.x) and 6.0 (TF-PSA-Crypto). On the host it builds against
 * Debian's mbedTLS 2.28 (libmbedtls-dev), so the whole test suite runs on
 * it too: make CRYPTO=psa test.
 *
 * PSA has no call for two things DPP needs, so they use mbedTLS's bignum
 * (public in mbedTLS 2.28 and 3.6, ESP-IDF 5.5; private in TF-PSA-Crypto
 * 1.x, ESP-IDF 6.0, where this file opts in to its private identifiers):
 *   - (a + b) mod n, for L = ((bR + pR) mod n) * BI in mutual authentication;
 *   - decompressing a SEC1 point (URIs carry compressed keys and
 *     psa_import_key takes only uncompressed ones): y = sqrt(x^3 - 3x + b)
 *     mod p, computed as (y^2)^((p+1)/4) since p = 3 mod 4; the point is
 *     then checked by psa_import_key like any other. */
/* TF-PSA-Crypto declares mbedtls_mpi_* and mbedtls_ecp_* only on request; before any include,
 * since psa/crypto.h may pull those headers in first. Earlier versions ignore it. */
#define MBEDTLS_DECLARE_PRIVATE_IDENTIFIERS

#include "dpp_crypto.h"

#include <stdbool.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <psa/crypto.h>
#if defined(__has_include) && __has_include(<mbedtls/private/bignum.h>)
#include <mbedtls/private/bignum.h> /* TF-PSA-Crypto 1.x */
#include <mbedtls/private/ecp.h>
#else
#include <mbedtls/bignum.h> /* mbedTLS 2.28, 3.6 */
#include <mbedtls/ecp.h>
#endif

#include "dpp_err.h"

static bool s_ready;

int dpp_crypto_init(void)
{
    if (!s_ready) s_ready = psa_crypto_init() == PSA_SUCCESS;
    return s_ready ? 0 : DPP_E_CRYPTO_LIBRARY;
}

int dpp_random(uint8_t *out, size_t len)
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    return psa_generate_random(out, len) == PSA_SUCCESS ? 0 : DPP_E_CRYPTO_LIBRARY;
}

/* A volatile key of this type, usage and algorithm; 0 on failure. */
static psa_key_id_t import(psa_key_type_t type, size_t bits, psa_key_usage_t usage, psa_algorithm_t alg,
                           const uint8_t *data, size_t len, psa_status_t *status)
{
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, type);
    psa_set_key_bits(&a, bits);
    psa_set_key_usage_flags(&a, usage);
    psa_set_key_algorithm(&a, alg);
    psa_key_id_t id = 0;
    *status = psa_import_key(&a, data, len, &id);
    return *status == PSA_SUCCESS ? id : 0;
}

#define P256_PAIR PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1)
#define P256_PUBLIC PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1)

static int export_public(psa_key_id_t id, uint8_t pub[64])
{
    uint8_t sec1[65];
    size_t n = 0;
    if (psa_export_public_key(id, sec1, sizeof(sec1), &n) != PSA_SUCCESS || n != 65) return DPP_E_CRYPTO_LIBRARY;
    memcpy(pub, sec1 + 1, 64);
    return 0;
}

int dpp_p256_public(const uint8_t priv[32], uint8_t pub[64])
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    psa_status_t st;
    /* import refuses a scalar outside [1, n-1] */
    psa_key_id_t id = import(P256_PAIR, 256, PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH, priv, 32, &st);
    if (id == 0) return DPP_E_CRYPTO_LIBRARY;
    int rc = export_public(id, pub);
    psa_destroy_key(id);
    return rc;
}

int dpp_p256_keygen(uint8_t priv[32], uint8_t pub[64])
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, P256_PAIR);
    psa_set_key_bits(&a, 256);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_DERIVE | PSA_KEY_USAGE_EXPORT);
    psa_set_key_algorithm(&a, PSA_ALG_ECDH);
    psa_key_id_t id = 0;
    if (psa_generate_key(&a, &id) != PSA_SUCCESS) return DPP_E_CRYPTO_LIBRARY;
    size_t n = 0;
    int rc = psa_export_key(id, priv, 32, &n) == PSA_SUCCESS && n == 32 ? export_public(id, pub) : DPP_E_CRYPTO_LIBRARY;
    psa_destroy_key(id);
    return rc;
}

int dpp_p256_ecdh_x(const uint8_t priv[32], const uint8_t peer[64], uint8_t x[32])
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    psa_status_t st;
    psa_key_id_t id = import(P256_PAIR, 256, PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH, priv, 32, &st);
    if (id == 0) return DPP_E_CRYPTO_LIBRARY;
    uint8_t sec1[65];
    sec1[0] = 0x04;
    memcpy(sec1 + 1, peer, 64);
    size_t n = 0;
    /* the agreement checks the peer's point; its output is the shared x coordinate */
    st = psa_raw_key_agreement(PSA_ALG_ECDH, id, sec1, sizeof(sec1), x, 32, &n);
    psa_destroy_key(id);
    if (st == PSA_ERROR_INVALID_ARGUMENT) return DPP_E_CRYPTO_BAD_POINT;
    return st == PSA_SUCCESS && n == 32 ? 0 : DPP_E_CRYPTO_LIBRARY;
}

int dpp_p256_add_scalars(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
    mbedtls_ecp_group g;
    mbedtls_mpi x, y;
    mbedtls_ecp_group_init(&g);
    mbedtls_mpi_init(&x);
    mbedtls_mpi_init(&y);
    int ok = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) == 0 && mbedtls_mpi_read_binary(&x, a, 32) == 0 &&
             mbedtls_mpi_read_binary(&y, b, 32) == 0 && mbedtls_mpi_add_mpi(&x, &x, &y) == 0 &&
             mbedtls_mpi_mod_mpi(&x, &x, &g.N) == 0 && mbedtls_mpi_write_binary(&x, out, 32) == 0;
    mbedtls_mpi_free(&y);
    mbedtls_mpi_free(&x);
    mbedtls_ecp_group_free(&g);
    return ok ? 0 : DPP_E_CRYPTO_LIBRARY;
}

/* y of a compressed point: sqrt(x^3 - 3x + b) mod p with the parity asked for. */
static int decompress(const uint8_t *sec1, uint8_t xy[64])
{
    mbedtls_ecp_group g;
    mbedtls_mpi x, r, t, e;
    mbedtls_ecp_group_init(&g);
    mbedtls_mpi_init(&x);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&t);
    mbedtls_mpi_init(&e);
    int ok = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) == 0 && mbedtls_mpi_read_binary(&x, sec1 + 1, 32) == 0 &&
             mbedtls_mpi_cmp_mpi(&x, &g.P) < 0 &&
             /* r = x^3 - 3x + b mod p */
             mbedtls_mpi_mul_mpi(&t, &x, &x) == 0 && mbedtls_mpi_sub_int(&t, &t, 3) == 0 &&
             mbedtls_mpi_mul_mpi(&r, &t, &x) == 0 && mbedtls_mpi_add_mpi(&r, &r, &g.B) == 0 &&
             mbedtls_mpi_mod_mpi(&r, &r, &g.P) == 0 &&
             /* y = r^((p+1)/4) mod p */
             mbedtls_mpi_add_int(&e, &g.P, 1) == 0 && mbedtls_mpi_shift_r(&e, 2) == 0 &&
             mbedtls_mpi_exp_mod(&t, &r, &e, &g.P, NULL) == 0;
    if (ok && mbedtls_mpi_get_bit(&t, 0) != (sec1[0] & 1)) ok = mbedtls_mpi_sub_mpi(&t, &g.P, &t) == 0;
    ok = ok && mbedtls_mpi_write_binary(&x, xy, 32) == 0 && mbedtls_mpi_write_binary(&t, xy + 32, 32) == 0;
    mbedtls_mpi_free(&e);
    mbedtls_mpi_free(&t);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&x);
    mbedtls_ecp_group_free(&g);
    return ok ? 0 : DPP_E_CRYPTO_BAD_POINT;
}

int dpp_p256_decode_sec1(const uint8_t *sec1, size_t len, uint8_t pub[64])
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    uint8_t full[65];
    full[0] = 0x04;
    if (len == 65 && sec1[0] == 4) {
        memcpy(full + 1, sec1 + 1, 64);
    } else if (len == 33 && (sec1[0] == 2 || sec1[0] == 3)) {
        if (decompress(sec1, full + 1) != 0) return DPP_E_CRYPTO_BAD_POINT;
    } else {
        return DPP_E_CRYPTO_BAD_POINT;
    }
    /* importing a public key checks that it is on the curve (a non-residue x gives a y that is not) */
    psa_status_t st;
    psa_key_id_t id = import(P256_PUBLIC, 256, 0, 0, full, sizeof(full), &st);
    if (id == 0) return st == PSA_ERROR_INVALID_ARGUMENT ? DPP_E_CRYPTO_BAD_POINT : DPP_E_CRYPTO_LIBRARY;
    psa_destroy_key(id);
    memcpy(pub, full + 1, 64);
    return 0;
}

int dpp_sha256(const dpp_span_t *parts, size_t n, uint8_t out[32])
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    bool ok = psa_hash_setup(&op, PSA_ALG_SHA_256) == PSA_SUCCESS;
    for (size_t i = 0; ok && i < n; i++) ok = psa_hash_update(&op, parts[i].p, parts[i].len) == PSA_SUCCESS;
    size_t len = 0;
    ok = ok && psa_hash_finish(&op, out, 32, &len) == PSA_SUCCESS && len == 32;
    if (!ok) psa_hash_abort(&op);
    return ok ? 0 : DPP_E_CRYPTO_LIBRARY;
}

static int mac(psa_key_type_t type, psa_algorithm_t alg, const uint8_t *key, size_t key_len, const dpp_span_t *parts,
               size_t n, uint8_t *out, size_t out_len)
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    psa_status_t st;
    psa_key_id_t id = import(type, key_len * 8, PSA_KEY_USAGE_SIGN_MESSAGE, alg, key, key_len, &st);
    if (id == 0) return DPP_E_CRYPTO_LIBRARY;
    psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
    bool ok = psa_mac_sign_setup(&op, id, alg) == PSA_SUCCESS;
    for (size_t i = 0; ok && i < n; i++) ok = psa_mac_update(&op, parts[i].p, parts[i].len) == PSA_SUCCESS;
    size_t len = 0;
    ok = ok && psa_mac_sign_finish(&op, out, out_len, &len) == PSA_SUCCESS && len == out_len;
    if (!ok) psa_mac_abort(&op);
    psa_destroy_key(id);
    return ok ? 0 : DPP_E_CRYPTO_LIBRARY;
}

int dpp_hmac_sha256(const uint8_t *key, size_t key_len, const dpp_span_t *parts, size_t n, uint8_t out[32])
{
    /* HMAC pads its key with zeros to the block size: the empty key is the same as 32 zero bytes,
     * which PSA (unlike an empty key) imports */
    static const uint8_t zeros[32];
    if (key_len == 0) {
        key = zeros;
        key_len = sizeof(zeros);
    }
    return mac(PSA_KEY_TYPE_HMAC, PSA_ALG_HMAC(PSA_ALG_SHA_256), key, key_len, parts, n, out, 32);
}

int dpp_aes128_cmac(const uint8_t key[16], const dpp_span_t *parts, size_t n, uint8_t out[16])
{
    return mac(PSA_KEY_TYPE_AES, PSA_ALG_CMAC, key, 16, parts, n, out, 16);
}

int dpp_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                    const uint8_t *info, size_t info_len, uint8_t out[32])
{
    static const uint8_t zeros[32];
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    if (salt_len == 0) {
        /* RFC 5869: no salt is HashLen zero bytes, the same HMAC key as the empty salt */
        salt = zeros;
        salt_len = sizeof(zeros);
    }
    psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
    psa_algorithm_t alg = PSA_ALG_HKDF(PSA_ALG_SHA_256);
    bool ok = psa_key_derivation_setup(&op, alg) == PSA_SUCCESS &&
              psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SALT, salt, salt_len) == PSA_SUCCESS &&
              psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, ikm, ikm_len) == PSA_SUCCESS &&
              psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, info, info_len) == PSA_SUCCESS &&
              psa_key_derivation_output_bytes(&op, out, 32) == PSA_SUCCESS;
    psa_key_derivation_abort(&op);
    return ok ? 0 : DPP_E_CRYPTO_LIBRARY;
}

int dpp_aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t len, uint8_t *out)
{
    if (dpp_crypto_init() != 0) return DPP_E_CRYPTO_LIBRARY;
    psa_status_t st;
    psa_key_id_t id = import(PSA_KEY_TYPE_AES, 128, PSA_KEY_USAGE_ENCRYPT, PSA_ALG_CTR, key, 16, &st);
    if (id == 0) return DPP_E_CRYPTO_LIBRARY;
    psa_cipher_operation_t op = PSA_CIPHER_OPERATION_INIT;
    bool ok = psa_cipher_encrypt_setup(&op, id, PSA_ALG_CTR) == PSA_SUCCESS &&
              psa_cipher_set_iv(&op, iv, 16) == PSA_SUCCESS;
    /* through a small buffer, so in == out is safe whatever the implementation does */
    uint8_t chunk[64];
    for (size_t done = 0; ok && done < len;) {
        size_t step = len - done < sizeof(chunk) ? len - done : sizeof(chunk), produced = 0;
        ok = psa_cipher_update(&op, in + done, step, chunk, sizeof(chunk), &produced) == PSA_SUCCESS &&
             produced == step;
        if (ok) memcpy(out + done, chunk, step);
        done += step;
    }
    size_t tail = 0;
    ok = ok && psa_cipher_finish(&op, chunk, sizeof(chunk), &tail) == PSA_SUCCESS && tail == 0;
    if (!ok) psa_cipher_abort(&op);
    psa_destroy_key(id);
    mbedtls_platform_zeroize(chunk, sizeof(chunk));
    return ok ? 0 : DPP_E_CRYPTO_LIBRARY;
}

void dpp_wipe(void *p, size_t len)
{
    mbedtls_platform_zeroize(p, len);
}
