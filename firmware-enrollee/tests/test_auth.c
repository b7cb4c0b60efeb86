/* Authentication as the Responder against ESP-IDF's DPP test frames
 * (produced by hostap's code): the Authentication Response must come out
 * byte for byte from the same keys and nonce, and the Confirm verify.
 * Then responder-only and mutual runs against the test configurator. */
#include <string.h>

#include "dpp_auth.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_frame.h"
#include "test.h"
#include "test_peer.h"
#include "test_util.h"

static const char *s_dir;
static vector_file_t s_vf;

typedef struct {
    uint8_t req[512], resp[512], conf[512];
    size_t req_len, resp_len, conf_len;
    uint8_t r_boot_priv[32], r_proto_priv[32], r_nonce[16], ke[32], i_nonce[16];
} esp_t;

/* Strip the 24-byte 802.11 header and the category byte: what DPP over TCP carries. */
static size_t body_of(const char *hex, uint8_t *out)
{
    static uint8_t frame[600];
    size_t n = hex_decode(hex, frame, sizeof(frame));
    if (n == (size_t)-1 || n < 26 || frame[24] != 0x04) return 0;
    memcpy(out, frame + 25, n - 25);
    return n - 25;
}

static bool load(esp_t *e)
{
    if (!vector_load(&s_vf, s_dir, "esp-idf-dpp-auth-p256.json")) return false;
    const json_node_t *r = json_root(&s_vf.doc);
    e->req_len = body_of(vector_str(&s_vf, r, "auth_request"), e->req);
    e->resp_len = body_of(vector_str(&s_vf, r, "auth_response"), e->resp);
    e->conf_len = body_of(vector_str(&s_vf, r, "auth_confirm"), e->conf);
    if (!vector_load(&s_vf, s_dir, "dpp-appendix-b-p256.json")) return false;
    const json_node_t *v = json_get(&s_vf.doc, json_root(&s_vf.doc), "responder_only");
    return e->req_len && e->resp_len && e->conf_len && vector_hex(&s_vf, v, "r_boot_private", e->r_boot_priv, 32) == 32 &&
           vector_hex(&s_vf, v, "r_proto_private", e->r_proto_priv, 32) == 32 &&
           vector_hex(&s_vf, v, "r_nonce", e->r_nonce, 16) == 16 && vector_hex(&s_vf, v, "ke", e->ke, 32) == 32 &&
           vector_hex(&s_vf, v, "i_nonce", e->i_nonce, 16) == 16;
}

static void esp_idf_frames(void)
{
    static esp_t e;
    CHECK(load(&e));
    dpp_own_key_t own;
    CHECK(dpp_own_key_init(&own, e.r_boot_priv) == 0);
    dpp_responder_params_t p = {&own, NULL, false, e.r_proto_priv, e.r_nonce};
    dpp_msg_t m;
    CHECK_EQ_INT(dpp_msg_decode(e.req, e.req_len, &m), 0);
    CHECK_EQ_INT(m.frame_type, DPP_FT_AUTH_REQ);
    CHECK_EQ_INT(m.attrs.n, 5);
    CHECK_EQ_INT(m.attrs.a[3].id, DPP_ATTR_CHANNEL);
    const uint8_t *rh, *ih;
    CHECK_EQ_INT(dpp_peek_auth_request(&m, &rh, &ih), 0);
    CHECK(memcmp(rh, own.hash, 32) == 0 && ih != NULL);

    dpp_auth_state_t st;
    uint8_t out[512];
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, out, sizeof(out));
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), 0);
    CHECK(w.len == e.resp_len && memcmp(out, e.resp, e.resp_len) == 0);
    CHECK(memcmp(st.ke, e.ke, 32) == 0);
    CHECK_EQ_INT(st.peer_version, 1);
    CHECK(!st.mutual);

    /* the Confirm verifies (I-auth); one flipped bit of its wrapped data does not */
    uint8_t conf[512];
    memcpy(conf, e.conf, e.conf_len);
    CHECK_EQ_INT(dpp_msg_decode(conf, e.conf_len, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_confirm(&p, &st, &m), 0);
    memcpy(conf, e.conf, e.conf_len);
    conf[e.conf_len - 5] ^= 0x01;
    CHECK_EQ_INT(dpp_msg_decode(conf, e.conf_len, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_confirm(&p, &st, &m), DPP_E_CRYPTO_UNWRAP_FAILED);
}

static void esp_idf_request_not_for_another_key(void)
{
    static esp_t e;
    CHECK(load(&e));
    uint8_t other[32];
    memcpy(other, e.r_proto_priv, 32); /* any other key */
    dpp_own_key_t own;
    CHECK(dpp_own_key_init(&own, other) == 0);
    dpp_responder_params_t p = {&own, NULL, false, NULL, NULL};
    dpp_msg_t m;
    dpp_auth_state_t st;
    uint8_t out[512];
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, out, sizeof(out));
    CHECK_EQ_INT(dpp_msg_decode(e.req, e.req_len, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), DPP_E_AUTH_NOT_FOR_US);
    CHECK_EQ_INT(w.len, 0);
}

