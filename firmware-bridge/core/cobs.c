#include "cobs.h"

void cobs_encoder_init(cobs_encoder_t *e, uint8_t *out, size_t cap)
{
    e->out = out;
    e->cap = cap;
    e->code_pos = 0;
    e->pos = 1; /* the first code byte is reserved at index 0 */
    e->code = 1;
    e->overflow = false;
    e->block_full = false;
}

static void cobs_write(cobs_encoder_t *e, size_t idx, uint8_t v)
{
    if (idx < e->cap) {
        e->out[idx] = v;
    } else {
        e->overflow = true;
    }
}

static void cobs_close_block(cobs_encoder_t *e)
{
    cobs_write(e, e->code_pos, e->code);
    e->code_pos = e->pos; /* reserve the next block's code byte */
    e->pos++;
    e->code = 1;
}

void cobs_encoder_put(cobs_encoder_t *e, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        e->block_full = false;
        if (b == 0) {
            cobs_close_block(e);
            continue;
        }
        cobs_write(e, e->pos, b);
        e->pos++;
        e->code++;
        if (e->code == 0xFF) {
            cobs_close_block(e);
            e->block_full = true;
        }
    }
}

size_t cobs_encoder_finish(cobs_encoder_t *e)
{
    size_t n = e->pos;
    if (e->block_full) {
        /* The last block was a full 254-byte run: the block reserved after it
         * is empty and carries no implied zero, so its code byte is dropped. */
        n--;
    } else {
        cobs_write(e, e->code_pos, e->code);
    }
    if (e->overflow || n > e->cap) {
        return 0;
    }
    return n;
}

size_t cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    cobs_encoder_t e;
    cobs_encoder_init(&e, out, cap);
    cobs_encoder_put(&e, in, len);
    return cobs_encoder_finish(&e);
}

bool cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t i = 0;
    size_t o = 0;
    while (i < len) {
        uint8_t code = in[i];
        if (code == 0) {
            return false;
        }
        size_t n = (size_t)code - 1u;
        if (n > len - i - 1u) {
            return false; /* code byte points past the end */
        }
        if (n > cap - o) {
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            uint8_t b = in[i + 1u + k];
            if (b == 0) {
                return false;
            }
            out[o++] = b; /* o <= i + k, so in-place decoding is safe */
        }
        i += 1u + n;
        if (code != 0xFF && i < len) {
            if (o >= cap) {
                return false;
            }
            out[o++] = 0;
        }
    }
    *out_len = o;
    return true;
}
