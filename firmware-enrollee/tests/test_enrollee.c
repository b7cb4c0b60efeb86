/* The enrollee state machine driven through whole sessions against the
 * test configurator, with the effects applied by a tiny simulated air:
 * every message the enrollee sends is fragmented and reassembled again. */
#include <stdio.h>
#include <string.h>

#include "dpp_crypto.h"
#include "dpp_err.h"
#include "enrollee.h"
#include "test.h"
#include "test_peer.h"
#include "test_util.h"

static const uint8_t cfgr_mac[6] = {0x02, 0xcf, 0, 0, 0, 1}, rogue_mac[6] = {0x02, 0xba, 0xd0, 0, 0, 2};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

typedef struct {
    uint8_t dst[6];
    uint8_t msg[8192];
    size_t len;
    uint16_t limit, id;
    size_t fragments;
    uint8_t header; /* the binding's version and flags byte of its fragments */
} sent_t;

typedef struct {
    sent_t sent[24];
    size_t n_sent;
    uint8_t channel;
    size_t channel_changes;
    bool timer_on[3];
    uint32_t timer_ms[3];
    enr_state_t state;
    int reason;
    bool got_creds;
    uint8_t ssid[32];
    size_t ssid_len;
    char pass[130];
    uint8_t bundle[4096];
    size_t bundle_len;
    size_t ignored;
    int last_ignored;
    uint16_t cfgr_msg_id;
    uint32_t now;
} world_t;

static enrollee_t s_e;
static world_t s_w;
static test_cfgr_t s_c;
static uint8_t s_enrollee_priv[32], s_cfgr_priv[32];

static void apply(world_t *w, const enr_effects_t *fx)
{
    CHECK(!fx->overflow);
    for (size_t i = 0; i < fx->n; i++) {
        const enr_fx_t *f = &fx->fx[i];
        switch (f->type) {
        case ENR_FX_SET_CHANNEL:
            w->channel = f->channel;
            w->channel_changes++;
            break;
        case ENR_FX_START_TIMER:
            w->timer_on[f->timer] = true;
            w->timer_ms[f->timer] = f->ms;
            break;
        case ENR_FX_STOP_TIMER:
            w->timer_on[f->timer] = false;
            break;
        case ENR_FX_STATE:
            w->state = f->state;
            w->reason = f->reason;
            break;
        case ENR_FX_IGNORED:
            w->ignored++;
            w->last_ignored = f->reason;
            break;
        case ENR_FX_CREDENTIALS:
            w->got_creds = true;
            memcpy(w->ssid, f->config->ssid, f->config->ssid_len);
            w->ssid_len = f->config->ssid_len;
            snprintf(w->pass, sizeof(w->pass), "%s", f->config->has_pass ? f->config->pass : f->config->psk_hex);
            w->bundle_len = f->config->lwm2m_bundle_len;
            if (w->bundle_len) memcpy(w->bundle, f->config->lwm2m_bundle, w->bundle_len);
            break;
        case ENR_FX_SEND: {
            CHECK(w->n_sent < 24);
            if (w->n_sent >= 24) break;
            sent_t *s = &w->sent[w->n_sent++];
            memcpy(s->dst, f->dst, 6);
            s->limit = f->payload_limit;
            s->id = f->message_id;
            /* over the air and back: fragments must reassemble to the message */
            static enow_reasm_t r;
            enow_reasm_init(&r, ENOW_V2_PAYLOAD);
            uint8_t p[ENOW_V2_PAYLOAD];
            uint8_t *m = NULL;
            size_t ml = 0, n;
            s->fragments = 0;
            while ((n = enrollee_fx_payload(f, s->fragments, p)) > 0) {
                CHECK(n <= f->payload_limit);
                s->header = p[0];
                CHECK_EQ_INT(enow_reasm_push(&r, cfgr_mac, p, n, 0, &m, &ml), 0);
                s->fragments++;
            }
            CHECK(m != NULL && ml == f->len && memcmp(m, f->msg, ml) == 0);
            if (m != NULL) memcpy(s->msg, m, ml);
            s->len = ml;
            break;
        }
        }
    }
}

