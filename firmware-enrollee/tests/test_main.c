/* test-core: unit tests of the portable enrollee core on the host crypto backend.
 * usage: test-core [VECTORS_DIR [FUZZ_ITERATIONS]] */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

unsigned long t_checks;
unsigned long t_check_failures;
bool t_case_failed;
static unsigned long cases_passed, cases_failed;

void t_run(const char *name, void (*fn)(void))
{
    t_case_failed = false;
    unsigned long before = t_checks;
    fn();
    if (t_case_failed) {
        cases_failed++;
        printf("FAIL %s\n", name);
    } else {
        cases_passed++;
        printf("ok   %s (%lu checks)\n", name, t_checks - before);
    }
    fflush(stdout);
}

void t_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("     note: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

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
    group_fuzz(iters);
    printf("\n%lu checks, %lu failed checks\n", t_checks, t_check_failures);
    printf("%lu passed, %lu failed\n", cases_passed, cases_failed);
    return cases_failed == 0 && t_check_failures == 0 ? 0 : 1;
}
