#include "dpp_config.h"

#include <string.h>

#include "dpp_b64.h"
#include "dpp_err.h"
#include "dpp_json.h"
#include "dpp_kdf.h"
#include "dpp_siv.h"
#include "dpp_wrap.h"

static void put_str_member(dpp_wbuf_t *w, const char *key, const char *val, bool *first)
{
    if (val == NULL) {
        return;
    }
    dpp_json_put_key(w, key, *first);
    dpp_json_put_string(w, val, strlen(val));
    *first = false;
}

static bool text_ok(const char *s)
{
    if (s == NULL) return true;
    size_t n = strlen(s);
    if (n > DPP_DEVICE_INFO_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return false; /* no control characters */
    }
    return true;
}

int dpp_build_config_attrib(dpp_wbuf_t *w, const dpp_device_info_t *info)
{
    if (!text_ok(info->name) || !text_ok(info->manufacturer) || !text_ok(info->model) || !text_ok(info->serial) ||
        !text_ok(info->firmware) || info->name == NULL) {
        return DPP_E_CONFIG_BAD_REQUEST;
    }
    bool first = true;
    dpp_wbuf_u8(w, '{');
    put_str_member(w, "name", info->name, &first);
    put_str_member(w, "wi-fi_tech", "infra", &first);
    put_str_member(w, "netRole", "sta", &first);
    if (info->manufacturer || info->model || info->serial || info->firmware) {
        dpp_json_put_key(w, "deviceInfo", false);
        bool f2 = true;
        dpp_wbuf_u8(w, '{');
        put_str_member(w, "manufacturer", info->manufacturer, &f2);
        put_str_member(w, "model", info->model, &f2);
        put_str_member(w, "serial", info->serial, &f2);
        put_str_member(w, "firmware", info->firmware, &f2);
        dpp_wbuf_u8(w, '}');
    }
    dpp_wbuf_u8(w, '}');
    return w->overflow ? DPP_E_TRANSPORT_FRAME_TOO_LARGE : DPP_OK;
}

int dpp_build_presence_announcement(dpp_wbuf_t *w, const dpp_own_key_t *own, bool with_key)
{
    uint8_t chirp[32], der[DPP_SPKI_COMPRESSED_LEN];
    int rc = dpp_own_key_chirp(own, chirp);
    if (rc != 0) return rc;
    dpp_put_frame_start(w, DPP_FT_PRESENCE_ANNOUNCEMENT);
    dpp_put_attr(w, DPP_ATTR_R_BOOTSTRAP_KEY_HASH, chirp, 32);
    if (with_key) {
        dpp_own_key_der(own, der);
        dpp_put_attr(w, DPP_ATTR_BOOTSTRAP_KEY, der, sizeof(der));
    }
    return w->overflow ? DPP_E_TRANSPORT_FRAME_TOO_LARGE : DPP_OK;
}

int dpp_build_config_request(dpp_wbuf_t *w, const uint8_t ke[32], const uint8_t e_nonce[16],
                             const dpp_device_info_t *info)
{
    /* GAS dialog token: E-nonce[0], as protocol/dpp/session/enrollee.ts picks it */
    dpp_wbuf_u8(w, DPP_PA_GAS_INITIAL_REQ);
    dpp_wbuf_u8(w, e_nonce[0]);
    dpp_wbuf_put(w, dpp_adv_proto, DPP_ADV_PROTO_LEN);
    size_t qlen_at = w->len;
    dpp_wbuf_u16le(w, 0);
    size_t query_at = w->len;
    dpp_put_attr(w, DPP_ATTR_ENROLLEE_NONCE, e_nonce, 16);
    /* the attribute's length is known once its JSON is written behind its header */
    size_t attr_at = w->len;
    dpp_reserve_attr(w, DPP_ATTR_CONFIG_ATTR_OBJ, 0);
    int rc = dpp_build_config_attrib(w, info);
    if (rc != 0) {
        return rc;
    }
    size_t attrib_len = w->len - attr_at - DPP_ATTR_HDR_LEN;
    w->p[attr_at + 2] = (uint8_t)attrib_len;
    w->p[attr_at + 3] = (uint8_t)(attrib_len >> 8);
    rc = dpp_wrap_tail(w, query_at, ke, NULL, 0);
    if (rc != 0) {
        return rc;
    }
    size_t qlen = w->len - query_at;
    w->p[qlen_at] = (uint8_t)qlen;
    w->p[qlen_at + 1] = (uint8_t)(qlen >> 8);
    return DPP_OK;
}

