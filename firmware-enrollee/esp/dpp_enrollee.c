/* The enrollee task: it owns the core (enrollee_t) and makes every call
 * into it. The ESP-NOW receive callback and the Wi-Fi event handler only
 * queue what they got; timers are deadlines the task waits for. */
#include "dpp_enrollee.h"

#include <stdio.h>
#include <string.h>

#include "ble_advertise.h"
#include "dpp_crypto.h"
#include "dpp_err.h"
#include "enrollee.h"
#include "esp_idf_version.h"
#include "esp_log.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "key_store.h"
#include "radio.h"
#include "sdkconfig.h"
#include "wifi_join.h"

#if ESP_IDF_VERSION < ESP_IDF_VERSION_VAL(5, 5, 0)
#error "ESP-IDF 5.5 or newer is required (PSA Crypto, the esp_now_send_info_t send callback)"
#endif
/* AES-SIV is built on CMAC, and the DPP keys on HKDF: ESP-IDF 5.5 has both off by default */
#if !defined(CONFIG_MBEDTLS_CMAC_C)
#error "enable CONFIG_MBEDTLS_CMAC_C (Component config > mbedTLS)"
#endif
#if ESP_IDF_VERSION < ESP_IDF_VERSION_VAL(6, 0, 0) && !defined(CONFIG_MBEDTLS_HKDF_C)
#error "enable CONFIG_MBEDTLS_HKDF_C (Component config > mbedTLS)"
#endif

static const char *TAG = "dpp-enrollee";

typedef struct {
    enum { CTRL_WIFI, CTRL_STOP } kind;
    uint8_t status;
} ctrl_t;

static enrollee_t s_e;
static dpp_enrollee_config_t s_cfg;
static uint8_t s_channels[CHANNEL_PLAN_MAX];
static size_t s_n_channels;
static QueueHandle_t s_rx, s_ctrl;
static TaskHandle_t volatile s_task;
static uint64_t s_deadline[3];
static volatile bool s_running;

#define NO_DEADLINE UINT64_MAX

static uint64_t now_ms(void)
{
    return (uint64_t)esp_timer_get_time() / 1000u;
}

/* CONFIG_DPP_ENROLLEE_CHANNELS, e.g. "1,6,11" */
static void parse_channel_plan(void)
{
    const char *s = CONFIG_DPP_ENROLLEE_CHANNELS;
    s_n_channels = 0;
    while (*s != '\0' && s_n_channels < CHANNEL_PLAN_MAX) {
        unsigned v = 0;
        while (*s >= '0' && *s <= '9') v = v * 10u + (unsigned)(*s++ - '0');
        if (v >= 1 && v <= 14) s_channels[s_n_channels++] = (uint8_t)v;
        while (*s != '\0' && (*s < '0' || *s > '9')) s++;
    }
}

static dpp_enrollee_state_t public_state(enr_state_t s)
{
    switch (s) {
    case ENR_AWAIT_CONFIRM: return DPP_ENROLLEE_AUTHENTICATING;
    case ENR_AWAIT_CONFIG: return DPP_ENROLLEE_CONFIGURING;
    case ENR_AWAIT_WIFI: return DPP_ENROLLEE_JOINING;
    case ENR_DONE: return DPP_ENROLLEE_DONE;
    default: return DPP_ENROLLEE_ANNOUNCING;
    }
}

static void post_wifi(uint8_t status)
{
    ctrl_t c = {.kind = CTRL_WIFI, .status = status};
    (void)xQueueSend(s_ctrl, &c, 0);
}

static void deliver(const dpp_config_obj_t *c)
{
    dpp_enrollee_credentials_t creds; /* on the task's stack, wiped before it returns */
    memset(&creds, 0, sizeof(creds));
    memcpy(creds.ssid, c->ssid, c->ssid_len);
    creds.ssid_len = c->ssid_len;
    creds.akm = c->akm == DPP_AKM_SAE ? DPP_ENROLLEE_AKM_SAE
                : c->akm == DPP_AKM_PSK_SAE ? DPP_ENROLLEE_AKM_PSK_SAE : DPP_ENROLLEE_AKM_PSK;
    if (c->has_pass) memcpy(creds.passphrase, c->pass, c->pass_len + 1);
    else memcpy(creds.psk_hex, c->psk_hex, sizeof(creds.psk_hex));
    creds.lwm2m_bundle = c->lwm2m_bundle;
    creds.lwm2m_bundle_len = c->lwm2m_bundle_len;
    if (s_cfg.on_credentials != NULL) s_cfg.on_credentials(&creds, s_cfg.ctx);
    dpp_wipe(&creds, sizeof(creds));
    if (s_cfg.apply_wifi) {
        esp_err_t err = wifi_join_start(c);
        if (err != ESP_OK) {
            ESP_LOGW(TAG, "cannot join with these credentials: %s", esp_err_to_name(err));
            post_wifi(DPP_STATUS_AUTH_FAILURE);
        }
    }
}

