#include "test_util.h"

#include <stdio.h>
#include <string.h>

bool hex_eq(const uint8_t *bytes, size_t len, const char *hex)
{
    static uint8_t buf[20000];
    size_t n = hex_decode(hex, buf, sizeof(buf));
    if (n == (size_t)-1 || n != len || memcmp(buf, bytes, len) != 0) {
        static char got[40001];
        hex_encode(bytes, len > 20000 ? 20000 : len, got);
        fprintf(stderr, "    got      %s\n    expected %s\n", got, hex);
        return false;
    }
    return true;
}

bool vector_load(vector_file_t *v, const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    size_t n = fread(v->text, 1, sizeof(v->text) - 1, f);
    fclose(f);
    v->text[n] = '\0';
    memset(&v->doc, 0, sizeof(v->doc));
    v->doc.nodes = v->nodes;
    v->doc.max_nodes = sizeof(v->nodes) / sizeof(v->nodes[0]);
    v->doc.arena = v->arena;
    v->doc.arena_cap = sizeof(v->arena);
    if (json_parse(&v->doc, v->text, n) < 0) {
        fprintf(stderr, "%s: %s at %zu\n", path, v->doc.err, v->doc.err_pos);
        return false;
    }
    return true;
}

const char *vector_str(const vector_file_t *v, const json_node_t *obj, const char *key)
{
    const json_node_t *n = json_get(&v->doc, obj, key);
    return n != NULL && n->type == JSON_STRING ? n->str : NULL;
}

size_t vector_hex(const vector_file_t *v, const json_node_t *obj, const char *key, uint8_t *out, size_t cap)
{
    const char *s = vector_str(v, obj, key);
    return s == NULL ? (size_t)-1 : hex_decode(s, out, cap);
}
