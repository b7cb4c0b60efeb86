#include "dpp_b64.h"

static const char std_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int val(char c, bool url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

/* Decode n symbols (no padding). In place is safe: out advances slower than in. */
static size_t decode_body(const char *in, size_t n, bool url, uint8_t *out, size_t cap)
{
    if (n % 4 == 1) {
        return (size_t)-1;
    }
    size_t olen = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
    if (olen > cap) {
        return (size_t)-1;
    }
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = val(in[i], url);
        if (v < 0) {
            return (size_t)-1;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* canonical: the unused low bits of the last symbol are zero */
    if (bits > 0 && (acc & ((1u << bits) - 1u)) != 0) {
        return (size_t)-1;
    }
    return o;
}

size_t dpp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 != 0) {
        return (size_t)-1;
    }
    size_t n = len;
    if (n > 0 && in[n - 1] == '=') n--;
    if (n > 0 && in[n - 1] == '=') n--;
    /* padding only where the length needs it */
    if ((len - n) != (n % 4 == 0 ? 0 : 4 - n % 4)) {
        return (size_t)-1;
    }
    return decode_body(in, n, false, out, cap);
}

size_t dpp_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    size_t n = len;
    while (n > 0 && in[n - 1] == '=') n--;
    return decode_body(in, n, true, out, cap);
}

static size_t encode(const uint8_t *in, size_t len, char *out, size_t cap, const char *alpha, bool pad)
{
    size_t full = len / 3, rest = len % 3;
    size_t olen = full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
    if (olen + 1 > cap) {
        return (size_t)-1;
    }
    size_t o = 0;
    for (size_t i = 0; i < full * 3; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        out[o++] = alpha[(v >> 6) & 63];
        out[o++] = alpha[v & 63];
    }
    if (rest > 0) {
        uint32_t v = (uint32_t)in[full * 3] << 16;
        if (rest == 2) v |= (uint32_t)in[full * 3 + 1] << 8;
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        if (rest == 2) out[o++] = alpha[(v >> 6) & 63];
        if (pad) {
            while (o % 4 != 0) out[o++] = '=';
        }
    }
    out[o] = '\0';
    return o;
}

size_t dpp_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    return encode(in, len, out, cap, std_alpha, true);
}

size_t dpp_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    return encode(in, len, out, cap, url_alpha, false);
}
