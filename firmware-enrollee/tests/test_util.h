/* Helpers shared by the tests and the cross-check tool: hex, vector files. */
#ifndef ENROLLEE_TEST_UTIL_H
#define ENROLLEE_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hex.h"
#include "json_min.h"

bool hex_eq(const uint8_t *bytes, size_t len, const char *hex);

/* A vector file parsed into static storage (one file at a time per slot). */
typedef struct {
    json_doc_t doc;
    json_node_t nodes[512];
    char arena[65536];
    char text[65536];
} vector_file_t;

bool vector_load(vector_file_t *v, const char *dir, const char *name);
/* A hex member of obj decoded into out; returns its length or (size_t)-1. */
size_t vector_hex(const vector_file_t *v, const json_node_t *obj, const char *key, uint8_t *out, size_t cap);
const char *vector_str(const vector_file_t *v, const json_node_t *obj, const char *key);

#endif
