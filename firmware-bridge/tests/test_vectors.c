/* The shared vectors of test/vectors/bridge-serial.json, read at run time
 * with tests/json_min.c. Every valid vector: the message built from its
 * "fields" encodes to exactly "message" and frames to exactly "wire"; "wire"
 * deframes and decodes back to the same fields; and where the bridge sends
 * or answers that message, the bridge core produces exactly those bytes.
 * Every invalid vector: exactly the named counter moves, "thenValid"
 * messages come out, and a valid frame after it still decodes. */
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "crc32.h"
#include "deframer.h"
#include "fake_platform.h"
#include "json_min.h"
#include "proto.h"
#include "test.h"

static json_doc_t doc;
static char *text;
static const json_node_t *valid, *invalid;
static bool loaded;

/* PING nonce 1: the valid frame that several invalid vectors end with */
static const char *PING1_WIRE = "038701010105fafc587d00";

static const char *str_field(const json_node_t *o, const char *k)
{
    const json_node_t *n = json_get(&doc, o, k);
    return (n != NULL && n->type == JSON_STRING) ? n->str : NULL;
}

static bool num_field(const json_node_t *o, const char *k, double *v)
{
    const json_node_t *n = json_get(&doc, o, k);
    if (n == NULL || n->type != JSON_NUMBER) return false;
    *v = n->num;
    return true;
}

static bool parse_mac_str(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (s == NULL || strlen(s) != 17 ||
        sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) mac[i] = (uint8_t)v[i];
    return true;
}

static int type_by_name(const char *name)
{
    static const uint8_t types[] = {PROTO_HOST_HELLO, PROTO_HELLO,   PROTO_RX,   PROTO_TX,        PROTO_TX_STATUS,
                                    PROTO_SET_CHANNEL, PROTO_CHANNEL, PROTO_PING, PROTO_PONG,      PROTO_GET_STATS,
                                    PROTO_STATS,       PROTO_ERROR};
    for (size_t i = 0; name != NULL && i < sizeof(types); i++) {
        if (strcmp(proto_type_name(types[i]), name) == 0) return types[i];
    }
    return -1;
}

/* Build a message from a vector's "type" and "fields". Variable parts point
 * into `scratch` or the JSON arena. */
