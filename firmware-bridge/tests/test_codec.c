/* CRC-32, COBS and message codec unit tests. */
#include <stdlib.h>
#include <string.h>

#include "cobs.h"
#include "crc32.h"
#include "proto.h"
#include "test.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    /* splitmix64: deterministic */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static void test_crc32(void)
{
    const uint8_t check[] = "123456789";
    CHECK_EQ_U(crc32_ieee(check, 9), 0xCBF43926u);
    CHECK_EQ_U(crc32_ieee(check, 0), 0u);
    uint32_t s = CRC32_INIT;
    s = crc32_update(s, check, 4);
    s = crc32_update(s, check + 4, 5);
    CHECK_EQ_U(crc32_final(s), 0xCBF43926u);
    /* bitwise reference over random data */
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)rnd();
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < sizeof(buf); i++) {
        c ^= buf[i];
        for (int k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    CHECK_EQ_U(crc32_ieee(buf, sizeof(buf)), c ^ 0xFFFFFFFFu);
}

static bool cobs_case(const char *in_hex, const char *out_hex)
{
    static uint8_t in[600], want[600], got[600], dec[600];
    size_t n = hex_decode(in_hex, in, sizeof(in));
    size_t m = hex_decode(out_hex, want, sizeof(want));
    size_t e = cobs_encode(in, n, got, sizeof(got));
    size_t d = 0;
    bool ok = bytes_eq(got, e, want, m) && cobs_decode(want, m, dec, sizeof(dec), &d) && bytes_eq(dec, d, in, n);
    if (!ok) fprintf(stderr, "  cobs case %s failed\n", in_hex);
    return ok;
}

static char *hex_run(char *p, unsigned from, unsigned to)
{
    for (unsigned v = from; v <= to; v++) p += sprintf(p, "%02x", v);
    return p;
}

static void test_cobs_known(void)
{
    CHECK(cobs_case("", "01"));
    CHECK(cobs_case("00", "0101"));
    CHECK(cobs_case("0000", "010101"));
    CHECK(cobs_case("001100", "01021101"));
    CHECK(cobs_case("11220033", "0311220233"));
    CHECK(cobs_case("11223344", "0511223344"));
    CHECK(cobs_case("11000000", "0211010101"));
    static char in[1200], out[1200];
    char *p;
    /* 01..FE (254 bytes) -> FF 01..FE (no trailing code byte) */
    hex_run(in, 1, 254);
    p = out + sprintf(out, "ff");
    hex_run(p, 1, 254);
    CHECK(cobs_case(in, out));
    /* 00 01..FE -> 01 FF 01..FE */
    p = in + sprintf(in, "00");
    hex_run(p, 1, 254);
    p = out + sprintf(out, "01ff");
    hex_run(p, 1, 254);
    CHECK(cobs_case(in, out));
    /* 01..FF (255 bytes) -> FF 01..FE 02 FF */
    hex_run(in, 1, 255);
    p = out + sprintf(out, "ff");
    p = hex_run(p, 1, 254);
    sprintf(p, "02ff");
    CHECK(cobs_case(in, out));
    /* 02..FF 00 -> FF 02..FF 01 01 */
    p = hex_run(in, 2, 255);
    sprintf(p, "00");
    p = out + sprintf(out, "ff");
    p = hex_run(p, 2, 255);
    sprintf(p, "0101");
    CHECK(cobs_case(in, out));
    /* 03..FF 00 01 -> FE 03..FF 02 01 */
    p = hex_run(in, 3, 255);
    sprintf(p, "0001");
    p = out + sprintf(out, "fe");
    p = hex_run(p, 3, 255);
    sprintf(p, "0201");
    CHECK(cobs_case(in, out));

    /* a redundant trailing 0x01 after a full block decodes to the same bytes */
    uint8_t w[300], d[300];
    size_t dl = 0;
    w[0] = 0xFF;
    for (int i = 1; i <= 254; i++) w[i] = (uint8_t)i;
    w[255] = 0x01;
    CHECK(cobs_decode(w, 256, d, sizeof(d), &dl));
    CHECK_EQ_U(dl, 254u);
}

static void test_cobs_errors(void)
{
    uint8_t out[16];
    size_t n = 0;
    const uint8_t past_end[] = {0x05, 0xaa, 0xbb};
    CHECK(!cobs_decode(past_end, sizeof(past_end), out, sizeof(out), &n));
    const uint8_t zero_inside[] = {0x03, 0x00, 0x01};
    CHECK(!cobs_decode(zero_inside, sizeof(zero_inside), out, sizeof(out), &n));
    const uint8_t zero_code[] = {0x00};
    CHECK(!cobs_decode(zero_code, 1, out, sizeof(out), &n));
    const uint8_t ok[] = {0x03, 0x11, 0x22, 0x02, 0x33};
    CHECK(!cobs_decode(ok, sizeof(ok), out, 3, &n)); /* needs 4 */
    CHECK(cobs_decode(ok, sizeof(ok), out, 4, &n) && n == 4);
    CHECK(cobs_decode(ok, 0, out, sizeof(out), &n) && n == 0);
    /* encoder capacity: every cap below the exact size fails, the exact one works */
    uint8_t in[600], enc[700];
    for (size_t i = 0; i < sizeof(in); i++) in[i] = (uint8_t)(i % 7 == 0 ? 0 : i);
    size_t full = cobs_encode(in, sizeof(in), enc, sizeof(enc));
    CHECK(full > 0);
    bool all_fail = true;
    for (size_t cap = 0; cap < full; cap++) {
        if (cobs_encode(in, sizeof(in), enc, cap) != 0) all_fail = false;
    }
    CHECK(all_fail);
    CHECK_EQ_U(cobs_encode(in, sizeof(in), enc, full), full);
    /* exact capacity with a final full block */
    for (size_t i = 0; i < 254; i++) in[i] = (uint8_t)(i + 1);
    CHECK_EQ_U(cobs_encode(in, 254, enc, 255), 255u);
    CHECK_EQ_U(cobs_encode(in, 254, enc, 254), 0u);
}

static void test_cobs_random(void)
{
    static uint8_t in[2200], enc[2300], dec[2300];
    bool ok = true;
    for (int iter = 0; iter < 3000 && ok; iter++) {
        size_t n = (size_t)(rnd() % 2100u);
        unsigned zero_pct = rnd() % 4u == 0 ? 0u : rnd() % 50u;
        for (size_t i = 0; i < n; i++) {
            in[i] = (rnd() % 100u) < zero_pct ? 0 : (uint8_t)(1u + rnd() % 255u);
        }
        size_t e = cobs_encode(in, n, enc, sizeof(enc));
        if (e == 0 || e > COBS_MAX_ENCODED_LEN(n) || memchr(enc, 0, e) != NULL) {
            ok = false;
            break;
        }
        size_t d = 0;
        if (!cobs_decode(enc, e, dec, sizeof(dec), &d) || !bytes_eq(dec, d, in, n)) ok = false;
        /* in place */
        if (!cobs_decode(enc, e, enc, sizeof(enc), &d) || !bytes_eq(enc, d, in, n)) ok = false;
    }
    CHECK(ok);
}

static void test_utf8(void)
{
    CHECK(proto_utf8_valid((const uint8_t *)"", 0));
    CHECK(proto_utf8_valid((const uint8_t *)"dpp-bridge 0.1.0", 16));
    CHECK(proto_utf8_valid((const uint8_t *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    CHECK(!proto_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
    CHECK(!proto_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!proto_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    CHECK(!proto_utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    CHECK(!proto_utf8_valid((const uint8_t *)"\x80", 1));
    CHECK(!proto_utf8_valid((const uint8_t *)"\xff", 1));
}

static void test_decode_total(void)
{
    /* every type byte, every length up to 1600, random content: a result,
     * and every accepted message re-encodes to its own bytes */
    static uint8_t buf[1600], re[1700];
    bool ok = true;
    unsigned accepted = 0;
    for (unsigned type = 0; type < 256; type++) {
        for (size_t len = 0; len < sizeof(buf); len += (len < 80 ? 1u : 37u)) {
            for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)rnd();
            if (len > 0) buf[0] = (uint8_t)type;
            if (type == PROTO_HELLO || type == PROTO_ERROR) {
                for (size_t i = 2; i < len; i++) buf[i] &= 0x7F; /* ASCII text */
            }
            proto_msg_t m;
            proto_result_t r = proto_decode(buf, len, &m);
            if (r > PROTO_E_TOO_LARGE) ok = false;
            if (r == PROTO_OK) {
                accepted++;
                size_t n = 0;
                if (proto_encode(&m, re, sizeof(re), &n) != PROTO_OK) ok = false;
                size_t expect = (type == PROTO_HOST_HELLO) ? 3u : len;
                if (!bytes_eq(re, n, buf, expect)) ok = false;
            }
        }
    }
    CHECK(ok);
    CHECK(accepted > 100);
    proto_msg_t m;
    CHECK(proto_decode(NULL, 0, &m) == PROTO_E_EMPTY);
}

static void test_decode_lengths(void)
{
    uint8_t b[2000];
    memset(b, 0x41, sizeof(b));
    proto_msg_t m;
    struct {
        uint8_t type;
        size_t exact;
    } fixed[] = {{PROTO_TX_STATUS, 4},  {PROTO_SET_CHANNEL, 2}, {PROTO_CHANNEL, 3}, {PROTO_PING, 5},
                 {PROTO_PONG, 9},       {PROTO_GET_STATS, 1},   {PROTO_STATS, 57}};
    for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
        b[0] = fixed[k].type;
        CHECK(proto_decode(b, fixed[k].exact, &m) == PROTO_OK);
        CHECK(proto_decode(b, fixed[k].exact + 1, &m) == PROTO_E_MALFORMED);
        if (fixed[k].exact > 1) CHECK(proto_decode(b, fixed[k].exact - 1, &m) == PROTO_E_MALFORMED);
    }
    /* STATS: twelve counters (version 1) or fourteen (version 2), nothing between */
    b[0] = PROTO_STATS;
    CHECK(proto_decode(b, 49, &m) == PROTO_OK && m.u.stats.count == 12);
    CHECK(proto_decode(b, 57, &m) == PROTO_OK && m.u.stats.count == 14);
    for (size_t len = 2; len < 61; len++) {
        if (len != 49 && len != 57) CHECK(proto_decode(b, len, &m) == PROTO_E_MALFORMED);
    }
    /* HOST_HELLO: at least 3 bytes, trailing bytes ignored */
    b[0] = PROTO_HOST_HELLO;
    b[1] = 2;
    b[2] = 1;
    CHECK(proto_decode(b, 2, &m) == PROTO_E_MALFORMED);
    CHECK(proto_decode(b, 3, &m) == PROTO_OK && m.u.host_hello.max_version == 2 && m.u.host_hello.min_version == 1);
    CHECK(proto_decode(b, 10, &m) == PROTO_OK);
    /* TX */
    b[0] = PROTO_TX;
    b[1] = 0x34;
    b[2] = 0x12;
    CHECK(proto_decode(b, 2, &m) == PROTO_E_MALFORMED);
    CHECK(proto_decode(b, 3, &m) == PROTO_E_MALFORMED && m.u.tx.tx_id == 0x1234);
    CHECK(proto_decode(b, 9, &m) == PROTO_E_MALFORMED && m.u.tx.tx_id == 0x1234);
    CHECK(proto_decode(b, 10, &m) == PROTO_OK && m.u.tx.payload_len == 1);
    CHECK(proto_decode(b, 9 + 1470, &m) == PROTO_OK && m.u.tx.payload_len == 1470);
    CHECK(proto_decode(b, 9 + 1471, &m) == PROTO_E_TOO_LARGE && m.u.tx.tx_id == 0x1234);
    /* RX */
    b[0] = PROTO_RX;
    CHECK(proto_decode(b, 10, &m) == PROTO_E_MALFORMED);
    CHECK(proto_decode(b, 11, &m) == PROTO_OK);
    CHECK(proto_decode(b, 10 + 1470, &m) == PROTO_OK);
    CHECK(proto_decode(b, 10 + 1471, &m) == PROTO_E_TOO_LARGE);
    /* HELLO firmware <= 32, ERROR detail <= 64 */
    b[0] = PROTO_HELLO;
    CHECK(proto_decode(b, 15, &m) == PROTO_OK && m.u.hello.firmware_len == 0);
    CHECK(proto_decode(b, 14, &m) == PROTO_E_MALFORMED);
    CHECK(proto_decode(b, 15 + 32, &m) == PROTO_OK);
    CHECK(proto_decode(b, 15 + 33, &m) == PROTO_E_MALFORMED);
    b[0] = PROTO_ERROR;
    CHECK(proto_decode(b, 1, &m) == PROTO_E_MALFORMED);
    CHECK(proto_decode(b, 2, &m) == PROTO_OK);
    CHECK(proto_decode(b, 2 + 64, &m) == PROTO_OK);
    CHECK(proto_decode(b, 2 + 65, &m) == PROTO_E_MALFORMED);
    b[5] = 0xff;
    CHECK(proto_decode(b, 10, &m) == PROTO_E_MALFORMED); /* not UTF-8 */
    /* unknown types */
    b[0] = 0x7f;
    CHECK(proto_decode(b, 3, &m) == PROTO_E_UNKNOWN_TYPE);
    b[0] = 0x80;
    CHECK(proto_decode(b, 3, &m) == PROTO_E_UNKNOWN_TYPE);
}

static void test_encode_ranges(void)
{
    uint8_t out[2000];
    size_t n = 0;
    uint8_t payload[1471];
    memset(payload, 1, sizeof(payload));
    proto_msg_t m;
    memset(&m, 0, sizeof(m));
    m.type = PROTO_TX;
    m.u.tx.payload = payload;
    m.u.tx.payload_len = 0;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    m.u.tx.payload_len = 1471;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    m.u.tx.payload_len = 1470;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_OK && n == 1479);
    CHECK(proto_encode(&m, out, 1478, &n) == PROTO_E_BUFFER);
    memset(&m, 0, sizeof(m));
    m.type = PROTO_RX;
    m.u.rx.payload = payload;
    m.u.rx.payload_len = 1470;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_OK && n == PROTO_MAX_MESSAGE);
    m.u.rx.payload_len = 0;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    memset(&m, 0, sizeof(m));
    m.type = PROTO_HELLO;
    m.u.hello.firmware = (const uint8_t *)"0123456789012345678901234567890123";
    m.u.hello.firmware_len = 33;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    m.u.hello.firmware_len = 32;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_OK && n == 47);
    m.u.hello.firmware = (const uint8_t *)"\xff";
    m.u.hello.firmware_len = 1;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    memset(&m, 0, sizeof(m));
    m.type = PROTO_ERROR;
    static const char d65[] = "01234567890123456789012345678901234567890123456789012345678901234";
    m.u.error.detail = (const uint8_t *)d65;
    m.u.error.detail_len = 65;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    m.u.error.detail_len = 64;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_OK && n == 66);
    memset(&m, 0, sizeof(m));
    m.type = PROTO_STATS;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID); /* no count */
    m.u.stats.count = 13;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_INVALID);
    m.u.stats.count = 12;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_OK && n == 49);
    m.u.stats.count = 14;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_OK && n == 57);
    memset(&m, 0, sizeof(m));
    m.type = 0x7f;
    CHECK(proto_encode(&m, out, sizeof(out), &n) == PROTO_E_UNKNOWN_TYPE);
}

