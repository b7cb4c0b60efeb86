#include "dpp_wrap.h"

#include <string.h>

#include "dpp_err.h"
#include "dpp_siv.h"

int dpp_wrap_tail(dpp_wbuf_t *w, size_t clear_at, const uint8_t key[32], const dpp_span_t *ad, size_t n_ad)
{
    if (w->overflow) {
        return DPP_E_TRANSPORT_FRAME_TOO_LARGE;
    }
    size_t clear_len = w->len - clear_at;
    size_t need = DPP_ATTR_HDR_LEN + DPP_SIV_TAG_LEN;
    if (w->cap - w->len < need || clear_len + DPP_SIV_TAG_LEN > 0xffffu) {
        w->overflow = true;
        return DPP_E_TRANSPORT_FRAME_TOO_LARGE;
    }
    uint8_t *clear = w->p + clear_at;
    /* move the clear bytes behind the attribute header and the tag, then encrypt in place */
    memmove(clear + need, clear, clear_len);
    size_t vlen = clear_len + DPP_SIV_TAG_LEN;
    clear[0] = (uint8_t)DPP_ATTR_WRAPPED_DATA;
    clear[1] = (uint8_t)(DPP_ATTR_WRAPPED_DATA >> 8);
    clear[2] = (uint8_t)vlen;
    clear[3] = (uint8_t)(vlen >> 8);
    w->len += need;
    return dpp_siv_encrypt(key, ad, n_ad, clear + need, clear_len, clear + DPP_ATTR_HDR_LEN);
}

int dpp_unwrap_attrs(const uint8_t key[32], const dpp_span_t *ad, size_t n_ad, const dpp_attr_t *wrapped,
                     dpp_attrs_t *inner)
{
    inner->n = 0;
    if (wrapped->len < DPP_SIV_TAG_LEN) {
        return DPP_E_CRYPTO_UNWRAP_FAILED;
    }
    uint8_t *p = (uint8_t *)(uintptr_t)wrapped->val; /* the receive buffer, writable by contract */
    int rc = dpp_siv_decrypt(key, ad, n_ad, p, wrapped->len, p);
    if (rc != 0) {
        return rc;
    }
    return dpp_attrs_decode(p, wrapped->len - DPP_SIV_TAG_LEN, inner);
}