static bool build_from_fields(const json_node_t *v, proto_msg_t *m, uint8_t *scratch, size_t cap)
{
    memset(m, 0, sizeof(*m));
    int t = type_by_name(str_field(v, "type"));
    const json_node_t *f = json_get(&doc, v, "fields");
    if (t < 0 || f == NULL || f->type != JSON_OBJECT) return false;
    m->type = (uint8_t)t;
    double a = 0, b = 0, c = 0, d = 0, e = 0;
    size_t n;
    switch (t) {
    case PROTO_HOST_HELLO:
        if (!num_field(f, "maxVersion", &a) || !num_field(f, "minVersion", &b)) return false;
        m->u.host_hello.max_version = (uint8_t)a;
        m->u.host_hello.min_version = (uint8_t)b;
        return true;
    case PROTO_HELLO: {
        if (!num_field(f, "version", &a) || !num_field(f, "minVersion", &b) || !num_field(f, "channel", &c) ||
            !num_field(f, "maxPayload", &d) || !num_field(f, "capabilities", &e)) {
            return false;
        }
        double q = 0;
        if (!num_field(f, "txQueue", &q) || !parse_mac_str(str_field(f, "mac"), m->u.hello.mac)) return false;
        const json_node_t *fw = json_get(&doc, f, "firmware");
        if (fw == NULL || fw->type != JSON_STRING) return false;
        m->u.hello.version = (uint8_t)a;
        m->u.hello.min_version = (uint8_t)b;
        m->u.hello.channel = (uint8_t)c;
        m->u.hello.max_payload = (uint16_t)d;
        m->u.hello.capabilities = (uint16_t)e;
        m->u.hello.tx_queue = (uint8_t)q;
        m->u.hello.firmware = (const uint8_t *)fw->str;
        m->u.hello.firmware_len = fw->str_len;
        return true;
    }
    case PROTO_RX:
        if (!parse_mac_str(str_field(f, "src"), m->u.rx.src) || !num_field(f, "rssi", &a) ||
            !num_field(f, "channel", &b) || !num_field(f, "flags", &c)) {
            return false;
        }
        n = hex_decode(str_field(f, "payload") ? str_field(f, "payload") : "x", scratch, cap);
        if (n == (size_t)-1) return false;
        m->u.rx.rssi = (int8_t)a;
        m->u.rx.channel = (uint8_t)b;
        m->u.rx.flags = (uint8_t)c;
        m->u.rx.payload = scratch;
        m->u.rx.payload_len = n;
        return true;
    case PROTO_TX:
        if (!num_field(f, "txId", &a) || !parse_mac_str(str_field(f, "dst"), m->u.tx.dst)) return false;
        n = hex_decode(str_field(f, "payload") ? str_field(f, "payload") : "x", scratch, cap);
        if (n == (size_t)-1) return false;
        m->u.tx.tx_id = (uint16_t)a;
        m->u.tx.payload = scratch;
        m->u.tx.payload_len = n;
        return true;
    case PROTO_TX_STATUS:
        if (!num_field(f, "txId", &a) || !num_field(f, "status", &b)) return false;
        m->u.tx_status.tx_id = (uint16_t)a;
        m->u.tx_status.status = (uint8_t)b;
        return true;
    case PROTO_SET_CHANNEL:
        if (!num_field(f, "channel", &a)) return false;
        m->u.set_channel.channel = (uint8_t)a;
        return true;
    case PROTO_CHANNEL:
        if (!num_field(f, "channel", &a) || !num_field(f, "status", &b)) return false;
        m->u.channel.channel = (uint8_t)a;
        m->u.channel.status = (uint8_t)b;
        return true;
    case PROTO_PING:
        if (!num_field(f, "nonce", &a)) return false;
        m->u.ping.nonce = (uint32_t)a;
        return true;
    case PROTO_PONG:
        if (!num_field(f, "nonce", &a) || !num_field(f, "uptimeMs", &b)) return false;
        m->u.pong.nonce = (uint32_t)a;
        m->u.pong.uptime_ms = (uint32_t)b;
        return true;
    case PROTO_GET_STATS:
        return true;
    case PROTO_STATS: {
        const json_node_t *arr = json_get(&doc, f, "counters");
        if (arr == NULL || arr->type != JSON_ARRAY ||
            (arr->count != PROTO_STATS_COUNT && arr->count != PROTO_STATS_COUNT_V1))
            return false;
        m->u.stats.count = (uint8_t)arr->count;
        for (size_t i = 0; i < arr->count; i++) {
            const json_node_t *x = json_at(&doc, arr, i);
            if (x == NULL || x->type != JSON_NUMBER) return false;
            m->u.stats.counters[i] = (uint32_t)x->num;
        }
        return true;
    }
    case PROTO_ERROR: {
        const json_node_t *dt = json_get(&doc, f, "detail");
        if (!num_field(f, "code", &a) || dt == NULL || dt->type != JSON_STRING) return false;
        m->u.error.code = (uint8_t)a;
        m->u.error.detail = (const uint8_t *)dt->str;
        m->u.error.detail_len = dt->str_len;
        return true;
    }
    default:
        return false;
    }
}

/* Field-by-field equality of two decoded messages. */
static bool msg_equal(const proto_msg_t *a, const proto_msg_t *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case PROTO_HOST_HELLO:
        return a->u.host_hello.max_version == b->u.host_hello.max_version &&
               a->u.host_hello.min_version == b->u.host_hello.min_version;
    case PROTO_HELLO:
        return a->u.hello.version == b->u.hello.version && a->u.hello.min_version == b->u.hello.min_version &&
               memcmp(a->u.hello.mac, b->u.hello.mac, 6) == 0 && a->u.hello.channel == b->u.hello.channel &&
               a->u.hello.max_payload == b->u.hello.max_payload &&
               a->u.hello.capabilities == b->u.hello.capabilities && a->u.hello.tx_queue == b->u.hello.tx_queue &&
               bytes_eq(a->u.hello.firmware, a->u.hello.firmware_len, b->u.hello.firmware, b->u.hello.firmware_len);
    case PROTO_RX:
        return memcmp(a->u.rx.src, b->u.rx.src, 6) == 0 && a->u.rx.rssi == b->u.rx.rssi &&
               a->u.rx.channel == b->u.rx.channel && a->u.rx.flags == b->u.rx.flags &&
               bytes_eq(a->u.rx.payload, a->u.rx.payload_len, b->u.rx.payload, b->u.rx.payload_len);
    case PROTO_TX:
        return a->u.tx.tx_id == b->u.tx.tx_id && memcmp(a->u.tx.dst, b->u.tx.dst, 6) == 0 &&
               bytes_eq(a->u.tx.payload, a->u.tx.payload_len, b->u.tx.payload, b->u.tx.payload_len);
    case PROTO_TX_STATUS:
        return a->u.tx_status.tx_id == b->u.tx_status.tx_id && a->u.tx_status.status == b->u.tx_status.status;
    case PROTO_SET_CHANNEL:
        return a->u.set_channel.channel == b->u.set_channel.channel;
    case PROTO_CHANNEL:
        return a->u.channel.channel == b->u.channel.channel && a->u.channel.status == b->u.channel.status;
    case PROTO_PING:
        return a->u.ping.nonce == b->u.ping.nonce;
    case PROTO_PONG:
        return a->u.pong.nonce == b->u.pong.nonce && a->u.pong.uptime_ms == b->u.pong.uptime_ms;
    case PROTO_GET_STATS:
        return true;
    case PROTO_STATS:
        return a->u.stats.count == b->u.stats.count &&
               memcmp(a->u.stats.counters, b->u.stats.counters, sizeof(uint32_t) * a->u.stats.count) == 0;
    case PROTO_ERROR:
        return a->u.error.code == b->u.error.code &&
               bytes_eq(a->u.error.detail, a->u.error.detail_len, b->u.error.detail, b->u.error.detail_len);
    default:
        return false;
    }
}

static uint8_t *hex_alloc(const char *hex, size_t *len)
{
    size_t cap = hex != NULL ? strlen(hex) / 2 + 1 : 1;
    uint8_t *b = malloc(cap);
    *len = hex != NULL ? hex_decode(hex, b, cap) : (size_t)-1;
    return b;
}

static void load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "  cannot open %s\n", path);
        return;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)sz + 1);
    size_t got = fread(text, 1, (size_t)sz, f);
    fclose(f);
    text[got] = '\0';
    doc.max_nodes = 4096;
    doc.nodes = calloc(doc.max_nodes, sizeof(json_node_t));
    doc.arena_cap = got + 16;
    doc.arena = malloc(doc.arena_cap);
    if (json_parse(&doc, text, got) < 0) {
        fprintf(stderr, "  JSON error at %zu: %s\n", doc.err_pos, doc.err);
        return;
    }
    valid = json_get(&doc, json_root(&doc), "valid");
    invalid = json_get(&doc, json_root(&doc), "invalid");
    loaded = valid != NULL && invalid != NULL && valid->type == JSON_ARRAY && invalid->type == JSON_ARRAY;
}

static void test_load(void)
{
    CHECK(loaded);
    CHECK(loaded && valid->count >= 12);
    CHECK(loaded && invalid->count >= 1);
}

/* ---- valid vectors: codec ---------------------------------------------------------- */

