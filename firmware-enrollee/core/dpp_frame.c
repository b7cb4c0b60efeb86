#include "dpp_frame.h"

#include <stddef.h>
#include <string.h>

#include "dpp_err.h"

const uint8_t dpp_adv_proto[DPP_ADV_PROTO_LEN] = {0x6c, 0x08, 0x7f, 0xdd, 0x05, 0x50, 0x6f, 0x9a, 0x1a, 0x01};
static const uint8_t wfa_oui[3] = {0x50, 0x6f, 0x9a};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* Advertisement protocol and query of a GAS frame starting at off. */
static int adv_and_query(const uint8_t *p, size_t len, size_t off, dpp_msg_t *m)
{
    size_t adv_end = off + DPP_ADV_PROTO_LEN;
    if (len < adv_end + 2) {
        return DPP_E_DECODE_TRUNCATED;
    }
    /* byte 2 (query response info) differs between peers: hostap 0x7f, others 0x00 */
    for (size_t i = 0; i < DPP_ADV_PROTO_LEN; i++) {
        if (i != 2 && p[off + i] != dpp_adv_proto[i]) {
            return DPP_E_DECODE_BAD_GAS;
        }
    }
    size_t qlen = rd16(p + adv_end);
    size_t start = adv_end + 2;
    if (qlen > len - start) {
        return DPP_E_DECODE_ATTRIBUTE_OVERRUN;
    }
    if (start + qlen != len) {
        return DPP_E_DECODE_TRAILING_BYTES;
    }
    m->query = p + start;
    m->query_len = qlen;
    return DPP_OK;
}

int dpp_msg_decode(const uint8_t *p, size_t len, dpp_msg_t *m)
{
    /* everything but the attribute array, which dpp_attrs_decode fills */
    memset(m, 0, offsetof(dpp_msg_t, attrs));
    m->attrs.n = 0;
    if (len == 0) {
        return DPP_E_DECODE_TRUNCATED;
    }
    if (len > DPP_MAX_MESSAGE_LEN) {
        return DPP_E_DECODE_OVERSIZED;
    }
    switch (p[0]) {
    case DPP_PA_VENDOR_SPECIFIC:
        if (len < 1 + DPP_HDR_LEN) {
            return DPP_E_DECODE_TRUNCATED;
        }
        if (memcmp(p + 1, wfa_oui, 3) != 0 || p[4] != DPP_OUI_TYPE || p[5] != DPP_CRYPTO_SUITE) {
            return DPP_E_DECODE_BAD_HEADER;
        }
        m->kind = DPP_MSG_FRAME;
        m->header = p + 1;
        m->frame_type = p[6];
        m->body = p + 1 + DPP_HDR_LEN;
        m->body_len = len - 1 - DPP_HDR_LEN;
        return dpp_attrs_decode(m->body, m->body_len, &m->attrs);
    case DPP_PA_GAS_INITIAL_REQ:
        if (len < 2) {
            return DPP_E_DECODE_TRUNCATED;
        }
        m->kind = DPP_MSG_GAS_INITIAL_REQ;
        m->dialog_token = p[1];
        return adv_and_query(p, len, 2, m);
    case DPP_PA_GAS_INITIAL_RESP:
        if (len < 6) {
            return DPP_E_DECODE_TRUNCATED;
        }
        m->kind = DPP_MSG_GAS_INITIAL_RESP;
        m->dialog_token = p[1];
        m->status_code = rd16(p + 2);
        m->comeback_delay = rd16(p + 4);
        return adv_and_query(p, len, 6, m);
    case DPP_PA_GAS_COMEBACK_REQ:
        if (len != 2) {
            return DPP_E_DECODE_BAD_GAS;
        }
        m->kind = DPP_MSG_GAS_COMEBACK_REQ;
        m->dialog_token = p[1];
        return DPP_OK;
    case DPP_PA_GAS_COMEBACK_RESP:
        if (len < 7) {
            return DPP_E_DECODE_TRUNCATED;
        }
        m->kind = DPP_MSG_GAS_COMEBACK_RESP;
        m->dialog_token = p[1];
        m->status_code = rd16(p + 2);
        m->fragment_id = p[4];
        m->comeback_delay = rd16(p + 5);
        return adv_and_query(p, len, 7, m);
    default:
        return DPP_E_DECODE_BAD_HEADER;
    }
}

void dpp_frame_header(uint8_t frame_type, uint8_t out[DPP_HDR_LEN])
{
    memcpy(out, wfa_oui, 3);
    out[3] = DPP_OUI_TYPE;
    out[4] = DPP_CRYPTO_SUITE;
    out[5] = frame_type;
}

void dpp_put_frame_start(dpp_wbuf_t *w, uint8_t frame_type)
{
    uint8_t h[DPP_HDR_LEN];
    dpp_frame_header(frame_type, h);
    dpp_wbuf_u8(w, DPP_PA_VENDOR_SPECIFIC);
    dpp_wbuf_put(w, h, sizeof(h));
}
