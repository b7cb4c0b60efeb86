#include "wifi_join.h"

#include <stdbool.h>
#include <string.h>

#include "dpp_attr.h"
#include "esp_event.h"
#include "esp_wifi.h"

static void (*s_report)(uint8_t);
static volatile bool s_joining;
static esp_event_handler_instance_t s_connected, s_disconnected;

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    if (!s_joining) return; /* only the first verdict of our attempt counts */
    uint8_t status = DPP_STATUS_OK;
    if (id == WIFI_EVENT_STA_DISCONNECTED) {
        const wifi_event_sta_disconnected_t *d = data;
        switch (d != NULL ? d->reason : 0) {
        case WIFI_REASON_AUTH_FAIL:
        case WIFI_REASON_4WAY_HANDSHAKE_TIMEOUT:
        case WIFI_REASON_HANDSHAKE_TIMEOUT:
        case WIFI_REASON_CONNECTION_FAIL:
            status = DPP_STATUS_AUTH_FAILURE; /* the AP is there and refused the credentials */
            break;
        default:
            status = DPP_STATUS_NO_AP;
            break;
        }
    }
    s_joining = false;
    s_report(status);
}

esp_err_t wifi_join_init(void (*report)(uint8_t dpp_status))
{
    s_report = report;
    s_joining = false;
    esp_err_t err = esp_event_handler_instance_register(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, on_wifi_event, NULL,
                                                        &s_connected);
    if (err == ESP_OK)
        err = esp_event_handler_instance_register(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, on_wifi_event, NULL,
                                                  &s_disconnected);
    return err;
}

void wifi_join_deinit(void)
{
    s_joining = false;
    (void)esp_event_handler_instance_unregister(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, s_connected);
    (void)esp_event_handler_instance_unregister(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, s_disconnected);
}

esp_err_t wifi_join_start(const dpp_config_obj_t *c)
{
    wifi_config_t w;
    memset(&w, 0, sizeof(w));
    memcpy(w.sta.ssid, c->ssid, c->ssid_len);
    if (c->has_pass) {
        /* esp_wifi holds 63 characters and a NUL; a longer SAE password does not fit */
        if (c->pass_len >= sizeof(w.sta.password)) return ESP_ERR_NOT_SUPPORTED;
        memcpy(w.sta.password, c->pass, c->pass_len);
    } else {
        memcpy(w.sta.password, c->psk_hex, 64); /* 64 hex digits: esp_wifi takes them as the PSK */
    }
    w.sta.threshold.authmode = c->akm == DPP_AKM_SAE ? WIFI_AUTH_WPA3_PSK : WIFI_AUTH_WPA2_PSK;
    w.sta.pmf_cfg.capable = true;
    w.sta.pmf_cfg.required = c->akm == DPP_AKM_SAE;
    w.sta.sae_pwe_h2e = WPA3_SAE_PWE_BOTH;
    esp_err_t err = esp_wifi_set_config(WIFI_IF_STA, &w);
    memset(&w, 0, sizeof(w));
    if (err != ESP_OK) return err;
    s_joining = true;
    err = esp_wifi_connect();
    if (err != ESP_OK) s_joining = false;
    return err;
}
