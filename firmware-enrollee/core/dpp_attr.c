#include "dpp_attr.h"

#include <string.h>

#include "dpp_err.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

int dpp_attrs_decode(const uint8_t *p, size_t len, dpp_attrs_t *out)
{
    size_t pos = 0;
    out->n = 0;
    while (pos < len) {
        if (len - pos < DPP_ATTR_HDR_LEN) {
            return DPP_E_DECODE_TRUNCATED;
        }
        uint16_t id = rd16(p + pos);
        uint16_t alen = rd16(p + pos + 2);
        size_t start = pos + DPP_ATTR_HDR_LEN;
        if (alen > len - start) {
            return DPP_E_DECODE_ATTRIBUTE_OVERRUN;
        }
        if (out->n == DPP_MAX_ATTRIBUTES) {
            return DPP_E_DECODE_OVERSIZED;
        }
        out->a[out->n].id = id;
        out->a[out->n].len = alen;
        out->a[out->n].val = p + start;
        out->n++;
        pos = start + alen;
    }
    return DPP_OK;
}

int dpp_attrs_pick(const dpp_attrs_t *attrs, const dpp_attr_rule_t *rules, size_t n, const dpp_attr_t **found)
{
    for (size_t r = 0; r < n; r++) {
        found[r] = NULL;
        for (size_t i = 0; i < attrs->n; i++) {
            if (attrs->a[i].id != rules[r].id) {
                continue;
            }
            if (found[r] != NULL) {
                return DPP_E_DECODE_DUPLICATE_ATTRIBUTE;
            }
            found[r] = &attrs->a[i];
        }
        if (found[r] == NULL && !rules[r].optional) {
            return DPP_E_DECODE_MISSING_ATTRIBUTE;
        }
        if (found[r] != NULL && rules[r].len >= 0 && found[r]->len != (uint16_t)rules[r].len) {
            return DPP_E_DECODE_BAD_ATTRIBUTE_LENGTH;
        }
    }
    return DPP_OK;
}

int dpp_split_wrapped(const dpp_attrs_t *attrs, size_t *before_len, const dpp_attr_t **wrapped)
{
    size_t off = 0;
    for (size_t i = 0; i < attrs->n; i++) {
        if (attrs->a[i].id == DPP_ATTR_WRAPPED_DATA) {
            if (i != attrs->n - 1) {
                return DPP_E_DECODE_ATTRIBUTE_ORDER;
            }
            *before_len = off;
            *wrapped = &attrs->a[i];
            return DPP_OK;
        }
        off += DPP_ATTR_HDR_LEN + attrs->a[i].len;
    }
    return DPP_E_DECODE_MISSING_ATTRIBUTE;
}

void dpp_wbuf_init(dpp_wbuf_t *w, uint8_t *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->len = 0;
    w->overflow = false;
}

void dpp_wbuf_put(dpp_wbuf_t *w, const void *data, size_t len)
{
    if (w->overflow || len > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    if (len > 0) {
        memmove(w->p + w->len, data, len);
    }
    w->len += len;
}

void dpp_wbuf_u8(dpp_wbuf_t *w, uint8_t v)
{
    dpp_wbuf_put(w, &v, 1);
}

void dpp_wbuf_u16le(dpp_wbuf_t *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    dpp_wbuf_put(w, b, 2);
}

uint8_t *dpp_reserve_attr(dpp_wbuf_t *w, uint16_t id, size_t len)
{
    if (len > 0xffffu) {
        w->overflow = true;
        return NULL;
    }
    dpp_wbuf_u16le(w, id);
    dpp_wbuf_u16le(w, (uint16_t)len);
    if (w->overflow || len > w->cap - w->len) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *v = w->p + w->len;
    w->len += len;
    return v;
}

void dpp_put_attr(dpp_wbuf_t *w, uint16_t id, const void *val, size_t len)
{
    uint8_t *v = dpp_reserve_attr(w, id, len);
    if (v != NULL && len > 0) {
        memmove(v, val, len);
    }
}
