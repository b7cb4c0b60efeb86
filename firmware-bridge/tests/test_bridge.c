/* Bridge state machine: negotiation, credits, refusals, RX queue (unicast
 * kept before broadcast), channel, stats, backpressure, reconnect, timeouts. */
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "fake_platform.h"
#include "test.h"

static fake_t f;
static bridge_t b;
static const uint8_t PEER[6] = {0x7c, 0xdf, 0xa1, 0x00, 0x00, 0x01};

static void setup(void)
{
    fake_init(&f);
    fake_bridge_init(&b, &f);
}

static void teardown(void) { fake_free(&f); }

static size_t send_tx(uint16_t id, size_t payload_len)
{
    static uint8_t payload[2000];
    memset(payload, 0xA5, sizeof(payload));
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_TX;
    m.u.tx.tx_id = id;
    memcpy(m.u.tx.dst, PEER, 6);
    m.u.tx.payload = payload;
    m.u.tx.payload_len = payload_len;
    if (payload_len == 0 || payload_len > PROTO_MAX_PAYLOAD) {
        /* the encoder refuses these: build the bytes by hand */
        static uint8_t raw[2100];
        raw[0] = PROTO_TX;
        raw[1] = (uint8_t)id;
        raw[2] = (uint8_t)(id >> 8);
        memcpy(raw + 3, PEER, 6);
        memcpy(raw + 9, payload, payload_len);
        return fake_host_send_raw(&b, raw, 9 + payload_len);
    }
    return fake_host_send(&b, &m);
}

static void send_simple(uint8_t type)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = type;
    fake_host_send(&b, &m);
}

static void send_ping(uint32_t nonce)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_PING;
    m.u.ping.nonce = nonce;
    fake_host_send(&b, &m);
}

static void send_host_hello(uint8_t max, uint8_t min)
{
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_HOST_HELLO;
    m.u.host_hello.max_version = max;
    m.u.host_hello.min_version = min;
    fake_host_send(&b, &m);
}

static bool expect_tx_status(uint16_t id, uint8_t status)
{
    proto_msg_t r;
    bool ok = fake_next_msg(&f, &r) && r.type == PROTO_TX_STATUS && r.u.tx_status.tx_id == id &&
              r.u.tx_status.status == status;
    if (!ok) fprintf(stderr, "  expected TX_STATUS(%u, %u)\n", id, status);
    return ok;
}

/* STATS as the host receives it: 14 counters in a version-2 session, 12 in
 * a version-1 one (the rest of c is then zero). */
static bool get_stats(uint32_t c[PROTO_STATS_COUNT])
{
    fake_drain(&f);
    send_simple(PROTO_GET_STATS);
    proto_msg_t r;
    if (!fake_next_msg(&f, &r) || r.type != PROTO_STATS) return false;
    memset(c, 0, sizeof(uint32_t) * PROTO_STATS_COUNT);
    memcpy(c, r.u.stats.counters, sizeof(uint32_t) * r.u.stats.count);
    return r.u.stats.count == (b.version >= 2 ? PROTO_STATS_COUNT : PROTO_STATS_COUNT_V1);
}

static void test_boot_hello(void)
{
    setup();
    CHECK(f.out_len > 0 && f.out[0] == 0x00); /* flushes boot text first */
    proto_msg_t r;
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_HELLO);
    CHECK(r.u.hello.version == PROTO_VERSION && r.u.hello.min_version == PROTO_MIN_VERSION);
    CHECK(r.u.hello.tx_queue == BRIDGE_TX_CREDITS && r.u.hello.max_payload == 250 && r.u.hello.channel == 6);
    CHECK(memcmp(r.u.hello.mac, f.mac, 6) == 0);
    CHECK(!fake_next_msg(&f, &r));
    teardown();
}