/* Deliver a configurator message to the enrollee as fragments under limit. */
static void deliver(const uint8_t src[6], const uint8_t *msg, size_t len, size_t limit)
{
    uint8_t p[ENOW_V2_PAYLOAD];
    size_t count = enow_fragment_count(len, limit);
    CHECK(count > 0);
    uint16_t id = s_w.cfgr_msg_id++;
    for (size_t i = 0; i < count; i++) {
        size_t n = enow_fragment_payload(msg, len, id, limit, i, p);
        enr_effects_t fx = {0};
        enrollee_on_radio(&s_e, src, false, p, n, s_w.now, &fx);
        apply(&s_w, &fx);
    }
}

static void timer(enr_timer_t t)
{
    enr_effects_t fx = {0};
    CHECK(s_w.timer_on[t]);
    s_w.timer_on[t] = false;
    s_w.now += s_w.timer_ms[t];
    enrollee_on_timer(&s_e, t, &fx);
    apply(&s_w, &fx);
}

static const sent_t *last_sent(void)
{
    return s_w.n_sent ? &s_w.sent[s_w.n_sent - 1] : NULL;
}

static void setup(const uint8_t *channels, size_t n, const dpp_uri_t *pinned)
{
    memset(&s_w, 0, sizeof(s_w));
    dpp_p256_keygen(s_enrollee_priv, (uint8_t[64]){0});
    dpp_p256_keygen(s_cfgr_priv, (uint8_t[64]){0});
    enr_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.bootstrap_priv, s_enrollee_priv, 32);
    cfg.info = (dpp_device_info_t){"enrollee", "Acme", "AC-1", "SN-42", "1.0.0"};
    cfg.channels = channels;
    cfg.n_channels = n;
    cfg.pinned_configurator = pinned;
    CHECK_EQ_INT(enrollee_init(&s_e, &cfg), 0);
    enr_effects_t fx = {0};
    enrollee_start(&s_e, &fx);
    apply(&s_w, &fx);
    test_cfgr_init(&s_c, s_cfgr_priv, s_enrollee_priv, NULL, NULL);
}

/* Authentication up to the Configuration Request; returns its E-nonce and dialog token. */
static bool authenticate(uint8_t e_nonce[16], uint8_t *dialog, char *attrib, size_t cap)
{
    uint8_t buf[1024];
    size_t n = test_build_auth_request(&s_c, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_AWAIT_CONFIRM);
    const sent_t *s = last_sent();
    if (s == NULL || memcmp(s->dst, cfgr_mac, 6) != 0) return false;
    memcpy(buf, s->msg, s->len);
    CHECK_EQ_INT(test_process_auth_response(&s_c, buf, s->len), 0);
    n = test_build_auth_confirm(&s_c, 0, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_AWAIT_CONFIG);
    s = last_sent();
    memcpy(buf, s->msg, s->len);
    return test_parse_config_request(&s_c, buf, s->len, e_nonce, dialog, attrib, cap) == 0;
}

#define OBJ_PSK "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"factory-floor\"},\"cred\":{\"akm\":\"psk\",\"pass\":\"correct horse\"},\"lwm2m_bundle\":\"gaIAZi8wLzEvMAN4\"}"

