#include "dpp_bootstrap.h"

#include <stdio.h>
#include <string.h>

#include "dpp_b64.h"
#include "dpp_crypto.h"
#include "dpp_err.h"

/* SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 0x00 || compressed point } */
static const uint8_t spki_p256_compressed_prefix[] = {0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                                      0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                                      0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00};
static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_prime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static int hash_der(const uint8_t *der, size_t len, bool chirp, uint8_t out[32])
{
    dpp_span_t parts[2] = {{(const uint8_t *)"chirp", 5}, {der, len}};
    return chirp ? dpp_sha256(parts, 2, out) : dpp_sha256(&parts[1], 1, out);
}

void dpp_own_key_der(const dpp_own_key_t *k, uint8_t der[DPP_SPKI_COMPRESSED_LEN])
{
    memcpy(der, spki_p256_compressed_prefix, sizeof(spki_p256_compressed_prefix));
    der[sizeof(spki_p256_compressed_prefix)] = (uint8_t)(2 + (k->pub[63] & 1)); /* y parity */
    memcpy(der + sizeof(spki_p256_compressed_prefix) + 1, k->pub, 32);
}

int dpp_own_key_init(dpp_own_key_t *k, const uint8_t priv[32])
{
    memcpy(k->priv, priv, 32);
    int rc = dpp_p256_public(priv, k->pub);
    if (rc != 0) {
        return DPP_E_CRYPTO_KEY_MISMATCH;
    }
    uint8_t der[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_der(k, der);
    return hash_der(der, sizeof(der), false, k->hash);
}

int dpp_own_key_chirp(const dpp_own_key_t *k, uint8_t chirp[32])
{
    uint8_t der[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_der(k, der);
    return hash_der(der, sizeof(der), true, chirp);
}

typedef struct {
    uint8_t tag;
    const uint8_t *val;
    size_t len;
    size_t end; /* offset after the value */
} tlv_t;

/* One DER TLV at off within [0, limit): definite short or 1-2 byte long lengths. */
static int read_tlv(const uint8_t *b, size_t off, size_t limit, tlv_t *t)
{
    if (off + 2 > limit) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    t->tag = b[off];
    size_t len = b[off + 1];
    size_t pos = off + 2;
    if (len & 0x80u) {
        size_t n = len & 0x7fu;
        if (n == 0 || n > 2 || pos + n > limit) {
            return DPP_E_KEY_BAD_ENCODING;
        }
        len = 0;
        for (size_t i = 0; i < n; i++) {
            len = (len << 8) | b[pos + i];
        }
        pos += n;
    }
    if (len > limit - pos) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    t->val = b + pos;
    t->len = len;
    t->end = pos + len;
    return DPP_OK;
}

static bool eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

int dpp_spki_parse(const uint8_t *der, size_t len, uint8_t pub[64])
{
    tlv_t spki, alg, oid, params, bits;
    if (read_tlv(der, 0, len, &spki) != 0 || spki.tag != 0x30 || spki.end != len) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    if (read_tlv(spki.val, 0, spki.len, &alg) != 0 || alg.tag != 0x30) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    if (read_tlv(alg.val, 0, alg.len, &oid) != 0 || oid.tag != 0x06) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    if (!eq(oid.val, oid.len, oid_ec_public_key, sizeof(oid_ec_public_key))) {
        return DPP_E_URI_UNSUPPORTED_CURVE;
    }
    if (oid.end >= alg.len || read_tlv(alg.val, oid.end, alg.len, &params) != 0) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    if (params.tag == 0x30) {
        return DPP_E_URI_UNSUPPORTED_CURVE; /* explicit curve parameters */
    }
    if (params.tag != 0x06) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    if (!eq(params.val, params.len, oid_prime256v1, sizeof(oid_prime256v1))) {
        return DPP_E_URI_UNSUPPORTED_CURVE;
    }
    if (params.end != alg.len) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    if (read_tlv(spki.val, alg.end, spki.len, &bits) != 0 || bits.tag != 0x03 || bits.end != spki.len ||
        bits.len < 1 || bits.val[0] != 0) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    const uint8_t *sec1 = bits.val + 1;
    size_t slen = bits.len - 1;
    if (!((slen == 33 && (sec1[0] == 2 || sec1[0] == 3)) || (slen == 65 && sec1[0] == 4))) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    int rc = dpp_p256_decode_sec1(sec1, slen, pub);
    return rc == DPP_E_CRYPTO_BAD_POINT ? DPP_E_KEY_NOT_ON_CURVE : rc;
}

int dpp_peer_key_from_der(dpp_peer_key_t *k, const uint8_t *der, size_t len)
{
    if (len > DPP_SPKI_MAX_LEN) {
        return DPP_E_KEY_BAD_ENCODING;
    }
    int rc = dpp_spki_parse(der, len, k->pub);
    if (rc != 0) {
        return rc;
    }
    return hash_der(der, len, false, k->hash);
}

/* A decimal 1..255 in s[0..n). */
static int dec255(const char *s, size_t n)
{
    if (n == 0 || n > 3) {
        return -1;
    }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 255 ? v : -1;
}

/* C: class/channel[,channel][,class/channel]...; a bare channel reuses the class before it. */
static int parse_channels(const char *v, size_t n, dpp_uri_t *out)
{
    int op_class = -1;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ',') j++;
        const char *e = v + i;
        size_t elen = j - i;
        if (elen == 0) {
            return DPP_E_URI_BAD_CHANNEL;
        }
        const char *slash = memchr(e, '/', elen);
        int ch;
        if (slash != NULL) {
            op_class = dec255(e, (size_t)(slash - e));
            ch = dec255(slash + 1, elen - (size_t)(slash - e) - 1);
            if (op_class < 0) {
                return DPP_E_URI_BAD_CHANNEL;
            }
        } else {
            ch = dec255(e, elen);
        }
        if (ch < 0 || op_class < 0) {
            return DPP_E_URI_BAD_CHANNEL;
        }
        /* class 81: 2.4 GHz channels 1-13; 82: channel 14; others are 5 GHz and more */
        bool usable = (op_class == 81 && ch <= 13) || (op_class == 82 && ch == 14);
        bool seen = false;
        for (size_t k = 0; k < out->n_channels; k++) {
            seen = seen || out->channels[k] == ch;
        }
        if (usable && !seen && out->n_channels < DPP_URI_MAX_CHANNELS) {
            out->channels[out->n_channels++] = (uint8_t)ch;
        }
        i = j + 1;
        if (j + 1 == n) {
            break; /* a trailing comma: the empty last element is ignored */
        }
    }
    return DPP_OK;
}

