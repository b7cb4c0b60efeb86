/* A small, strict JSON parser for the shared test vectors (RFC 8259 subset
 * that matters here: objects, arrays, strings with escapes, numbers, true,
 * false, null). Parses into a caller-sized node array; strings are
 * unescaped into a caller-sized arena. Test code only. */
#ifndef DPP_TEST_JSON_MIN_H
#define DPP_TEST_JSON_MIN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type_t;

typedef struct {
    json_type_t type;
    const char *key;  /* member name when the parent is an object */
    const char *str;  /* JSON_STRING: NUL-terminated, unescaped */
    size_t str_len;
    double num;       /* JSON_NUMBER */
    bool boolean;     /* JSON_BOOL */
    int first_child;  /* -1 if none */
    int next;         /* next sibling, -1 if none */
    size_t count;     /* children */
} json_node_t;

typedef struct {
    json_node_t *nodes;
    size_t max_nodes, nnodes;
    char *arena;
    size_t arena_cap, arena_len;
    const char *err;
    size_t err_pos;
} json_doc_t;

/* Returns the root node index (0) or -1 on error (doc->err, doc->err_pos). */
int json_parse(json_doc_t *doc, const char *text, size_t len);
const json_node_t *json_root(const json_doc_t *doc);
const json_node_t *json_get(const json_doc_t *doc, const json_node_t *obj, const char *key);
const json_node_t *json_at(const json_doc_t *doc, const json_node_t *arr, size_t i);

#endif
