/* DPP key derivation for P-256 / SHA-256 (Wi-Fi Easy Connect 6.3.3, 6.3.4):
 *   k1 = HKDF(<>, "first intermediate key", M.x)        M = pI*BR = bR*PI
 *   k2 = HKDF(<>, "second intermediate key", N.x)       N = pI*PR = pR*PI
 *   ke = HKDF(I-nonce | R-nonce, "DPP Key", M.x | N.x [| L.x])
 *   R-auth = H(I-nonce | R-nonce | PI.x | PR.x | [BI.x |] BR.x | 0)
 *   I-auth = H(R-nonce | I-nonce | PR.x | PI.x | BR.x | [BI.x |] 1) */
#ifndef DPP_KDF_H
#define DPP_KDF_H

#include <stdbool.h>
#include <stdint.h>

#define DPP_NONCE_LEN 16
#define DPP_KEY_LEN 32

int dpp_derive_k1(const uint8_t mx[32], uint8_t k1[32]);
int dpp_derive_k2(const uint8_t nx[32], uint8_t k2[32]);
/* lx NULL: responder-only authentication. */
int dpp_derive_ke(const uint8_t i_nonce[16], const uint8_t r_nonce[16], const uint8_t mx[32],
                  const uint8_t nx[32], const uint8_t *lx, uint8_t ke[32]);

/* The tags' inputs where they already are: nonces of 16 bytes, x-coordinates
 * of 32 (a public key x|y can be named as it is). */
typedef struct {
    const uint8_t *i_nonce, *r_nonce;
    const uint8_t *pi_x, *pr_x, *br_x, *bi_x;
    bool mutual; /* bi_x valid */
} dpp_auth_tag_inputs_t;

int dpp_compute_r_auth(const dpp_auth_tag_inputs_t *t, uint8_t out[32]);
int dpp_compute_i_auth(const dpp_auth_tag_inputs_t *t, uint8_t out[32]);

#endif
