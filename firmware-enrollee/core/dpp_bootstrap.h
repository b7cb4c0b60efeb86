/* Bootstrapping keys: the DER SubjectPublicKeyInfo of a P-256 key, its
 * key hash SHA-256(DER) and chirp hash SHA-256("chirp" | DER), both over
 * the DER exactly as published; and the DPP URI that carries it. */
#ifndef DPP_BOOTSTRAP_H
#define DPP_BOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compressed SPKI (what we publish, as hostap does) and uncompressed. */
#define DPP_SPKI_COMPRESSED_LEN 59u
#define DPP_SPKI_MAX_LEN 91u
/* 2.4 GHz channels an ESP-NOW radio can use. */
#define DPP_URI_MAX_CHANNELS 14u
#define DPP_URI_MAX_LEN 512u

/* A peer's key as authentication uses it; its DER is needed only for the hash. */
typedef struct {
    uint8_t pub[64];
    uint8_t hash[32];
} dpp_peer_key_t;

/* Our own key. priv never leaves the device. The DER we publish and the
 * chirp hash are derived from pub where the URI and the announcement are
 * built, so they take no room here. */
typedef struct {
    uint8_t priv[32];
    uint8_t pub[64];
    uint8_t hash[32];
} dpp_own_key_t;

int dpp_own_key_init(dpp_own_key_t *k, const uint8_t priv[32]);
/* The compressed SubjectPublicKeyInfo (the URI's K:, the Bootstrapping Key attribute). */
void dpp_own_key_der(const dpp_own_key_t *k, uint8_t der[DPP_SPKI_COMPRESSED_LEN]);
/* SHA-256("chirp" | DER): the Presence Announcement names the key by it. */
int dpp_own_key_chirp(const dpp_own_key_t *k, uint8_t chirp[32]);

/* A P-256 SPKI to x||y: DPP_E_KEY_BAD_ENCODING, DPP_E_URI_UNSUPPORTED_CURVE
 * (another algorithm or curve, explicit parameters) or DPP_E_KEY_NOT_ON_CURVE. */
int dpp_spki_parse(const uint8_t *der, size_t len, uint8_t pub[64]);
int dpp_peer_key_from_der(dpp_peer_key_t *k, const uint8_t *der, size_t len);

typedef struct {
    dpp_peer_key_t key;
    /* 2.4 GHz channels of the C: token (classes 81, 82), in order, no repeats */
    uint8_t channels[DPP_URI_MAX_CHANNELS];
    size_t n_channels;
} dpp_uri_t;

/* DPP:<X:value;>...; with K: mandatory; the policy of protocol/dpp/uri.ts
 * (unknown tokens ignored, duplicates refused, a trailing comma in C: accepted). */
int dpp_uri_parse(const char *s, size_t len, dpp_uri_t *out);

/* "DPP:[C:81/1,81/6;]K:<base64>;;"; returns the length or (size_t)-1. */
size_t dpp_uri_format(const dpp_own_key_t *k, const uint8_t *channels, size_t n_channels, char *out,
                      size_t cap);

#endif