static void whole_session(void)
{
    setup(NULL, 0, NULL);
    CHECK_EQ_INT(s_w.channel, 1);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    const sent_t *a = last_sent();
    CHECK(a != NULL && memcmp(a->dst, bcast, 6) == 0 && a->len == 106 && a->fragments == 1 && a->limit == 250);
    CHECK(s_w.timer_on[ENR_TIMER_CHIRP] && s_w.timer_ms[ENR_TIMER_CHIRP] == 2000);

    uint8_t e_nonce[16], dialog, buf[2048];
    char attrib[512];
    CHECK(authenticate(e_nonce, &dialog, attrib, sizeof(attrib)));
    CHECK(!s_w.timer_on[ENR_TIMER_CHIRP]);
    CHECK_EQ_INT(dialog, e_nonce[0]);
    CHECK(strcmp(attrib, "{\"name\":\"enrollee\",\"wi-fi_tech\":\"infra\",\"netRole\":\"sta\",\"deviceInfo\":{"
                         "\"manufacturer\":\"Acme\",\"model\":\"AC-1\",\"serial\":\"SN-42\",\"firmware\":\"1.0.0\"}}") == 0);
    CHECK(!s_c.mutual && s_c.peer_version == 2);

    size_t n = test_build_config_response(&s_c, e_nonce, dialog, 0, OBJ_PSK, true, buf, sizeof(buf));
    static uint8_t resp_copy[2048];
    memcpy(resp_copy, buf, n);
    size_t resp_len = n;
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK(s_w.got_creds);
    CHECK(s_w.ssid_len == 13 && memcmp(s_w.ssid, "factory-floor", 13) == 0);
    CHECK(strcmp(s_w.pass, "correct horse") == 0);
    CHECK_HEX(s_w.bundle, s_w.bundle_len, "81a200662f302f312f300378");
    CHECK_EQ_INT(s_w.state, ENR_AWAIT_WIFI);
    uint8_t status = 0xff;
    const sent_t *r = last_sent();
    memcpy(buf, r->msg, r->len);
    CHECK_EQ_INT(test_parse_config_result(&s_c, e_nonce, buf, r->len, &status), 0);
    CHECK_EQ_INT(status, 0);
    CHECK(!s_w.timer_on[ENR_TIMER_RETRANSMIT] && s_w.timer_on[ENR_TIMER_STAGE]);

    /* the Response again (our Result was lost): the same Result again, under a new messageId */
    size_t before = s_w.n_sent;
    uint16_t first_id = r->id;
    memcpy(buf, resp_copy, resp_len);
    deliver(cfgr_mac, buf, resp_len, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.n_sent, before + 1);
    CHECK(last_sent()->len == r->len && memcmp(last_sent()->msg, r->msg, r->len) == 0 && last_sent()->id != first_id);

    enr_effects_t fx = {0};
    enrollee_on_wifi(&s_e, 0, &fx);
    apply(&s_w, &fx);
    CHECK_EQ_INT(s_w.state, ENR_DONE);
    char json[128];
    r = last_sent();
    memcpy(buf, r->msg, r->len);
    CHECK_EQ_INT(test_parse_conn_status(&s_c, e_nonce, buf, r->len, json, sizeof(json)), 0);
    CHECK(strcmp(json, "{\"result\":0,\"ssid64\":\"ZmFjdG9yeS1mbG9vcg\"}") == 0);
    /* done, it still answers a repeated Response with its last message */
    memcpy(buf, resp_copy, resp_len);
    deliver(cfgr_mac, buf, resp_len, ENOW_V1_PAYLOAD);
    CHECK(last_sent()->len == r->len && memcmp(last_sent()->msg, r->msg, r->len) == 0);
    CHECK(!s_w.timer_on[ENR_TIMER_STAGE] && !s_w.timer_on[ENR_TIMER_RETRANSMIT]);
}

static void channel_plan(void)
{
    const uint8_t list[3] = {1, 6, 11};
    setup(list, 3, NULL);
    CHECK_EQ_INT(s_w.channel, 1);
    timer(ENR_TIMER_CHIRP);
    CHECK_EQ_INT(s_w.channel, 6);
    CHECK(memcmp(last_sent()->dst, bcast, 6) == 0);
    /* a configurator answers on 6: the enrollee stays there */
    uint8_t buf[1024];
    size_t n = test_build_auth_request(&s_c, buf, sizeof(buf));
    size_t changes = s_w.channel_changes;
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_AWAIT_CONFIRM);
    /* no Confirm: retransmissions (4 more, each a new messageId), then the stage deadline */
    size_t sent = s_w.n_sent;
    for (int i = 0; i < 4; i++) timer(ENR_TIMER_RETRANSMIT);
    CHECK_EQ_INT(s_w.n_sent, sent + 4);
    CHECK(s_w.sent[sent].id != s_w.sent[sent + 1].id);
    CHECK(memcmp(s_w.sent[sent].msg, s_w.sent[sent + 3].msg, s_w.sent[sent].len) == 0);
    timer(ENR_TIMER_RETRANSMIT); /* five transmissions in all: no sixth */
    CHECK_EQ_INT(s_w.n_sent, sent + 4);
    CHECK(!s_w.timer_on[ENR_TIMER_RETRANSMIT]);
    timer(ENR_TIMER_STAGE);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    CHECK_EQ_INT(s_w.reason, DPP_E_AUTH_TIMEOUT);
    /* announcing again, still on 6, then on to 11 */
    CHECK_EQ_INT(s_w.channel_changes, changes);
    CHECK(memcmp(last_sent()->dst, bcast, 6) == 0);
    timer(ENR_TIMER_CHIRP);
    CHECK_EQ_INT(s_w.channel, 11);
    timer(ENR_TIMER_CHIRP);
    CHECK_EQ_INT(s_w.channel, 1);
    /* the URI's channels make the plan */
    dpp_uri_t u;
    const char *uri = "DPP:C:81/3,115/36,81/9;K:MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=;;";
    CHECK_EQ_INT(dpp_uri_parse(uri, strlen(uri), &u), 0);
    setup(u.channels, u.n_channels, NULL);
    CHECK_EQ_INT(s_w.channel, 3);
    timer(ENR_TIMER_CHIRP);
    CHECK_EQ_INT(s_w.channel, 9);
}

