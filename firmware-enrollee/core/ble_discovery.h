/* The Bluetooth LE carrier of the device's DPP URI (docs/ble-discovery.md),
 * as bytes: the legacy advertisement that says "I have a DPP URI, and its
 * key hash starts with these 8 bytes", and the value of the GATT
 * characteristic that serves the whole URI. The platform owns the radio and
 * the GATT server (esp/ble_advertise.c on NimBLE); nothing here allocates. */
#ifndef BLE_DISCOVERY_H
#define BLE_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "dpp_bootstrap.h"

/* Flags (3 bytes) + Service Data with a 128-bit UUID (28 bytes): a whole legacy advertisement. */
#define BLE_DISC_ADV_LEN 31u
#define BLE_DISC_SERVICE_DATA_LEN 10u
#define BLE_DISC_VERSION 1u
#define BLE_DISC_HASH_PREFIX_LEN 8u
/* The characteristic's value: the URI in ASCII, no NUL. */
#define BLE_DISC_URI_MAX 255u

/* The 128-bit UUIDs in the order they go on the air (little-endian), as
 * lists for an array and for NimBLE's BLE_UUID128_INIT alike:
 * service 8f42633b-b4e6-4d5d-8032-4eacfd0eaab7,
 * URI characteristic 136abbf5-0f6e-4ab7-bb2c-fa5a8bf168bc. */
#define BLE_DISC_SERVICE_UUID_LE \
    0xb7, 0xaa, 0x0e, 0xfd, 0xac, 0x4e, 0x32, 0x80, 0x5d, 0x4d, 0xe6, 0xb4, 0x3b, 0x63, 0x42, 0x8f
#define BLE_DISC_URI_CHAR_UUID_LE \
    0xbc, 0x68, 0xf1, 0x8b, 0x5a, 0xfa, 0x2c, 0xbb, 0xb7, 0x4a, 0x6e, 0x0f, 0xf5, 0xbb, 0x6a, 0x13

/* Both return DPP_OK, or DPP_E_TRANSPORT_FRAME_TOO_LARGE when what they make
 * does not fit, with nothing written (an existing code, so that the error
 * names, and the code size without the option, stay as they were). */

/* The advertisement for our key: BLE_DISC_ADV_LEN bytes into out; too large
 * when cap is less. */
int ble_discovery_adv(const dpp_own_key_t *k, uint8_t *out, size_t cap);

/* The characteristic's value: the URI exactly as dpp_uri_format writes it
 * for the label (same key, same channels), without its NUL; its length in
 * *len. Too large over the carrier's 255 bytes, or over cap. */
int ble_discovery_uri_value(const dpp_own_key_t *k, const uint8_t *channels, size_t n_channels, uint8_t *out,
                            size_t cap, size_t *len);

#endif
