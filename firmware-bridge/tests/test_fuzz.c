/* Deterministic fuzzing of the deframer and the bridge: 1e6 bytes each, no
 * crash (run under ASan/UBSan by `make test-asan`), counters consistent. */
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "deframer.h"
#include "fake_platform.h"
#include "rng.h"
#include "test.h"

#define FUZZ_BYTES 1000000u


/* A random valid message of a random known type (either direction). */
static size_t random_message(uint8_t *out, size_t cap, bool to_bridge_only)
{
    static uint8_t payload[PROTO_MAX_PAYLOAD];
    static const uint8_t all[] = {PROTO_HOST_HELLO, PROTO_HELLO, PROTO_RX, PROTO_TX, PROTO_TX_STATUS,
                                  PROTO_SET_CHANNEL, PROTO_CHANNEL, PROTO_PING, PROTO_PONG, PROTO_GET_STATS,
                                  PROTO_STATS, PROTO_ERROR};
    static const uint8_t host[] = {PROTO_HOST_HELLO, PROTO_TX, PROTO_TX, PROTO_TX, PROTO_SET_CHANNEL,
                                   PROTO_PING, PROTO_GET_STATS};
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = to_bridge_only ? host[t_below(sizeof(host))] : all[t_below(sizeof(all))];
    size_t plen = t_below(8) == 0 ? 1 + t_below(PROTO_MAX_PAYLOAD) : 1 + t_below(260);
    for (size_t i = 0; i < plen; i++) payload[i] = (uint8_t)(t_below(4) == 0 ? 0 : t_rnd());
    switch (m.type) {
    case PROTO_HOST_HELLO:
        m.u.host_hello.max_version = (uint8_t)(t_below(4) == 0 ? t_below(4) : 1u + t_below(2));
        m.u.host_hello.min_version = (uint8_t)(t_below(4) == 0 ? t_below(3) : 1);
        break;
    case PROTO_HELLO:
        m.u.hello.firmware = (const uint8_t *)"fuzz";
        m.u.hello.firmware_len = 4;
        break;
    case PROTO_RX:
        m.u.rx.payload = payload;
        m.u.rx.payload_len = plen;
        break;
    case PROTO_TX:
        m.u.tx.tx_id = (uint16_t)t_rnd();
        m.u.tx.payload = payload;
        m.u.tx.payload_len = plen;
        if (t_below(2)) memset(m.u.tx.dst, 0xff, 6);
        break;
    case PROTO_SET_CHANNEL:
        m.u.set_channel.channel = (uint8_t)t_below(16);
        break;
    case PROTO_PING:
        m.u.ping.nonce = t_rnd();
        break;
    case PROTO_STATS:
        m.u.stats.count = (uint8_t)(t_below(2) ? PROTO_STATS_COUNT : PROTO_STATS_COUNT_V1);
        break;
    case PROTO_ERROR:
        m.u.error.detail = (const uint8_t *)"x";
        m.u.error.detail_len = 1;
        break;
    default:
        break;
    }
    size_t n = 0;
    if (proto_encode(&m, out, cap, &n) != PROTO_OK) return 0;
    if (t_below(40) == 0) {
        /* an unknown type byte (or, for the bridge, one of its own types) */
        do {
            out[0] = (uint8_t)t_rnd();
        } while (to_bridge_only ? proto_type_to_bridge(out[0]) : proto_type_known(out[0]));
    }
    return n;
}

/* Produce the next chunk of fuzz input: garbage, clean frames, or
 * corrupted frames. Returns its length; *clean_frames counts clean frames
 * that start right after a 0x00. */
static size_t next_chunk(uint8_t *out, size_t cap, bool to_bridge_only, unsigned *clean_frames)
{
    static uint8_t msg[PROTO_FRAME_LIMIT];
    switch (t_below(12)) {
    case 11: { /* a burst of clean frames (exercises backpressure) */
        size_t n = 0;
        for (uint32_t k = 8 + t_below(40); k > 0; k--) {
            size_t mlen = random_message(msg, 64, to_bridge_only); /* small messages only */
            if (mlen == 0) continue;
            if (n + 1 + PROTO_FRAME_MAX_WIRE(mlen) > cap) break;
            out[n++] = 0x00;
            size_t w = proto_frame_encode(msg, mlen, out + n, cap - n);
            if (w == 0) break;
            n += w;
            (*clean_frames)++;
        }
        return n;
    }
    case 10: { /* a run longer than the 2048-byte limit, then a delimiter */
        size_t n = PROTO_FRAME_LIMIT - 2 + t_below(1000);
        if (n > cap - 1) n = cap - 1;
        for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(1 + t_below(255));
        out[n] = 0;
        return n + 1;
    }
    case 0:
    case 1:
    case 2: { /* garbage with a random density of zeros */
        size_t n = 1 + t_below(t_below(20) == 0 ? 3000 : 300);
        if (n > cap) n = cap;
        uint32_t zero_pct = t_below(4) == 0 ? 0 : t_below(30);
        for (size_t i = 0; i < n; i++) out[i] = t_below(100) < zero_pct ? 0 : (uint8_t)t_rnd();
        return n;
    }
    case 3:
    case 4: { /* a corrupted frame */
        size_t mlen = random_message(msg, sizeof(msg), to_bridge_only);
        size_t n = proto_frame_encode(msg, mlen, out, cap);
        for (uint32_t k = 0, flips = 1 + t_below(3); k < flips && n > 1; k++) {
            out[t_below((uint32_t)n - 1)] ^= (uint8_t)(1u << t_below(8));
        }
        return n;
    }
    default: { /* a clean frame after a delimiter */
        size_t mlen = random_message(msg, sizeof(msg), to_bridge_only);
        out[0] = 0x00;
        size_t n = proto_frame_encode(msg, mlen, out + 1, cap - 1);
        if (n == 0) return 0;
        (*clean_frames)++;
        return n + 1;
    }
    }
}

