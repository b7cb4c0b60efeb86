#include "dpp_kdf.h"

#include <string.h>

#include "dpp_crypto.h"

#define INFO(s) (const uint8_t *)(s), sizeof(s) - 1

int dpp_derive_k1(const uint8_t mx[32], uint8_t k1[32])
{
    return dpp_hkdf_sha256(NULL, 0, mx, 32, INFO("first intermediate key"), k1);
}

int dpp_derive_k2(const uint8_t nx[32], uint8_t k2[32])
{
    return dpp_hkdf_sha256(NULL, 0, nx, 32, INFO("second intermediate key"), k2);
}

int dpp_derive_ke(const uint8_t i_nonce[16], const uint8_t r_nonce[16], const uint8_t mx[32],
                  const uint8_t nx[32], const uint8_t *lx, uint8_t ke[32])
{
    uint8_t salt[32], ikm[96];
    memcpy(salt, i_nonce, 16);
    memcpy(salt + 16, r_nonce, 16);
    memcpy(ikm, mx, 32);
    memcpy(ikm + 32, nx, 32);
    if (lx != NULL) {
        memcpy(ikm + 64, lx, 32);
    }
    int rc = dpp_hkdf_sha256(salt, 32, ikm, lx != NULL ? 96 : 64, INFO("DPP Key"), ke);
    dpp_wipe(ikm, sizeof(ikm));
    return rc;
}

int dpp_compute_r_auth(const dpp_auth_tag_inputs_t *t, uint8_t out[32])
{
    static const uint8_t zero = 0;
    dpp_span_t p[7];
    size_t n = 0;
    p[n++] = (dpp_span_t){t->i_nonce, 16};
    p[n++] = (dpp_span_t){t->r_nonce, 16};
    p[n++] = (dpp_span_t){t->pi_x, 32};
    p[n++] = (dpp_span_t){t->pr_x, 32};
    if (t->mutual) {
        p[n++] = (dpp_span_t){t->bi_x, 32};
    }
    p[n++] = (dpp_span_t){t->br_x, 32};
    p[n++] = (dpp_span_t){&zero, 1};
    return dpp_sha256(p, n, out);
}

int dpp_compute_i_auth(const dpp_auth_tag_inputs_t *t, uint8_t out[32])
{
    static const uint8_t one = 1;
    dpp_span_t p[7];
    size_t n = 0;
    p[n++] = (dpp_span_t){t->r_nonce, 16};
    p[n++] = (dpp_span_t){t->i_nonce, 16};
    p[n++] = (dpp_span_t){t->pr_x, 32};
    p[n++] = (dpp_span_t){t->pi_x, 32};
    p[n++] = (dpp_span_t){t->br_x, 32};
    if (t->mutual) {
        p[n++] = (dpp_span_t){t->bi_x, 32};
    }
    p[n++] = (dpp_span_t){&one, 1};
    return dpp_sha256(p, n, out);
}