static void apply(const enr_effects_t *fx)
{
    uint64_t now = now_ms();
    static uint8_t payload[RADIO_PAYLOAD_MAX];
    bool delivered = false;
    for (size_t i = 0; i < fx->n; i++) {
        const enr_fx_t *f = &fx->fx[i];
        switch (f->type) {
        case ENR_FX_SET_CHANNEL:
            if (radio_set_channel(f->channel) != ESP_OK) ESP_LOGW(TAG, "cannot switch to channel %u", f->channel);
            break;
        case ENR_FX_SEND: {
            size_t n;
            for (size_t k = 0; (n = enrollee_fx_payload(f, k, payload)) > 0; k++) {
                esp_err_t err = radio_send(f->dst, payload, n);
                if (err != ESP_OK) ESP_LOGD(TAG, "send: %s", esp_err_to_name(err)); /* DPP retransmits */
            }
            break;
        }
        case ENR_FX_START_TIMER:
            s_deadline[f->timer] = now + f->ms;
            break;
        case ENR_FX_STOP_TIMER:
            s_deadline[f->timer] = NO_DEADLINE;
            break;
        case ENR_FX_CREDENTIALS:
            deliver(f->config);
            delivered = true;
            break;
        case ENR_FX_STATE:
            ESP_LOGI(TAG, "%s (%d %s)", enrollee_state_name(f->state), f->reason, dpp_err_name((dpp_err_t)f->reason));
            if (s_cfg.on_state != NULL) s_cfg.on_state(public_state(f->state), f->reason, s_cfg.ctx);
            break;
        case ENR_FX_IGNORED:
            ESP_LOGD(TAG, "ignored: E%d %s", f->reason, dpp_err_name((dpp_err_t)f->reason));
            break;
        }
    }
    /* The device has its network: Bluetooth LE discovery ends. After the loop, so the
       Configuration Result above went out first (NimBLE may wait for a connection to end). */
    if (delivered) ble_advertise_stop();
}

static void enrollee_task(void *arg)
{
    (void)arg;
    static radio_rx_t rx;
    enr_effects_t fx;
    memset(&fx, 0, sizeof(fx));
    enrollee_start(&s_e, &fx);
    apply(&fx);
    while (s_running) {
        uint64_t now = now_ms(), next = now + 50;
        for (int t = 0; t < 3; t++) {
            if (s_deadline[t] != NO_DEADLINE && now >= s_deadline[t]) {
                s_deadline[t] = NO_DEADLINE;
                memset(&fx, 0, sizeof(fx));
                enrollee_on_timer(&s_e, (enr_timer_t)t, &fx);
                apply(&fx);
            }
            if (s_deadline[t] < next) next = s_deadline[t];
        }
        now = now_ms();
        TickType_t wait = next > now ? pdMS_TO_TICKS(next - now) : 0;
        if (xQueueReceive(s_rx, &rx, wait) == pdTRUE) {
            memset(&fx, 0, sizeof(fx));
            enrollee_on_radio(&s_e, rx.src, rx.broadcast, rx.data, rx.len, (uint32_t)now_ms(), &fx);
            apply(&fx);
        }
        ctrl_t c;
        while (xQueueReceive(s_ctrl, &c, 0) == pdTRUE) {
            if (c.kind == CTRL_STOP) {
                s_running = false;
            } else {
                memset(&fx, 0, sizeof(fx));
                enrollee_on_wifi(&s_e, c.status, &fx);
                apply(&fx);
            }
        }
    }
    s_task = NULL;
    vTaskDelete(NULL);
}

