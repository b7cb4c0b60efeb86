/* A bounded, deterministic fuzz loop over every decoder and the state
 * machine: valid inputs from a seed pool, mutated (bit flips, byte
 * writes, cuts, insertions, length fields smashed), fed to each. It must
 * not crash (make test-asan runs it under ASan/UBSan), must only answer
 * with known codes, and uses no memory but its static buffers. The
 * iteration count is fixed (FUZZ_ITERS), so the run does not depend on
 * the machine's speed. */
#include <string.h>

#include "dpp_auth.h"
#include "dpp_b64.h"
#include "dpp_config.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_frame.h"
#include "enrollee.h"
#include "espnow_binding.h"
#include "rng.h"
#include "test.h"
#include "test_peer.h"

static unsigned long s_iters;

/* Mutate buf[0..len) in place (cap bytes of room); returns the new length. */
static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
    int ops = 1 + (int)t_below(4);
    for (int k = 0; k < ops; k++) {
        switch (t_below(6)) {
        case 0:
            if (len) buf[t_below((uint32_t)len)] ^= (uint8_t)(1u << t_below(8));
            break;
        case 1:
            if (len) buf[t_below((uint32_t)len)] = (uint8_t)t_rnd();
            break;
        case 2:
            len = t_below((uint32_t)len + 1);
            break;
        case 3:
            if (len < cap) {
                size_t at = t_below((uint32_t)len + 1);
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = (uint8_t)t_rnd();
                len++;
            }
            break;
        case 4: /* a length field: any 16-bit little-endian spot */
            if (len >= 2) {
                size_t at = t_below((uint32_t)len - 1);
                uint16_t v = (uint16_t)(t_below(3) == 0 ? 0xffff : t_below(600));
                buf[at] = (uint8_t)v;
                buf[at + 1] = (uint8_t)(v >> 8);
            }
            break;
        default:
            if (len) buf[t_below((uint32_t)len)] = (uint8_t)"\x00\x01\x10\x7f\x80\xff{}\":\\"[t_below(11)];
            break;
        }
    }
    return len;
}

static bool known_code(int rc)
{
    return rc == 0 || strcmp(dpp_err_name((dpp_err_t)rc), "unknown") != 0;
}

typedef struct {
    uint8_t b[6000];
    size_t len;
} seed_t;

static seed_t s_seeds[8];
static size_t s_nseeds;
static test_cfgr_t s_c;
static dpp_own_key_t s_own;
static uint8_t s_e_nonce[16];

static void add_seed(const uint8_t *b, size_t len)
{
    memcpy(s_seeds[s_nseeds].b, b, len);
    s_seeds[s_nseeds++].len = len;
}

static void make_seeds(void)
{
    uint8_t cp[32], ep[32], pub[64], buf[6000];
    dpp_p256_keygen(cp, pub);
    dpp_p256_keygen(ep, pub);
    dpp_own_key_init(&s_own, ep);
    test_cfgr_init(&s_c, cp, ep, NULL, NULL);
    s_nseeds = 0;
    size_t n = test_build_auth_request(&s_c, buf, sizeof(buf));
    add_seed(buf, n);
    /* the Response and Confirm of that request */
    dpp_msg_t m;
    dpp_auth_state_t st;
    dpp_responder_params_t p = {&s_own, NULL, false, NULL, NULL};
    dpp_wbuf_t w;
    uint8_t resp[1024];
    dpp_wbuf_init(&w, resp, sizeof(resp));
    dpp_msg_decode(buf, n, &m);
    dpp_process_auth_request(&p, &m, &st, &w);
    add_seed(resp, w.len);
    test_process_auth_response(&s_c, resp, w.len);
    add_seed(buf, test_build_auth_confirm(&s_c, 0, buf, sizeof(buf)));
    dpp_random(s_e_nonce, 16);
    add_seed(buf, test_build_config_response(&s_c, s_e_nonce, 1, 0,
                                             "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":"
                                             "\"psk\",\"pass\":\"12345678\"},\"lwm2m_bundle\":\"gaIA\"}",
                                             true, buf, sizeof(buf)));
    dpp_wbuf_init(&w, buf, sizeof(buf));
    dpp_build_presence_announcement(&w, &s_own, true);
    add_seed(buf, w.len);
    const char *obj = "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid64\":\"_wBh\",\"x\":[1,{\"y\":null}]},\"cred\":"
                      "{\"akm\":\"psk\",\"psk_hex\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}"
                      ",\"lwm2m_bundle\":\"gaIAZi8wLzEvMAN4\",\"z\":-1.5e3}";
    add_seed((const uint8_t *)obj, strlen(obj));
    const char *uri = "DPP:C:81/1,6,11,115/36;V:2;K:MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=;;";
    add_seed((const uint8_t *)uri, strlen(uri));
}

