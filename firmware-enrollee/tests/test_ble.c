/* The Bluetooth LE carrier (core/ble_discovery.c) against docs/ble-discovery.md:
 * the advertisement byte for byte for the Appendix B responder key, its hash
 * prefix computed here by the crypto port over the vector's own DER (not the
 * core's), the UUID on the air little-endian, too-small buffers refused
 * without a byte written, and the characteristic's value = the label's URI. */
#include <string.h>

#include "ble_discovery.h"
#include "dpp_bootstrap.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "test.h"
#include "test_util.h"

static const char *s_dir;
static vector_file_t s_vf;

/* The Appendix B responder bootstrapping key: its private key and its DER as the vector gives it. */
static bool load_key(dpp_own_key_t *own, uint8_t der[DPP_SPKI_COMPRESSED_LEN])
{
    uint8_t priv[32];
    if (!vector_load(&s_vf, s_dir, "dpp-appendix-b-p256.json")) return false;
    const json_node_t *v = json_get(&s_vf.doc, json_root(&s_vf.doc), "mutual");
    return vector_hex(&s_vf, v, "r_boot_private", priv, 32) == 32 &&
           vector_hex(&s_vf, v, "r_asn1", der, DPP_SPKI_COMPRESSED_LEN) == DPP_SPKI_COMPRESSED_LEN &&
           dpp_own_key_init(own, priv) == 0;
}

/* "8f42633b-b4e6-..." to its 16 bytes in the order they go on the air: the text reversed. */
static void uuid_on_air(const char *text, uint8_t out[16])
{
    char hex[33];
    size_t n = 0;
    for (const char *c = text; *c != '\0' && n < 32; c++)
        if (*c != '-') hex[n++] = *c;
    hex[n] = '\0';
    uint8_t be[16];
    CHECK_EQ_U(hex_decode(hex, be, sizeof(be)), 16);
    for (size_t i = 0; i < 16; i++) out[i] = be[15 - i];
}

static void advertisement(void)
{
    dpp_own_key_t own;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN], hash[32], adv[BLE_DISC_ADV_LEN];
    CHECK(load_key(&own, der));
    dpp_span_t whole = {der, sizeof(der)};
    CHECK_EQ_INT(dpp_sha256(&whole, 1, hash), 0);
    CHECK_EQ_INT(ble_discovery_adv(&own, adv, sizeof(adv)), DPP_OK);
    /* Flags | Service Data 128 (len 27): UUID little-endian, version 1, flags 0, key hash[0..8) */
    CHECK_HEX(adv, 5, "0201061b21");
    CHECK(adv[21] == 1 && adv[22] == 0);
    CHECK(memcmp(adv + 23, hash, 8) == 0);
    /* the same, whole, as SHA-256 of the vector's r_asn1 gives it outside this code (922ddd7a...) */
    CHECK_HEX(adv, sizeof(adv), "0201061b21b7aa0efdac4e32805d4de6b43b63428f0100922ddd7a3ed69f46");
    /* each AD structure's length counts its type and its value, and they fill the 31 bytes */
    CHECK_EQ_U(1u + adv[0] + 1u + adv[3], BLE_DISC_ADV_LEN);
}

static void uuid_byte_order(void)
{
    dpp_own_key_t own;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN], adv[BLE_DISC_ADV_LEN], want[16];
    CHECK(load_key(&own, der));
    CHECK_EQ_INT(ble_discovery_adv(&own, adv, sizeof(adv)), DPP_OK);
    uuid_on_air("8f42633b-b4e6-4d5d-8032-4eacfd0eaab7", want);
    CHECK(memcmp(adv + 5, want, 16) == 0);
    CHECK(adv[5] == 0xb7 && adv[20] == 0x8f); /* the UUID's last byte first */
    const uint8_t service[16] = {BLE_DISC_SERVICE_UUID_LE}, chr[16] = {BLE_DISC_URI_CHAR_UUID_LE};
    CHECK(memcmp(service, want, 16) == 0);
    uuid_on_air("136abbf5-0f6e-4ab7-bb2c-fa5a8bf168bc", want);
    CHECK(memcmp(chr, want, 16) == 0);
}

