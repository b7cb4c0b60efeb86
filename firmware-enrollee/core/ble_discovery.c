#include "ble_discovery.h"

#include <string.h>

#include "dpp_err.h"

#define AD_FLAGS 0x01u
#define AD_SERVICE_DATA_UUID128 0x21u
/* LE General Discoverable, BR/EDR not supported */
#define AD_FLAGS_VALUE 0x06u

static const uint8_t service_uuid_le[16] = {BLE_DISC_SERVICE_UUID_LE};

int ble_discovery_adv(const dpp_own_key_t *k, uint8_t *out, size_t cap)
{
    if (cap < BLE_DISC_ADV_LEN) return DPP_E_TRANSPORT_FRAME_TOO_LARGE;
    size_t o = 0;
    out[o++] = 2; /* an AD structure's length counts its type and its value */
    out[o++] = AD_FLAGS;
    out[o++] = AD_FLAGS_VALUE;
    out[o++] = (uint8_t)(1u + sizeof(service_uuid_le) + BLE_DISC_SERVICE_DATA_LEN);
    out[o++] = AD_SERVICE_DATA_UUID128;
    memcpy(out + o, service_uuid_le, sizeof(service_uuid_le));
    o += sizeof(service_uuid_le);
    out[o++] = BLE_DISC_VERSION;
    out[o++] = 0; /* flags: none defined */
    /* k->hash is SHA-256 of the DER we publish (dpp_own_key_init): the whitelist's key hash */
    memcpy(out + o, k->hash, BLE_DISC_HASH_PREFIX_LEN);
    return DPP_OK;
}

int ble_discovery_uri_value(const dpp_own_key_t *k, const uint8_t *channels, size_t n_channels, uint8_t *out,
                            size_t cap, size_t *len)
{
    char uri[BLE_DISC_URI_MAX + 1]; /* dpp_uri_format ends it with a NUL */
    size_t n = dpp_uri_format(k, channels, n_channels, uri, sizeof(uri));
    if (n == (size_t)-1) return DPP_E_TRANSPORT_FRAME_TOO_LARGE;
    if (n > cap) return DPP_E_TRANSPORT_FRAME_TOO_LARGE;
    memcpy(out, uri, n);
    *len = n;
    return DPP_OK;
}