static esp_err_t init_core(void)
{
    enr_config_t cfg;
    dpp_uri_t pin; /* enrollee_init keeps its own copy of the key */
    memset(&cfg, 0, sizeof(cfg));
    esp_err_t err = dpp_crypto_init() == 0 ? key_store_load_or_make(cfg.bootstrap_priv) : ESP_FAIL;
    if (err != ESP_OK) return err;
    parse_channel_plan();
    cfg.channels = s_channels;
    cfg.n_channels = s_n_channels;
    cfg.listen_ms = CONFIG_DPP_ENROLLEE_LISTEN_MS;
    cfg.info.name = "enrollee";
    cfg.info.manufacturer = s_cfg.manufacturer;
    cfg.info.model = s_cfg.model;
    cfg.info.serial = s_cfg.serial;
    cfg.info.firmware = s_cfg.firmware;
#if !defined(CONFIG_DPP_ENROLLEE_ESPNOW_V2)
    cfg.v1_only = true;
#endif
    if (s_cfg.pinned_configurator_uri != NULL) {
        int rc = dpp_uri_parse(s_cfg.pinned_configurator_uri, strlen(s_cfg.pinned_configurator_uri), &pin);
        if (rc != 0) {
            ESP_LOGE(TAG, "pinned configurator URI: E%d %s", rc, dpp_err_name((dpp_err_t)rc));
            dpp_wipe(cfg.bootstrap_priv, sizeof(cfg.bootstrap_priv));
            return ESP_ERR_INVALID_ARG;
        }
        cfg.pinned_configurator = &pin;
    }
    int rc = enrollee_init(&s_e, &cfg);
    dpp_wipe(cfg.bootstrap_priv, sizeof(cfg.bootstrap_priv));
    return rc == 0 ? ESP_OK : ESP_ERR_INVALID_ARG;
}

esp_err_t dpp_enrollee_get_uri(char *buf, size_t len)
{
    uint8_t priv[32];
    dpp_own_key_t own;
    if (dpp_crypto_init() != 0) return ESP_FAIL;
    esp_err_t err = key_store_load_or_make(priv);
    if (err != ESP_OK) return err;
    int rc = dpp_own_key_init(&own, priv);
    dpp_wipe(priv, sizeof(priv));
    parse_channel_plan();
    size_t n = rc == 0 ? dpp_uri_format(&own, s_channels, s_n_channels, buf, len) : (size_t)-1;
    dpp_wipe(&own, sizeof(own));
    return n == (size_t)-1 ? ESP_ERR_INVALID_SIZE : ESP_OK;
}

esp_err_t dpp_enrollee_start(const dpp_enrollee_config_t *cfg)
{
    if (s_task != NULL || cfg == NULL || cfg->serial == NULL) return ESP_ERR_INVALID_STATE;
    s_cfg = *cfg;
    esp_err_t err = init_core();
    if (err != ESP_OK) return err;
    for (int t = 0; t < 3; t++) s_deadline[t] = NO_DEADLINE;
    if (s_rx == NULL) s_rx = xQueueCreate(CONFIG_DPP_ENROLLEE_RX_QUEUE, sizeof(radio_rx_t));
    if (s_ctrl == NULL) s_ctrl = xQueueCreate(4, sizeof(ctrl_t));
    if (s_rx == NULL || s_ctrl == NULL) return ESP_ERR_NO_MEM;
    xQueueReset(s_rx);
    xQueueReset(s_ctrl);
    err = radio_init(s_rx);
    if (err == ESP_OK) err = wifi_join_init(post_wifi);
    if (err != ESP_OK) {
        radio_deinit();
        return err;
    }
    /* Before the task that may stop it exists. ESP-NOW announces the device either way, so a
       Bluetooth failure is logged, not fatal. */
    err = ble_advertise_start(&s_e.own, s_channels, s_n_channels);
    if (err != ESP_OK) ESP_LOGE(TAG, "Bluetooth LE discovery did not start: %s", esp_err_to_name(err));
    s_running = true;
    TaskHandle_t task = NULL;
    if (xTaskCreate(enrollee_task, "dpp_enrollee", CONFIG_DPP_ENROLLEE_TASK_STACK, NULL, 5, &task) != pdPASS) {
        s_running = false;
        ble_advertise_stop();
        wifi_join_deinit();
        radio_deinit();
        return ESP_ERR_NO_MEM;
    }
    s_task = task; /* the task runs until told to stop, so it cannot have cleared this yet */
    return ESP_OK;
}

esp_err_t dpp_enrollee_stop(void)
{
    if (s_task == NULL) return ESP_ERR_INVALID_STATE;
    ctrl_t c = {.kind = CTRL_STOP, .status = 0};
    (void)xQueueSend(s_ctrl, &c, portMAX_DELAY);
    while (s_task != NULL) vTaskDelay(pdMS_TO_TICKS(10));
    ble_advertise_stop(); /* nothing if the credentials stopped it already */
    wifi_join_deinit();
    radio_deinit();
    dpp_wipe(&s_e, sizeof(s_e));
    return ESP_OK;
}

esp_err_t dpp_enrollee_report_wifi(uint8_t dpp_status)
{
    if (s_task == NULL) return ESP_ERR_INVALID_STATE;
    post_wifi(dpp_status);
    return ESP_OK;
}

esp_err_t dpp_enrollee_factory_reset(void)
{
    if (s_task != NULL) return ESP_ERR_INVALID_STATE;
    return key_store_erase();
}