int dpp_uri_parse(const char *s, size_t len, dpp_uri_t *out)
{
    memset(out, 0, sizeof(*out));
    if (len > DPP_URI_MAX_LEN || len < 6 || memcmp(s, "DPP:", 4) != 0 || s[len - 1] != ';' ||
        s[len - 2] != ';') {
        return DPP_E_URI_SYNTAX;
    }
    uint32_t seen = 0; /* one bit per token letter */
    const char *key = NULL;
    size_t key_len = 0;
    size_t pos = 4;
    size_t end = len - 1; /* the final ';' ends the token list */
    while (pos < end) {
        const char *semi = memchr(s + pos, ';', end - pos);
        if (semi == NULL) {
            return DPP_E_URI_SYNTAX;
        }
        size_t tlen = (size_t)(semi - (s + pos));
        const char *t = s + pos;
        if (tlen < 2 || t[0] < 'A' || t[0] > 'Z' || t[1] != ':') {
            return DPP_E_URI_SYNTAX;
        }
        uint32_t bit = 1u << (t[0] - 'A');
        if (seen & bit) {
            return DPP_E_URI_DUPLICATE_TOKEN;
        }
        seen |= bit;
        if (t[0] == 'K') {
            key = t + 2;
            key_len = tlen - 2;
        } else if (t[0] == 'C') {
            int rc = parse_channels(t + 2, tlen - 2, out);
            if (rc != 0) {
                return rc;
            }
        }
        pos += tlen + 1;
    }
    if (key == NULL) {
        return DPP_E_URI_MISSING_KEY;
    }
    uint8_t der[DPP_SPKI_MAX_LEN + 3];
    size_t dlen = dpp_b64_decode(key, key_len, der, sizeof(der));
    if (dlen == (size_t)-1 || dlen > DPP_SPKI_MAX_LEN) {
        return dlen == (size_t)-1 ? DPP_E_URI_BAD_KEY : DPP_E_KEY_BAD_ENCODING;
    }
    return dpp_peer_key_from_der(&out->key, der, dlen);
}

size_t dpp_uri_format(const dpp_own_key_t *k, const uint8_t *channels, size_t n_channels, char *out,
                      size_t cap)
{
    size_t o = 0;
    int w = snprintf(out, cap, "DPP:");
    if (w < 0 || (size_t)w >= cap) return (size_t)-1;
    o = (size_t)w;
    for (size_t i = 0; i < n_channels; i++) {
        w = snprintf(out + o, cap - o, "%s%u/%u", i == 0 ? "C:" : ",", channels[i] == 14 ? 82u : 81u,
                     (unsigned)channels[i]);
        if (w < 0 || (size_t)w >= cap - o) return (size_t)-1;
        o += (size_t)w;
    }
    if (n_channels > 0) {
        if (o + 1 >= cap) return (size_t)-1;
        out[o++] = ';';
    }
    if (o + 2 >= cap) return (size_t)-1;
    out[o++] = 'K';
    out[o++] = ':';
    uint8_t der[DPP_SPKI_COMPRESSED_LEN];
    dpp_own_key_der(k, der);
    size_t b = dpp_b64_encode(der, sizeof(der), out + o, cap - o);
    if (b == (size_t)-1 || o + b + 3 > cap) return (size_t)-1;
    o += b;
    out[o++] = ';';
    out[o++] = ';';
    out[o] = '\0';
    return o;
}