static void test_valid_codec(void)
{
    static uint8_t scratch[4096], enc[4096], wire_out[4096];
    for (size_t i = 0; loaded && i < valid->count; i++) {
        const json_node_t *v = json_at(&doc, valid, i);
        const char *name = str_field(v, "name");
        size_t mlen, wlen, clen;
        uint8_t *msg = hex_alloc(str_field(v, "message"), &mlen);
        uint8_t *wire = hex_alloc(str_field(v, "wire"), &wlen);
        uint8_t *crc = hex_alloc(str_field(v, "crc32"), &clen);
        bool case_ok = mlen != (size_t)-1 && wlen != (size_t)-1 && clen == 4;
        CHECK(case_ok);
        if (!case_ok) {
            fprintf(stderr, "  vector %s: bad hex\n", name);
            goto next;
        }
        /* crc32 field (big-endian hex of the value) */
        uint32_t want_crc = ((uint32_t)crc[0] << 24) | ((uint32_t)crc[1] << 16) | ((uint32_t)crc[2] << 8) | crc[3];
        CHECK_EQ_U(crc32_ieee(msg, mlen), want_crc);

        /* fields -> message bytes -> wire */
        proto_msg_t m;
        bool built = build_from_fields(v, &m, scratch, sizeof(scratch));
        CHECK(built);
        size_t n = 0;
        CHECK(built && proto_encode(&m, enc, sizeof(enc), &n) == PROTO_OK && bytes_eq(enc, n, msg, mlen));
        size_t wn = proto_frame_encode(msg, mlen, wire_out, sizeof(wire_out));
        CHECK(bytes_eq(wire_out, wn, wire, wlen));

        /* wire -> deframer -> message bytes -> fields */
        static deframer_t d;
        deframer_init(&d, DEFRAMER_ACCEPT_ALL);
        unsigned msgs = 0;
        bool same = false;
        proto_msg_t dm;
        for (size_t k = 0; k < wlen; k++) {
            if (deframer_push(&d, wire[k]) == DEFRAMER_MESSAGE) {
                msgs++;
                same = bytes_eq(d.msg, d.msg_len, msg, mlen) && proto_decode(d.msg, d.msg_len, &dm) == PROTO_OK &&
                       built && msg_equal(&dm, &m);
            }
        }
        CHECK_EQ_U(msgs, 1u);
        CHECK(same);
        CHECK(d.counters.bad_crc == 0 && d.counters.bad_framing == 0 && d.counters.oversize == 0 &&
              d.counters.unknown_type == 0);

        /* a direction-aware receiver sees it as a message, or as the other
         * direction's type (serialUnknownType) */
        deframer_init(&d, DEFRAMER_ACCEPT_TO_BRIDGE);
        deframer_event_t last = DEFRAMER_NONE;
        for (size_t k = 0; k < wlen; k++) {
            deframer_event_t ev = deframer_push(&d, wire[k]);
            if (ev != DEFRAMER_NONE) last = ev;
        }
        CHECK(last == (proto_type_to_bridge(msg[0]) ? DEFRAMER_MESSAGE : DEFRAMER_UNKNOWN_TYPE));
        if (t_case_failed) fprintf(stderr, "  (vector \"%s\")\n", name);
    next:
        free(msg);
        free(wire);
        free(crc);
    }
}

/* ---- valid vectors: the bridge produces exactly these bytes ------------------------ */

static const json_node_t *find_valid(const char *name)
{
    for (size_t i = 0; loaded && i < valid->count; i++) {
        const json_node_t *v = json_at(&doc, valid, i);
        const char *n = str_field(v, "name");
        if (n != NULL && strcmp(n, name) == 0) return v;
    }
    return NULL;
}

static bool next_is(fake_t *f, const char *vector_name)
{
    const json_node_t *v = find_valid(vector_name);
    size_t mlen, got = 0;
    uint8_t *want = hex_alloc(v != NULL ? str_field(v, "message") : NULL, &mlen);
    static uint8_t buf[4096];
    bool ok = v != NULL && mlen != (size_t)-1 && fake_next(f, buf, sizeof(buf), &got) && bytes_eq(buf, got, want, mlen);
    if (!ok) fprintf(stderr, "  bridge output is not vector \"%s\"\n", vector_name);
    free(want);
    return ok;
}

static size_t send_vector_wire(bridge_t *b, const char *vector_name)
{
    const json_node_t *v = find_valid(vector_name);
    size_t wlen;
    uint8_t *wire = hex_alloc(v != NULL ? str_field(v, "wire") : NULL, &wlen);
    size_t n = (wlen == (size_t)-1) ? 0 : bridge_on_serial_bytes(b, wire, wlen);
    free(wire);
    return n;
}

