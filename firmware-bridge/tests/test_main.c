/* test-core: unit tests of the portable bridge core.
 * usage: test-core PATH/TO/bridge-serial.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

size_t hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > cap) {
        return (size_t)-1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + (size_t)k];
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                     : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (d < 0) {
                return (size_t)-1;
            }
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

bool bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

int main(int argc, char **argv)
{
    const char *vectors = argc > 1 ? argv[1] : "../test/vectors/bridge-serial.json";
    group_codec();
    group_vectors(vectors);
    group_bridge();
    group_fuzz();
    return t_summary();
}
