#include "bridge.h"

#include <string.h>

_Static_assert(BRIDGE_CTRL_QUEUE_LEN > BRIDGE_TX_CREDITS, "reply queue must hold one TX_STATUS per credit, plus one");
_Static_assert(BRIDGE_TX_CREDITS >= 1 && BRIDGE_TX_CREDITS <= 255, "txQueue is a u8");
_Static_assert(BRIDGE_PAYLOAD_CAP >= 1 && BRIDGE_PAYLOAD_CAP <= PROTO_MAX_PAYLOAD, "payload cap out of range");
_Static_assert(BRIDGE_RX_QUEUE_LEN >= 1 && BRIDGE_RX_QUEUE_LEN <= 256, "RX slot indices are bytes");
_Static_assert(PROTO_HELLO_FIXED + PROTO_FIRMWARE_MAX <= BRIDGE_CTRL_MSG_MAX, "HELLO fits a reply slot");
_Static_assert(1u + 4u * PROTO_STATS_COUNT <= BRIDGE_CTRL_MSG_MAX, "STATS fits a reply slot");

/* ---- small text helpers (no printf in the core) ------------------------ */

typedef struct {
    char *p;
    size_t cap;
    size_t len;
} text_t;

static void text_str(text_t *t, const char *s)
{
    while (*s != '\0' && t->len < t->cap) {
        t->p[t->len++] = *s++;
    }
}

static void text_uint(text_t *t, unsigned v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 && n < sizeof(tmp));
    while (n > 0 && t->len < t->cap) {
        t->p[t->len++] = tmp[--n];
    }
}

static void text_hex8(text_t *t, uint8_t v)
{
    static const char hex[] = "0123456789abcdef";
    char s[3] = {hex[v >> 4], hex[v & 0x0Fu], '\0'};
    text_str(t, s);
}

/* ---- output queues ------------------------------------------------------ */

static size_t credits_in_use(const bridge_t *b)
{
    return b->tx_count + ((b->inflight.active && b->inflight.current) ? 1u : 0u);
}

size_t bridge_credits_in_use(const bridge_t *b) { return credits_in_use(b); }

/* A reply goes into the reply queue. Room for every TX_STATUS that the
 * accepted TX messages will produce is kept free, so this never fails for
 * them; input that would need a reply waits instead (bridge_on_serial_bytes). */
static void emit(bridge_t *b, const proto_msg_t *m)
{
    if (b->ctrl_count >= BRIDGE_CTRL_QUEUE_LEN) {
        b->ctrl_overflow++;
        return;
    }
    bridge_ctrl_slot_t *s = &b->ctrl[(b->ctrl_head + b->ctrl_count) % BRIDGE_CTRL_QUEUE_LEN];
    size_t len = 0;
    if (proto_encode(m, s->msg, sizeof(s->msg), &len) != PROTO_OK) {
        b->ctrl_overflow++;
        return;
    }
    s->len = (uint16_t)len;
    b->ctrl_count++;
}

static void emit_tx_status(bridge_t *b, uint16_t tx_id, uint8_t status)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_TX_STATUS;
    m.u.tx_status.tx_id = tx_id;
    m.u.tx_status.status = status;
    emit(b, &m);
}

static void emit_error(bridge_t *b, uint8_t code, const char *detail, size_t detail_len)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_ERROR;
    m.u.error.code = code;
    m.u.error.detail = (const uint8_t *)detail;
    m.u.error.detail_len = detail_len > PROTO_DETAIL_MAX ? PROTO_DETAIL_MAX : detail_len;
    emit(b, &m);
}

static void emit_malformed(bridge_t *b, uint8_t type)
{
    char buf[PROTO_DETAIL_MAX];
    text_t t = {buf, sizeof(buf), 0};
    text_str(&t, "malformed ");
    text_str(&t, proto_type_name(type));
    emit_error(b, PROTO_ERR_CODE_MALFORMED, buf, t.len);
}

