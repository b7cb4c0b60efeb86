/* The bridge's unit-test groups, on the shared harness (test/c/check.h). */
#ifndef BRIDGE_TEST_H
#define BRIDGE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "hex.h"

/* groups */
void group_codec(void);
void group_vectors(const char *path);
void group_bridge(void);
void group_fuzz(void);

/* helpers shared by the groups */
bool bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