static void test_negotiation(void)
{
    setup();
    fake_drain(&f);
    proto_msg_t r;

    /* before negotiation: only HOST_HELLO and PING are answered */
    send_simple(PROTO_GET_STATS);
    CHECK(send_tx(1, 10) > 0);
    proto_msg_t sc = {.type = PROTO_SET_CHANNEL, .u.set_channel.channel = 3};
    fake_host_send(&b, &sc);
    static const uint8_t unknown[] = {0x7f, 1, 2};
    fake_host_send_raw(&b, unknown, sizeof(unknown));
    CHECK(!fake_next_msg(&f, &r));
    CHECK_EQ_U(f.nsends, 0u);
    CHECK_EQ_U(f.channel, 6u);
    CHECK_EQ_U(b.df.counters.unknown_type, 1u); /* counted even though not answered */
    send_ping(42);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_PONG && r.u.pong.nonce == 42 && r.u.pong.uptime_ms == f.now);

    /* ranges that do not meet: ERROR 3 */
    send_host_hello(4, 3);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_VERSION);
    send_host_hello(0, 0);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_VERSION);
    send_host_hello(1, 2); /* empty range */
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_VERSION);
    send_simple(PROTO_GET_STATS);
    CHECK(!fake_next_msg(&f, &r)); /* still not negotiated */

    /* a malformed HOST_HELLO: ERROR 2 */
    static const uint8_t short_hello[] = {PROTO_HOST_HELLO, 1};
    fake_host_send_raw(&b, short_hello, sizeof(short_hello));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_MALFORMED);

    /* a host that speaks 1..5 gets version 2, and STATS with 14 counters */
    send_host_hello(5, 1);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_HELLO && r.u.hello.version == 2);
    send_simple(PROTO_GET_STATS);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_STATS && r.u.stats.count == PROTO_STATS_COUNT);

    /* a version-1 host gets version 1, and the twelve counters of version 1 */
    send_host_hello(1, 1);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_HELLO && r.u.hello.version == 1);
    send_simple(PROTO_GET_STATS);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_STATS && r.u.stats.count == PROTO_STATS_COUNT_V1);

    /* a future HOST_HELLO with extra fields still negotiates */
    static const uint8_t long_hello[] = {PROTO_HOST_HELLO, 3, 1, 0xAA, 0xBB};
    fake_host_send_raw(&b, long_hello, sizeof(long_hello));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_HELLO && r.u.hello.version == 2);

    /* a HOST_HELLO that fails ends the session */
    send_host_hello(9, 9);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_VERSION);
    send_simple(PROTO_GET_STATS);
    CHECK(!fake_next_msg(&f, &r));
    CHECK_EQ_U(f.out_frames_bad, 0u);
    teardown();
}

static void test_errors(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    proto_msg_t r;
    /* unknown type -> ERROR 1 with the type in the detail */
    static const uint8_t unknown[] = {0xC3, 9};
    fake_host_send_raw(&b, unknown, sizeof(unknown));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_UNKNOWN_TYPE &&
          bytes_eq(r.u.error.detail, r.u.error.detail_len, (const uint8_t *)"unknown message type 0xc3", 25));
    /* our own types echoed back: counted, never answered (no echo loop) */
    static const uint8_t echo[] = {PROTO_TX_STATUS, 1, 0, 0};
    fake_host_send_raw(&b, echo, sizeof(echo));
    static const uint8_t echo_err[] = {PROTO_ERROR, 1, 'x'};
    fake_host_send_raw(&b, echo_err, sizeof(echo_err));
    CHECK(!fake_next_msg(&f, &r));
    CHECK_EQ_U(b.df.counters.unknown_type, 3u);
    /* malformed fixed-size messages -> ERROR 2 */
    static const uint8_t bad_ping[] = {PROTO_PING, 1, 2, 3};
    fake_host_send_raw(&b, bad_ping, sizeof(bad_ping));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_MALFORMED &&
          bytes_eq(r.u.error.detail, r.u.error.detail_len, (const uint8_t *)"malformed PING", 14));
    static const uint8_t bad_stats[] = {PROTO_GET_STATS, 0};
    fake_host_send_raw(&b, bad_stats, sizeof(bad_stats));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_MALFORMED);
    static const uint8_t bad_ch[] = {PROTO_SET_CHANNEL};
    fake_host_send_raw(&b, bad_ch, sizeof(bad_ch));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_MALFORMED);
    /* TX too short to carry a txId -> ERROR 2 */
    static const uint8_t bad_tx[] = {PROTO_TX, 1};
    fake_host_send_raw(&b, bad_tx, sizeof(bad_tx));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_ERROR && r.u.error.code == PROTO_ERR_CODE_MALFORMED);
    CHECK_EQ_U(f.out_frames_bad, 0u);
    teardown();
}