static void test_fuzz_deframer(void)
{
    static deframer_t d;
    static uint8_t chunk[4096];
    t_rng_seed(0x0123456789ABCDEFull);
    deframer_init(&d, DEFRAMER_ACCEPT_ALL);
    unsigned long events[6] = {0};
    unsigned clean = 0;
    unsigned long terminated = 0, oversize_expected = 0, cur_len = 0;
    bool cur_over = false;
    size_t total = 0;
    while (total < FUZZ_BYTES) {
        size_t n = next_chunk(chunk, sizeof(chunk), false, &clean);
        for (size_t i = 0; i < n; i++) {
            /* independent model: frame lengths between delimiters */
            if (chunk[i] == 0) {
                if (cur_len > 0) terminated++;
                cur_len = 0;
                cur_over = false;
            } else if (++cur_len > PROTO_FRAME_LIMIT && !cur_over) {
                cur_over = true;
                oversize_expected++;
            }
            deframer_event_t ev = deframer_push(&d, chunk[i]);
            events[ev]++;
            if (ev == DEFRAMER_MESSAGE) {
                proto_msg_t m;
                (void)proto_decode(d.msg, d.msg_len, &m); /* total */
            }
        }
        total += n;
    }
    const unsigned long outcomes = events[DEFRAMER_MESSAGE] + events[DEFRAMER_UNKNOWN_TYPE] +
                                   events[DEFRAMER_BAD_CRC] + events[DEFRAMER_BAD_FRAMING];
    /* every terminated non-empty frame has exactly one outcome; an oversize
     * frame's outcome is reported early and its delimiter ends the discard */
    const unsigned long oversize_terminated = oversize_expected - (cur_over ? 1u : 0u);
    CHECK_EQ_U(outcomes + oversize_terminated, terminated);
    CHECK_EQ_U(events[DEFRAMER_OVERSIZE], oversize_expected);
    CHECK_EQ_U(d.counters.bad_crc, events[DEFRAMER_BAD_CRC]);
    CHECK_EQ_U(d.counters.bad_framing, events[DEFRAMER_BAD_FRAMING]);
    CHECK_EQ_U(d.counters.oversize, events[DEFRAMER_OVERSIZE]);
    CHECK_EQ_U(d.counters.unknown_type, events[DEFRAMER_UNKNOWN_TYPE]);
    /* every clean frame (after a delimiter) came out as a message; a
     * corrupted frame may rarely still be a valid message */
    CHECK(events[DEFRAMER_MESSAGE] + events[DEFRAMER_UNKNOWN_TYPE] >= clean);
    CHECK(events[DEFRAMER_BAD_CRC] > 0 && events[DEFRAMER_BAD_FRAMING] > 0 && events[DEFRAMER_OVERSIZE] > 0);
    t_note("deframer fuzz: %zu bytes, %lu frames: %lu messages (%u clean injected), %lu bad CRC, %lu bad framing, "
           "%lu oversize, %lu unknown type",
           total, terminated, events[DEFRAMER_MESSAGE], clean, events[DEFRAMER_BAD_CRC],
           events[DEFRAMER_BAD_FRAMING], events[DEFRAMER_OVERSIZE], events[DEFRAMER_UNKNOWN_TYPE]);
}

#define INV(cond)                                                            \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  invariant failed: %s (line %d)\n", #cond, __LINE__); \
            return false;                                                    \
        }                                                                    \
    } while (0)

