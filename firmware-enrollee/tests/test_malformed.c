/* A corpus of malformed inputs, one per way a peer can get a message
 * wrong, each refused with its own code; every crafted builder has a
 * control case showing that, unchanged, its input is accepted. */
#include <string.h>

#include "dpp_auth.h"
#include "dpp_config.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_frame.h"
#include "espnow_binding.h"
#include "test.h"
#include "test_peer.h"
#include "test_util.h"

static int decode_hex(const char *hex)
{
    static uint8_t buf[DPP_MAX_MESSAGE_LEN + 2];
    size_t n = hex_decode(hex, buf, sizeof(buf));
    dpp_msg_t m;
    return dpp_msg_decode(buf, n, &m);
}

static void message_level(void)
{
    static uint8_t big[DPP_MAX_MESSAGE_LEN + 1];
    dpp_msg_t m;
    memset(big, 0, sizeof(big));
    big[0] = 0x0c;
    CHECK_EQ_INT(dpp_msg_decode(big, 0, &m), DPP_E_DECODE_TRUNCATED);
    CHECK_EQ_INT(dpp_msg_decode(big, sizeof(big), &m), DPP_E_DECODE_OVERSIZED);
    CHECK_EQ_INT(decode_hex("09506f9a1a010d"), DPP_OK);                   /* control: no attributes */
    CHECK_EQ_INT(decode_hex("09506f9a"), DPP_E_DECODE_TRUNCATED);          /* header cut short */
    CHECK_EQ_INT(decode_hex("09506f9b1a010d"), DPP_E_DECODE_BAD_HEADER);   /* not the WFA OUI */
    CHECK_EQ_INT(decode_hex("09506f9a1a020d"), DPP_E_DECODE_BAD_HEADER);   /* crypto suite 2 */
    CHECK_EQ_INT(decode_hex("05"), DPP_E_DECODE_BAD_HEADER);               /* neither DPP nor GAS */
    CHECK_EQ_INT(decode_hex("09506f9a1a010d021001"), DPP_E_DECODE_TRUNCATED);       /* TLV header cut */
    CHECK_EQ_INT(decode_hex("09506f9a1a010d02100200aa"), DPP_E_DECODE_ATTRIBUTE_OVERRUN);
    /* 65 empty attributes */
    char many[7 * 2 + 65 * 8 + 1] = "09506f9a1a010d";
    for (int i = 0; i < 65; i++) strcat(many, "ff7f0000");
    CHECK_EQ_INT(decode_hex(many), DPP_E_DECODE_OVERSIZED);
    many[14 + 64 * 8] = '\0';
    CHECK_EQ_INT(decode_hex(many), DPP_OK); /* control: 64 */
    /* GAS */
    CHECK_EQ_INT(decode_hex("0a016c087fdd05506f9a1a010000"), DPP_OK);
    CHECK_EQ_INT(decode_hex("0a016c0800dd05506f9a1a010000"), DPP_OK); /* other query response info */
    CHECK_EQ_INT(decode_hex("0a016c087fdd05506f9a1a020000"), DPP_E_DECODE_BAD_GAS);
    CHECK_EQ_INT(decode_hex("0a016c087fdd05506f9a1a01000000"), DPP_E_DECODE_TRAILING_BYTES);
    CHECK_EQ_INT(decode_hex("0a016c087fdd05506f9a1a010100"), DPP_E_DECODE_ATTRIBUTE_OVERRUN);
    CHECK_EQ_INT(decode_hex("0a016c087fdd05506f9a1a01"), DPP_E_DECODE_TRUNCATED);
    CHECK_EQ_INT(decode_hex("0b01000000006c087fdd05506f9a1a010000"), DPP_OK);
    CHECK_EQ_INT(decode_hex("0b010000"), DPP_E_DECODE_TRUNCATED);
    CHECK_EQ_INT(decode_hex("0c01"), DPP_OK);
    CHECK_EQ_INT(decode_hex("0c0100"), DPP_E_DECODE_BAD_GAS);
    CHECK_EQ_INT(decode_hex("0d0100000000006c087fdd05506f9a1a010000"), DPP_OK);
    CHECK_EQ_INT(decode_hex("0d01000000"), DPP_E_DECODE_TRUNCATED);
}