static void test_tx_refusals(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    /* malformed: txId but no full destination, or an empty payload */
    static const uint8_t short_tx[] = {PROTO_TX, 0x22, 0x11, 1, 2, 3};
    fake_host_send_raw(&b, short_tx, sizeof(short_tx));
    CHECK(expect_tx_status(0x1122, PROTO_TX_MALFORMED));
    send_tx(7, 0);
    CHECK(expect_tx_status(7, PROTO_TX_MALFORMED));
    /* too large for this radio (250), and too large for any (1471) */
    send_tx(8, 251);
    CHECK(expect_tx_status(8, PROTO_TX_TOO_LARGE));
    send_tx(9, 1471);
    CHECK(expect_tx_status(9, PROTO_TX_TOO_LARGE));
    CHECK_EQ_U(f.nsends, 0u);
    /* exactly maxPayload is fine */
    send_tx(10, 250);
    CHECK_EQ_U(f.nsends, 1u);
    CHECK(fake_last_send(&f) != NULL && fake_last_send(&f)->len == 250);
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c) && c[STAT_TX_QUEUE_DEPTH] == 1 && c[STAT_TX_FRAMES] == 1);
    bridge_on_radio_send_done(&b, fake_last_send(&f)->handle, true);
    CHECK(expect_tx_status(10, PROTO_TX_ACKED));
    CHECK(get_stats(c) && c[STAT_TX_QUEUE_DEPTH] == 0 && c[STAT_TX_ACKED] == 1 && c[STAT_TX_FAILED] == 0);
    teardown();

    /* a v2 radio takes 1470 */
    fake_init(&f);
    f.max_payload = 1470;
    fake_bridge_init(&b, &f);
    CHECK(fake_negotiate(&b, &f));
    send_tx(11, 1470);
    CHECK(f.nsends == 1 && fake_last_send(&f)->len == 1470);
    teardown();
}

static void test_credits(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    /* 16 TX are accepted without any answer; the radio takes one at a time */
    for (uint16_t id = 100; id < 100 + BRIDGE_TX_CREDITS; id++) send_tx(id, 20);
    proto_msg_t r;
    CHECK(!fake_next_msg(&f, &r));
    CHECK_EQ_U(f.nsends, 1u);
    CHECK_EQ_U(bridge_credits_in_use(&b), BRIDGE_TX_CREDITS);
    /* the 17th has no credit: TX_STATUS 2, never queued */
    send_tx(500, 20);
    CHECK(expect_tx_status(500, PROTO_TX_NO_CREDIT));
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c) && c[STAT_TX_QUEUE_DEPTH] == BRIDGE_TX_CREDITS && c[STAT_TX_FRAMES] == 1);
    /* completions return credits in order, and start the next send */
    for (uint16_t id = 100; id < 104; id++) {
        const fake_send_t *s = fake_last_send(&f);
        bridge_on_radio_send_done(&b, s->handle, id % 2 == 0);
        CHECK(expect_tx_status(id, id % 2 == 0 ? PROTO_TX_ACKED : PROTO_TX_NO_ACK));
    }
    CHECK_EQ_U(f.nsends, 5u);
    CHECK_EQ_U(bridge_credits_in_use(&b), BRIDGE_TX_CREDITS - 4u);
    for (uint16_t id = 600; id < 604; id++) send_tx(id, 20);
    CHECK(!fake_next_msg(&f, &r));
    send_tx(604, 20);
    CHECK(expect_tx_status(604, PROTO_TX_NO_CREDIT));
    /* a completion for a handle that is not at the radio is ignored */
    bridge_on_radio_send_done(&b, (uint16_t)(fake_last_send(&f)->handle + 7u), true);
    CHECK(!fake_next_msg(&f, &r));
    /* drain everything: 16 TX_STATUS in FIFO order */
    unsigned answered = 0;
    while (f.nsends < 100 && bridge_credits_in_use(&b) > 0) {
        bridge_on_radio_send_done(&b, fake_last_send(&f)->handle, true);
        if (fake_next_msg(&f, &r) && r.type == PROTO_TX_STATUS) answered++;
    }
    CHECK_EQ_U(answered, BRIDGE_TX_CREDITS);
    CHECK(get_stats(c) && c[STAT_TX_FRAMES] == 20 && c[STAT_TX_ACKED] + c[STAT_TX_FAILED] == 20 &&
          c[STAT_TX_QUEUE_DEPTH] == 0);
    teardown();
}

static void test_hello_resets_credits(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    for (uint16_t id = 1; id <= BRIDGE_TX_CREDITS; id++) send_tx(id, 20);
    CHECK_EQ_U(f.nsends, 1u);
    uint16_t old_handle = fake_last_send(&f)->handle;
    /* the host re-negotiates (it re-opened the port): every outstanding TX
     * is lost, all credits are back */
    CHECK(fake_negotiate(&b, &f));
    CHECK_EQ_U(bridge_credits_in_use(&b), 0u);
    for (uint16_t id = 1000; id < 1000 + BRIDGE_TX_CREDITS; id++) send_tx(id, 20);
    proto_msg_t r;
    CHECK(!fake_next_msg(&f, &r)); /* all 16 accepted */
    /* the frame that was at the radio completes: counted, not reported */
    bridge_on_radio_send_done(&b, old_handle, true);
    CHECK(!fake_next_msg(&f, &r) || r.type != PROTO_TX_STATUS || r.u.tx_status.tx_id >= 1000);
    CHECK_EQ_U(f.nsends, 2u);
    bridge_on_radio_send_done(&b, fake_last_send(&f)->handle, true);
    CHECK(expect_tx_status(1000, PROTO_TX_ACKED));
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c) && c[STAT_TX_ACKED] == 2 && c[STAT_TX_FRAMES] == 3);
    teardown();
}

static void test_radio_errors(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    /* radio refuses to start: TX_STATUS 5 and the next one goes */
    f.send_rc = -1;
    send_tx(1, 10);
    CHECK(expect_tx_status(1, PROTO_TX_RADIO_ERROR));
    f.send_rc = 0;
    send_tx(2, 10);
    CHECK_EQ_U(bridge_credits_in_use(&b), 1u);
    /* no completion: after the timeout, TX_STATUS 5 */
    f.now += 499;
    bridge_on_tick(&b);
    proto_msg_t r;
    CHECK(!fake_next_msg(&f, &r));
    uint16_t h = fake_last_send(&f)->handle;
    f.now += 1;
    bridge_on_tick(&b);
    CHECK(expect_tx_status(2, PROTO_TX_RADIO_ERROR));
    bridge_on_radio_send_done(&b, h, true); /* late: ignored */
    CHECK(!fake_next_msg(&f, &r));
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c) && c[STAT_TX_FRAMES] == 2 && c[STAT_TX_FAILED] == 2 && c[STAT_TX_ACKED] == 0);
    /* the clock wraps: still exactly 500 ms */
    f.now = 0xFFFFFF00u;
    send_tx(3, 10);
    f.now += 499;
    bridge_on_tick(&b);
    CHECK(!fake_next_msg(&f, &r));
    f.now += 1;
    bridge_on_tick(&b);
    CHECK(expect_tx_status(3, PROTO_TX_RADIO_ERROR));
    teardown();
}

static void test_rx_forwarding(void)
{
    setup();
    uint8_t payload[300];
    for (size_t i = 0; i < sizeof(payload); i++) payload[i] = (uint8_t)i;
    /* before negotiation: not forwarded, counted as dropped */
    bridge_on_radio_receive(&b, PEER, -40, 6, true, payload, 10);
    CHECK(fake_negotiate(&b, &f));
    bridge_on_radio_receive(&b, PEER, -40, 6, true, payload, 10);
    bridge_on_radio_receive(&b, PEER, -90, 6, false, payload, 300);
    bridge_on_radio_receive(&b, PEER, -90, 6, false, payload, 0); /* not a frame */
    proto_msg_t r;
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_RX && r.u.rx.flags == PROTO_RX_FLAG_BROADCAST &&
          r.u.rx.rssi == -40 && r.u.rx.channel == 6 && memcmp(r.u.rx.src, PEER, 6) == 0 &&
          bytes_eq(r.u.rx.payload, r.u.rx.payload_len, payload, 10));
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_RX && r.u.rx.flags == 0 && r.u.rx.payload_len == 300);
    CHECK(!fake_next_msg(&f, &r));
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c) && c[STAT_RX_FRAMES] == 3 && c[STAT_RX_DROPPED] == 1 && c[STAT_RX_QUEUE_DEPTH] == 0);
    teardown();
}