static bool invariants(const bridge_t *b, const fake_t *f, const uint32_t prev[PROTO_STATS_COUNT],
                       uint32_t cur[PROTO_STATS_COUNT])
{
    bridge_get_stats(b, cur);
    INV(bridge_credits_in_use(b) <= BRIDGE_TX_CREDITS);
    INV(b->rx_count <= BRIDGE_RX_QUEUE_LEN && b->ctrl_count <= BRIDGE_CTRL_QUEUE_LEN);
    INV(b->ctrl_overflow == 0);
    INV(cur[STAT_TX_FRAMES] == cur[STAT_TX_ACKED] + cur[STAT_TX_FAILED] + (b->inflight.active ? 1u : 0u));
    INV(cur[STAT_RX_DROPPED] <= cur[STAT_RX_FRAMES]);
    INV(cur[STAT_RX_DROPPED] == cur[STAT_RX_DROPPED_BROADCAST] + cur[STAT_RX_DROPPED_UNICAST]);
    /* the RX queue's order is a permutation of its slots; its broadcast count is right */
    {
        bool seen[BRIDGE_RX_QUEUE_LEN] = {false};
        size_t broadcasts = 0;
        for (size_t i = 0; i < BRIDGE_RX_QUEUE_LEN; i++) {
            INV(b->rx_order[i] < BRIDGE_RX_QUEUE_LEN && !seen[b->rx_order[i]]);
            seen[b->rx_order[i]] = true;
        }
        for (size_t i = 0; i < b->rx_count; i++) {
            if (b->rx[b->rx_order[(b->rx_head + i) % BRIDGE_RX_QUEUE_LEN]].broadcast) broadcasts++;
        }
        INV(broadcasts == b->rx_broadcast_queued);
    }
    INV(cur[STAT_RX_QUEUE_HIGH_WATER] <= BRIDGE_RX_QUEUE_LEN);
    INV(cur[STAT_RX_QUEUE_DEPTH] <= cur[STAT_RX_QUEUE_HIGH_WATER]);
    INV(cur[STAT_TX_QUEUE_DEPTH] == bridge_credits_in_use(b));
    /* cumulative counters never go backwards */
    static const int cumulative[] = {STAT_RX_FRAMES,      STAT_RX_DROPPED,         STAT_TX_FRAMES,
                                     STAT_TX_ACKED,       STAT_TX_FAILED,          STAT_SERIAL_BAD_CRC,
                                     STAT_SERIAL_BAD_FRAMING, STAT_SERIAL_OVERSIZE, STAT_SERIAL_UNKNOWN_TYPE,
                                     STAT_RX_QUEUE_HIGH_WATER, STAT_RX_DROPPED_BROADCAST, STAT_RX_DROPPED_UNICAST};
    for (size_t i = 0; i < sizeof(cumulative) / sizeof(cumulative[0]); i++) {
        INV(cur[cumulative[i]] >= prev[cumulative[i]]);
    }
    INV(f->out_frames_bad == 0); /* everything the bridge writes is a valid frame */
    return true;
}