static void test_valid_bridge(void)
{
    static fake_t f;
    static bridge_t b;
    static uint8_t scratch[4096];
    fake_init(&f);
    fake_bridge_init(&b, &f);

    /* boot HELLO == the version-2 HELLO vector (same MAC, channel, payload,
     * capabilities, firmware; the bridge's own highest version) */
    CHECK(next_is(&f, "HELLO version 2"));
    /* a version-2 host: HELLO version 2, and STATS with fourteen counters */
    send_vector_wire(&b, "HOST_HELLO versions 1 to 2");
    CHECK(next_is(&f, "HELLO version 2"));
    proto_msg_t r;
    send_vector_wire(&b, "GET_STATS");
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_STATS && r.u.stats.count == PROTO_STATS_COUNT);
    /* HOST_HELLO vector (version 1 only) -> HELLO vector (version 1) */
    send_vector_wire(&b, "HOST_HELLO");
    CHECK(next_is(&f, "HELLO"));

    /* TX vector -> radio; radio says "no ACK" -> the TX_STATUS vector */
    proto_msg_t m;
    CHECK(build_from_fields(find_valid("TX"), &m, scratch, sizeof(scratch)));
    send_vector_wire(&b, "TX");
    const fake_send_t *s = fake_last_send(&f);
    CHECK(s != NULL && memcmp(s->dst, m.u.tx.dst, 6) == 0 && bytes_eq(s->payload, s->len, m.u.tx.payload, m.u.tx.payload_len));
    if (s != NULL) bridge_on_radio_send_done(&b, s->handle, false);
    CHECK(next_is(&f, "TX_STATUS"));

    /* broadcast TX */
    CHECK(build_from_fields(find_valid("TX broadcast"), &m, scratch, sizeof(scratch)));
    send_vector_wire(&b, "TX broadcast");
    s = fake_last_send(&f);
    CHECK(s != NULL && memcmp(s->dst, "\xff\xff\xff\xff\xff\xff", 6) == 0 && s->len == 1 && s->payload[0] == 0);

    /* SET_CHANNEL vector -> CHANNEL vector */
    if (s != NULL) bridge_on_radio_send_done(&b, s->handle, true);
    fake_drain(&f);
    send_vector_wire(&b, "SET_CHANNEL");
    CHECK(next_is(&f, "CHANNEL"));
    CHECK_EQ_U(f.channel, 11u);

    /* PING vector at uptime 123456 -> PONG vector */
    f.now = 123456;
    send_vector_wire(&b, "PING");
    CHECK(next_is(&f, "PONG"));

    /* GET_STATS -> a STATS message of version 1: twelve counters */
    send_vector_wire(&b, "GET_STATS");
    CHECK(fake_next_msg(&f, &r) && r.type == PROTO_STATS && r.u.stats.count == PROTO_STATS_COUNT_V1);

    /* radio frames -> the RX vectors */
    const char *rx_names[] = {"RX", "RX 1470 bytes with zeros", "RX 300 non-zero bytes (COBS block of 254)"};
    for (size_t i = 0; i < 3; i++) {
        CHECK(build_from_fields(find_valid(rx_names[i]), &m, scratch, sizeof(scratch)));
        bridge_on_radio_receive(&b, m.u.rx.src, m.u.rx.rssi, m.u.rx.channel, (m.u.rx.flags & 1u) != 0, m.u.rx.payload,
                                m.u.rx.payload_len);
        CHECK(next_is(&f, rx_names[i]));
    }

    /* an unknown type (the invalid vector's 0x7f) -> the ERROR vector */
    static const uint8_t unknown[] = {0x08, 0x7f, 0x01, 0x02, 0x12, 0xa6, 0xf9, 0x57, 0x00};
    bridge_on_serial_bytes(&b, unknown, sizeof(unknown));
    CHECK(next_is(&f, "ERROR"));
    CHECK_EQ_U(f.out_frames_bad, 0u);
    fake_free(&f);
}

/* ---- invalid vectors ---------------------------------------------------------------------- */

static int counter_index(const char *name)
{
    if (name == NULL) return -1;
    if (strcmp(name, "serialBadCrc") == 0) return STAT_SERIAL_BAD_CRC;
    if (strcmp(name, "serialBadFraming") == 0) return STAT_SERIAL_BAD_FRAMING;
    if (strcmp(name, "serialOversize") == 0) return STAT_SERIAL_OVERSIZE;
    if (strcmp(name, "serialUnknownType") == 0) return STAT_SERIAL_UNKNOWN_TYPE;
    return -2;
}

static void deframer_counts(const deframer_t *d, uint32_t c[PROTO_STATS_COUNT])
{
    memset(c, 0, sizeof(uint32_t) * PROTO_STATS_COUNT);
    c[STAT_SERIAL_BAD_CRC] = d->counters.bad_crc;
    c[STAT_SERIAL_BAD_FRAMING] = d->counters.bad_framing;
    c[STAT_SERIAL_OVERSIZE] = d->counters.oversize;
    c[STAT_SERIAL_UNKNOWN_TYPE] = d->counters.unknown_type;
}