static void test_rx_overflow(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    uint8_t payload[50];
    memset(payload, 0x11, sizeof(payload));
    f.blocked = true; /* the host stops reading */
    const unsigned n = BRIDGE_RX_QUEUE_LEN + 10u;
    for (unsigned i = 0; i < n; i++) {
        payload[0] = (uint8_t)i;
        bridge_on_radio_receive(&b, PEER, -50, 6, false, payload, sizeof(payload));
    }
    /* one frame is in the write buffer, BRIDGE_RX_QUEUE_LEN wait, the rest dropped */
    CHECK_EQ_U(b.rx_count, BRIDGE_RX_QUEUE_LEN);
    CHECK_EQ_U(b.rx_dropped_unicast, n - BRIDGE_RX_QUEUE_LEN - 1u);
    f.blocked = false;
    bridge_pump(&b);
    proto_msg_t r;
    unsigned got = 0;
    bool in_order = true;
    while (fake_next_msg(&f, &r)) {
        if (r.type == PROTO_RX) {
            if (r.u.rx.payload[0] != got) in_order = false;
            got++;
        }
    }
    CHECK_EQ_U(got, BRIDGE_RX_QUEUE_LEN + 1u);
    CHECK(in_order);
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c));
    CHECK_EQ_U(c[STAT_RX_FRAMES], n);
    CHECK_EQ_U(c[STAT_RX_DROPPED], n - BRIDGE_RX_QUEUE_LEN - 1u);
    CHECK_EQ_U(c[STAT_RX_DROPPED_UNICAST], n - BRIDGE_RX_QUEUE_LEN - 1u);
    CHECK_EQ_U(c[STAT_RX_DROPPED_BROADCAST], 0u);
    CHECK_EQ_U(c[STAT_RX_QUEUE_HIGH_WATER], BRIDGE_RX_QUEUE_LEN);
    CHECK_EQ_U(c[STAT_RX_QUEUE_DEPTH], 0u);
    /* the platform's own queue overflow is added, by kind */
    bridge_count_rx_dropped(&b, 5, 2);
    CHECK(get_stats(c) && c[STAT_RX_DROPPED] == n - BRIDGE_RX_QUEUE_LEN - 1u + 7u && c[STAT_RX_FRAMES] == n + 7u);
    CHECK(c[STAT_RX_DROPPED_BROADCAST] == 5u && c[STAT_RX_DROPPED_UNICAST] == n - BRIDGE_RX_QUEUE_LEN - 1u + 2u);
    teardown();
}

/* One received frame, tagged: payload[0] says broadcast (0xBB) or unicast
 * (0x0C), payload[1..2] its number within its kind. */
static void receive_tagged(bool broadcast, unsigned number)
{
    uint8_t payload[120];
    memset(payload, 0x5A, sizeof(payload));
    payload[0] = broadcast ? 0xBB : 0x0C;
    payload[1] = (uint8_t)number;
    payload[2] = (uint8_t)(number >> 8);
    bridge_on_radio_receive(&b, PEER, -50, 6, broadcast, payload, sizeof(payload));
}

/* The RX messages the host reads, as tags: 'B' or 'U' and the number. */
static size_t read_tags(char kinds[], unsigned numbers[], size_t cap)
{
    proto_msg_t r;
    size_t n = 0;
    while (fake_next_msg(&f, &r)) {
        if (r.type != PROTO_RX || n == cap) continue;
        const bool bc = (r.u.rx.flags & PROTO_RX_FLAG_BROADCAST) != 0;
        kinds[n] = r.u.rx.payload[0] == 0xBB && bc ? 'B' : r.u.rx.payload[0] == 0x0C && !bc ? 'U' : '?';
        numbers[n] = r.u.rx.payload[1] | (unsigned)r.u.rx.payload[2] << 8;
        n++;
    }
    return n;
}

