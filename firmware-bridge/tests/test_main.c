/* test-core: unit tests of the portable bridge core.
 * usage: test-core PATH/TO/bridge-serial.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

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