/* An Authentication Request as a list of attributes that a case edits. */
typedef struct {
    uint16_t id;
    uint16_t len;
    uint8_t val[600];
} attr_t;
static attr_t s_attrs[16];
static size_t s_n;
static test_cfgr_t s_c;
static dpp_own_key_t s_own;

static void split_request(const uint8_t *msg, size_t len)
{
    dpp_msg_t m;
    static uint8_t copy[2048];
    memcpy(copy, msg, len);
    dpp_msg_decode(copy, len, &m);
    s_n = m.attrs.n;
    for (size_t i = 0; i < s_n; i++) {
        s_attrs[i].id = m.attrs.a[i].id;
        s_attrs[i].len = m.attrs.a[i].len;
        memcpy(s_attrs[i].val, m.attrs.a[i].val, m.attrs.a[i].len);
    }
}

static int run_request(void)
{
    static uint8_t buf[4096], out[1024];
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, buf, sizeof(buf));
    dpp_put_frame_start(&w, DPP_FT_AUTH_REQ);
    for (size_t i = 0; i < s_n; i++) dpp_put_attr(&w, s_attrs[i].id, s_attrs[i].val, s_attrs[i].len);
    dpp_msg_t m;
    int rc = dpp_msg_decode(buf, w.len, &m);
    if (rc != 0) return rc;
    dpp_responder_params_t p = {&s_own, NULL, false, NULL, NULL};
    dpp_auth_state_t st;
    dpp_wbuf_t o;
    dpp_wbuf_init(&o, out, sizeof(out));
    return dpp_process_auth_request(&p, &m, &st, &o);
}

static size_t find(uint16_t id)
{
    for (size_t i = 0; i < s_n; i++) {
        if (s_attrs[i].id == id) return i;
    }
    return 0;
}

static void fresh(uint8_t caps, uint8_t version)
{
    uint8_t cp[32], ep[32], pub[64];
    dpp_p256_keygen(cp, pub);
    dpp_p256_keygen(ep, pub);
    dpp_own_key_init(&s_own, ep);
    test_cfgr_init(&s_c, cp, ep, NULL, NULL);
    s_c.i_caps = caps;
    s_c.version = version;
    uint8_t req[1024];
    size_t n = test_build_auth_request(&s_c, req, sizeof(req));
    split_request(req, n);
}

static void auth_request_level(void)
{
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    CHECK_EQ_INT(run_request(), DPP_OK); /* control */
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[s_n] = s_attrs[s_n - 1];
    s_attrs[s_n - 1] = s_attrs[0];
    s_n++; /* a second R-hash before Wrapped Data */
    CHECK_EQ_INT(run_request(), DPP_E_DECODE_DUPLICATE_ATTRIBUTE);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[find(DPP_ATTR_I_PROTOCOL_KEY)].id = 0x10ff; /* unknown instead: missing */
    CHECK_EQ_INT(run_request(), DPP_E_DECODE_MISSING_ATTRIBUTE);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[s_n] = s_attrs[1];
    s_attrs[s_n].id = 0x10fe;
    s_n++; /* something after Wrapped Data */
    CHECK_EQ_INT(run_request(), DPP_E_DECODE_ATTRIBUTE_ORDER);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[0].len = 31;
    CHECK_EQ_INT(run_request(), DPP_E_DECODE_BAD_ATTRIBUTE_LENGTH);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[0].val[3] ^= 1;
    CHECK_EQ_INT(run_request(), DPP_E_AUTH_NOT_FOR_US);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[find(DPP_ATTR_I_PROTOCOL_KEY)].val[63] ^= 1; /* off the curve */
    CHECK_EQ_INT(run_request(), DPP_E_CRYPTO_BAD_POINT);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[s_n - 1].val[20] ^= 1; /* wrapped data */
    CHECK_EQ_INT(run_request(), DPP_E_CRYPTO_UNWRAP_FAILED);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_attrs[find(DPP_ATTR_PROTOCOL_VERSION)].val[0] = 0;
    CHECK_EQ_INT(run_request(), DPP_E_AUTH_VERSION);
    fresh(DPP_CAPAB_CONFIGURATOR, 2);
    s_n--; /* no Wrapped Data */
    CHECK_EQ_INT(run_request(), DPP_E_DECODE_MISSING_ATTRIBUTE);
    fresh(DPP_CAPAB_ENROLLEE, 2); /* two enrollees */
    CHECK_EQ_INT(run_request(), DPP_E_AUTH_CAPABILITIES);
    fresh(DPP_CAPAB_CONFIGURATOR | DPP_CAPAB_ENROLLEE, 0); /* either role, version 1: control */
    CHECK_EQ_INT(run_request(), DPP_OK);
}

