#include "proto.h"

#include <string.h>

#include "crc32.h"

bool proto_type_known(uint8_t type)
{
    switch (type) {
    case PROTO_HOST_HELLO:
    case PROTO_HELLO:
    case PROTO_RX:
    case PROTO_TX:
    case PROTO_TX_STATUS:
    case PROTO_SET_CHANNEL:
    case PROTO_CHANNEL:
    case PROTO_PING:
    case PROTO_PONG:
    case PROTO_GET_STATS:
    case PROTO_STATS:
    case PROTO_ERROR:
        return true;
    default:
        return false;
    }
}

bool proto_type_to_bridge(uint8_t type)
{
    return proto_type_known(type) && (type & PROTO_DIR_TO_BRIDGE) != 0;
}

const char *proto_type_name(uint8_t type)
{
    switch (type) {
    case PROTO_HOST_HELLO: return "HOST_HELLO";
    case PROTO_HELLO: return "HELLO";
    case PROTO_RX: return "RX";
    case PROTO_TX: return "TX";
    case PROTO_TX_STATUS: return "TX_STATUS";
    case PROTO_SET_CHANNEL: return "SET_CHANNEL";
    case PROTO_CHANNEL: return "CHANNEL";
    case PROTO_PING: return "PING";
    case PROTO_PONG: return "PONG";
    case PROTO_GET_STATS: return "GET_STATS";
    case PROTO_STATS: return "STATS";
    case PROTO_ERROR: return "ERROR";
    default: return "UNKNOWN";
    }
}

bool proto_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80u) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        uint32_t min;
        if ((c & 0xE0u) == 0xC0u) {
            n = 1;
            cp = c & 0x1Fu;
            min = 0x80u;
        } else if ((c & 0xF0u) == 0xE0u) {
            n = 2;
            cp = c & 0x0Fu;
            min = 0x800u;
        } else if ((c & 0xF8u) == 0xF0u) {
            n = 3;
            cp = c & 0x07u;
            min = 0x10000u;
        } else {
            return false;
        }
        if (n > len - i - 1u) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xC0u) != 0x80u) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
            return false;
        }
        i += n + 1u;
    }
    return true;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | ((uint16_t)p[1] << 8)); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Exact size of the fixed-size messages, 0 for the variable-size ones. */
static size_t fixed_size(uint8_t type)
{
    switch (type) {
    case PROTO_HOST_HELLO: return 3;
    case PROTO_TX_STATUS: return 4;
    case PROTO_SET_CHANNEL: return 2;
    case PROTO_CHANNEL: return 3;
    case PROTO_PING: return 5;
    case PROTO_PONG: return 9;
    case PROTO_GET_STATS: return 1;
    case PROTO_STATS: return 1u + 4u * PROTO_STATS_COUNT; /* or the version-1 size, see below */
    default: return 0;
    }
}

