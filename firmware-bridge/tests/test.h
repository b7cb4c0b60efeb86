/* Minimal test harness: CHECK() counts checks; a test case fails if any of
 * its checks fails. test_main.c prints "N passed, N failed". */
#ifndef BRIDGE_TEST_H
#define BRIDGE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern unsigned long t_checks;
extern unsigned long t_check_failures;
extern bool t_case_failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        t_checks++;                                                                  \
        if (!(cond)) {                                                               \
            t_check_failures++;                                                      \
            t_case_failed = true;                                                    \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
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

/* Register and run one test case (called from the group functions). */
void t_run(const char *name, void (*fn)(void));
/* Print a note that is not a failure. */
void t_note(const char *fmt, ...);

/* groups */
void group_codec(void);
void group_vectors(const char *path);
void group_bridge(void);
void group_fuzz(void);

/* helpers shared by the groups */
size_t hex_decode(const char *hex, uint8_t *out, size_t cap); /* (size_t)-1 on error */
bool bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