static void test_rx_unicast_before_broadcast(void)
{
    enum { Q = BRIDGE_RX_QUEUE_LEN, FLOOD_EXTRA = 20, FIRST_UNICAST = 5, LATE_FLOOD = 10, MORE_UNICAST = Q - 2 };
    _Static_assert(FIRST_UNICAST + MORE_UNICAST > Q, "the test fills the queue with unicast frames too");
    setup();
    CHECK(fake_negotiate(&b, &f));
    f.blocked = true; /* the host does not keep up */
    unsigned frames = 0;

    /* a burst of broadcasts: B0 is being written, B1..BQ wait, the rest are dropped */
    for (unsigned i = 0; i < 1u + Q + FLOOD_EXTRA; i++, frames++) receive_tagged(true, i);
    CHECK_EQ_U(b.rx_count, Q);
    CHECK_EQ_U(b.rx_dropped_broadcast, FLOOD_EXTRA);

    /* unicast frames still get in: each takes the place of the oldest broadcast */
    for (unsigned i = 0; i < FIRST_UNICAST; i++, frames++) receive_tagged(false, i);
    CHECK_EQ_U(b.rx_count, Q);
    CHECK_EQ_U(b.rx_dropped_broadcast, FLOOD_EXTRA + FIRST_UNICAST);
    CHECK_EQ_U(b.rx_dropped_unicast, 0u);

    /* the flood goes on: dropped, the unicast frames stay */
    for (unsigned i = 0; i < LATE_FLOOD; i++, frames++) receive_tagged(true, 200u + i);
    CHECK_EQ_U(b.rx_dropped_broadcast, FLOOD_EXTRA + FIRST_UNICAST + LATE_FLOOD);

    /* more unicast than broadcasts left: the queue ends all unicast, and a
     * unicast frame finding no broadcast to replace is dropped */
    for (unsigned i = FIRST_UNICAST; i < FIRST_UNICAST + MORE_UNICAST; i++, frames++) receive_tagged(false, i);
    const unsigned evicted_later = Q - FIRST_UNICAST; /* every broadcast still queued */
    const unsigned unicast_dropped = FIRST_UNICAST + MORE_UNICAST - Q;
    CHECK_EQ_U(b.rx_count, Q);
    CHECK_EQ_U(b.rx_broadcast_queued, 0u);

    /* the host reads again: B0 (it was on the wire), then U0..U(Q-1) in order */
    f.blocked = false;
    bridge_pump(&b);
    char kinds[64];
    unsigned numbers[64];
    const size_t got = read_tags(kinds, numbers, 64);
    CHECK_EQ_U(got, 1u + Q);
    CHECK(got > 0 && kinds[0] == 'B' && numbers[0] == 0);
    for (size_t i = 1; i < got; i++) {
        if (kinds[i] != 'U' || numbers[i] != i - 1u) {
            fprintf(stderr, "  message %zu: %c%u, expected U%zu\n", i, kinds[i], numbers[i], i - 1u);
            CHECK(false);
            break;
        }
    }

    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c));
    CHECK_EQ_U(c[STAT_RX_FRAMES], frames);
    CHECK_EQ_U(c[STAT_RX_DROPPED_BROADCAST], FLOOD_EXTRA + FIRST_UNICAST + LATE_FLOOD + evicted_later);
    CHECK_EQ_U(c[STAT_RX_DROPPED_UNICAST], unicast_dropped);
    CHECK_EQ_U(c[STAT_RX_DROPPED], c[STAT_RX_DROPPED_BROADCAST] + c[STAT_RX_DROPPED_UNICAST]);
    CHECK_EQ_U(c[STAT_RX_FRAMES] - c[STAT_RX_DROPPED], got); /* every frame is forwarded or counted */
    CHECK_EQ_U(c[STAT_RX_QUEUE_HIGH_WATER], Q);
    CHECK_EQ_U(c[STAT_RX_QUEUE_DEPTH], 0u);
    teardown();
}

static void test_rx_mixed_order_kept(void)
{
    /* Broadcasts and unicast frames interleaved, the queue overflowing on and
     * off: the frames forwarded keep their arrival order, and whatever is
     * missing was counted by its kind. */
    setup();
    CHECK(fake_negotiate(&b, &f));
    char kinds[4096];
    unsigned numbers[4096];
    size_t got = 0;
    unsigned sent_b = 0, sent_u = 0;
    uint64_t rng = 12345;
    for (unsigned step = 0; step < 2000; step++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        f.blocked = ((rng >> 40) % 8u) != 0; /* the host reads one time in eight */
        const bool bc = ((rng >> 20) % 4u) != 0; /* three broadcasts to one unicast */
        receive_tagged(bc, bc ? sent_b++ : sent_u++);
        got += read_tags(kinds + got, numbers + got, sizeof(kinds) - got);
    }
    f.blocked = false;
    bridge_pump(&b);
    got += read_tags(kinds + got, numbers + got, sizeof(kinds) - got);
    /* within each kind, numbers only go up: nothing reordered or repeated */
    long last_b = -1, last_u = -1;
    unsigned got_b = 0, got_u = 0;
    bool ordered = true;
    for (size_t i = 0; i < got; i++) {
        long *last = kinds[i] == 'B' ? &last_b : &last_u;
        if (kinds[i] == 'B') got_b++;
        else if (kinds[i] == 'U') got_u++;
        else ordered = false;
        if ((long)numbers[i] <= *last) ordered = false;
        *last = (long)numbers[i];
    }
    CHECK(ordered);
    CHECK_EQ_U(got_b + b.rx_dropped_broadcast, sent_b);
    CHECK_EQ_U(got_u + b.rx_dropped_unicast, sent_u);
    CHECK(b.rx_dropped_broadcast > 0);
    teardown();
}