proto_result_t proto_decode(const uint8_t *buf, size_t len, proto_msg_t *out)
{
    memset(out, 0, sizeof(*out));
    if (buf == NULL || len == 0) {
        return PROTO_E_EMPTY;
    }
    const uint8_t type = buf[0];
    out->type = type;
    if (!proto_type_known(type)) {
        return PROTO_E_UNKNOWN_TYPE;
    }
    const size_t fixed = fixed_size(type);
    if (type == PROTO_STATS) {
        if (len != fixed && len != 1u + 4u * PROTO_STATS_COUNT_V1) {
            return PROTO_E_MALFORMED;
        }
    } else if (fixed != 0) {
        if (type == PROTO_HOST_HELLO ? len < fixed : len != fixed) {
            return PROTO_E_MALFORMED;
        }
    }
    const uint8_t *p = buf + 1;
    switch (type) {
    case PROTO_HOST_HELLO:
        out->u.host_hello.max_version = p[0];
        out->u.host_hello.min_version = p[1];
        return PROTO_OK;
    case PROTO_HELLO: {
        if (len < PROTO_HELLO_FIXED) {
            return PROTO_E_MALFORMED;
        }
        proto_hello_t *h = &out->u.hello;
        h->version = p[0];
        h->min_version = p[1];
        memcpy(h->mac, p + 2, PROTO_MAC_LEN);
        h->channel = p[8];
        h->max_payload = rd16(p + 9);
        h->capabilities = rd16(p + 11);
        h->tx_queue = p[13];
        h->firmware = buf + PROTO_HELLO_FIXED;
        h->firmware_len = len - PROTO_HELLO_FIXED;
        if (h->firmware_len > PROTO_FIRMWARE_MAX || !proto_utf8_valid(h->firmware, h->firmware_len)) {
            return PROTO_E_MALFORMED;
        }
        return PROTO_OK;
    }
    case PROTO_RX: {
        if (len < PROTO_RX_FIXED) {
            return PROTO_E_MALFORMED;
        }
        proto_rx_t *r = &out->u.rx;
        memcpy(r->src, p, PROTO_MAC_LEN);
        r->rssi = (int8_t)p[6];
        r->channel = p[7];
        r->flags = p[8];
        r->payload = buf + PROTO_RX_FIXED;
        r->payload_len = len - PROTO_RX_FIXED;
        if (r->payload_len == 0) {
            return PROTO_E_MALFORMED;
        }
        if (r->payload_len > PROTO_MAX_PAYLOAD) {
            return PROTO_E_TOO_LARGE;
        }
        return PROTO_OK;
    }
    case PROTO_TX: {
        proto_tx_t *t = &out->u.tx;
        if (len < 3) {
            return PROTO_E_MALFORMED; /* not even a txId */
        }
        t->tx_id = rd16(p);
        if (len < PROTO_TX_FIXED) {
            return PROTO_E_MALFORMED;
        }
        memcpy(t->dst, p + 2, PROTO_MAC_LEN);
        t->payload = buf + PROTO_TX_FIXED;
        t->payload_len = len - PROTO_TX_FIXED;
        if (t->payload_len == 0) {
            return PROTO_E_MALFORMED;
        }
        if (t->payload_len > PROTO_MAX_PAYLOAD) {
            return PROTO_E_TOO_LARGE;
        }
        return PROTO_OK;
    }
    case PROTO_TX_STATUS:
        out->u.tx_status.tx_id = rd16(p);
        out->u.tx_status.status = p[2];
        return PROTO_OK;
    case PROTO_SET_CHANNEL:
        out->u.set_channel.channel = p[0];
        return PROTO_OK;
    case PROTO_CHANNEL:
        out->u.channel.channel = p[0];
        out->u.channel.status = p[1];
        return PROTO_OK;
    case PROTO_PING:
        out->u.ping.nonce = rd32(p);
        return PROTO_OK;
    case PROTO_PONG:
        out->u.pong.nonce = rd32(p);
        out->u.pong.uptime_ms = rd32(p + 4);
        return PROTO_OK;
    case PROTO_GET_STATS:
        return PROTO_OK;
    case PROTO_STATS:
        out->u.stats.count = (uint8_t)((len - 1u) / 4u);
        for (size_t i = 0; i < out->u.stats.count; i++) {
            out->u.stats.counters[i] = rd32(p + 4u * i);
        }
        return PROTO_OK;
    case PROTO_ERROR: {
        if (len < PROTO_ERROR_FIXED) {
            return PROTO_E_MALFORMED;
        }
        proto_error_t *e = &out->u.error;
        e->code = p[0];
        e->detail = buf + PROTO_ERROR_FIXED;
        e->detail_len = len - PROTO_ERROR_FIXED;
        if (e->detail_len > PROTO_DETAIL_MAX || !proto_utf8_valid(e->detail, e->detail_len)) {
            return PROTO_E_MALFORMED;
        }
        return PROTO_OK;
    }
    default:
        return PROTO_E_UNKNOWN_TYPE; /* unreachable: proto_type_known() */
    }
}

