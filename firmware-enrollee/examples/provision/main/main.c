/* Example: on first boot the device prints its DPP URI (for the label, or
 * as a QR code), then waits to be provisioned by the configurator over
 * ESP-NOW: Wi-Fi credentials (applied with esp_wifi) and the LwM2M factory
 * bundle (handed to the LwM2M client; here only its size is printed). */
#include <stdio.h>
#include <string.h>

#include "dpp_enrollee.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "nvs_flash.h"

static const char *TAG = "provision";

static void on_credentials(const dpp_enrollee_credentials_t *c, void *ctx)
{
    (void)ctx;
    ESP_LOGI(TAG, "network \"%.*s\"", (int)c->ssid_len, (const char *)c->ssid);
    if (c->lwm2m_bundle != NULL) {
        /* e.g. anjay_factory_provision() on a stream over these bytes, or keep them in NVS */
        ESP_LOGI(TAG, "LwM2M bundle of %u bytes", (unsigned)c->lwm2m_bundle_len);
    }
}

static void on_state(dpp_enrollee_state_t state, int reason, void *ctx)
{
    (void)ctx;
    static const char *names[] = {"announcing", "authenticating", "configuring", "joining", "done"};
    ESP_LOGI(TAG, "%s (%d)", names[state], reason);
}

void app_main(void)
{
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    ESP_ERROR_CHECK(err);
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    esp_netif_create_default_wifi_sta();
    wifi_init_config_t wcfg = WIFI_INIT_CONFIG_DEFAULT();
    ESP_ERROR_CHECK(esp_wifi_init(&wcfg));
    ESP_ERROR_CHECK(esp_wifi_set_storage(WIFI_STORAGE_RAM));
    ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
    ESP_ERROR_CHECK(esp_wifi_start());

    static char uri[256];
    ESP_ERROR_CHECK(dpp_enrollee_get_uri(uri, sizeof(uri)));
    printf("DPP URI: %s\n", uri); /* whitelist it: configurator whitelist add --uri '...' */

    static char serial[16];
    uint8_t mac[6];
    ESP_ERROR_CHECK(esp_read_mac(mac, ESP_MAC_WIFI_STA));
    snprintf(serial, sizeof(serial), "%02X%02X%02X%02X%02X%02X", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    const dpp_enrollee_config_t cfg = {
        .manufacturer = "Example",
        .model = "provision-example",
        .serial = serial,
        .firmware = "0.1.0",
        .pinned_configurator_uri = NULL, /* or the output of `configurator identity` */
        .apply_wifi = true,
        .on_credentials = on_credentials,
        .on_state = on_state,
        .ctx = NULL,
    };
    ESP_ERROR_CHECK(dpp_enrollee_start(&cfg));
}