static void emit_hello(bridge_t *b, uint8_t version)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_HELLO;
    m.u.hello.version = version;
    m.u.hello.min_version = PROTO_MIN_VERSION;
    memcpy(m.u.hello.mac, b->mac, PROTO_MAC_LEN);
    m.u.hello.channel = b->channel;
    m.u.hello.max_payload = b->max_payload;
    m.u.hello.capabilities = b->capabilities;
    m.u.hello.tx_queue = (uint8_t)BRIDGE_TX_CREDITS;
    m.u.hello.firmware = (const uint8_t *)b->firmware;
    m.u.hello.firmware_len = strlen(b->firmware);
    emit(b, &m);
}

static uint32_t now_ms(bridge_t *b) { return b->plat.uptime_ms(b->plat.ctx); }

/* ---- the RX queue ------------------------------------------------------------ */

static size_t rx_position(const bridge_t *b, size_t i) { return (b->rx_head + i) % BRIDGE_RX_QUEUE_LEN; }

static void count_rx_dropped(bridge_t *b, bool broadcast)
{
    if (broadcast) {
        b->rx_dropped_broadcast++;
    } else {
        b->rx_dropped_unicast++;
    }
}

/* Drop the oldest queued broadcast (there is one) and move the frames after
 * it up; its slot becomes the last position of the queue, for the caller to
 * fill. The queue keeps its length and the order of the rest. */
static uint8_t rx_evict_oldest_broadcast(bridge_t *b)
{
    size_t i = 0;
    while (!b->rx[b->rx_order[rx_position(b, i)]].broadcast) {
        i++;
    }
    const uint8_t freed = b->rx_order[rx_position(b, i)];
    for (; i + 1u < b->rx_count; i++) {
        b->rx_order[rx_position(b, i)] = b->rx_order[rx_position(b, i + 1u)];
    }
    b->rx_order[rx_position(b, b->rx_count - 1u)] = freed;
    b->rx_broadcast_queued--;
    count_rx_dropped(b, true);
    return freed;
}

/* The slot a received frame goes into, now last in the queue; NULL when the
 * frame is to be dropped (the queue is full, and it is a broadcast or every
 * queued frame is unicast). A unicast frame is kept before any broadcast. */
static bridge_rx_slot_t *rx_enqueue(bridge_t *b, bool broadcast)
{
    uint8_t slot;
    if (b->rx_count < BRIDGE_RX_QUEUE_LEN) {
        slot = b->rx_order[rx_position(b, b->rx_count)];
        b->rx_count++;
    } else if (!broadcast && b->rx_broadcast_queued > 0) {
        slot = rx_evict_oldest_broadcast(b);
    } else {
        return NULL;
    }
    if (broadcast) {
        b->rx_broadcast_queued++;
    }
    bridge_rx_slot_t *s = &b->rx[slot];
    s->broadcast = broadcast;
    return s;
}

/* Undo the last rx_enqueue (its frame could not be encoded). */
static void rx_unqueue_last(bridge_t *b)
{
    const bridge_rx_slot_t *s = &b->rx[b->rx_order[rx_position(b, b->rx_count - 1u)]];
    if (s->broadcast) {
        b->rx_broadcast_queued--;
    }
    b->rx_count--;
}

/* ---- pumps ---------------------------------------------------------------- */

