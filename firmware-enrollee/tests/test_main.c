/* test-core: unit tests of the portable enrollee core on the host crypto backend.
 * usage: test-core [VECTORS_DIR [FUZZ_ITERATIONS]] */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

int main(int argc, char **argv)
{
    const char *vectors = argc > 1 ? argv[1] : "../test/vectors";
    unsigned long iters = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
    group_crypto(vectors);
    group_codec();
    group_espnow(vectors);
    group_auth(vectors);
    group_enrollee();
    group_malformed();
    group_ble(vectors);
    group_fuzz(iters);
    return t_summary();
}