static void test_fuzz_bridge(void)
{
    static fake_t f;
    static bridge_t b;
    static uint8_t chunk[4096], payload[PROTO_MAX_PAYLOAD + 2]; /* +2: oversize frames too */
    const char *seed = getenv("FUZZ_SEED"); /* explore other sequences: FUZZ_SEED=n */
    t_rng_seed(0xFEEDFACECAFEBEEFull ^ (seed != NULL ? strtoull(seed, NULL, 0) * 0x9E3779B97F4A7C15ull : 0));
    fake_init(&f);
    f.discard_output = true;
    f.max_payload = 1470;
    fake_bridge_init(&b, &f);
    uint32_t prev[PROTO_STATS_COUNT] = {0}, cur[PROTO_STATS_COUNT];
    unsigned clean = 0;
    size_t total = 0, steps = 0;
    unsigned long retries = 0, reconnects = 0;
    bool ok = true;
    while (total < FUZZ_BYTES && ok) {
        size_t n = next_chunk(chunk, sizeof(chunk), true, &clean);
        size_t off = 0;
        /* feed it, honouring backpressure like a platform does */
        for (int guard = 0; off < n && guard < 100000; guard++) {
            off += bridge_on_serial_bytes(&b, chunk + off, n - off);
            if (off < n) {
                retries++;
                f.blocked = false;
                bridge_pump(&b);
            }
        }
        ok = ok && off == n;
        total += n;
        /* radio and platform events */
        for (uint32_t e = t_below(4); e > 0; e--) {
            switch (t_below(8)) {
            case 0:
            case 1: {
                size_t len = t_below(10) == 0 ? t_below(PROTO_MAX_PAYLOAD + 2) : t_below(260);
                for (size_t i = 0; i < len; i++) payload[i] = (uint8_t)t_rnd();
                uint8_t src[6] = {0x7c, 0xdf, 0xa1, 0, 0, (uint8_t)t_below(4)};
                bridge_on_radio_receive(&b, src, (int8_t)t_rnd(), (uint8_t)(1 + t_below(14)), t_below(2) == 0, payload, len);
                break;
            }
            case 2:
            case 3: {
                const fake_send_t *s = fake_last_send(&f);
                uint16_t h = s != NULL ? s->handle : 0;
                if (t_below(8) == 0) h = (uint16_t)t_rnd();
                bridge_on_radio_send_done(&b, h, t_below(3) != 0);
                break;
            }
            case 4:
                f.now += t_below(t_below(10) == 0 ? 1000 : 50);
                bridge_on_tick(&b);
                break;
            case 5:
                f.blocked = t_below(3) == 0;
                f.write_chunk = t_below(3) == 0 ? 1 + t_below(64) : 0;
                bridge_pump(&b);
                break;
            case 6:
                f.send_rc = t_below(10) == 0 ? -1 : 0;
                f.set_channel_rc = t_below(10) == 0 ? -1 : 0;
                break;
            default:
                if (t_below(200) == 0) {
                    deframer_reset(&f.host_df); /* a new host session starts with a fresh parser */
                    bridge_on_serial_reconnect(&b);
                    reconnects++;
                }
                break;
            }
        }
        ok = ok && invariants(&b, &f, prev, cur);
        memcpy(prev, cur, sizeof(prev));
        steps++;
    }
    CHECK(ok);
    CHECK(total >= FUZZ_BYTES);
    /* it got somewhere: negotiated, sent, refused, forwarded, answered */
    CHECK(f.out_types[PROTO_HELLO] > 1 && f.out_types[PROTO_TX_STATUS] > 0 && f.out_types[PROTO_RX] > 0 &&
          f.out_types[PROTO_PONG] > 0 && f.out_types[PROTO_STATS] > 0 && f.out_types[PROTO_CHANNEL] > 0 &&
          f.out_types[PROTO_ERROR] > 0);
    CHECK(cur[STAT_TX_FRAMES] > 0 && cur[STAT_RX_DROPPED] > 0 && cur[STAT_SERIAL_BAD_CRC] > 0 &&
          cur[STAT_SERIAL_BAD_FRAMING] > 0 && cur[STAT_SERIAL_OVERSIZE] > 0 && cur[STAT_SERIAL_UNKNOWN_TYPE] > 0);
    t_note("bridge fuzz: %zu bytes in %zu steps, %lu backpressure retries, %lu reconnects; out: %lu HELLO, %lu RX, "
           "%lu TX_STATUS, %lu PONG, %lu STATS, %lu CHANNEL, %lu ERROR; txFrames %u, rxFrames %u, rxDropped %u",
           total, steps, retries, reconnects, f.out_types[PROTO_HELLO], f.out_types[PROTO_RX],
           f.out_types[PROTO_TX_STATUS], f.out_types[PROTO_PONG], f.out_types[PROTO_STATS],
           f.out_types[PROTO_CHANNEL], f.out_types[PROTO_ERROR], cur[STAT_TX_FRAMES], cur[STAT_RX_FRAMES],
           cur[STAT_RX_DROPPED]);
    fake_free(&f);
}

static void test_fuzz_random_bytes_bridge(void)
{
    /* pure random bytes, no structure at all, after negotiation */
    static fake_t f;
    static bridge_t b;
    static uint8_t buf[1024];
    t_rng_seed(0x1111222233334444ull);
    fake_init(&f);
    f.discard_output = true;
    fake_bridge_init(&b, &f);
    proto_msg_t hh = {.type = PROTO_HOST_HELLO, .u.host_hello = {1, 1}};
    fake_host_send(&b, &hh);
    uint32_t prev[PROTO_STATS_COUNT] = {0}, cur[PROTO_STATS_COUNT];
    bool ok = true;
    for (size_t total = 0; total < FUZZ_BYTES && ok; total += sizeof(buf)) {
        for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)t_rnd();
        size_t off = 0;
        for (int guard = 0; off < sizeof(buf) && guard < 1000; guard++) {
            off += bridge_on_serial_bytes(&b, buf + off, sizeof(buf) - off);
        }
        ok = off == sizeof(buf) && invariants(&b, &f, prev, cur);
        memcpy(prev, cur, sizeof(prev));
    }
    CHECK(ok);
    /* with about one 0x00 in 256 bytes, most frames are short garbage */
    CHECK(cur[STAT_SERIAL_BAD_FRAMING] + cur[STAT_SERIAL_BAD_CRC] > 1000);
    fake_free(&f);
}

void group_fuzz(void)
{
    t_run("fuzz: deframer, 1e6 bytes of garbage/clean/corrupted frames, counters match an independent model",
          test_fuzz_deframer);
    t_run("fuzz: bridge, 1e6 bytes plus radio/clock/port events, invariants after every step", test_fuzz_bridge);
    t_run("fuzz: bridge, 1e6 uniformly random bytes", test_fuzz_random_bytes_bridge);
}
