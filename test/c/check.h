/* The C test harness both firmwares' unit tests share: CHECK() counts checks, a test case
 * (t_run) fails if any of its checks fails, and t_summary() prints "N passed, M failed", the line
 * .ci/run sums. */
#ifndef DPP_TEST_CHECK_H
#define DPP_TEST_CHECK_H

#include <stdbool.h>
#include <stdio.h>

extern unsigned long t_checks;
extern unsigned long t_check_failures;
extern bool t_case_failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        t_checks++;                                                                    \
        if (!(cond)) {                                                                 \
            t_check_failures++;                                                        \
            t_case_failed = true;                                                      \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                     \
    do {                                                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                                                    \
        t_checks++;                                                                                            \
        if (a_ != b_) {                                                                                        \
            t_check_failures++;                                                                                \
            t_case_failed = true;                                                                              \
            fprintf(stderr, "  %s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, \
                    b_);                                                                                       \
        }                                                                                                      \
    } while (0)

#define CHECK_EQ_U(a, b)                                                                               \
    do {                                                                                               \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                 \
        t_checks++;                                                                                    \
        if (a_ != b_) {                                                                                \
            t_check_failures++;                                                                        \
            t_case_failed = true;                                                                      \
            fprintf(stderr, "  %s:%d: CHECK failed: %s == %s (%llu != %llu)\n", __FILE__, __LINE__, #a, \
                    #b, a_, b_);                                                                       \
        }                                                                                              \
    } while (0)

/* Run one test case (called from the group functions). */
void t_run(const char *name, void (*fn)(void));
/* End a case made of the checks since the previous one ended (a script of steps, as the host
 * integration tests are). */
void t_end(const char *name);
/* Print a note that is not a failure. */
void t_note(const char *fmt, ...);
/* Print the totals; the process's exit status (0 only if every case passed). */
int t_summary(void);

#endif
