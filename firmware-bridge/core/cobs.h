/* Consistent Overhead Byte Stuffing (Cheshire & Baker), without the 0x00
 * delimiter: the framing layer appends it. Portable C11, no allocation. */
#ifndef BRIDGE_COBS_H
#define BRIDGE_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Worst-case encoded size of n input bytes: one code byte per 254 bytes, plus one. */
#define COBS_MAX_ENCODED_LEN(n) ((size_t)(n) + (size_t)(n) / 254u + 1u)

/* Incremental encoder, so that a message and its CRC can be encoded without
 * first being copied into one buffer. The encoding is the minimal one: a
 * final block of 254 non-zero bytes is not followed by an extra 0x01. */
typedef struct {
    uint8_t *out;
    size_t cap;
    size_t pos;      /* next free byte in out */
    size_t code_pos; /* where the current block's code byte goes */
    uint8_t code;    /* 1 + number of data bytes in the current block */
    bool overflow;
    bool block_full; /* last block closed because it reached 254 bytes */
} cobs_encoder_t;

void cobs_encoder_init(cobs_encoder_t *e, uint8_t *out, size_t cap);
void cobs_encoder_put(cobs_encoder_t *e, const uint8_t *data, size_t len);
/* Returns the encoded length (>= 1), or 0 if `cap` was too small. */
size_t cobs_encoder_finish(cobs_encoder_t *e);

/* One-shot encode. Returns the encoded length, or 0 if `cap` is too small. */
size_t cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Decode one frame (without its 0x00 delimiter). `out` may equal `in`
 * (in-place decoding is safe: the output never overtakes the input).
 * Returns false if the input contains 0x00, a code byte points past the end,
 * or the output does not fit in `cap`. */
bool cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