proto_result_t proto_encode(const proto_msg_t *msg, uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t type = msg->type;
    size_t need;
    const uint8_t *tail = NULL; /* variable-length part */
    size_t tail_len = 0;

    switch (type) {
    case PROTO_HELLO:
        if (msg->u.hello.firmware_len > PROTO_FIRMWARE_MAX ||
            (msg->u.hello.firmware_len > 0 && msg->u.hello.firmware == NULL) ||
            !proto_utf8_valid(msg->u.hello.firmware, msg->u.hello.firmware_len)) {
            return PROTO_E_INVALID;
        }
        tail = msg->u.hello.firmware;
        tail_len = msg->u.hello.firmware_len;
        need = PROTO_HELLO_FIXED + tail_len;
        break;
    case PROTO_RX:
        if (msg->u.rx.payload_len == 0 || msg->u.rx.payload_len > PROTO_MAX_PAYLOAD || msg->u.rx.payload == NULL) {
            return PROTO_E_INVALID;
        }
        tail = msg->u.rx.payload;
        tail_len = msg->u.rx.payload_len;
        need = PROTO_RX_FIXED + tail_len;
        break;
    case PROTO_TX:
        if (msg->u.tx.payload_len == 0 || msg->u.tx.payload_len > PROTO_MAX_PAYLOAD || msg->u.tx.payload == NULL) {
            return PROTO_E_INVALID;
        }
        tail = msg->u.tx.payload;
        tail_len = msg->u.tx.payload_len;
        need = PROTO_TX_FIXED + tail_len;
        break;
    case PROTO_STATS:
        if (msg->u.stats.count != PROTO_STATS_COUNT && msg->u.stats.count != PROTO_STATS_COUNT_V1) {
            return PROTO_E_INVALID;
        }
        need = 1u + 4u * (size_t)msg->u.stats.count;
        break;
    case PROTO_ERROR:
        if (msg->u.error.detail_len > PROTO_DETAIL_MAX ||
            (msg->u.error.detail_len > 0 && msg->u.error.detail == NULL) ||
            !proto_utf8_valid(msg->u.error.detail, msg->u.error.detail_len)) {
            return PROTO_E_INVALID;
        }
        tail = msg->u.error.detail;
        tail_len = msg->u.error.detail_len;
        need = PROTO_ERROR_FIXED + tail_len;
        break;
    default:
        need = fixed_size(type);
        if (need == 0) {
            return PROTO_E_UNKNOWN_TYPE;
        }
        break;
    }
    if (need > cap) {
        return PROTO_E_BUFFER;
    }

    out[0] = type;
    uint8_t *p = out + 1;
    switch (type) {
    case PROTO_HOST_HELLO:
        p[0] = msg->u.host_hello.max_version;
        p[1] = msg->u.host_hello.min_version;
        break;
    case PROTO_HELLO:
        p[0] = msg->u.hello.version;
        p[1] = msg->u.hello.min_version;
        memcpy(p + 2, msg->u.hello.mac, PROTO_MAC_LEN);
        p[8] = msg->u.hello.channel;
        wr16(p + 9, msg->u.hello.max_payload);
        wr16(p + 11, msg->u.hello.capabilities);
        p[13] = msg->u.hello.tx_queue;
        break;
    case PROTO_RX:
        memcpy(p, msg->u.rx.src, PROTO_MAC_LEN);
        p[6] = (uint8_t)msg->u.rx.rssi;
        p[7] = msg->u.rx.channel;
        p[8] = msg->u.rx.flags;
        break;
    case PROTO_TX:
        wr16(p, msg->u.tx.tx_id);
        memcpy(p + 2, msg->u.tx.dst, PROTO_MAC_LEN);
        break;
    case PROTO_TX_STATUS:
        wr16(p, msg->u.tx_status.tx_id);
        p[2] = msg->u.tx_status.status;
        break;
    case PROTO_SET_CHANNEL:
        p[0] = msg->u.set_channel.channel;
        break;
    case PROTO_CHANNEL:
        p[0] = msg->u.channel.channel;
        p[1] = msg->u.channel.status;
        break;
    case PROTO_PING:
        wr32(p, msg->u.ping.nonce);
        break;
    case PROTO_PONG:
        wr32(p, msg->u.pong.nonce);
        wr32(p + 4, msg->u.pong.uptime_ms);
        break;
    case PROTO_GET_STATS:
        break;
    case PROTO_STATS:
        for (size_t i = 0; i < msg->u.stats.count; i++) {
            wr32(p + 4u * i, msg->u.stats.counters[i]);
        }
        break;
    case PROTO_ERROR:
        p[0] = msg->u.error.code;
        break;
    default:
        break;
    }
    if (tail_len > 0) {
        memcpy(out + (need - tail_len), tail, tail_len);
    }
    *out_len = need;
    return PROTO_OK;
}

size_t proto_frame_encode(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    if (cap == 0) {
        return 0;
    }
    uint8_t crc_le[PROTO_CRC_LEN];
    wr32(crc_le, crc32_ieee(msg, len));
    cobs_encoder_t e;
    cobs_encoder_init(&e, out, cap - 1u); /* keep room for the delimiter */
    cobs_encoder_put(&e, msg, len);
    cobs_encoder_put(&e, crc_le, sizeof(crc_le));
    size_t n = cobs_encoder_finish(&e);
    if (n == 0) {
        return 0;
    }
    out[n] = 0x00;
    return n + 1u;
}