/* Returns true if the serial port took everything (nothing pending). */
static bool pump_serial(bridge_t *b)
{
    for (;;) {
        if (b->wire_off < b->wire_len) {
            size_t left = b->wire_len - b->wire_off;
            size_t n = b->plat.serial_write(b->plat.ctx, b->wire + b->wire_off, left);
            if (n > left) {
                n = left;
            }
            b->wire_off += n;
            if (b->wire_off < b->wire_len) {
                return false;
            }
        }
        b->wire_off = 0;
        b->wire_len = 0;
        b->wire_is_rx = false;
        if (b->need_delimiter) {
            b->need_delimiter = false;
            b->wire[0] = 0x00;
            b->wire_len = 1;
        } else if (b->ctrl_count > 0) {
            const bridge_ctrl_slot_t *s = &b->ctrl[b->ctrl_head];
            b->wire_len = proto_frame_encode(s->msg, s->len, b->wire, sizeof(b->wire));
            b->ctrl_head = (b->ctrl_head + 1u) % BRIDGE_CTRL_QUEUE_LEN;
            b->ctrl_count--;
        } else if (b->rx_count > 0) {
            const bridge_rx_slot_t *s = &b->rx[b->rx_order[b->rx_head]];
            b->wire_len = proto_frame_encode(s->msg, s->len, b->wire, sizeof(b->wire));
            b->wire_is_rx = true;
            b->wire_rx_broadcast = s->broadcast;
            if (s->broadcast) {
                b->rx_broadcast_queued--;
            }
            /* the slot's index stays where it is: now the last free position */
            b->rx_head = (b->rx_head + 1u) % BRIDGE_RX_QUEUE_LEN;
            b->rx_count--;
        } else {
            return true;
        }
    }
}

static void pump_radio(bridge_t *b)
{
    while (!b->inflight.active && b->tx_count > 0) {
        const bridge_tx_slot_t *s = &b->tx[b->tx_head];
        const uint16_t handle = b->next_handle++;
        b->inflight.active = true;
        b->inflight.current = true;
        b->inflight.handle = handle;
        b->inflight.tx_id = s->tx_id;
        b->inflight.started_ms = now_ms(b);
        b->tx_frames++;
        const int rc = b->plat.radio_send(b->plat.ctx, handle, s->dst, s->payload, s->len);
        b->tx_head = (b->tx_head + 1u) % BRIDGE_TX_CREDITS;
        b->tx_count--;
        if (rc != 0 && b->inflight.active && b->inflight.handle == handle) {
            b->inflight.active = false;
            b->tx_failed++;
            emit_tx_status(b, b->inflight.tx_id, PROTO_TX_RADIO_ERROR);
        }
    }
}

void bridge_pump(bridge_t *b)
{
    if (b->in_pump) {
        b->pump_again = true; /* called back from inside a platform call */
        return;
    }
    b->in_pump = true;
    do {
        b->pump_again = false;
        pump_radio(b);
        (void)pump_serial(b);
    } while (b->pump_again);
    b->in_pump = false;
}

bool bridge_output_pending(const bridge_t *b)
{
    return b->wire_off < b->wire_len || b->need_delimiter || b->ctrl_count > 0 || b->rx_count > 0;
}

/* ---- host messages ------------------------------------------------------- */

static void flush_tx(bridge_t *b)
{
    /* Every outstanding TX is lost from the host's point of view (HELLO
     * restores all credits): drop the queue, and do not report the frame
     * that is at the radio now. */
    b->tx_count = 0;
    b->tx_head = 0;
    b->inflight.current = false;
}

static void on_host_hello(bridge_t *b, const proto_host_hello_t *h)
{
    unsigned lo = h->min_version > PROTO_MIN_VERSION ? h->min_version : PROTO_MIN_VERSION;
    unsigned hi = h->max_version < PROTO_VERSION ? h->max_version : PROTO_VERSION;
    flush_tx(b);
    if (lo > hi) {
        b->negotiated = false;
        char buf[PROTO_DETAIL_MAX];
        text_t t = {buf, sizeof(buf), 0};
        text_str(&t, "unsupported version: host ");
        text_uint(&t, h->min_version);
        text_str(&t, "..");
        text_uint(&t, h->max_version);
        text_str(&t, ", bridge ");
        text_uint(&t, PROTO_MIN_VERSION);
        text_str(&t, "..");
        text_uint(&t, PROTO_VERSION);
        emit_error(b, PROTO_ERR_CODE_VERSION, buf, t.len);
        return;
    }
    b->negotiated = true;
    b->version = (uint8_t)hi;
    emit_hello(b, b->version);
}

