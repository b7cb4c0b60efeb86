#include "dpp_auth.h"

#include <string.h>

#include "dpp_crypto.h"
#include "dpp_err.h"
#include "dpp_wrap.h"

enum { REQ_R_HASH, REQ_I_HASH, REQ_I_PROTO, REQ_CHANNEL, REQ_VERSION, REQ_N };
static const dpp_attr_rule_t request_rules[REQ_N] = {
    {DPP_ATTR_R_BOOTSTRAP_KEY_HASH, 32, false}, {DPP_ATTR_I_BOOTSTRAP_KEY_HASH, 32, true},
    {DPP_ATTR_I_PROTOCOL_KEY, 64, false},       {DPP_ATTR_CHANNEL, 2, true},
    {DPP_ATTR_PROTOCOL_VERSION, 1, true},
};

int dpp_peek_auth_request(const dpp_msg_t *m, const uint8_t **r_hash, const uint8_t **i_hash)
{
    if (m->kind != DPP_MSG_FRAME || m->frame_type != DPP_FT_AUTH_REQ) {
        return DPP_E_AUTH_UNEXPECTED_FRAME;
    }
    const dpp_attr_t *f[REQ_N];
    int rc = dpp_attrs_pick(&m->attrs, request_rules, REQ_N, f);
    if (rc != 0) {
        return rc;
    }
    *r_hash = f[REQ_R_HASH]->val;
    *i_hash = f[REQ_I_HASH] ? f[REQ_I_HASH]->val : NULL;
    return DPP_OK;
}

/* The secrets of one request, wiped on every path out. */
typedef struct {
    uint8_t mx[32], nx[32], lx[32], k1[32], proto_priv[32], sum[32];
} secrets_t;

