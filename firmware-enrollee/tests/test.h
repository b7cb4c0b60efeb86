/* Minimal test harness (the bridge's): CHECK() counts checks; a test case
 * fails if any of its checks fails. test_main.c prints "N passed, M failed". */
#ifndef ENROLLEE_TEST_H
#define ENROLLEE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* bytes equal to a hex string */
#define CHECK_HEX(bytes, len, hex) CHECK(hex_eq((bytes), (len), (hex)))

void t_run(const char *name, void (*fn)(void));
void t_note(const char *fmt, ...);

/* groups */
void group_crypto(const char *vectors_dir);
void group_codec(void);
void group_espnow(const char *vectors_dir);
void group_auth(const char *vectors_dir);
void group_enrollee(void);
void group_malformed(void);
void group_fuzz(unsigned long iterations);

#endif