static void test_channel(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    proto_msg_t r;
    proto_msg_t m = {.type = PROTO_SET_CHANNEL};
    m.u.set_channel.channel = 1;
    fake_host_send(&b, &m);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_CHANNEL && r.u.channel.channel == 1 && r.u.channel.status == 0);
    m.u.set_channel.channel = 14;
    fake_host_send(&b, &m);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_CHANNEL && r.u.channel.channel == 14 && r.u.channel.status == 0);
    CHECK_EQ_U(f.channel, 14u);
    m.u.set_channel.channel = 0;
    fake_host_send(&b, &m);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_CHANNEL && r.u.channel.channel == 0 && r.u.channel.status == 1);
    m.u.set_channel.channel = 15;
    fake_host_send(&b, &m);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_CHANNEL && r.u.channel.channel == 15 && r.u.channel.status == 1);
    CHECK_EQ_U(f.channel, 14u);
    /* the radio refuses (e.g. country setting): status 1, channel unchanged */
    f.set_channel_rc = -1;
    m.u.set_channel.channel = 13;
    fake_host_send(&b, &m);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_CHANNEL && r.u.channel.channel == 13 && r.u.channel.status == 1);
    /* HELLO reports the channel in use */
    f.set_channel_rc = 0;
    send_host_hello(1, 1);
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_HELLO && r.u.hello.channel == 14);
    teardown();
}

static void test_stats_all_counters(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    uint8_t p[20] = {1};
    /* rxFrames 3, rxDropped 1 (pre-negotiation is not possible now: use the
     * platform hook), txFrames 2, txAcked 1, txFailed 1, and one of each
     * serial error */
    bridge_on_radio_receive(&b, PEER, -1, 6, false, p, 5);
    bridge_on_radio_receive(&b, PEER, -1, 6, false, p, 5);
    bridge_count_rx_dropped(&b, 1, 0);
    send_tx(1, 5);
    bridge_on_radio_send_done(&b, fake_last_send(&f)->handle, true);
    send_tx(2, 5);
    bridge_on_radio_send_done(&b, fake_last_send(&f)->handle, false);
    send_tx(3, 5); /* stays at the radio: txQueueDepth 1 */
    static const uint8_t junk[] = {0x03, 0x87, 0x01, 0x01, 0x01, 0x05, 0xfb, 0xfc, 0x58, 0x7d, 0x00, /* bad CRC */
                                   0x05, 0xaa, 0xbb, 0x00,                                           /* framing */
                                   0x08, 0x7f, 0x01, 0x02, 0x12, 0xa6, 0xf9, 0x57, 0x00};            /* unknown */
    bridge_on_serial_bytes(&b, junk, sizeof(junk));
    static uint8_t big[2100];
    memset(big, 0x01, sizeof(big));
    bridge_on_serial_bytes(&b, big, sizeof(big));
    static const uint8_t zero = 0;
    bridge_on_serial_bytes(&b, &zero, 1);
    uint32_t c[PROTO_STATS_COUNT];
    CHECK(get_stats(c));
    const uint32_t want[PROTO_STATS_COUNT] = {3, 1, 3, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0};
    for (int i = 0; i < (int)PROTO_STATS_COUNT; i++) {
        if (c[i] != want[i]) fprintf(stderr, "  counter %d: %u != %u\n", i, c[i], want[i]);
        CHECK_EQ_U(c[i], want[i]);
    }
    teardown();
}

static void test_backpressure(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    f.blocked = true;
    /* the host writes 100 PINGs but reads nothing: the bridge stops
     * consuming when its reply queue is full, and loses no reply */
    static uint8_t wire[100 * 16];
    size_t wn = 0;
    for (uint32_t i = 0; i < 100; i++) {
        uint8_t msg[5] = {PROTO_PING, (uint8_t)i, 0, 0, 0};
        wn += proto_frame_encode(msg, sizeof(msg), wire + wn, sizeof(wire) - wn);
    }
    size_t used = bridge_on_serial_bytes(&b, wire, wn);
    CHECK(used < wn);
    CHECK_EQ_U(b.ctrl_overflow, 0u);
    size_t again = bridge_on_serial_bytes(&b, wire + used, wn - used);
    CHECK_EQ_U(again, 0u); /* still blocked */
    f.blocked = false;
    f.write_chunk = 7; /* a slow port */
    size_t off = used;
    for (int rounds = 0; off < wn && rounds < 10000; rounds++) {
        bridge_pump(&b);
        off += bridge_on_serial_bytes(&b, wire + off, wn - off);
    }
    CHECK_EQ_U(off, wn);
    for (int rounds = 0; bridge_output_pending(&b) && rounds < 10000; rounds++) bridge_pump(&b);
    proto_msg_t r;
    uint32_t next = 0;
    bool ok = true;
    while (fake_next_msg(&f, &r)) {
        if (r.type != PROTO_PONG || r.u.pong.nonce != next) ok = false;
        next++;
    }
    CHECK(ok);
    CHECK_EQ_U(next, 100u);
    CHECK_EQ_U(b.ctrl_overflow, 0u);

    /* with every credit in use and the port blocked, the replies the radio
     * will produce still have room */
    f.blocked = true;
    for (uint16_t id = 1; id <= BRIDGE_TX_CREDITS; id++) send_tx(id, 4);
    for (int i = 0; i < 50; i++) send_ping((uint32_t)i);
    for (uint16_t id = 1; id <= BRIDGE_TX_CREDITS; id++) {
        bridge_on_radio_send_done(&b, fake_last_send(&f)->handle, true);
    }
    CHECK_EQ_U(b.ctrl_overflow, 0u);
    f.blocked = false;
    f.write_chunk = 0;
    bridge_pump(&b);
    unsigned statuses = 0;
    while (fake_next_msg(&f, &r)) {
        if (r.type == PROTO_TX_STATUS) statuses++;
    }
    CHECK_EQ_U(statuses, BRIDGE_TX_CREDITS);
    teardown();
}