int dpp_parse_config_response(const uint8_t ke[32], const uint8_t e_nonce[16], dpp_msg_t *msg,
                              dpp_config_response_t *out)
{
    memset(out, 0, sizeof(*out));
    if (msg->kind != DPP_MSG_GAS_INITIAL_RESP) {
        return DPP_E_AUTH_UNEXPECTED_FRAME;
    }
    if (msg->status_code != 0) {
        return DPP_E_DECODE_BAD_GAS;
    }
    if (msg->comeback_delay != 0 || msg->query_len == 0) {
        return DPP_E_DECODE_BAD_GAS; /* GAS comeback is not supported on this link */
    }
    /* the query's attributes reuse msg->attrs: the GAS frame has none of its own */
    int rc = dpp_attrs_decode(msg->query, msg->query_len, &msg->attrs);
    if (rc != 0) return rc;
    size_t before = 0;
    const dpp_attr_t *wrapped;
    if ((rc = dpp_split_wrapped(&msg->attrs, &before, &wrapped)) != 0) return rc;
    static const dpp_attr_rule_t rules[] = {{DPP_ATTR_STATUS, 1, false}};
    const dpp_attr_t *found[1];
    if ((rc = dpp_attrs_pick(&msg->attrs, rules, 1, found)) != 0) return rc;
    uint8_t status = found[0]->val[0];
    dpp_span_t ad = {msg->query, before};
    dpp_attrs_t inner;
    if ((rc = dpp_unwrap_attrs(ke, &ad, 1, wrapped, &inner)) != 0) return rc;
    static const dpp_attr_rule_t irules[] = {{DPP_ATTR_ENROLLEE_NONCE, 16, false},
                                             {DPP_ATTR_SEND_CONN_STATUS, -1, true}};
    const dpp_attr_t *ifound[2];
    if ((rc = dpp_attrs_pick(&inner, irules, 2, ifound)) != 0) return rc;
    if (memcmp(ifound[0]->val, e_nonce, 16) != 0) return DPP_E_AUTH_NONCE_MISMATCH;
    for (size_t i = 0; i < inner.n; i++) {
        if (inner.a[i].id == DPP_ATTR_CONFIG_OBJ && out->config_obj == NULL) {
            out->config_obj = (uint8_t *)inner.a[i].val;
            out->config_obj_len = inner.a[i].len;
        }
    }
    if (status == DPP_STATUS_OK && out->config_obj == NULL) return DPP_E_DECODE_MISSING_ATTRIBUTE;
    out->status = status;
    out->send_conn_status = ifound[1] != NULL;
    return DPP_OK;
}

/* Frames 11 and 12: no attributes before Wrapped Data; AD = header and one empty component, as in hostap. */
static int build_wrapped_frame(dpp_wbuf_t *w, uint8_t frame_type, const uint8_t ke[32], const dpp_attr_t *clear,
                               size_t n)
{
    uint8_t hdr[DPP_HDR_LEN];
    dpp_frame_header(frame_type, hdr);
    dpp_put_frame_start(w, frame_type);
    size_t at = w->len;
    for (size_t i = 0; i < n; i++) {
        dpp_put_attr(w, clear[i].id, clear[i].val, clear[i].len);
    }
    dpp_span_t ad[2] = {{hdr, sizeof(hdr)}, {NULL, 0}};
    return dpp_wrap_tail(w, at, ke, ad, 2);
}

int dpp_build_config_result(dpp_wbuf_t *w, const uint8_t ke[32], const uint8_t e_nonce[16], uint8_t status)
{
    dpp_attr_t clear[2] = {{DPP_ATTR_STATUS, 1, &status}, {DPP_ATTR_ENROLLEE_NONCE, 16, e_nonce}};
    return build_wrapped_frame(w, DPP_FT_CONFIG_RESULT, ke, clear, 2);
}