static void decoders(void)
{
    static uint8_t buf[6100], work[6100];
    unsigned long bad_codes = 0, accepted = 0;
    make_seeds();
    for (unsigned long i = 0; i < s_iters; i++) {
        const seed_t *s = &s_seeds[t_below((uint32_t)s_nseeds)];
        memcpy(buf, s->b, s->len);
        size_t len = mutate(buf, s->len, sizeof(buf));
        int rc;
        dpp_msg_t m;

        memcpy(work, buf, len);
        rc = dpp_msg_decode(work, len, &m);
        bad_codes += !known_code(rc);
        if (rc == 0) {
            accepted++;
            /* deeper: each message-level parser on a writable copy */
            const uint8_t *rh, *ih;
            bad_codes += !known_code(dpp_peek_auth_request(&m, &rh, &ih));
            if (m.kind == DPP_MSG_FRAME && m.frame_type == DPP_FT_AUTH_REQ && t_below(4) == 0) {
                dpp_responder_params_t p = {&s_own, NULL, false, NULL, NULL};
                dpp_auth_state_t st;
                uint8_t out[1024];
                dpp_wbuf_t w;
                dpp_wbuf_init(&w, out, sizeof(out));
                bad_codes += !known_code(dpp_process_auth_request(&p, &m, &st, &w));
            }
            dpp_config_response_t r;
            rc = dpp_parse_config_response(s_c.ke, s_e_nonce, &m, &r);
            bad_codes += !known_code(rc);
            if (rc == 0 && r.config_obj != NULL) {
                dpp_config_obj_t o;
                bad_codes += !known_code(dpp_parse_config_obj((char *)r.config_obj, r.config_obj_len, &o));
            }
        }
        memcpy(work, buf, len);
        dpp_config_obj_t o;
        bad_codes += !known_code(dpp_parse_config_obj((char *)work, len, &o));
        dpp_uri_t u;
        bad_codes += !known_code(dpp_uri_parse((const char *)buf, len, &u));
        enow_fragment_t f;
        bad_codes += !known_code(enow_parse_fragment(buf, len, ENOW_V2_PAYLOAD, &f));
        size_t b = dpp_b64url_decode((const char *)buf, len, work, sizeof(work));
        CHECK(b == (size_t)-1 || b <= len);
        dpp_attrs_t attrs;
        bad_codes += !known_code(dpp_attrs_decode(buf, len, &attrs));
    }
    CHECK_EQ_INT(bad_codes, 0);
    CHECK(accepted > 0); /* the mutations reach past the first check */
    t_note("%lu fuzzed inputs through every decoder, %lu decoded as messages", s_iters, accepted);
}