static int respond(const dpp_responder_params_t *p, const dpp_msg_t *m, dpp_auth_state_t *st, dpp_wbuf_t *w,
                   secrets_t *s)
{
    size_t before_len;
    const dpp_attr_t *wrapped;
    int rc = dpp_split_wrapped(&m->attrs, &before_len, &wrapped);
    if (rc != 0) return rc;
    const dpp_attr_t *f[REQ_N];
    if ((rc = dpp_attrs_pick(&m->attrs, request_rules, REQ_N, f)) != 0) return rc;
    if (memcmp(f[REQ_R_HASH]->val, p->own->hash, 32) != 0) return DPP_E_AUTH_NOT_FOR_US;
    st->mutual = f[REQ_I_HASH] != NULL && p->peer != NULL && memcmp(f[REQ_I_HASH]->val, p->peer->hash, 32) == 0;
    if (p->require_mutual && !st->mutual) return DPP_E_AUTH_MUTUAL_REQUIRED;
    uint8_t peer_version = f[REQ_VERSION] ? f[REQ_VERSION]->val[0] : 1;
    if (peer_version < 1) return DPP_E_AUTH_VERSION;
    const uint8_t *pi = f[REQ_I_PROTO]->val;

    /* M = bR * PI; the point is checked before anything is derived from it */
    if ((rc = dpp_p256_ecdh_x(p->own->priv, pi, s->mx)) != 0) return rc;
    if ((rc = dpp_derive_k1(s->mx, s->k1)) != 0) return rc;
    uint8_t hdr[DPP_HDR_LEN];
    memcpy(hdr, m->header, DPP_HDR_LEN);
    dpp_span_t ad[2] = {{hdr, DPP_HDR_LEN}, {m->body, before_len}};
    dpp_attrs_t inner;
    if ((rc = dpp_unwrap_attrs(s->k1, ad, 2, wrapped, &inner)) != 0) return rc;
    static const dpp_attr_rule_t clear_rules[] = {{DPP_ATTR_I_NONCE, DPP_NONCE_LEN, false},
                                                  {DPP_ATTR_I_CAPABILITIES, 1, false}};
    const dpp_attr_t *c[2];
    if ((rc = dpp_attrs_pick(&inner, clear_rules, 2, c)) != 0) return rc;
    /* we are the Enrollee: the initiator must offer to configure */
    if ((c[1]->val[0] & DPP_CAPAB_CONFIGURATOR) == 0) return DPP_E_AUTH_CAPABILITIES;
    const uint8_t *i_nonce = c[0]->val;

    uint8_t pr[64];
    if (p->fixed_proto_priv != NULL) {
        memcpy(s->proto_priv, p->fixed_proto_priv, 32);
        rc = dpp_p256_public(s->proto_priv, pr);
    } else {
        rc = dpp_p256_keygen(s->proto_priv, pr);
    }
    if (rc != 0) return rc;
    if (p->fixed_r_nonce != NULL) {
        memcpy(st->r_nonce, p->fixed_r_nonce, DPP_NONCE_LEN);
    } else if ((rc = dpp_random(st->r_nonce, DPP_NONCE_LEN)) != 0) {
        return rc;
    }
    /* N = pR * PI */
    if ((rc = dpp_p256_ecdh_x(s->proto_priv, pi, s->nx)) != 0) return rc;
    if ((rc = dpp_derive_k2(s->nx, st->k2)) != 0) return rc;
    if (st->mutual) {
        /* L = ((bR + pR) mod q) * BI */
        if ((rc = dpp_p256_add_scalars(p->own->priv, s->proto_priv, s->sum)) != 0) return rc;
        if ((rc = dpp_p256_ecdh_x(s->sum, p->peer->pub, s->lx)) != 0) return rc;
    }
    if ((rc = dpp_derive_ke(i_nonce, st->r_nonce, s->mx, s->nx, st->mutual ? s->lx : NULL, st->ke)) != 0)
        return rc;
    dpp_auth_tag_inputs_t t = {i_nonce, st->r_nonce, pi, pr, p->own->pub, st->mutual ? p->peer->pub : NULL,
                               st->mutual};
    uint8_t r_auth[32];
    if ((rc = dpp_compute_r_auth(&t, r_auth)) != 0) return rc;
    if ((rc = dpp_compute_i_auth(&t, st->i_auth)) != 0) return rc;

    /* We state our version to an R2+ peer and nothing to a version-1 peer, as hostap does. */
    uint8_t own_version = DPP_OWN_PROTOCOL_VERSION;
    uint8_t ok = DPP_STATUS_OK, caps = DPP_CAPAB_ENROLLEE;
    dpp_put_frame_start(w, DPP_FT_AUTH_RESP);
    size_t body_at = w->len;
    dpp_put_attr(w, DPP_ATTR_STATUS, &ok, 1);
    dpp_put_attr(w, DPP_ATTR_R_BOOTSTRAP_KEY_HASH, p->own->hash, 32);
    if (st->mutual) dpp_put_attr(w, DPP_ATTR_I_BOOTSTRAP_KEY_HASH, p->peer->hash, 32);
    dpp_put_attr(w, DPP_ATTR_R_PROTOCOL_KEY, pr, 64);
    if (peer_version >= 2) dpp_put_attr(w, DPP_ATTR_PROTOCOL_VERSION, &own_version, 1);
    size_t clear_at = w->len;
    dpp_put_attr(w, DPP_ATTR_R_NONCE, st->r_nonce, DPP_NONCE_LEN);
    dpp_put_attr(w, DPP_ATTR_I_NONCE, i_nonce, DPP_NONCE_LEN);
    dpp_put_attr(w, DPP_ATTR_R_CAPABILITIES, &caps, 1);
    size_t tag_at = w->len;
    dpp_put_attr(w, DPP_ATTR_R_AUTH_TAG, r_auth, 32);
    /* {R-auth}ke, no AD; then {R-nonce, I-nonce, R-caps, {R-auth}ke}k2 with AD = header, attributes before */
    if ((rc = dpp_wrap_tail(w, tag_at, st->ke, NULL, 0)) != 0) return rc;
    uint8_t rhdr[DPP_HDR_LEN];
    dpp_frame_header(DPP_FT_AUTH_RESP, rhdr);
    dpp_span_t rad[2] = {{rhdr, DPP_HDR_LEN}, {w->p + body_at, clear_at - body_at}};
    if ((rc = dpp_wrap_tail(w, clear_at, st->k2, rad, 2)) != 0) return rc;
    st->peer_version = peer_version < own_version ? peer_version : own_version;
    return DPP_OK;
}

