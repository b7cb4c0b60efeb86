#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include "test_peer.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "dpp_attr.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_frame.h"
#include "dpp_kdf.h"
#include "dpp_wrap.h"

void test_cfgr_init(test_cfgr_t *c, const uint8_t boot_priv[32], const uint8_t enrollee_priv[32],
                    const uint8_t *proto_priv, const uint8_t *i_nonce)
{
    memset(c, 0, sizeof(*c));
    dpp_own_key_init(&c->boot, boot_priv);
    dpp_own_key_t e;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_init(&e, enrollee_priv);
    dpp_own_key_der(&e, der);
    dpp_peer_key_from_der(&c->enrollee, der, sizeof(der));
    c->version = 2;
    c->i_caps = DPP_CAPAB_CONFIGURATOR;
    if (proto_priv != NULL) {
        memcpy(c->i_proto_priv, proto_priv, 32);
        dpp_p256_public(c->i_proto_priv, c->i_proto_pub);
    } else {
        dpp_p256_keygen(c->i_proto_priv, c->i_proto_pub);
    }
    if (i_nonce != NULL) memcpy(c->i_nonce, i_nonce, 16);
    else dpp_random(c->i_nonce, 16);
}

/* R-auth's and I-auth's inputs, as the initiator holds them */
static dpp_auth_tag_inputs_t tag_inputs(const test_cfgr_t *c)
{
    dpp_auth_tag_inputs_t t = {c->i_nonce, c->r_nonce, c->i_proto_pub, c->r_proto_pub, c->enrollee.pub,
                               c->boot.pub, c->mutual};
    return t;
}

size_t test_build_auth_request(test_cfgr_t *c, uint8_t *out, size_t cap)
{
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, out, cap);
    dpp_p256_ecdh_x(c->i_proto_priv, c->enrollee.pub, c->mx); /* M = pI * BR */
    dpp_derive_k1(c->mx, c->k1);
    dpp_put_frame_start(&w, DPP_FT_AUTH_REQ);
    size_t body = w.len;
    dpp_put_attr(&w, DPP_ATTR_R_BOOTSTRAP_KEY_HASH, c->enrollee.hash, 32);
    if (c->name_own_key) dpp_put_attr(&w, DPP_ATTR_I_BOOTSTRAP_KEY_HASH, c->boot.hash, 32);
    dpp_put_attr(&w, DPP_ATTR_I_PROTOCOL_KEY, c->i_proto_pub, 64);
    if (c->version > 1) dpp_put_attr(&w, DPP_ATTR_PROTOCOL_VERSION, &c->version, 1);
    size_t clear = w.len;
    dpp_put_attr(&w, DPP_ATTR_I_NONCE, c->i_nonce, 16);
    dpp_put_attr(&w, DPP_ATTR_I_CAPABILITIES, &c->i_caps, 1);
    uint8_t hdr[DPP_HDR_LEN];
    dpp_frame_header(DPP_FT_AUTH_REQ, hdr);
    dpp_span_t ad[2] = {{hdr, 6}, {out + body, clear - body}};
    return dpp_wrap_tail(&w, clear, c->k1, ad, 2) == 0 ? w.len : 0;
}

/* L.x = (bI * (BR + PR)).x with OpenSSL's point addition. */
static int initiator_lx(const test_cfgr_t *c, uint8_t lx[32])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *br = EC_POINT_new(g), *pr = EC_POINT_new(g), *sum = EC_POINT_new(g), *l = EC_POINT_new(g);
    BIGNUM *bi = BN_bin2bn(c->boot.priv, 32, NULL);
    uint8_t a[65], b[65], o[65];
    a[0] = b[0] = 4;
    memcpy(a + 1, c->enrollee.pub, 64);
    memcpy(b + 1, c->r_proto_pub, 64);
    int ok = EC_POINT_oct2point(g, br, a, 65, NULL) == 1 && EC_POINT_oct2point(g, pr, b, 65, NULL) == 1 &&
             EC_POINT_add(g, sum, br, pr, NULL) == 1 && EC_POINT_mul(g, l, NULL, sum, bi, NULL) == 1 &&
             EC_POINT_point2oct(g, l, POINT_CONVERSION_UNCOMPRESSED, o, 65, NULL) == 65;
    if (ok) memcpy(lx, o + 1, 32);
    BN_free(bi);
    EC_POINT_free(l);
    EC_POINT_free(sum);
    EC_POINT_free(pr);
    EC_POINT_free(br);
    EC_GROUP_free(g);
    return ok ? 0 : DPP_E_CRYPTO_LIBRARY;
}

