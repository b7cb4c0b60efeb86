#include "json_min.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    json_doc_t *doc;
    const char *s;
    size_t len, pos;
    int depth;
} parser_t;

static bool fail(parser_t *p, const char *msg)
{
    if (p->doc->err == NULL) {
        p->doc->err = msg;
        p->doc->err_pos = p->pos;
    }
    return false;
}

static void skip_ws(parser_t *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        p->pos++;
    }
}

static int new_node(parser_t *p, json_type_t t)
{
    if (p->doc->nnodes >= p->doc->max_nodes) {
        fail(p, "too many nodes");
        return -1;
    }
    int i = (int)p->doc->nnodes++;
    json_node_t *n = &p->doc->nodes[i];
    memset(n, 0, sizeof(*n));
    n->type = t;
    n->first_child = -1;
    n->next = -1;
    return i;
}

static bool arena_put(parser_t *p, char c)
{
    if (p->doc->arena_len >= p->doc->arena_cap) {
        return fail(p, "string arena full");
    }
    p->doc->arena[p->doc->arena_len++] = c;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool put_utf8(parser_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        return arena_put(p, (char)cp);
    }
    if (cp < 0x800) {
        return arena_put(p, (char)(0xC0 | (cp >> 6))) && arena_put(p, (char)(0x80 | (cp & 0x3F)));
    }
    if (cp < 0x10000) {
        return arena_put(p, (char)(0xE0 | (cp >> 12))) && arena_put(p, (char)(0x80 | ((cp >> 6) & 0x3F))) &&
               arena_put(p, (char)(0x80 | (cp & 0x3F)));
    }
    return arena_put(p, (char)(0xF0 | (cp >> 18))) && arena_put(p, (char)(0x80 | ((cp >> 12) & 0x3F))) &&
           arena_put(p, (char)(0x80 | ((cp >> 6) & 0x3F))) && arena_put(p, (char)(0x80 | (cp & 0x3F)));
}

static bool read_u4(parser_t *p, uint32_t *out)
{
    if (p->len - p->pos < 4) {
        return fail(p, "short \\u escape");
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p->s[p->pos + (size_t)k]);
        if (h < 0) {
            return fail(p, "bad \\u escape");
        }
        v = (v << 4) | (uint32_t)h;
    }
    p->pos += 4;
    *out = v;
    return true;
}

/* Parses a string at p->pos (which is at the opening quote). */
static bool parse_string(parser_t *p, const char **out, size_t *out_len)
{
    p->pos++; /* opening quote */
    size_t start = p->doc->arena_len;
    for (;;) {
        if (p->pos >= p->len) {
            return fail(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            return fail(p, "control character in string");
        }
        if (c != '\\') {
            if (!arena_put(p, (char)c)) {
                return false;
            }
            continue;
        }
        if (p->pos >= p->len) {
            return fail(p, "unterminated escape");
        }
        char e = p->s[p->pos++];
        char lit;
        switch (e) {
        case '"': lit = '"'; break;
        case '\\': lit = '\\'; break;
        case '/': lit = '/'; break;
        case 'b': lit = '\b'; break;
        case 'f': lit = '\f'; break;
        case 'n': lit = '\n'; break;
        case 'r': lit = '\r'; break;
        case 't': lit = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!read_u4(p, &cp)) {
                return false;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    return fail(p, "lone surrogate");
                }
                p->pos += 2;
                if (!read_u4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    return fail(p, "bad surrogate pair");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(p, "lone surrogate");
            }
            if (!put_utf8(p, cp)) {
                return false;
            }
            continue;
        }
        default:
            return fail(p, "bad escape");
        }
        if (!arena_put(p, lit)) {
            return false;
        }
    }
    if (!arena_put(p, '\0')) {
        return false;
    }
    *out = p->doc->arena + start;
    *out_len = p->doc->arena_len - start - 1;
    return true;
}