static void pinned_configurator(void)
{
    /* the pinned configurator's URI, from its key */
    uint8_t pub[64];
    uint8_t pinned_priv[32];
    dpp_p256_keygen(pinned_priv, pub);
    dpp_own_key_t pk;
    dpp_own_key_init(&pk, pinned_priv);
    char text[DPP_URI_MAX_LEN];
    size_t tl = dpp_uri_format(&pk, NULL, 0, text, sizeof(text));
    static dpp_uri_t pin;
    CHECK_EQ_INT(dpp_uri_parse(text, tl, &pin), 0);
    setup(NULL, 0, &pin);
    /* a rogue (s_c has another key) is refused, whether it names its key or not */
    uint8_t buf[1024];
    s_c.name_own_key = true;
    size_t n = test_build_auth_request(&s_c, buf, sizeof(buf));
    deliver(rogue_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    CHECK_EQ_INT(s_w.last_ignored, DPP_E_AUTH_MUTUAL_REQUIRED);
    s_c.name_own_key = false;
    n = test_build_auth_request(&s_c, buf, sizeof(buf));
    deliver(rogue_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    /* the pinned one authenticates mutually and configures */
    test_cfgr_init(&s_c, pinned_priv, s_enrollee_priv, NULL, NULL);
    s_c.name_own_key = true;
    uint8_t e_nonce[16], dialog;
    char attrib[512];
    CHECK(authenticate(e_nonce, &dialog, attrib, sizeof(attrib)));
    CHECK(s_c.mutual);
    /* meanwhile the rogue's frames are ignored */
    size_t sent = s_w.n_sent;
    deliver(rogue_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.n_sent, sent);
    CHECK_EQ_INT(s_w.state, ENR_AWAIT_CONFIG);
    n = test_build_config_response(&s_c, e_nonce, dialog, 0, OBJ_PSK, false, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK(s_w.got_creds);
    CHECK_EQ_INT(s_w.state, ENR_DONE); /* no Connection Status asked for */
}

static void refusals_and_repeats(void)
{
    setup(NULL, 0, NULL);
    uint8_t buf[2048], req[1024];
    size_t rn = test_build_auth_request(&s_c, req, sizeof(req));
    memcpy(buf, req, rn);
    deliver(cfgr_mac, buf, rn, ENOW_V1_PAYLOAD);
    const sent_t *first = last_sent();
    size_t flen = first->len;
    static uint8_t resp[1024];
    memcpy(resp, first->msg, flen);
    /* the same Request again: the same Response, not a new one */
    memcpy(buf, req, rn);
    deliver(cfgr_mac, buf, rn, ENOW_V1_PAYLOAD);
    CHECK(last_sent()->len == flen && memcmp(last_sent()->msg, resp, flen) == 0);
    memcpy(buf, resp, flen);
    CHECK_EQ_INT(test_process_auth_response(&s_c, buf, flen), 0);
    /* a genuine failure Confirm ends the session: announcing again */
    size_t n = test_build_auth_confirm(&s_c, DPP_STATUS_AUTH_FAILURE, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    CHECK_EQ_INT(s_w.reason, DPP_E_AUTH_STATUS_FAILURE);

    /* a configurator that refuses to configure us */
    test_cfgr_init(&s_c, s_cfgr_priv, s_enrollee_priv, NULL, NULL);
    uint8_t e_nonce[16], dialog;
    char attrib[512];
    CHECK(authenticate(e_nonce, &dialog, attrib, sizeof(attrib)));
    n = test_build_config_response(&s_c, e_nonce, dialog, DPP_STATUS_CONFIGURE_FAILURE, NULL, false, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    CHECK_EQ_INT(s_w.reason, DPP_E_CONFIG_REJECTED);
    CHECK(!s_w.got_creds);

    /* a Configuration Object we cannot use: Result CONFIG_REJECTED, then announcing */
    test_cfgr_init(&s_c, s_cfgr_priv, s_enrollee_priv, NULL, NULL);
    CHECK(authenticate(e_nonce, &dialog, attrib, sizeof(attrib)));
    n = test_build_config_response(&s_c, e_nonce, dialog, 0,
                                   "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"x\"},\"cred\":{\"akm\":\"dpp\"}}",
                                   true, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK(!s_w.got_creds);
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    CHECK_EQ_INT(s_w.reason, DPP_E_CONFIG_BAD_OBJECT);
    const sent_t *res = &s_w.sent[s_w.n_sent - 2]; /* the Result, then the announcement */
    uint8_t status = 0;
    memcpy(buf, res->msg, res->len);
    CHECK_EQ_INT(test_parse_config_result(&s_c, e_nonce, buf, res->len, &status), 0);
    CHECK_EQ_INT(status, DPP_STATUS_CONFIG_REJECTED);

    /* a Response with the wrong E-nonce, or tampered, is ignored; the right one then works */
    test_cfgr_init(&s_c, s_cfgr_priv, s_enrollee_priv, NULL, NULL);
    CHECK(authenticate(e_nonce, &dialog, attrib, sizeof(attrib)));
    uint8_t wrong[16];
    memcpy(wrong, e_nonce, 16);
    wrong[5] ^= 1;
    n = test_build_config_response(&s_c, wrong, dialog, 0, OBJ_PSK, false, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.last_ignored, DPP_E_AUTH_NONCE_MISMATCH);
    n = test_build_config_response(&s_c, e_nonce, dialog, 0, OBJ_PSK, false, buf, sizeof(buf));
    buf[n - 3] ^= 0x40;
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK_EQ_INT(s_w.last_ignored, DPP_E_CRYPTO_UNWRAP_FAILED);
    CHECK_EQ_INT(s_w.state, ENR_AWAIT_CONFIG);
    n = test_build_config_response(&s_c, e_nonce, dialog, 0, OBJ_PSK, false, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V1_PAYLOAD);
    CHECK(s_w.got_creds);
    CHECK_EQ_INT(s_w.state, ENR_DONE);
}

static void version_one_and_v2_payloads(void)
{
    setup(NULL, 0, NULL);
    /* a version-1 configurator: no Configuration Result */
    s_c.version = 0;
    uint8_t e_nonce[16], dialog;
    char attrib[512];
    CHECK(authenticate(e_nonce, &dialog, attrib, sizeof(attrib)));
    CHECK_EQ_INT(s_c.peer_version, 1);
    /* it sends a large Response in 1470-byte payloads: the enrollee hears ESP-NOW v2 */
    static char obj[5000];
    int k = snprintf(obj, sizeof(obj),
                     "{\"wi-fi_tech\":\"infra\",\"discovery\":{\"ssid\":\"s\"},\"cred\":{\"akm\":\"psk\","
                     "\"pass\":\"12345678\"},\"lwm2m_bundle\":\"");
    for (int i = 0; i < 2000; i++) obj[k++] = 'A';
    obj[k++] = '"';
    obj[k++] = '}';
    obj[k] = '\0';
    static uint8_t buf[6000];
    size_t sent = s_w.n_sent;
    size_t n = test_build_config_response(&s_c, e_nonce, dialog, 0, obj, true, buf, sizeof(buf));
    deliver(cfgr_mac, buf, n, ENOW_V2_PAYLOAD);
    CHECK(s_w.got_creds);
    CHECK_EQ_INT(s_w.bundle_len, 1500);
    CHECK_EQ_INT(s_w.n_sent, sent); /* version 1: nothing to send */
    CHECK_EQ_INT(s_w.state, ENR_DONE);

    /* a v2 payload heard from it, then an Authentication Request whose fragments do not say so */
    setup(NULL, 0, NULL);
    deliver(cfgr_mac, buf, 400, ENOW_V2_PAYLOAD); /* any v2 payload from it (not a message we take) */
    test_cfgr_init(&s_c, s_cfgr_priv, s_enrollee_priv, NULL, NULL);
    uint8_t req[1024];
    n = test_build_auth_request(&s_c, req, sizeof(req));
    deliver(cfgr_mac, req, n, ENOW_V1_PAYLOAD);
    /* its latest fragments do not say it receives v2 (each fragment says it, the latest wins) */
    CHECK_EQ_INT(last_sent()->limit, ENOW_V1_PAYLOAD);
    CHECK(memcmp(s_w.sent[0].dst, bcast, 6) == 0 && s_w.sent[0].limit == ENOW_V1_PAYLOAD);

    /* a configurator that says in its (short) fragments' header that it receives v2: the
       enrollee answers in 1470-byte payloads at once, and says the same of itself */
    setup(NULL, 0, NULL);
    test_cfgr_init(&s_c, s_cfgr_priv, s_enrollee_priv, NULL, NULL);
    n = test_build_auth_request(&s_c, req, sizeof(req));
    uint8_t p[ENOW_V2_PAYLOAD];
    size_t count = enow_fragment_count(n, ENOW_V1_PAYLOAD);
    for (size_t i = 0; i < count; i++) {
        size_t pl = enow_fragment_payload(req, n, 900, ENOW_V1_PAYLOAD, i, p);
        p[0] |= ENOW_FLAG_ACCEPTS_V2;
        enr_effects_t fx = {0};
        enrollee_on_radio(&s_e, cfgr_mac, false, p, pl, s_w.now, &fx);
        apply(&s_w, &fx);
    }
    CHECK_EQ_INT(last_sent()->limit, ENOW_V2_PAYLOAD);
    CHECK_EQ_INT(last_sent()->header, ENOW_BINDING_V1 | ENOW_FLAG_ACCEPTS_V2);
    CHECK_EQ_INT(s_w.sent[0].header, ENOW_BINDING_V1 | ENOW_FLAG_ACCEPTS_V2); /* its announcements too */
}

static void message_ids_and_broadcasts(void)
{
    setup(NULL, 0, NULL);
    /* broadcasts are not for the enrollee */
    uint8_t buf[1024];
    size_t n = test_build_auth_request(&s_c, buf, sizeof(buf));
    uint8_t p[ENOW_V2_PAYLOAD];
    size_t count = enow_fragment_count(n, ENOW_V1_PAYLOAD);
    for (size_t i = 0; i < count; i++) {
        size_t pl = enow_fragment_payload(buf, n, 77, ENOW_V1_PAYLOAD, i, p);
        enr_effects_t fx = {0};
        enrollee_on_radio(&s_e, cfgr_mac, true, p, pl, 0, &fx);
        CHECK_EQ_INT(fx.n, 0);
    }
    CHECK_EQ_INT(s_w.state, ENR_ANNOUNCING);
    /* each announcement is a new message: consecutive ids */
    timer(ENR_TIMER_CHIRP);
    timer(ENR_TIMER_CHIRP);
    CHECK_EQ_INT((uint16_t)(s_w.sent[2].id - s_w.sent[1].id), 1);
    CHECK_EQ_INT((uint16_t)(s_w.sent[1].id - s_w.sent[0].id), 1);
    /* ids start at a random value: two boots rarely agree */
    uint16_t first = s_w.sent[0].id;
    int same = 0;
    for (int i = 0; i < 4; i++) {
        setup(NULL, 0, NULL);
        same += s_w.sent[0].id == first;
    }
    CHECK(same < 4);
}

void group_enrollee(void)
{
    t_run("enrollee: a whole session: announce, authenticate, configure, result, connection status",
          whole_session);
    t_run("enrollee: channel plan, staying on the answering channel, retransmission, timeout", channel_plan);
    t_run("enrollee: a pinned configurator: a rogue is refused, the pinned one authenticates mutually",
          pinned_configurator);
    t_run("enrollee: repeats answered alike; failure status, refusal, bad object, tampering", refusals_and_repeats);
    t_run("enrollee: a version-1 configurator; v2 payloads to a peer whose fragments say it receives them",
          version_one_and_v2_payloads);
    t_run("enrollee: broadcasts ignored, message ids consecutive from a random start", message_ids_and_broadcasts);
}