int test_process_auth_response(test_cfgr_t *c, uint8_t *msg, size_t len)
{
    dpp_msg_t m;
    int rc = dpp_msg_decode(msg, len, &m);
    if (rc != 0) return rc;
    if (m.kind != DPP_MSG_FRAME || m.frame_type != DPP_FT_AUTH_RESP) return DPP_E_AUTH_UNEXPECTED_FRAME;
    size_t before;
    const dpp_attr_t *wrapped;
    if ((rc = dpp_split_wrapped(&m.attrs, &before, &wrapped)) != 0) return rc;
    static const dpp_attr_rule_t rules[] = {{DPP_ATTR_STATUS, 1, false}, {DPP_ATTR_R_BOOTSTRAP_KEY_HASH, 32, false},
                                            {DPP_ATTR_I_BOOTSTRAP_KEY_HASH, 32, true},
                                            {DPP_ATTR_R_PROTOCOL_KEY, 64, false},
                                            {DPP_ATTR_PROTOCOL_VERSION, 1, true}};
    const dpp_attr_t *f[5];
    if ((rc = dpp_attrs_pick(&m.attrs, rules, 5, f)) != 0) return rc;
    if (f[0]->val[0] != 0) return DPP_E_AUTH_STATUS_FAILURE;
    if (memcmp(f[1]->val, c->enrollee.hash, 32) != 0) return DPP_E_AUTH_NOT_FOR_US;
    c->mutual = f[2] != NULL;
    if (c->mutual && memcmp(f[2]->val, c->boot.hash, 32) != 0) return DPP_E_AUTH_NOT_FOR_US;
    c->peer_version = f[4] ? f[4]->val[0] : 1;
    memcpy(c->r_proto_pub, f[3]->val, 64);
    uint8_t nx[32], lx[32];
    if ((rc = dpp_p256_ecdh_x(c->i_proto_priv, c->r_proto_pub, nx)) != 0) return rc;
    dpp_derive_k2(nx, c->k2);
    uint8_t hdr[DPP_HDR_LEN];
    memcpy(hdr, m.header, 6);
    dpp_span_t ad[2] = {{hdr, 6}, {m.body, before}};
    dpp_attrs_t inner, tag;
    if ((rc = dpp_unwrap_attrs(c->k2, ad, 2, wrapped, &inner)) != 0) return rc;
    static const dpp_attr_rule_t crules[] = {{DPP_ATTR_R_NONCE, 16, false}, {DPP_ATTR_I_NONCE, 16, false},
                                             {DPP_ATTR_R_CAPABILITIES, 1, false}, {DPP_ATTR_WRAPPED_DATA, -1, false}};
    const dpp_attr_t *cf[4];
    if ((rc = dpp_attrs_pick(&inner, crules, 4, cf)) != 0) return rc;
    if (memcmp(cf[1]->val, c->i_nonce, 16) != 0) return DPP_E_AUTH_NONCE_MISMATCH;
    if ((cf[2]->val[0] & DPP_CAPAB_ENROLLEE) == 0) return DPP_E_AUTH_CAPABILITIES;
    memcpy(c->r_nonce, cf[0]->val, 16);
    if (c->mutual && (rc = initiator_lx(c, lx)) != 0) return rc;
    dpp_derive_ke(c->i_nonce, c->r_nonce, c->mx, nx, c->mutual ? lx : NULL, c->ke);
    if ((rc = dpp_unwrap_attrs(c->ke, NULL, 0, cf[3], &tag)) != 0) return rc;
    dpp_auth_tag_inputs_t t = tag_inputs(c);
    uint8_t r_auth[32];
    dpp_compute_r_auth(&t, r_auth);
    if (tag.n != 1 || tag.a[0].id != DPP_ATTR_R_AUTH_TAG || tag.a[0].len != 32 ||
        memcmp(tag.a[0].val, r_auth, 32) != 0) {
        return DPP_E_CRYPTO_BAD_AUTH_TAG;
    }
    return 0;
}