static bool parse_number(parser_t *p, double *out)
{
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-') p->pos++;
    if (p->pos >= p->len) return fail(p, "bad number");
    if (p->s[p->pos] == '0') {
        p->pos++;
    } else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    } else {
        return fail(p, "bad number");
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        size_t d = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
        if (d == p->pos) return fail(p, "bad fraction");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
        size_t d = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
        if (d == p->pos) return fail(p, "bad exponent");
    }
    char tmp[64];
    size_t n = p->pos - start;
    if (n >= sizeof(tmp)) return fail(p, "number too long");
    memcpy(tmp, p->s + start, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

static bool literal(parser_t *p, const char *lit)
{
    size_t n = strlen(lit);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n) != 0) {
        return fail(p, "bad literal");
    }
    p->pos += n;
    return true;
}

static int parse_value(parser_t *p);

static int parse_container(parser_t *p, bool object)
{
    int self = new_node(p, object ? JSON_OBJECT : JSON_ARRAY);
    if (self < 0) return -1;
    if (++p->depth > 64) {
        fail(p, "nesting too deep");
        return -1;
    }
    p->pos++; /* [ or { */
    skip_ws(p);
    const char close = object ? '}' : ']';
    int last = -1;
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return self;
    }
    for (;;) {
        const char *key = NULL;
        size_t key_len = 0;
        skip_ws(p);
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected member name");
                return -1;
            }
            if (!parse_string(p, &key, &key_len)) return -1;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                fail(p, "expected ':'");
                return -1;
            }
            p->pos++;
        }
        int child = parse_value(p);
        if (child < 0) return -1;
        p->doc->nodes[child].key = key;
        if (last < 0) {
            p->doc->nodes[self].first_child = child;
        } else {
            p->doc->nodes[last].next = child;
        }
        last = child;
        p->doc->nodes[self].count++;
        skip_ws(p);
        if (p->pos >= p->len) {
            fail(p, "unterminated container");
            return -1;
        }
        char c = p->s[p->pos++];
        if (c == ',') continue;
        if (c == close) break;
        fail(p, "expected ',' or close");
        return -1;
    }
    p->depth--;
    return self;
}

static int parse_value(parser_t *p)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        fail(p, "unexpected end");
        return -1;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        return parse_container(p, c == '{');
    }
    if (c == '"') {
        int i = new_node(p, JSON_STRING);
        if (i < 0) return -1;
        const char *s;
        size_t n;
        if (!parse_string(p, &s, &n)) return -1;
        p->doc->nodes[i].str = s;
        p->doc->nodes[i].str_len = n;
        return i;
    }
    if (c == 't' || c == 'f') {
        int i = new_node(p, JSON_BOOL);
        if (i < 0 || !literal(p, c == 't' ? "true" : "false")) return -1;
        p->doc->nodes[i].boolean = (c == 't');
        return i;
    }
    if (c == 'n') {
        int i = new_node(p, JSON_NULL);
        if (i < 0 || !literal(p, "null")) return -1;
        return i;
    }
    int i = new_node(p, JSON_NUMBER);
    if (i < 0) return -1;
    double v;
    if (!parse_number(p, &v)) return -1;
    p->doc->nodes[i].num = v;
    return i;
}

int json_parse(json_doc_t *doc, const char *text, size_t len)
{
    parser_t p = {doc, text, len, 0, 0};
    doc->nnodes = 0;
    doc->arena_len = 0;
    doc->err = NULL;
    int root = parse_value(&p);
    if (root < 0) return -1;
    skip_ws(&p);
    if (p.pos != len) {
        fail(&p, "trailing characters");
        return -1;
    }
    return root;
}

const json_node_t *json_root(const json_doc_t *doc) { return doc->nnodes > 0 ? &doc->nodes[0] : NULL; }

const json_node_t *json_get(const json_doc_t *doc, const json_node_t *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT) return NULL;
    for (int i = obj->first_child; i >= 0; i = doc->nodes[i].next) {
        if (doc->nodes[i].key != NULL && strcmp(doc->nodes[i].key, key) == 0) return &doc->nodes[i];
    }
    return NULL;
}

const json_node_t *json_at(const json_doc_t *doc, const json_node_t *arr, size_t idx)
{
    if (arr == NULL || (arr->type != JSON_ARRAY && arr->type != JSON_OBJECT)) return NULL;
    size_t k = 0;
    for (int i = arr->first_child; i >= 0; i = doc->nodes[i].next, k++) {
        if (k == idx) return &doc->nodes[i];
    }
    return NULL;
}
