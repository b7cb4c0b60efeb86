#include "dpp_json.h"

#include <string.h>

#include "dpp_err.h"

typedef struct {
    const char *p;
    size_t len, pos;
} cur_t;

static void ws(cur_t *c)
{
    while (c->pos < c->len && (c->p[c->pos] == ' ' || c->p[c->pos] == '\t' || c->p[c->pos] == '\n' ||
                               c->p[c->pos] == '\r')) {
        c->pos++;
    }
}

static bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = s[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) { i++; continue; }
        if ((b & 0xe0) == 0xc0) { n = 1; cp = b & 0x1f; }
        else if ((b & 0xf0) == 0xe0) { n = 2; cp = b & 0x0f; }
        else if ((b & 0xf8) == 0xf0) { n = 3; cp = b & 0x07; }
        else return false;
        if (len - i <= n) return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        /* shortest form, no surrogates, at most U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

static int hex4(const char *s, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        int d = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
              : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
        if (d < 0) return -1;
        *v = (*v << 4) | (uint32_t)d;
    }
    return 0;
}

static int skip_string(cur_t *c)
{
    if (c->pos >= c->len || c->p[c->pos] != '"') return DPP_E_DECODE_BAD_JSON;
    c->pos++;
    while (c->pos < c->len) {
        unsigned char ch = (unsigned char)c->p[c->pos];
        if (ch == '"') { c->pos++; return DPP_OK; }
        if (ch < 0x20) return DPP_E_DECODE_BAD_JSON;
        if (ch == '\\') {
            if (c->pos + 1 >= c->len) return DPP_E_DECODE_BAD_JSON;
            char e = c->p[c->pos + 1];
            if (e == 'u') {
                uint32_t v;
                if (c->len - c->pos < 6 || hex4(c->p + c->pos + 2, &v) != 0) return DPP_E_DECODE_BAD_JSON;
                c->pos += 6;
                continue;
            }
            if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') return DPP_E_DECODE_BAD_JSON;
            c->pos += 2;
            continue;
        }
        c->pos++;
    }
    return DPP_E_DECODE_BAD_JSON;
}

static int skip_number(cur_t *c)
{
    size_t s = c->pos;
    if (c->pos < c->len && c->p[c->pos] == '-') c->pos++;
    if (c->pos >= c->len) return DPP_E_DECODE_BAD_JSON;
    if (c->p[c->pos] == '0') {
        c->pos++;
    } else if (c->p[c->pos] >= '1' && c->p[c->pos] <= '9') {
        while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') c->pos++;
    } else {
        return DPP_E_DECODE_BAD_JSON;
    }
    if (c->pos < c->len && c->p[c->pos] == '.') {
        c->pos++;
        size_t d = c->pos;
        while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') c->pos++;
        if (c->pos == d) return DPP_E_DECODE_BAD_JSON;
    }
    if (c->pos < c->len && (c->p[c->pos] == 'e' || c->p[c->pos] == 'E')) {
        c->pos++;
        if (c->pos < c->len && (c->p[c->pos] == '+' || c->p[c->pos] == '-')) c->pos++;
        size_t d = c->pos;
        while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') c->pos++;
        if (c->pos == d) return DPP_E_DECODE_BAD_JSON;
    }
    return c->pos > s ? DPP_OK : DPP_E_DECODE_BAD_JSON;
}

static int skip_value(cur_t *c, int depth, dpp_json_type_t *type);

static int skip_container(cur_t *c, int depth, char close)
{
    if (depth >= DPP_JSON_MAX_DEPTH) return DPP_E_DECODE_BAD_JSON;
    c->pos++; /* '{' or '[' */
    ws(c);
    if (c->pos < c->len && c->p[c->pos] == close) { c->pos++; return DPP_OK; }
    for (;;) {
        dpp_json_type_t t;
        int rc;
        if (close == '}') {
            ws(c);
            if ((rc = skip_string(c)) != 0) return rc;
            ws(c);
            if (c->pos >= c->len || c->p[c->pos] != ':') return DPP_E_DECODE_BAD_JSON;
            c->pos++;
        }
        if ((rc = skip_value(c, depth + 1, &t)) != 0) return rc;
        ws(c);
        if (c->pos >= c->len) return DPP_E_DECODE_BAD_JSON;
        if (c->p[c->pos] == close) { c->pos++; return DPP_OK; }
        if (c->p[c->pos] != ',') return DPP_E_DECODE_BAD_JSON;
        c->pos++;
    }
}

static int skip_value(cur_t *c, int depth, dpp_json_type_t *type)
{
    ws(c);
    if (c->pos >= c->len) return DPP_E_DECODE_BAD_JSON;
    char ch = c->p[c->pos];
    switch (ch) {
    case '"': *type = DPP_JSON_STRING; return skip_string(c);
    case '{': *type = DPP_JSON_OBJECT; return skip_container(c, depth, '}');
    case '[': *type = DPP_JSON_ARRAY; return skip_container(c, depth, ']');
    case 't': case 'f': case 'n': {
        static const char *const lits[] = {"true", "false", "null"};
        *type = DPP_JSON_LITERAL;
        for (int i = 0; i < 3; i++) {
            size_t n = strlen(lits[i]);
            if (c->len - c->pos >= n && memcmp(c->p + c->pos, lits[i], n) == 0) { c->pos += n; return DPP_OK; }
        }
        return DPP_E_DECODE_BAD_JSON;
    }
    default: *type = DPP_JSON_NUMBER; return skip_number(c);
    }
}