size_t test_build_auth_confirm(test_cfgr_t *c, uint8_t status, uint8_t *out, size_t cap)
{
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, out, cap);
    dpp_put_frame_start(&w, DPP_FT_AUTH_CONF);
    size_t body = w.len;
    dpp_put_attr(&w, DPP_ATTR_STATUS, &status, 1);
    dpp_put_attr(&w, DPP_ATTR_R_BOOTSTRAP_KEY_HASH, c->enrollee.hash, 32);
    if (c->mutual) dpp_put_attr(&w, DPP_ATTR_I_BOOTSTRAP_KEY_HASH, c->boot.hash, 32);
    size_t clear = w.len;
    uint8_t hdr[DPP_HDR_LEN];
    dpp_frame_header(DPP_FT_AUTH_CONF, hdr);
    dpp_span_t ad[2] = {{hdr, 6}, {out + body, clear - body}};
    if (status != 0) {
        dpp_put_attr(&w, DPP_ATTR_R_NONCE, c->r_nonce, 16); /* {R-nonce}k2 */
        return dpp_wrap_tail(&w, clear, c->k2, ad, 2) == 0 ? w.len : 0;
    }
    dpp_auth_tag_inputs_t t = tag_inputs(c);
    uint8_t i_auth[32];
    dpp_compute_i_auth(&t, i_auth);
    dpp_put_attr(&w, DPP_ATTR_I_AUTH_TAG, i_auth, 32);
    return dpp_wrap_tail(&w, clear, c->ke, ad, 2) == 0 ? w.len : 0;
}

int test_parse_config_request(test_cfgr_t *c, uint8_t *msg, size_t len, uint8_t e_nonce[16], uint8_t *dialog,
                              char *attrib, size_t cap)
{
    dpp_msg_t m;
    int rc = dpp_msg_decode(msg, len, &m);
    if (rc != 0) return rc;
    if (m.kind != DPP_MSG_GAS_INITIAL_REQ) return DPP_E_AUTH_UNEXPECTED_FRAME;
    *dialog = m.dialog_token;
    dpp_attrs_t q, inner;
    if ((rc = dpp_attrs_decode(m.query, m.query_len, &q)) != 0) return rc;
    if (q.n != 1 || q.a[0].id != DPP_ATTR_WRAPPED_DATA) return DPP_E_DECODE_MISSING_ATTRIBUTE;
    if ((rc = dpp_unwrap_attrs(c->ke, NULL, 0, &q.a[0], &inner)) != 0) return rc;
    static const dpp_attr_rule_t rules[] = {{DPP_ATTR_ENROLLEE_NONCE, 16, false}, {DPP_ATTR_CONFIG_ATTR_OBJ, -1, false}};
    const dpp_attr_t *f[2];
    if ((rc = dpp_attrs_pick(&inner, rules, 2, f)) != 0) return rc;
    memcpy(e_nonce, f[0]->val, 16);
    if (f[1]->len >= cap) return DPP_E_CONFIG_TOO_LARGE;
    memcpy(attrib, f[1]->val, f[1]->len);
    attrib[f[1]->len] = '\0';
    return 0;
}