static void adv_buffer_too_small(void)
{
    dpp_own_key_t own;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN], buf[BLE_DISC_ADV_LEN + 1];
    CHECK(load_key(&own, der));
    memset(buf, 0xa5, sizeof(buf));
    CHECK_EQ_INT(ble_discovery_adv(&own, buf, BLE_DISC_ADV_LEN - 1), DPP_E_TRANSPORT_FRAME_TOO_LARGE);
    CHECK_EQ_INT(ble_discovery_adv(&own, buf, 0), DPP_E_TRANSPORT_FRAME_TOO_LARGE);
    bool untouched = true;
    for (size_t i = 0; i < sizeof(buf); i++) untouched = untouched && buf[i] == 0xa5;
    CHECK(untouched);
    /* a larger buffer gets the 31 bytes and nothing after them */
    CHECK_EQ_INT(ble_discovery_adv(&own, buf, sizeof(buf)), DPP_OK);
    CHECK(buf[0] == 2 && buf[BLE_DISC_ADV_LEN] == 0xa5);
}

static void uri_value(void)
{
    dpp_own_key_t own;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN], value[BLE_DISC_URI_MAX + 8];
    char label[DPP_URI_MAX_LEN];
    CHECK(load_key(&own, der));
    const uint8_t channels[3] = {6, 1, 11};
    size_t n = dpp_uri_format(&own, channels, 3, label, sizeof(label));
    CHECK(n != (size_t)-1);
    size_t len = 0;
    CHECK_EQ_INT(ble_discovery_uri_value(&own, channels, 3, value, sizeof(value), &len), DPP_OK);
    CHECK_EQ_U(len, n);
    CHECK(memcmp(value, label, n) == 0);
    CHECK(len <= BLE_DISC_URI_MAX && memcmp(value, "DPP:C:81/6,81/1,81/11;K:", 24) == 0);
    CHECK(value[len - 2] == ';' && value[len - 1] == ';');
    bool printable = true;
    for (size_t i = 0; i < len; i++) printable = printable && value[i] >= 0x20 && value[i] <= 0x7e;
    CHECK(printable);
    /* what a central reads parses to the key the advertisement names */
    dpp_uri_t u;
    CHECK_EQ_INT(dpp_uri_parse((const char *)value, len, &u), 0);
    CHECK(memcmp(u.key.hash, own.hash, 32) == 0);
    /* every channel of the 2.4 GHz band: still well under the carrier's 255 bytes */
    const uint8_t all[14] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    CHECK_EQ_INT(ble_discovery_uri_value(&own, all, 14, value, sizeof(value), &len), DPP_OK);
    CHECK(len <= BLE_DISC_URI_MAX);
}

static void uri_value_refusals(void)
{
    dpp_own_key_t own;
    uint8_t der[DPP_SPKI_COMPRESSED_LEN], value[BLE_DISC_URI_MAX + 1];
    CHECK(load_key(&own, der));
    const uint8_t channels[1] = {6};
    size_t len = 0, exact;
    CHECK_EQ_INT(ble_discovery_uri_value(&own, channels, 1, value, sizeof(value), &exact), DPP_OK);
    /* one byte short, then exactly the length (no room for a NUL is needed) */
    memset(value, 0xa5, sizeof(value));
    CHECK_EQ_INT(ble_discovery_uri_value(&own, channels, 1, value, exact - 1, &len), DPP_E_TRANSPORT_FRAME_TOO_LARGE);
    CHECK(value[0] == 0xa5 && len == 0);
    CHECK_EQ_INT(ble_discovery_uri_value(&own, channels, 1, value, exact, &len), DPP_OK);
    CHECK_EQ_U(len, exact);
    /* a URI longer than the characteristic may hold (more channels than a radio has) */
    uint8_t many[40];
    for (size_t i = 0; i < sizeof(many); i++) many[i] = (uint8_t)(1 + i % 13);
    memset(value, 0xa5, sizeof(value));
    len = 0;
    CHECK_EQ_INT(ble_discovery_uri_value(&own, many, sizeof(many), value, sizeof(value), &len),
                 DPP_E_TRANSPORT_FRAME_TOO_LARGE);
    CHECK(value[0] == 0xa5 && len == 0);
}

void group_ble(const char *vectors_dir)
{
    s_dir = vectors_dir;
    t_run("ble: the advertisement byte for byte for the Appendix B responder key", advertisement);
    t_run("ble: 128-bit UUIDs little-endian on the air", uuid_byte_order);
    t_run("ble: advertisement into a too-small buffer refused, nothing written", adv_buffer_too_small);
    t_run("ble: the URI characteristic's value is the label's URI", uri_value);
    t_run("ble: URI value refusals (buffer one byte short, over 255 bytes)", uri_value_refusals);
}