/* Compare a raw key (with quotes, maybe escaped) with a plain name. */
static bool key_is(const char *raw, size_t raw_len, const char *name)
{
    char buf[40];
    dpp_json_val_t v = {DPP_JSON_STRING, raw, raw_len};
    size_t n = dpp_json_unescape(&v, buf, sizeof(buf));
    return n != (size_t)-1 && n == strlen(name) && memcmp(buf, name, n) == 0;
}

int dpp_json_pick(const char *text, size_t len, const char *const *keys, size_t n, dpp_json_val_t *vals)
{
    for (size_t i = 0; i < n; i++) {
        vals[i].type = DPP_JSON_NONE;
        vals[i].p = NULL;
        vals[i].len = 0;
    }
    if (!utf8_valid((const uint8_t *)text, len)) return DPP_E_DECODE_BAD_JSON;
    cur_t c = {text, len, 0};
    ws(&c);
    if (c.pos >= c.len || c.p[c.pos] != '{') return DPP_E_DECODE_BAD_JSON;
    c.pos++;
    ws(&c);
    if (c.pos < c.len && c.p[c.pos] == '}') {
        c.pos++;
    } else {
        for (;;) {
            ws(&c);
            size_t ks = c.pos;
            int rc = skip_string(&c);
            if (rc != 0) return rc;
            size_t klen = c.pos - ks;
            ws(&c);
            if (c.pos >= c.len || c.p[c.pos] != ':') return DPP_E_DECODE_BAD_JSON;
            c.pos++;
            ws(&c);
            size_t vs = c.pos;
            dpp_json_type_t t;
            if ((rc = skip_value(&c, 1, &t)) != 0) return rc;
            for (size_t i = 0; i < n; i++) {
                if (key_is(text + ks, klen, keys[i])) {
                    if (vals[i].type != DPP_JSON_NONE) return DPP_E_DECODE_BAD_JSON;
                    vals[i].type = t;
                    vals[i].p = text + vs;
                    vals[i].len = c.pos - vs;
                }
            }
            ws(&c);
            if (c.pos >= c.len) return DPP_E_DECODE_BAD_JSON;
            if (c.p[c.pos] == '}') { c.pos++; break; }
            if (c.p[c.pos] != ',') return DPP_E_DECODE_BAD_JSON;
            c.pos++;
        }
    }
    ws(&c);
    return c.pos == c.len ? DPP_OK : DPP_E_DECODE_BAD_JSON;
}

static size_t put_utf8(uint32_t cp, char *out, size_t o, size_t cap)
{
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (cap - o < n) return (size_t)-1;
    if (n == 1) { out[o] = (char)cp; }
    else if (n == 2) { out[o] = (char)(0xc0 | (cp >> 6)); out[o + 1] = (char)(0x80 | (cp & 0x3f)); }
    else if (n == 3) {
        out[o] = (char)(0xe0 | (cp >> 12)); out[o + 1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[o + 2] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[o] = (char)(0xf0 | (cp >> 18)); out[o + 1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[o + 2] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[o + 3] = (char)(0x80 | (cp & 0x3f));
    }
    return o + n;
}

size_t dpp_json_unescape(const dpp_json_val_t *v, char *out, size_t cap)
{
    if (v->type != DPP_JSON_STRING || v->len < 2) return (size_t)-1;
    const char *s = v->p + 1;
    size_t n = v->len - 2, o = 0;
    /* in place is safe: every escape is at least as long as what it writes */
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            if (o >= cap) return (size_t)-1;
            out[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        if (e != 'u') {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, e);
            if (k == NULL || o >= cap) return (size_t)-1;
            out[o++] = to[k - from];
            i += 2;
            continue;
        }
        uint32_t cp;
        if (n - i < 6 || hex4(s + i + 2, &cp) != 0) return (size_t)-1;
        i += 6;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;
            /* a high surrogate needs its low half; lone surrogates are not UTF-8 */
            if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' || hex4(s + i + 2, &lo) != 0 || lo < 0xdc00 ||
                lo > 0xdfff) {
                return (size_t)-1;
            }
            i += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return (size_t)-1;
        }
        o = put_utf8(cp, out, o, cap);
        if (o == (size_t)-1) return o;
    }
    return o;
}

void dpp_json_put_string(dpp_wbuf_t *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    dpp_wbuf_u8(w, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc != NULL) {
            dpp_wbuf_put(w, esc, 2);
        } else if (ch < 0x20) {
            char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            dpp_wbuf_put(w, u, 6);
        } else {
            dpp_wbuf_u8(w, ch);
        }
    }
    dpp_wbuf_u8(w, '"');
}

void dpp_json_put_key(dpp_wbuf_t *w, const char *key, bool first)
{
    if (!first) dpp_wbuf_u8(w, ',');
    dpp_json_put_string(w, key, strlen(key));
    dpp_wbuf_u8(w, ':');
}
