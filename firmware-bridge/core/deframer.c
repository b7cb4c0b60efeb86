#include "deframer.h"

#include "cobs.h"
#include "crc32.h"

void deframer_init(deframer_t *d, deframer_accept_t accept)
{
    d->len = 0;
    d->discarding = false;
    d->accept = accept;
    d->counters.bad_crc = 0;
    d->counters.bad_framing = 0;
    d->counters.oversize = 0;
    d->counters.unknown_type = 0;
    d->msg = NULL;
    d->msg_len = 0;
}

void deframer_reset(deframer_t *d)
{
    d->len = 0;
    d->discarding = false;
    d->msg = NULL;
    d->msg_len = 0;
}

bool deframer_accepts(const deframer_t *d, uint8_t type)
{
    if (!proto_type_known(type)) {
        return false;
    }
    switch (d->accept) {
    case DEFRAMER_ACCEPT_TO_BRIDGE:
        return (type & PROTO_DIR_TO_BRIDGE) != 0;
    case DEFRAMER_ACCEPT_TO_HOST:
        return (type & PROTO_DIR_TO_BRIDGE) == 0;
    case DEFRAMER_ACCEPT_ALL:
    default:
        return true;
    }
}

static deframer_event_t deframer_complete(deframer_t *d)
{
    size_t n = 0;
    const size_t encoded = d->len;
    d->len = 0;
    if (!cobs_decode(d->buf, encoded, d->buf, sizeof(d->buf), &n) || n < 1u + PROTO_CRC_LEN) {
        d->counters.bad_framing++;
        return DEFRAMER_BAD_FRAMING;
    }
    const size_t mlen = n - PROTO_CRC_LEN;
    const uint8_t *c = d->buf + mlen;
    const uint32_t got = (uint32_t)c[0] | ((uint32_t)c[1] << 8) | ((uint32_t)c[2] << 16) | ((uint32_t)c[3] << 24);
    if (crc32_ieee(d->buf, mlen) != got) {
        d->counters.bad_crc++;
        return DEFRAMER_BAD_CRC;
    }
    d->msg = d->buf;
    d->msg_len = mlen;
    if (!deframer_accepts(d, d->buf[0])) {
        d->counters.unknown_type++;
        return DEFRAMER_UNKNOWN_TYPE;
    }
    return DEFRAMER_MESSAGE;
}

deframer_event_t deframer_push(deframer_t *d, uint8_t byte)
{
    d->msg = NULL;
    d->msg_len = 0;
    if (byte == 0x00) {
        if (d->discarding) {
            d->discarding = false;
            d->len = 0;
            return DEFRAMER_NONE;
        }
        if (d->len == 0) {
            return DEFRAMER_NONE; /* empty frame: ignored */
        }
        return deframer_complete(d);
    }
    if (d->discarding) {
        return DEFRAMER_NONE;
    }
    if (d->len >= sizeof(d->buf)) {
        d->discarding = true;
        d->len = 0;
        d->counters.oversize++;
        return DEFRAMER_OVERSIZE;
    }
    d->buf[d->len++] = byte;
    return DEFRAMER_NONE;
}