int dpp_build_conn_status_result(dpp_wbuf_t *w, const uint8_t ke[32], const uint8_t e_nonce[16],
                                 const uint8_t *json, size_t json_len)
{
    if (json_len > 0xffffu) return DPP_E_TRANSPORT_FRAME_TOO_LARGE;
    dpp_attr_t clear[2] = {{DPP_ATTR_ENROLLEE_NONCE, 16, e_nonce}, {DPP_ATTR_CONN_STATUS, (uint16_t)json_len, json}};
    return build_wrapped_frame(w, DPP_FT_CONN_STATUS_RESULT, ke, clear, 2);
}

int dpp_build_conn_status_json(dpp_wbuf_t *w, uint8_t result, const uint8_t *ssid, size_t ssid_len)
{
    char num[4];
    size_t n = 0;
    if (result >= 100) num[n++] = (char)('0' + result / 100);
    if (result >= 10) num[n++] = (char)('0' + result / 10 % 10);
    num[n++] = (char)('0' + result % 10);
    dpp_wbuf_put(w, "{\"result\":", 10);
    dpp_wbuf_put(w, num, n);
    if (ssid != NULL && ssid_len > 0) {
        char b64[48];
        size_t blen = dpp_b64url_encode(ssid, ssid_len > 32 ? 32 : ssid_len, b64, sizeof(b64));
        dpp_wbuf_put(w, ",\"ssid64\":\"", 11);
        dpp_wbuf_put(w, b64, blen);
        dpp_wbuf_u8(w, '"');
    }
    dpp_wbuf_u8(w, '}');
    return w->overflow ? DPP_E_TRANSPORT_FRAME_TOO_LARGE : DPP_OK;
}

static bool printable_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return false;
    }
    return true;
}

