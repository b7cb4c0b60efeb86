#include "check.h"

#include <stdarg.h>

unsigned long t_checks;
unsigned long t_check_failures;
bool t_case_failed;
static unsigned long cases_passed, cases_failed;
static unsigned long case_first_check;

void t_end(const char *name)
{
    if (t_case_failed) {
        cases_failed++;
        printf("FAIL %s\n", name);
    } else {
        cases_passed++;
        printf("ok   %s (%lu checks)\n", name, t_checks - case_first_check);
    }
    fflush(stdout);
    t_case_failed = false;
    case_first_check = t_checks;
}

void t_run(const char *name, void (*fn)(void))
{
    t_case_failed = false;
    case_first_check = t_checks;
    fn();
    t_end(name);
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

int t_summary(void)
{
    printf("\n%lu checks, %lu failed checks\n", t_checks, t_check_failures);
    printf("%lu passed, %lu failed\n", cases_passed, cases_failed);
    return cases_failed == 0 && t_check_failures == 0 ? 0 : 1;
}