static void on_tx(bridge_t *b, proto_result_t r, const proto_msg_t *m, size_t len)
{
    if (r == PROTO_E_MALFORMED && len < 3) {
        emit_malformed(b, PROTO_TX); /* no txId to answer with */
        return;
    }
    const proto_tx_t *t = &m->u.tx;
    if (r == PROTO_E_MALFORMED) {
        emit_tx_status(b, t->tx_id, PROTO_TX_MALFORMED);
        return;
    }
    if (r == PROTO_E_TOO_LARGE || t->payload_len > b->max_payload) {
        emit_tx_status(b, t->tx_id, PROTO_TX_TOO_LARGE);
        return;
    }
    if (r != PROTO_OK) {
        emit_tx_status(b, t->tx_id, PROTO_TX_MALFORMED);
        return;
    }
    if (credits_in_use(b) >= BRIDGE_TX_CREDITS) {
        emit_tx_status(b, t->tx_id, PROTO_TX_NO_CREDIT);
        return;
    }
    bridge_tx_slot_t *s = &b->tx[(b->tx_head + b->tx_count) % BRIDGE_TX_CREDITS];
    s->tx_id = t->tx_id;
    memcpy(s->dst, t->dst, PROTO_MAC_LEN);
    memcpy(s->payload, t->payload, t->payload_len);
    s->len = (uint16_t)t->payload_len;
    b->tx_count++;
}

static void on_set_channel(bridge_t *b, uint8_t ch)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_CHANNEL;
    m.u.channel.channel = ch;
    if (ch >= 1 && ch <= 14 && b->plat.set_channel(b->plat.ctx, ch) == 0) {
        b->channel = ch;
        m.u.channel.status = PROTO_CHANNEL_OK;
    } else {
        /* out of 1..14, or refused by the radio (e.g. its country setting) */
        m.u.channel.status = PROTO_CHANNEL_INVALID;
    }
    emit(b, &m);
}

static void on_message(bridge_t *b, const uint8_t *msg, size_t len)
{
    proto_msg_t m;
    const proto_result_t r = proto_decode(msg, len, &m);
    const uint8_t type = msg[0];

    /* Until HOST_HELLO succeeds, only HOST_HELLO and PING are answered. */
    if (!b->negotiated && type != PROTO_HOST_HELLO && type != PROTO_PING) {
        return;
    }
    if (type == PROTO_TX) {
        on_tx(b, r, &m, len);
        return;
    }
    if (r != PROTO_OK) {
        emit_malformed(b, type);
        return;
    }
    switch (type) {
    case PROTO_HOST_HELLO:
        on_host_hello(b, &m.u.host_hello);
        break;
    case PROTO_PING: {
        proto_msg_t p;
        memset(&p, 0, sizeof(p));
        p.type = PROTO_PONG;
        p.u.pong.nonce = m.u.ping.nonce;
        p.u.pong.uptime_ms = now_ms(b);
        emit(b, &p);
        break;
    }
    case PROTO_SET_CHANNEL:
        on_set_channel(b, m.u.set_channel.channel);
        break;
    case PROTO_GET_STATS: {
        proto_msg_t s;
        memset(&s, 0, sizeof(s));
        s.type = PROTO_STATS;
        bridge_get_stats(b, s.u.stats.counters);
        /* a version-1 host expects exactly the twelve counters of version 1 */
        s.u.stats.count = (uint8_t)(b->version >= 2u ? PROTO_STATS_COUNT : PROTO_STATS_COUNT_V1);
        emit(b, &s);
        break;
    }
    default:
        break; /* not a host -> bridge type: the deframer does not pass it */
    }
}

static void on_unknown_type(bridge_t *b, uint8_t type)
{
    if (!b->negotiated) {
        return;
    }
    if (proto_type_known(type)) {
        /* One of our own (bridge -> host) types: an echo or a loopback.
         * Counted by the deframer; answering it could loop forever. */
        return;
    }
    char buf[PROTO_DETAIL_MAX];
    text_t t = {buf, sizeof(buf), 0};
    text_str(&t, "unknown message type 0x");
    text_hex8(&t, type);
    emit_error(b, PROTO_ERR_CODE_UNKNOWN_TYPE, buf, t.len);
}