/* Appendix B mutual keys through a whole authentication with the test configurator. */
static void mutual_with_appendix_b_keys(void)
{
    CHECK(vector_load(&s_vf, s_dir, "dpp-appendix-b-p256.json"));
    const json_node_t *v = json_get(&s_vf.doc, json_root(&s_vf.doc), "mutual");
    uint8_t i_boot[32], i_proto[32], i_nonce[16], r_boot[32], r_proto[32], r_nonce[16], ke[32];
    CHECK(vector_hex(&s_vf, v, "i_boot_private", i_boot, 32) == 32);
    CHECK(vector_hex(&s_vf, v, "i_proto_private", i_proto, 32) == 32);
    CHECK(vector_hex(&s_vf, v, "i_nonce", i_nonce, 16) == 16);
    CHECK(vector_hex(&s_vf, v, "r_boot_private", r_boot, 32) == 32);
    CHECK(vector_hex(&s_vf, v, "r_proto_private", r_proto, 32) == 32);
    CHECK(vector_hex(&s_vf, v, "r_nonce", r_nonce, 16) == 16);
    CHECK(vector_hex(&s_vf, v, "ke", ke, 32) == 32);

    static test_cfgr_t c;
    test_cfgr_init(&c, i_boot, r_boot, i_proto, i_nonce);
    c.name_own_key = true;
    dpp_own_key_t own;
    CHECK(dpp_own_key_init(&own, r_boot) == 0);
    dpp_peer_key_t pinned;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_der(&c.boot, der);
    CHECK(dpp_peer_key_from_der(&pinned, der, sizeof(der)) == 0);
    dpp_responder_params_t p = {&own, &pinned, true, r_proto, r_nonce};

    uint8_t req[512], resp[512], conf[512];
    size_t n = test_build_auth_request(&c, req, sizeof(req));
    CHECK(n > 0);
    dpp_msg_t m;
    dpp_auth_state_t st;
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, resp, sizeof(resp));
    CHECK_EQ_INT(dpp_msg_decode(req, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), 0);
    CHECK(st.mutual);
    CHECK_EQ_INT(st.peer_version, 2);
    CHECK(memcmp(st.ke, ke, 32) == 0); /* Appendix B mutual ke, with L.x */
    CHECK_EQ_INT(test_process_auth_response(&c, resp, w.len), 0);
    CHECK(c.mutual && memcmp(c.ke, ke, 32) == 0);
    n = test_build_auth_confirm(&c, 0, conf, sizeof(conf));
    CHECK_EQ_INT(dpp_msg_decode(conf, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_confirm(&p, &st, &m), 0);
}