int dpp_process_auth_request(const dpp_responder_params_t *p, const dpp_msg_t *m, dpp_auth_state_t *st,
                             dpp_wbuf_t *w)
{
    if (m->kind != DPP_MSG_FRAME || m->frame_type != DPP_FT_AUTH_REQ) {
        return DPP_E_AUTH_UNEXPECTED_FRAME;
    }
    secrets_t s;
    size_t w_start = w->len;
    memset(st, 0, sizeof(*st));
    int rc = respond(p, m, st, w, &s);
    dpp_wipe(&s, sizeof(s));
    if (rc != 0) {
        dpp_wipe(st, sizeof(*st));
        w->len = w_start;
        w->overflow = false;
    }
    return rc;
}

int dpp_process_auth_confirm(const dpp_responder_params_t *p, dpp_auth_state_t *st, const dpp_msg_t *m)
{
    if (m->kind != DPP_MSG_FRAME || m->frame_type != DPP_FT_AUTH_CONF) {
        return DPP_E_AUTH_UNEXPECTED_FRAME;
    }
    size_t before_len;
    const dpp_attr_t *wrapped;
    int rc = dpp_split_wrapped(&m->attrs, &before_len, &wrapped);
    if (rc != 0) return rc;
    static const dpp_attr_rule_t rules[] = {{DPP_ATTR_STATUS, 1, false},
                                            {DPP_ATTR_R_BOOTSTRAP_KEY_HASH, 32, false},
                                            {DPP_ATTR_I_BOOTSTRAP_KEY_HASH, 32, true}};
    const dpp_attr_t *f[3];
    if ((rc = dpp_attrs_pick(&m->attrs, rules, 3, f)) != 0) return rc;
    if (memcmp(f[1]->val, p->own->hash, 32) != 0) return DPP_E_AUTH_NOT_FOR_US;
    if (st->mutual) {
        if (f[2] == NULL || memcmp(f[2]->val, p->peer->hash, 32) != 0) return DPP_E_AUTH_NOT_FOR_US;
    } else if (f[2] != NULL) {
        return DPP_E_DECODE_UNEXPECTED_ATTRIBUTE;
    }
    uint8_t hdr[DPP_HDR_LEN];
    memcpy(hdr, m->header, DPP_HDR_LEN);
    dpp_span_t ad[2] = {{hdr, DPP_HDR_LEN}, {m->body, before_len}};
    dpp_attrs_t inner;
    if (f[0]->val[0] != DPP_STATUS_OK) {
        /* a failure Confirm is {R-nonce}k2: believe it only if it verifies */
        if ((rc = dpp_unwrap_attrs(st->k2, ad, 2, wrapped, &inner)) != 0) return rc;
        static const dpp_attr_rule_t r_nonce[] = {{DPP_ATTR_R_NONCE, DPP_NONCE_LEN, false}};
        const dpp_attr_t *n[1];
        if (dpp_attrs_pick(&inner, r_nonce, 1, n) != 0 || memcmp(n[0]->val, st->r_nonce, 16) != 0)
            return DPP_E_AUTH_NONCE_MISMATCH;
        return DPP_E_AUTH_STATUS_FAILURE;
    }
    if ((rc = dpp_unwrap_attrs(st->ke, ad, 2, wrapped, &inner)) != 0) return rc;
    static const dpp_attr_rule_t tag_rule[] = {{DPP_ATTR_I_AUTH_TAG, 32, false}};
    const dpp_attr_t *tag[1];
    if ((rc = dpp_attrs_pick(&inner, tag_rule, 1, tag)) != 0) return rc;
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++) diff |= (uint8_t)(st->i_auth[i] ^ tag[0]->val[i]);
    return diff == 0 ? DPP_OK : DPP_E_CRYPTO_BAD_AUTH_TAG;
}
