/* Base64 as DPP uses it: standard alphabet with padding for the URI's K:
 * token, base64url without padding for ssid64 and lwm2m_bundle. Decoders
 * accept canonical input only (unused trailing bits zero), so one value
 * has one spelling. */
#ifndef DPP_B64_H
#define DPP_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict standard base64: length a multiple of 4, canonical padding.
 * Returns the decoded length or (size_t)-1. out may equal in. */
size_t dpp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);
/* base64url; trailing '=' tolerated on input (some peers send it). */
size_t dpp_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);
/* Encoders return the text length (without NUL) or (size_t)-1 if cap is short. */
size_t dpp_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);
size_t dpp_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