static int frag(const char *hex, size_t max)
{
    uint8_t buf[1600];
    size_t n = hex_decode(hex, buf, sizeof(buf));
    enow_fragment_t f;
    return enow_parse_fragment(buf, n, max, &f);
}

static void fragment_level(void)
{
    CHECK_EQ_INT(frag("10013412000100", 250), DPP_OK);
    CHECK_EQ_INT(frag("100134120001", 250), DPP_E_ESPNOW_NO_DATA);
    CHECK_EQ_INT(frag("20013412000100", 250), DPP_E_ESPNOW_BAD_VERSION);
    CHECK_EQ_INT(frag("11013412000100", 250), DPP_OK);                   /* the v2 flag */
    CHECK_EQ_INT(frag("12013412000100", 250), DPP_E_ESPNOW_BAD_VERSION); /* a reserved flag */
    CHECK_EQ_INT(frag("19013412000100", 250), DPP_E_ESPNOW_BAD_VERSION); /* reserved beside v2 */
    CHECK_EQ_INT(frag("10023412000100", 250), DPP_E_ESPNOW_BAD_KIND);
    CHECK_EQ_INT(frag("10013412010100", 250), DPP_E_ESPNOW_BAD_INDEX);
    CHECK_EQ_INT(frag("10013412000000", 250), DPP_E_ESPNOW_BAD_INDEX);
    CHECK_EQ_INT(frag("10013412004500", 250), DPP_E_ESPNOW_TOO_MANY_FRAGMENTS); /* 69 */
    CHECK_EQ_INT(frag("10013412000200", 250), DPP_E_ESPNOW_NOT_FULL);
    char full[2 * 251 + 1];
    strcpy(full, "100134120002");
    for (int i = 0; i < 244; i++) strcat(full, "ab");
    CHECK_EQ_INT(frag(full, 250), DPP_OK);
    strcat(full, "ab");
    CHECK_EQ_INT(frag(full, 250), DPP_E_ESPNOW_PAYLOAD_TOO_LARGE);
    /* v2 full fragments: 12 of them is the most (11 * 1464 >= 16384 refused at 13) */
    static char v2[2 * 1470 + 1];
    strcpy(v2, "10013412000d");
    for (int i = 0; i < 1464; i++) strcat(v2, "cd");
    CHECK_EQ_INT(frag(v2, 1470), DPP_E_ESPNOW_TOO_MANY_FRAGMENTS);
    v2[11] = 'c';
    CHECK_EQ_INT(frag(v2, 1470), DPP_OK);

    /* across fragments: count and size disagreements */
    static enow_reasm_t r;
    static const uint8_t src[6] = {2, 0, 0, 0, 0, 1};
    uint8_t a[250], b[250], *m;
    size_t ml;
    enow_reasm_init(&r, 1470);
    memset(a, 0xab, sizeof(a));
    memcpy(a, "\x10\x01\x34\x12\x00\x03", 6);
    CHECK_EQ_INT(enow_reasm_push(&r, src, a, 250, 0, &m, &ml), DPP_OK);
    memcpy(b, a, 250);
    b[4] = 1;
    b[5] = 4;
    CHECK_EQ_INT(enow_reasm_push(&r, src, b, 250, 0, &m, &ml), DPP_E_ESPNOW_COUNT_MISMATCH);
    b[5] = 3;
    b[4] = 2;
    CHECK_EQ_INT(enow_reasm_push(&r, src, b, 250, 0, &m, &ml), DPP_OK);
    CHECK(m == NULL);
    b[4] = 0;
    CHECK_EQ_INT(enow_reasm_push(&r, src, b, 250, 0, &m, &ml), DPP_E_ESPNOW_DUPLICATE);
    CHECK_EQ_INT(r.counters.malformed, 1);
    CHECK_EQ_INT(r.counters.duplicate, 1);
    /* a final fragment larger than the full ones */
    enow_reasm_init(&r, 1470);
    CHECK_EQ_INT(enow_reasm_push(&r, src, a, 250, 0, &m, &ml), DPP_OK);
    static uint8_t c[1470];
    memset(c, 0xcd, sizeof(c));
    memcpy(c, "\x10\x01\x34\x12\x02\x03", 6);
    CHECK_EQ_INT(enow_reasm_push(&r, src, c, 600, 0, &m, &ml), DPP_E_ESPNOW_SIZE_MISMATCH);
    /* a non-final fragment of another full size */
    memcpy(c, "\x10\x01\x34\x12\x01\x03", 6);
    CHECK_EQ_INT(enow_reasm_push(&r, src, c, 1470, 0, &m, &ml), DPP_E_ESPNOW_SIZE_MISMATCH);
}

static void config_response_level(void)
{
    uint8_t cp[32], ep[32], pub[64], e_nonce[16];
    dpp_p256_keygen(cp, pub);
    dpp_p256_keygen(ep, pub);
    static test_cfgr_t c;
    test_cfgr_init(&c, cp, ep, NULL, NULL);
    dpp_random(c.ke, 32);
    dpp_random(e_nonce, 16);
    static uint8_t buf[2048];
    dpp_msg_t m;
    dpp_config_response_t r;
    const char *o = "{}";
    size_t n;
#define RESP(status, obj) \
    (n = test_build_config_response(&c, e_nonce, 1, (status), (obj), false, buf, sizeof(buf)), dpp_msg_decode(buf, n, &m))
    CHECK_EQ_INT(RESP(0, o), 0);
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, e_nonce, &m, &r), DPP_OK); /* control */
    CHECK(r.config_obj_len == 2);
    CHECK_EQ_INT(RESP(0, NULL), 0);
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, e_nonce, &m, &r), DPP_E_DECODE_MISSING_ATTRIBUTE);
    CHECK_EQ_INT(RESP(DPP_STATUS_CONFIGURE_FAILURE, NULL), 0);
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, e_nonce, &m, &r), DPP_OK); /* a refusal needs no object */
    CHECK_EQ_INT(r.status, DPP_STATUS_CONFIGURE_FAILURE);
    CHECK_EQ_INT(RESP(0, o), 0);
    m.status_code = 1;
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, e_nonce, &m, &r), DPP_E_DECODE_BAD_GAS);
    CHECK_EQ_INT(RESP(0, o), 0);
    m.comeback_delay = 1;
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, e_nonce, &m, &r), DPP_E_DECODE_BAD_GAS);
    uint8_t other[16];
    memcpy(other, e_nonce, 16);
    other[0] ^= 1;
    CHECK_EQ_INT(RESP(0, o), 0);
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, other, &m, &r), DPP_E_AUTH_NONCE_MISMATCH);
    CHECK_EQ_INT(RESP(0, o), 0);
    buf[22] ^= 1; /* the Status attribute: AD of the wrapping */
    CHECK_EQ_INT(dpp_parse_config_response(c.ke, e_nonce, &m, &r), DPP_E_CRYPTO_UNWRAP_FAILED);
#undef RESP
}

void group_malformed(void)
{
    t_run("malformed: message and GAS framing, each with its code", message_level);
    t_run("malformed: Authentication Request attributes and crypto, each with its code", auth_request_level);
    t_run("malformed: ESP-NOW fragments alone and across a message, each with its code", fragment_level);
    t_run("malformed: Configuration Response, each with its code", config_response_level);
}