static void test_invalid(void)
{
    static uint8_t ping1[16];
    size_t ping1_len = hex_decode(PING1_WIRE, ping1, sizeof(ping1));
    for (size_t i = 0; loaded && i < invalid->count; i++) {
        const json_node_t *v = json_at(&doc, invalid, i);
        const char *name = str_field(v, "name");
        size_t wlen;
        uint8_t *wire = hex_alloc(str_field(v, "wire"), &wlen);
        const json_node_t *cn = json_get(&doc, v, "counter");
        const int ci = (cn != NULL && cn->type == JSON_STRING) ? counter_index(cn->str) : -1;
        double then_valid = 0;
        (void)num_field(v, "thenValid", &then_valid);
        CHECK(wlen != (size_t)-1 && ci != -2);
        if (wlen == (size_t)-1 || ci == -2) {
            free(wire);
            continue;
        }
        uint32_t want[PROTO_STATS_COUNT] = {0};
        if (ci >= 0) want[ci] = 1;
        /* deframer */
        static deframer_t d;
        deframer_init(&d, DEFRAMER_ACCEPT_ALL);
        unsigned msgs = 0;
        for (size_t k = 0; k < wlen; k++) {
            if (deframer_push(&d, wire[k]) == DEFRAMER_MESSAGE) msgs++;
        }
        uint32_t got[PROTO_STATS_COUNT];
        deframer_counts(&d, got);
        bool same = memcmp(got, want, sizeof(got)) == 0;
        CHECK(same);
        CHECK_EQ_U(msgs, (unsigned)then_valid);
        if (!same) {
            fprintf(stderr, "  vector \"%s\": crc %u framing %u oversize %u unknown %u\n", name,
                    got[STAT_SERIAL_BAD_CRC], got[STAT_SERIAL_BAD_FRAMING], got[STAT_SERIAL_OVERSIZE],
                    got[STAT_SERIAL_UNKNOWN_TYPE]);
        }
        /* a valid frame after it still decodes, and moves no counter */
        unsigned after = 0;
        for (size_t k = 0; k < ping1_len; k++) {
            if (deframer_push(&d, ping1[k]) == DEFRAMER_MESSAGE) after++;
        }
        CHECK_EQ_U(after, 1u);
        deframer_counts(&d, got);
        CHECK(memcmp(got, want, sizeof(got)) == 0);

        /* the same through the bridge: STATS shows the same counters, and the
         * valid PING is answered */
        static fake_t f;
        static bridge_t b;
        fake_init(&f);
        fake_bridge_init(&b, &f);
        CHECK(fake_negotiate(&b, &f));
        CHECK_EQ_U(bridge_on_serial_bytes(&b, wire, wlen), wlen);
        CHECK_EQ_U(bridge_on_serial_bytes(&b, ping1, ping1_len), ping1_len);
        proto_msg_t r;
        unsigned pongs = 0;
        while (fake_next_msg(&f, &r)) {
            if (r.type == PROTO_PONG && r.u.pong.nonce == 1) pongs++;
        }
        CHECK_EQ_U(pongs, (unsigned)then_valid + 1u);
        proto_msg_t gs = {.type = PROTO_GET_STATS};
        fake_host_send(&b, &gs);
        bool stats_ok = false;
        while (fake_next_msg(&f, &r)) {
            if (r.type == PROTO_STATS) {
                stats_ok = true;
                for (int k = STAT_SERIAL_BAD_CRC; k <= STAT_SERIAL_UNKNOWN_TYPE; k++) {
                    if (r.u.stats.counters[k] != want[k]) stats_ok = false;
                }
            }
        }
        CHECK(stats_ok);
        fake_free(&f);
        if (t_case_failed) fprintf(stderr, "  (vector \"%s\")\n", name);
        free(wire);
    }
}

void group_vectors(const char *path)
{
    load(path);
    t_run("vectors: test/vectors/bridge-serial.json loads", test_load);
    t_run("vectors: every valid vector encodes from its fields to message and wire, and decodes back", test_valid_codec);
    t_run("vectors: the bridge core emits exactly the HELLO/TX_STATUS/CHANNEL/PONG/RX/ERROR vectors", test_valid_bridge);
    t_run("vectors: every invalid vector moves exactly its counter (deframer and bridge STATS)", test_invalid);
    free(doc.nodes);
    free(doc.arena);
    free(text);
}
