/* Hex text to bytes and back, for both firmwares' tests and vector tools. */
#ifndef DPP_TEST_HEX_H
#define DPP_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Upper or lower case, an even number of digits; the length, or (size_t)-1. */
size_t hex_decode(const char *hex, uint8_t *out, size_t cap);
/* Lower case, NUL-terminated: out holds 2 * len + 1 characters. */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif
