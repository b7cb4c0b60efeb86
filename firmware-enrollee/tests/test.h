/* The enrollee's unit-test groups, on the shared harness (test/c/check.h). */
#ifndef ENROLLEE_TEST_H
#define ENROLLEE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

/* bytes equal to a hex string */
#define CHECK_HEX(bytes, len, hex) CHECK(hex_eq((bytes), (len), (hex)))

/* groups */
void group_crypto(const char *vectors_dir);
void group_codec(void);
void group_espnow(const char *vectors_dir);
void group_auth(const char *vectors_dir);
void group_enrollee(void);
void group_malformed(void);
void group_fuzz(unsigned long iterations);
void group_ble(const char *vectors_dir);

#endif