static void test_frame_bounds(void)
{
    /* the largest message, worst case for COBS, fits the wire bound and the
     * receivers' 2048-byte frame limit */
    static uint8_t msg[PROTO_MAX_MESSAGE], wire[PROTO_MAX_WIRE];
    memset(msg, 0x55, sizeof(msg));
    size_t n = proto_frame_encode(msg, sizeof(msg), wire, sizeof(wire));
    CHECK(n > 0 && n <= PROTO_MAX_WIRE);
    CHECK(n - 1 <= PROTO_FRAME_LIMIT);
    CHECK(wire[n - 1] == 0 && memchr(wire, 0, n - 1) == NULL);
    CHECK(proto_frame_encode(msg, sizeof(msg), wire, n - 1) == 0);
    CHECK(proto_frame_encode(msg, sizeof(msg), wire, 0) == 0);
    CHECK_EQ_U(proto_frame_encode(msg, sizeof(msg), wire, n), n);
    CHECK(proto_type_to_bridge(PROTO_TX) && !proto_type_to_bridge(PROTO_RX) && !proto_type_to_bridge(0x80));
    CHECK(strcmp(proto_type_name(PROTO_GET_STATS), "GET_STATS") == 0 && strcmp(proto_type_name(0x7f), "UNKNOWN") == 0);
}

void group_codec(void)
{
    t_run("crc32: check value, streaming, bitwise reference", test_crc32);
    t_run("cobs: known encodings (Cheshire & Baker / Wikipedia examples)", test_cobs_known);
    t_run("cobs: decode errors and encoder capacity", test_cobs_errors);
    t_run("cobs: 3000 random round trips, in-place decode", test_cobs_random);
    t_run("proto: strict UTF-8", test_utf8);
    t_run("proto: decoder total over every type and length; re-encode round trip", test_decode_total);
    t_run("proto: exact lengths and TX/RX payload bounds", test_decode_lengths);
    t_run("proto: encoder range checks", test_encode_ranges);
    t_run("proto: largest frame fits the 2048-byte limit", test_frame_bounds);
}
