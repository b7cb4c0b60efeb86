/* A small, strict, bounded JSON reader and writer for the three JSON
 * objects the enrollee handles: the Configuration Object it receives, the
 * configAttrib and Connection Status objects it sends. No allocation:
 * values are spans into the text. Nesting is bounded by DPP_JSON_MAX_DEPTH. */
#ifndef DPP_JSON_H
#define DPP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpp_attr.h"

#define DPP_JSON_MAX_DEPTH 16

typedef enum { DPP_JSON_NONE, DPP_JSON_STRING, DPP_JSON_NUMBER, DPP_JSON_OBJECT, DPP_JSON_ARRAY,
               DPP_JSON_LITERAL } dpp_json_type_t;

typedef struct {
    dpp_json_type_t type; /* DPP_JSON_NONE: the member is absent */
    const char *p;        /* the value's text; a string's includes its quotes */
    size_t len;
} dpp_json_val_t;

/* Check that text is one JSON object (UTF-8, nothing after it) and pick
 * the members named in keys: vals[i] for keys[i]. A picked member given
 * twice is refused. DPP_E_DECODE_BAD_JSON for anything malformed. */
int dpp_json_pick(const char *text, size_t len, const char *const *keys, size_t n, dpp_json_val_t *vals);

/* A string value's content, unescaped, as UTF-8. Returns the length or
 * (size_t)-1 if it does not fit cap. out may be v->p (in place). */
size_t dpp_json_unescape(const dpp_json_val_t *v, char *out, size_t cap);

/* Writers as JSON.stringify spells them. */
void dpp_json_put_string(dpp_wbuf_t *w, const char *s, size_t len);
void dpp_json_put_key(dpp_wbuf_t *w, const char *key, bool first);

#endif