/* A frame may be completed only if its reply fits while one slot per credit
 * in use (and per credit the frame might take, if it is a TX) stays free. */
static bool room_for_input(const bridge_t *b)
{
    return BRIDGE_CTRL_QUEUE_LEN - b->ctrl_count >= credits_in_use(b) + 1u;
}

size_t bridge_on_serial_bytes(bridge_t *b, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        const uint8_t byte = data[i];
        if (byte == 0x00 && b->df.len > 0 && !room_for_input(b)) {
            bridge_pump(b);
            if (!room_for_input(b)) {
                break; /* the host is not reading: stop reading too */
            }
        }
        switch (deframer_push(&b->df, byte)) {
        case DEFRAMER_MESSAGE:
            on_message(b, b->df.msg, b->df.msg_len);
            break;
        case DEFRAMER_UNKNOWN_TYPE:
            on_unknown_type(b, b->df.msg[0]);
            break;
        default:
            break; /* errors are counted by the deframer */
        }
    }
    bridge_pump(b);
    return i;
}

/* ---- radio events ----------------------------------------------------------- */

void bridge_on_radio_receive(bridge_t *b, const uint8_t src[PROTO_MAC_LEN], int8_t rssi, uint8_t channel,
                             bool broadcast, const uint8_t *payload, size_t len)
{
    if (payload == NULL || len == 0 || len > PROTO_MAX_PAYLOAD) {
        return; /* not an ESP-NOW payload */
    }
    b->rx_frames++;
    bridge_pump(b); /* make room if the port can take more */
    bridge_rx_slot_t *s = NULL;
    if (b->negotiated && len <= BRIDGE_PAYLOAD_CAP) {
        s = rx_enqueue(b, broadcast);
    }
    if (s == NULL) {
        count_rx_dropped(b, broadcast);
        return;
    }
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_RX;
    memcpy(m.u.rx.src, src, PROTO_MAC_LEN);
    m.u.rx.rssi = rssi;
    m.u.rx.channel = channel;
    m.u.rx.flags = broadcast ? PROTO_RX_FLAG_BROADCAST : 0u;
    m.u.rx.payload = payload;
    m.u.rx.payload_len = len;
    size_t mlen = 0;
    if (proto_encode(&m, s->msg, sizeof(s->msg), &mlen) != PROTO_OK) {
        rx_unqueue_last(b); /* not reached: the sizes are checked above */
        count_rx_dropped(b, broadcast);
        return;
    }
    s->len = (uint16_t)mlen;
    if (b->rx_count > b->rx_high_water) {
        b->rx_high_water = (uint32_t)b->rx_count;
    }
    bridge_pump(b);
}

static void finish_send(bridge_t *b, uint8_t status)
{
    b->inflight.active = false;
    if (status == PROTO_TX_ACKED) {
        b->tx_acked++;
    } else {
        b->tx_failed++;
    }
    if (b->inflight.current) {
        emit_tx_status(b, b->inflight.tx_id, status);
    }
}

void bridge_on_radio_send_done(bridge_t *b, uint16_t handle, bool acked)
{
    if (!b->inflight.active || b->inflight.handle != handle) {
        return; /* late completion of a send that already timed out */
    }
    finish_send(b, acked ? PROTO_TX_ACKED : PROTO_TX_NO_ACK);
    bridge_pump(b);
}

void bridge_on_tick(bridge_t *b)
{
    if (b->inflight.active && (uint32_t)(now_ms(b) - b->inflight.started_ms) >= b->cfg.tx_timeout_ms) {
        finish_send(b, PROTO_TX_RADIO_ERROR);
    }
    bridge_pump(b);
}

/* ---- lifecycle ----------------------------------------------------------------- */