/* Random fragments from a few sources into the reassembler: counters stay consistent. */
static void reassembler(void)
{
    static enow_reasm_t r;
    static uint8_t p[ENOW_V2_PAYLOAD];
    enow_reasm_init(&r, ENOW_V2_PAYLOAD);
    uint32_t now = 0;
    unsigned long completed = 0;
    for (unsigned long i = 0; i < s_iters * 4; i++) {
        uint8_t src[6] = {2, 0, 0, 0, 0, (uint8_t)t_below(6)};
        size_t len;
        if (t_below(3) == 0) {
            len = t_below(ENOW_V2_PAYLOAD + 1);
            for (size_t k = 0; k < len; k++) p[k] = (uint8_t)t_rnd();
        } else {
            /* plausible headers: small ids and counts, full or short sizes */
            uint8_t count = (uint8_t)(1 + t_below(4));
            p[0] = ENOW_BINDING_V1;
            p[1] = ENOW_KIND_DPP;
            p[2] = (uint8_t)t_below(8);
            p[3] = 0;
            p[4] = (uint8_t)t_below(count);
            p[5] = count;
            len = t_below(2) ? (t_below(2) ? ENOW_V1_PAYLOAD : ENOW_V2_PAYLOAD) : 7 + t_below(300);
        }
        now += t_below(300);
        uint8_t *m;
        size_t ml;
        int rc = enow_reasm_push(&r, src, p, len, now, &m, &ml);
        CHECK(known_code(rc));
        if (m != NULL) {
            completed++;
            CHECK(ml <= ENOW_REASM_MAX_MESSAGE);
        }
        CHECK(enow_reasm_partials(&r) <= ENOW_REASM_SLOTS);
    }
    const enow_counters_t *c = &r.counters;
    CHECK_EQ_INT(c->received, c->accepted + c->malformed + c->duplicate);
    CHECK_EQ_INT(c->started, c->completed + c->evicted + c->expired + enow_reasm_partials(&r));
    CHECK(completed > 0);
}

/* The whole enrollee fed mutated frames of a real session from its configurator's MAC. */
static void state_machine(void)
{
    static enrollee_t e;
    enr_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.bootstrap_priv, s_own.priv, 32);
    cfg.info = (dpp_device_info_t){"fuzz", NULL, NULL, "SN", NULL};
    CHECK_EQ_INT(enrollee_init(&e, &cfg), 0);
    enr_effects_t fx = {0};
    enrollee_start(&e, &fx);
    static const uint8_t src[6] = {2, 0xcf, 0, 0, 0, 1};
    static uint8_t buf[6100], p[ENOW_V2_PAYLOAD];
    unsigned long overflow = 0;
    uint16_t id = 0;
    for (unsigned long i = 0; i < s_iters / 4; i++) {
        const seed_t *s = &s_seeds[t_below(4)];
        memcpy(buf, s->b, s->len);
        size_t len = t_below(2) ? mutate(buf, s->len, sizeof(buf)) : s->len;
        size_t count = enow_fragment_count(len, ENOW_V1_PAYLOAD);
        for (size_t k = 0; k < count; k++) {
            size_t n = enow_fragment_payload(buf, len, id, ENOW_V1_PAYLOAD, k, p);
            memset(&fx, 0, sizeof(fx));
            enrollee_on_radio(&e, src, false, p, n, (uint32_t)i, &fx);
            overflow += fx.overflow;
        }
        id++;
        memset(&fx, 0, sizeof(fx));
        switch (t_below(8)) {
        case 0: enrollee_on_timer(&e, ENR_TIMER_RETRANSMIT, &fx); break;
        case 1: enrollee_on_timer(&e, ENR_TIMER_STAGE, &fx); break;
        case 2: enrollee_on_timer(&e, ENR_TIMER_CHIRP, &fx); break;
        case 3: enrollee_on_wifi(&e, (uint8_t)t_below(11), &fx); break;
        default: break;
        }
        overflow += fx.overflow;
    }
    CHECK_EQ_INT(overflow, 0);
    CHECK(e.state != ENR_IDLE);
}

void group_fuzz(unsigned long iterations)
{
    s_iters = iterations;
    t_rng_seed(0x9e3779b97f4a7c15ull);
    t_run("fuzz: mutated messages, objects, URIs and fragments through every decoder", decoders);
    t_run("fuzz: random fragments keep reassembly bounded and its counters consistent", reassembler);
    t_run("fuzz: the state machine fed mutated session frames and random timers", state_machine);
}
