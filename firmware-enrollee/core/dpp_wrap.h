/* Wrapped Data attributes (AES-SIV under k1, k2 or ke). Both directions
 * work in place: a message is built and encrypted inside its own buffer,
 * and a received one is decrypted inside the buffer it arrived in, so no
 * second copy of a 16 KiB message is ever needed. */
#ifndef DPP_WRAP_H
#define DPP_WRAP_H

#include <stddef.h>
#include <stdint.h>

#include "dpp_attr.h"
#include "dpp_crypto.h"

/* The clear attributes written at w->p[clear_at..w->len) become one
 * Wrapped Data attribute holding their encryption. */
int dpp_wrap_tail(dpp_wbuf_t *w, size_t clear_at, const uint8_t key[32], const dpp_span_t *ad, size_t n_ad);

/* Decrypt a received Wrapped Data attribute in place and decode the
 * attributes inside. The attribute's bytes must be writable (they are
 * part of a received message buffer). DPP_E_CRYPTO_UNWRAP_FAILED if it
 * does not authenticate. */
int dpp_unwrap_attrs(const uint8_t key[32], const dpp_span_t *ad, size_t n_ad, const dpp_attr_t *wrapped,
                     dpp_attrs_t *inner);

#endif