static void pinned_refuses_other_configurators(void)
{
    uint8_t a[32], b[32], r[32], pub[64];
    CHECK(dpp_p256_keygen(a, pub) == 0 && dpp_p256_keygen(b, pub) == 0 && dpp_p256_keygen(r, pub) == 0);
    dpp_own_key_t own, pinned_own;
    dpp_own_key_init(&own, r);
    dpp_own_key_init(&pinned_own, a);
    dpp_peer_key_t pinned;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_der(&pinned_own, der);
    dpp_peer_key_from_der(&pinned, der, sizeof(der));
    dpp_responder_params_t p = {&own, &pinned, true, NULL, NULL};
    static test_cfgr_t rogue;
    uint8_t req[512], resp[512];
    dpp_msg_t m;
    dpp_auth_state_t st;
    dpp_wbuf_t w;

    /* a rogue naming its own key */
    test_cfgr_init(&rogue, b, r, NULL, NULL);
    rogue.name_own_key = true;
    size_t n = test_build_auth_request(&rogue, req, sizeof(req));
    dpp_wbuf_init(&w, resp, sizeof(resp));
    CHECK_EQ_INT(dpp_msg_decode(req, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), DPP_E_AUTH_MUTUAL_REQUIRED);
    /* a rogue naming no key (responder-only) */
    rogue.name_own_key = false;
    n = test_build_auth_request(&rogue, req, sizeof(req));
    CHECK_EQ_INT(dpp_msg_decode(req, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), DPP_E_AUTH_MUTUAL_REQUIRED);
    /* a rogue naming the pinned key's hash without its private key: the request
     * passes the hash check, but the Confirm cannot prove bI (L.x in ke) */
    static test_cfgr_t liar;
    test_cfgr_init(&liar, b, r, NULL, NULL);
    liar.name_own_key = true;
    memcpy(liar.boot.hash, pinned.hash, 32);
    memcpy(liar.boot.pub, pinned.pub, 64);
    n = test_build_auth_request(&liar, req, sizeof(req));
    CHECK_EQ_INT(dpp_msg_decode(req, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), 0);
    CHECK(st.mutual);
    CHECK(test_process_auth_response(&liar, resp, w.len) != 0); /* its ke is wrong: R-auth unwrap fails */
    uint8_t conf[512];
    memcpy(liar.ke, st.k2, 32); /* any key but the real ke */
    n = test_build_auth_confirm(&liar, 0, conf, sizeof(conf));
    CHECK_EQ_INT(dpp_msg_decode(conf, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_confirm(&p, &st, &m), DPP_E_CRYPTO_UNWRAP_FAILED);
}

static void failure_confirm_must_verify(void)
{
    uint8_t cb[32], r[32], pub[64];
    CHECK(dpp_p256_keygen(cb, pub) == 0 && dpp_p256_keygen(r, pub) == 0);
    dpp_own_key_t own;
    dpp_own_key_init(&own, r);
    dpp_responder_params_t p = {&own, NULL, false, NULL, NULL};
    static test_cfgr_t c;
    test_cfgr_init(&c, cb, r, NULL, NULL);
    uint8_t req[512], resp[512], conf[512];
    dpp_msg_t m;
    dpp_auth_state_t st;
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, resp, sizeof(resp));
    size_t n = test_build_auth_request(&c, req, sizeof(req));
    CHECK_EQ_INT(dpp_msg_decode(req, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_request(&p, &m, &st, &w), 0);
    CHECK_EQ_INT(test_process_auth_response(&c, resp, w.len), 0);
    /* a genuine failure: {R-nonce}k2 */
    n = test_build_auth_confirm(&c, DPP_STATUS_AUTH_FAILURE, conf, sizeof(conf));
    CHECK_EQ_INT(dpp_msg_decode(conf, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_confirm(&p, &st, &m), DPP_E_AUTH_STATUS_FAILURE);
    /* a forged one (wrong R-nonce) ends nothing */
    c.r_nonce[0] ^= 1;
    n = test_build_auth_confirm(&c, DPP_STATUS_AUTH_FAILURE, conf, sizeof(conf));
    CHECK_EQ_INT(dpp_msg_decode(conf, n, &m), 0);
    CHECK_EQ_INT(dpp_process_auth_confirm(&p, &st, &m), DPP_E_AUTH_NONCE_MISMATCH);
}

void group_auth(const char *vectors_dir)
{
    s_dir = vectors_dir;
    t_run("auth: ESP-IDF frames: Response byte for byte, Confirm verified, tampered refused", esp_idf_frames);
    t_run("auth: ESP-IDF Request for another key is not for us", esp_idf_request_not_for_another_key);
    t_run("auth: mutual with the Appendix B keys reaches its ke both ways", mutual_with_appendix_b_keys);
    t_run("auth: a pinned configurator: every other one is refused", pinned_refuses_other_configurators);
    t_run("auth: a failure Confirm counts only when it verifies", failure_confirm_must_verify);
}