size_t test_build_config_response(test_cfgr_t *c, const uint8_t e_nonce[16], uint8_t dialog, uint8_t status,
                                  const char *config_obj, bool send_conn_status, uint8_t *out, size_t cap)
{
    dpp_wbuf_t w;
    dpp_wbuf_init(&w, out, cap);
    dpp_wbuf_u8(&w, DPP_PA_GAS_INITIAL_RESP);
    dpp_wbuf_u8(&w, dialog);
    dpp_wbuf_u16le(&w, 0); /* GAS status */
    dpp_wbuf_u16le(&w, 0); /* comeback delay */
    dpp_wbuf_put(&w, dpp_adv_proto, DPP_ADV_PROTO_LEN);
    size_t qlen_at = w.len;
    dpp_wbuf_u16le(&w, 0);
    size_t q = w.len;
    dpp_put_attr(&w, DPP_ATTR_STATUS, &status, 1);
    size_t clear = w.len;
    dpp_put_attr(&w, DPP_ATTR_ENROLLEE_NONCE, e_nonce, 16);
    if (config_obj != NULL) dpp_put_attr(&w, DPP_ATTR_CONFIG_OBJ, config_obj, strlen(config_obj));
    if (send_conn_status) dpp_put_attr(&w, DPP_ATTR_SEND_CONN_STATUS, NULL, 0);
    dpp_span_t ad = {out + q, clear - q};
    if (dpp_wrap_tail(&w, clear, c->ke, &ad, 1) != 0) return 0;
    size_t qlen = w.len - q;
    out[qlen_at] = (uint8_t)qlen;
    out[qlen_at + 1] = (uint8_t)(qlen >> 8);
    return w.len;
}

static int unwrap_frame(test_cfgr_t *c, uint8_t type, uint8_t *msg, size_t len, dpp_attrs_t *inner)
{
    dpp_msg_t m;
    int rc = dpp_msg_decode(msg, len, &m);
    if (rc != 0) return rc;
    if (m.kind != DPP_MSG_FRAME || m.frame_type != type) return DPP_E_AUTH_UNEXPECTED_FRAME;
    if (m.attrs.n != 1 || m.attrs.a[0].id != DPP_ATTR_WRAPPED_DATA) return DPP_E_DECODE_UNEXPECTED_ATTRIBUTE;
    uint8_t hdr[DPP_HDR_LEN];
    memcpy(hdr, m.header, 6);
    dpp_span_t ad[2] = {{hdr, 6}, {NULL, 0}};
    return dpp_unwrap_attrs(c->ke, ad, 2, &m.attrs.a[0], inner);
}

int test_parse_config_result(test_cfgr_t *c, const uint8_t e_nonce[16], uint8_t *msg, size_t len, uint8_t *status)
{
    dpp_attrs_t inner;
    int rc = unwrap_frame(c, DPP_FT_CONFIG_RESULT, msg, len, &inner);
    if (rc != 0) return rc;
    static const dpp_attr_rule_t rules[] = {{DPP_ATTR_STATUS, 1, false}, {DPP_ATTR_ENROLLEE_NONCE, 16, false}};
    const dpp_attr_t *f[2];
    if ((rc = dpp_attrs_pick(&inner, rules, 2, f)) != 0) return rc;
    if (memcmp(f[1]->val, e_nonce, 16) != 0) return DPP_E_AUTH_NONCE_MISMATCH;
    *status = f[0]->val[0];
    return 0;
}

int test_parse_conn_status(test_cfgr_t *c, const uint8_t e_nonce[16], uint8_t *msg, size_t len, char *json,
                           size_t cap)
{
    dpp_attrs_t inner;
    int rc = unwrap_frame(c, DPP_FT_CONN_STATUS_RESULT, msg, len, &inner);
    if (rc != 0) return rc;
    static const dpp_attr_rule_t rules[] = {{DPP_ATTR_ENROLLEE_NONCE, 16, false}, {DPP_ATTR_CONN_STATUS, -1, false}};
    const dpp_attr_t *f[2];
    if ((rc = dpp_attrs_pick(&inner, rules, 2, f)) != 0) return rc;
    if (memcmp(f[0]->val, e_nonce, 16) != 0) return DPP_E_AUTH_NONCE_MISMATCH;
    if (f[1]->len >= cap) return DPP_E_CONFIG_TOO_LARGE;
    memcpy(json, f[1]->val, f[1]->len);
    json[f[1]->len] = '\0';
    return 0;
}
