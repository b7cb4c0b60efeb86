/* The DPP enrollee for ESP-IDF: what a device maker calls.
 *
 * On first use the device makes its bootstrapping key and keeps it in NVS
 * (it never leaves the device); dpp_enrollee_get_uri() gives its DPP URI for
 * the label (print it, or show it as a QR code). dpp_enrollee_start() then
 * announces the device over ESP-NOW on its channel plan, authenticates the
 * configurator that answers (or only the pinned one), hands the credentials
 * and the LwM2M bundle to the application, joins the network if asked to,
 * and reports the result to the configurator.
 *
 * Needs ESP-IDF 5.5 or newer, NVS initialised, Wi-Fi initialised and
 * started in station mode, not connected. Callbacks run in the enrollee's
 * task: keep them short, copy what you keep.
 *
 * With CONFIG_DPP_ENROLLEE_BLE_DISCOVERY the device is also found over
 * Bluetooth LE until it has its network (docs/ble-discovery.md): no call of
 * its own, dpp_enrollee_start() and dpp_enrollee_stop() do it (see there). */
#ifndef DPP_ENROLLEE_H
#define DPP_ENROLLEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DPP_ENROLLEE_ANNOUNCING,     /* chirping on the channel plan */
    DPP_ENROLLEE_AUTHENTICATING, /* a configurator answered */
    DPP_ENROLLEE_CONFIGURING,    /* authenticated, asking for the configuration */
    DPP_ENROLLEE_JOINING,        /* credentials delivered, joining the network */
    DPP_ENROLLEE_DONE,           /* provisioned (the result was reported if asked for) */
} dpp_enrollee_state_t;

typedef enum { DPP_ENROLLEE_AKM_PSK, DPP_ENROLLEE_AKM_SAE, DPP_ENROLLEE_AKM_PSK_SAE } dpp_enrollee_akm_t;

typedef struct {
    uint8_t ssid[32];
    size_t ssid_len;
    dpp_enrollee_akm_t akm;
    char passphrase[129]; /* "" when psk_hex is given */
    char psk_hex[65];     /* "" when passphrase is given */
    /* The LwM2M factory bundle (SenML CBOR, as Anjay's factory provisioning
     * reads it) or NULL; valid during the callback only. */
    const uint8_t *lwm2m_bundle;
    size_t lwm2m_bundle_len;
} dpp_enrollee_credentials_t;

typedef struct {
    /* deviceInfo sent to the configurator; NULL leaves one out (serial is required) */
    const char *manufacturer, *model, *serial, *firmware;
    /* The configurator's DPP URI (`configurator identity`): only it may
     * provision the device (mutual authentication). NULL: any configurator. */
    const char *pinned_configurator_uri;
    /* Join with esp_wifi after on_credentials; false: the application joins
     * and calls dpp_enrollee_report_wifi(). */
    bool apply_wifi;
    void (*on_credentials)(const dpp_enrollee_credentials_t *creds, void *ctx);
    /* reason: 0, or the protocol error code (protocol/errors.ts numbers) */
    void (*on_state)(dpp_enrollee_state_t state, int reason, void *ctx);
    void *ctx;
} dpp_enrollee_config_t;

/* The device's DPP URI, making and storing its key on first use. */
esp_err_t dpp_enrollee_get_uri(char *buf, size_t len);

/* With CONFIG_DPP_ENROLLEE_BLE_DISCOVERY, start also brings NimBLE up and
 * advertises the URI until the credentials are delivered, then shuts NimBLE
 * down (as stop does): the application must not use NimBLE itself while the
 * enrollee runs. A Bluetooth failure is logged, not returned: the device is
 * still announced over ESP-NOW. */
esp_err_t dpp_enrollee_start(const dpp_enrollee_config_t *cfg);
esp_err_t dpp_enrollee_stop(void);

/* With apply_wifi false: the join attempt ended. dpp_status: 0 joined,
 * 10 no AP (NO_AP), 2 refused credentials (AUTH_FAILURE). */
esp_err_t dpp_enrollee_report_wifi(uint8_t dpp_status);

/* Forget the bootstrapping key: the next start makes a new one (a new URI,
 * so the whitelist entry must change too). Call while stopped. */
esp_err_t dpp_enrollee_factory_reset(void);

#ifdef __cplusplus
}
#endif

#endif