void bridge_on_serial_reconnect(bridge_t *b)
{
    deframer_reset(&b->df);
    if (b->wire_is_rx && b->wire_off < b->wire_len) {
        count_rx_dropped(b, b->wire_rx_broadcast);
    }
    for (size_t i = 0; i < b->rx_count; i++) {
        count_rx_dropped(b, b->rx[b->rx_order[rx_position(b, i)]].broadcast);
    }
    b->rx_count = 0;
    b->rx_head = 0;
    b->rx_broadcast_queued = 0;
    b->ctrl_count = 0;
    b->ctrl_head = 0;
    b->wire_len = 0;
    b->wire_off = 0;
    b->wire_is_rx = false;
    b->need_delimiter = true;
    b->negotiated = false;
    bridge_pump(b);
}

void bridge_count_rx_dropped(bridge_t *b, uint32_t broadcast, uint32_t unicast)
{
    b->rx_frames += broadcast + unicast;
    b->rx_dropped_broadcast += broadcast;
    b->rx_dropped_unicast += unicast;
}

void bridge_get_stats(const bridge_t *b, uint32_t out[PROTO_STATS_COUNT])
{
    out[STAT_RX_FRAMES] = b->rx_frames;
    out[STAT_RX_DROPPED] = b->rx_dropped_broadcast + b->rx_dropped_unicast;
    out[STAT_TX_FRAMES] = b->tx_frames;
    out[STAT_TX_ACKED] = b->tx_acked;
    out[STAT_TX_FAILED] = b->tx_failed;
    out[STAT_SERIAL_BAD_CRC] = b->df.counters.bad_crc;
    out[STAT_SERIAL_BAD_FRAMING] = b->df.counters.bad_framing;
    out[STAT_SERIAL_OVERSIZE] = b->df.counters.oversize;
    out[STAT_SERIAL_UNKNOWN_TYPE] = b->df.counters.unknown_type;
    out[STAT_RX_QUEUE_DEPTH] = (uint32_t)b->rx_count;
    out[STAT_TX_QUEUE_DEPTH] = (uint32_t)credits_in_use(b);
    out[STAT_RX_QUEUE_HIGH_WATER] = b->rx_high_water;
    out[STAT_RX_DROPPED_BROADCAST] = b->rx_dropped_broadcast;
    out[STAT_RX_DROPPED_UNICAST] = b->rx_dropped_unicast;
}

void bridge_init(bridge_t *b, const bridge_platform_t *plat, const bridge_config_t *cfg)
{
    memset(b, 0, sizeof(*b));
    b->plat = *plat;
    b->cfg = *cfg;
    if (b->cfg.tx_timeout_ms == 0) {
        b->cfg.tx_timeout_ms = BRIDGE_TX_TIMEOUT_MS;
    }
    /* HELLO.firmware: at most 32 bytes, cut at a character boundary. */
    const char *fw = cfg->firmware != NULL ? cfg->firmware : "";
    size_t n = strlen(fw);
    if (n > PROTO_FIRMWARE_MAX) {
        n = PROTO_FIRMWARE_MAX;
    }
    while (n > 0 && !proto_utf8_valid((const uint8_t *)fw, n)) {
        n--;
    }
    memcpy(b->firmware, fw, n);
    b->firmware[n] = '\0';

    for (size_t i = 0; i < BRIDGE_RX_QUEUE_LEN; i++) {
        b->rx_order[i] = (uint8_t)i;
    }
    deframer_init(&b->df, DEFRAMER_ACCEPT_TO_BRIDGE);
    b->channel = cfg->channel;
    b->plat.get_mac(b->plat.ctx, b->mac);
    b->capabilities = b->plat.capabilities(b->plat.ctx);
    uint16_t mp = b->plat.max_payload(b->plat.ctx);
    if (mp == 0 || mp > BRIDGE_PAYLOAD_CAP) {
        mp = (uint16_t)BRIDGE_PAYLOAD_CAP;
    }
    b->max_payload = mp;
    b->version = PROTO_VERSION;
    b->need_delimiter = true;
    emit_hello(b, PROTO_VERSION); /* unsolicited: the host learns of the reset */
    bridge_pump(b);
}