static void test_reconnect(void)
{
    setup();
    CHECK(fake_negotiate(&b, &f));
    uint8_t p[8] = {1, 2, 3};
    f.blocked = true;
    for (int i = 0; i < 5; i++) bridge_on_radio_receive(&b, PEER, -1, 6, false, p, sizeof(p));
    /* half a frame from the old session */
    static const uint8_t half[] = {0x0a, 0x87, 0xef};
    bridge_on_serial_bytes(&b, half, sizeof(half));
    bridge_on_serial_reconnect(&b);
    uint32_t c[PROTO_STATS_COUNT];
    f.blocked = false;
    fake_drain(&f);
    /* not negotiated any more */
    send_simple(PROTO_GET_STATS);
    proto_msg_t r;
    CHECK(!fake_next_msg(&f, &r));
    CHECK(fake_negotiate(&b, &f));
    CHECK(get_stats(c) && c[STAT_RX_FRAMES] == 5 && c[STAT_RX_DROPPED] == 5 && c[STAT_SERIAL_BAD_FRAMING] == 0 &&
          c[STAT_SERIAL_BAD_CRC] == 0);
    CHECK_EQ_U(f.out_frames_bad, 0u);
    teardown();
}

static void test_firmware_name_cut(void)
{
    fake_init(&f);
    bridge_platform_t p = fake_platform(&f);
    /* 31 ASCII bytes + a 2-byte character: cut before the character */
    bridge_config_t cfg = {.channel = 1, .firmware = "0123456789012345678901234567890\xc3\xa9xyz", .tx_timeout_ms = 0};
    bridge_init(&b, &p, &cfg);
    proto_msg_t r;
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_HELLO && r.u.hello.firmware_len == 31 && r.u.hello.channel == 1);
    CHECK_EQ_U(b.cfg.tx_timeout_ms, BRIDGE_TX_TIMEOUT_MS);
    teardown();
}

void group_bridge(void)
{
    t_run("bridge: boot HELLO after a flushing 0x00", test_boot_hello);
    t_run("bridge: version negotiation (only HOST_HELLO and PING before it; ERROR 3)", test_negotiation);
    t_run("bridge: ERROR 1 for unknown types, echoes ignored, ERROR 2 for malformed", test_errors);
    t_run("bridge: TX refusals (malformed 4, too large 3)", test_tx_refusals);
    t_run("bridge: credit exhaustion (16 credits, TX_STATUS 2)", test_credits);
    t_run("bridge: HOST_HELLO restores all credits, old TX not reported", test_hello_resets_credits);
    t_run("bridge: radio error and send timeout (TX_STATUS 5)", test_radio_errors);
    t_run("bridge: RX forwarding and flags", test_rx_forwarding);
    t_run("bridge: RX queue overflow counted in rxDropped", test_rx_overflow);
    t_run("bridge: a broadcast flood fills the RX queue, unicast frames still get through", test_rx_unicast_before_broadcast);
    t_run("bridge: RX order kept and every drop counted by kind, broadcast and unicast mixed", test_rx_mixed_order_kept);
    t_run("bridge: SET_CHANNEL / CHANNEL", test_channel);
    t_run("bridge: all 14 STATS counters", test_stats_all_counters);
    t_run("bridge: backpressure keeps every reply", test_backpressure);
    t_run("bridge: serial reconnect", test_reconnect);
    t_run("bridge: firmware name cut at 32 bytes on a character boundary", test_firmware_name_cut);
}