static bool is_hex64(const char *s, size_t n)
{
    if (n != 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return true;
}

/* A member that must be a string when present. */
static int string_member(const dpp_json_val_t *v)
{
    return v->type == DPP_JSON_NONE || v->type == DPP_JSON_STRING ? DPP_OK : DPP_E_CONFIG_BAD_OBJECT;
}

/* A string member unescaped over its own text (no escape is shorter than
 * what it stands for) and NUL-terminated there; the length or (size_t)-1. */
static size_t unescape_in_place(const dpp_json_val_t *v, char **out)
{
    char *s = (char *)v->p;
    size_t n = dpp_json_unescape(v, s, v->len);
    if (n != (size_t)-1) s[n] = '\0';
    *out = s;
    return n;
}

static int parse_discovery(const dpp_json_val_t *d, dpp_config_obj_t *out)
{
    static const char *const keys[] = {"ssid", "ssid64"};
    dpp_json_val_t v[2];
    if (d->type != DPP_JSON_OBJECT) return DPP_E_CONFIG_BAD_OBJECT;
    int rc = dpp_json_pick(d->p, d->len, keys, 2, v);
    if (rc != 0) return rc;
    if (string_member(&v[0]) != 0 || string_member(&v[1]) != 0) return DPP_E_CONFIG_BAD_OBJECT;
    if ((v[0].type == DPP_JSON_NONE) == (v[1].type == DPP_JSON_NONE)) return DPP_E_CONFIG_BAD_OBJECT;
    char *s;
    size_t n;
    if (v[0].type != DPP_JSON_NONE) {
        n = unescape_in_place(&v[0], &s);
    } else {
        size_t t = unescape_in_place(&v[1], &s);
        n = t == (size_t)-1 ? t : dpp_b64url_decode(s, t, (uint8_t *)s, t);
    }
    if (n == (size_t)-1 || n < 1 || n > 32) return DPP_E_CONFIG_BAD_OBJECT;
    out->ssid = (const uint8_t *)s;
    out->ssid_len = n;
    return DPP_OK;
}

static int parse_cred(const dpp_json_val_t *c, dpp_config_obj_t *out)
{
    static const char *const keys[] = {"akm", "pass", "psk_hex"};
    dpp_json_val_t v[3];
    if (c->type != DPP_JSON_OBJECT) return DPP_E_CONFIG_BAD_OBJECT;
    int rc = dpp_json_pick(c->p, c->len, keys, 3, v);
    if (rc != 0) return rc;
    for (int i = 0; i < 3; i++) {
        if (string_member(&v[i]) != 0) return DPP_E_CONFIG_BAD_OBJECT;
    }
    char akm[16];
    size_t an = v[0].type == DPP_JSON_NONE ? (size_t)-1 : dpp_json_unescape(&v[0], akm, sizeof(akm));
    if (an == 3 && memcmp(akm, "psk", 3) == 0) out->akm = DPP_AKM_PSK;
    else if (an == 3 && memcmp(akm, "sae", 3) == 0) out->akm = DPP_AKM_SAE;
    else if (an == 7 && memcmp(akm, "psk+sae", 7) == 0) out->akm = DPP_AKM_PSK_SAE;
    else return DPP_E_CONFIG_BAD_OBJECT; /* missing, "dpp" (needs a Connector) or unknown */
    char *s;
    if (v[2].type != DPP_JSON_NONE) {
        if (out->akm != DPP_AKM_PSK || v[1].type != DPP_JSON_NONE) return DPP_E_CONFIG_BAD_OBJECT;
        size_t n = unescape_in_place(&v[2], &s);
        if (n == (size_t)-1 || !is_hex64(s, n)) return DPP_E_CONFIG_BAD_OBJECT;
        out->psk_hex = s;
        out->has_pass = false;
        return DPP_OK;
    }
    if (v[1].type == DPP_JSON_NONE) return DPP_E_CONFIG_BAD_OBJECT;
    size_t n = unescape_in_place(&v[1], &s);
    if (n == (size_t)-1) return DPP_E_CONFIG_BAD_OBJECT;
    if (out->akm == DPP_AKM_SAE) {
        if (n < 1 || n > 128) return DPP_E_CONFIG_BAD_OBJECT;
    } else if (n < 8 || n > 63 || !printable_ascii(s, n)) {
        return DPP_E_CONFIG_BAD_OBJECT; /* WPA2 passphrase: 8-63 printable ASCII */
    }
    out->pass = s;
    out->pass_len = n;
    out->has_pass = true;
    return DPP_OK;
}

int dpp_parse_config_obj(char *text, size_t len, dpp_config_obj_t *out)
{
    static const char *const keys[] = {"wi-fi_tech", "discovery", "cred", "lwm2m_bundle"};
    dpp_json_val_t v[4];
    memset(out, 0, sizeof(*out));
    if (len > DPP_MAX_JSON_LEN) return DPP_E_CONFIG_TOO_LARGE;
    int rc = dpp_json_pick(text, len, keys, 4, v);
    if (rc != 0) return rc;
    char tech[8];
    if (v[0].type != DPP_JSON_STRING || dpp_json_unescape(&v[0], tech, sizeof(tech)) != 5 ||
        memcmp(tech, "infra", 5) != 0) {
        return DPP_E_CONFIG_BAD_OBJECT;
    }
    if ((rc = parse_discovery(&v[1], out)) != 0) return rc;
    if ((rc = parse_cred(&v[2], out)) != 0) return rc;
    if (v[3].type != DPP_JSON_NONE) {
        if (v[3].type != DPP_JSON_STRING) return DPP_E_CONFIG_BAD_OBJECT;
        if (v[3].len - 2 > (DPP_MAX_LWM2M_BUNDLE_LEN * 4 + 2) / 3 + 2) return DPP_E_CONFIG_TOO_LARGE;
        /* unescape, then decode, both in place over the string's own bytes */
        char *s;
        size_t t = unescape_in_place(&v[3], &s);
        if (t == (size_t)-1) return DPP_E_CONFIG_BAD_OBJECT;
        size_t n = dpp_b64url_decode(s, t, (uint8_t *)s, t);
        if (n == (size_t)-1) return DPP_E_CONFIG_BAD_OBJECT;
        if (n > DPP_MAX_LWM2M_BUNDLE_LEN) return DPP_E_CONFIG_TOO_LARGE;
        if (n == 0) return DPP_E_CONFIG_BAD_OBJECT;
        out->lwm2m_bundle = (const uint8_t *)s;
        out->lwm2m_bundle_len = n;
    }
    return DPP_OK;
}
