/* DPP bridge firmware: ESP-IDF glue around the portable core (../core).
 *
 * Wi-Fi in station mode, never connected; ESP-NOW on the configured
 * channel. The ESP-NOW callbacks run in the Wi-Fi task: they only copy
 * their data into FreeRTOS queues and wake the bridge task, which owns the
 * core (bridge_t) and the serial port and makes every core call. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "esp_err.h"
#include "esp_event.h"
#include "esp_idf_version.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_now.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "sdkconfig.h"

#include "bridge.h"
#include "espnow_peers.h"
#include "serial_port.h"

#if ESP_IDF_VERSION < ESP_IDF_VERSION_VAL(5, 0, 0)
#error "ESP-IDF 5.0 or newer is required (esp_now_recv_info_t receive callback)"
#endif

#ifndef BRIDGE_VERSION
#error "BRIDGE_VERSION comes from version.txt (main/CMakeLists.txt)"
#endif
#define FIRMWARE_NAME "dpp-bridge " BRIDGE_VERSION

/* Largest payload this build can send: ESP-NOW v2 (1470) needs ESP-IDF 5.4+. */
#if defined(CONFIG_BRIDGE_ESPNOW_V2) && defined(ESP_NOW_MAX_DATA_LEN_V2)
#define RADIO_PAYLOAD_MAX (ESP_NOW_MAX_DATA_LEN_V2 < PROTO_MAX_PAYLOAD ? ESP_NOW_MAX_DATA_LEN_V2 : PROTO_MAX_PAYLOAD)
#define HAVE_ESPNOW_V2 1
#else
#define RADIO_PAYLOAD_MAX ESP_NOW_MAX_DATA_LEN
#define HAVE_ESPNOW_V2 0
#endif
_Static_assert(RADIO_PAYLOAD_MAX <= BRIDGE_PAYLOAD_CAP, "core queues must hold the radio's largest payload");

static const char *TAG = "dpp-bridge";
static const uint8_t BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- events from the Wi-Fi task to the bridge task ------------------------- */

typedef struct {
    uint8_t src[6];
    int8_t rssi;
    uint8_t channel;
    bool broadcast;
    uint16_t len;
    uint8_t data[RADIO_PAYLOAD_MAX];
} rx_event_t;

typedef struct {
    uint16_t handle;
    bool acked;
} done_event_t;

static QueueHandle_t s_rx_queue;
static QueueHandle_t s_done_queue;
static TaskHandle_t volatile s_task; /* NULL until the task exists (it polls every tick anyway) */
/* frames the rx queue had no room for, by kind */
static atomic_uint s_rx_overflow_broadcast;
static atomic_uint s_rx_overflow_unicast;
static uint8_t s_channel = CONFIG_BRIDGE_ESPNOW_CHANNEL;
static uint16_t s_max_payload = ESP_NOW_MAX_DATA_LEN;

/* Handles of sends started and not yet completed, oldest first: ESP-NOW
 * reports completions in send order, without saying which send. */
#define PENDING_MAX 8u
static portMUX_TYPE s_pending_mux = portMUX_INITIALIZER_UNLOCKED;
static uint16_t s_pending[PENDING_MAX];
static unsigned s_pending_head, s_pending_count;

static void pending_push(uint16_t handle)
{
    taskENTER_CRITICAL(&s_pending_mux);
    if (s_pending_count == PENDING_MAX) { /* completions were lost: forget the oldest */
        s_pending_head = (s_pending_head + 1u) % PENDING_MAX;
        s_pending_count--;
    }
    s_pending[(s_pending_head + s_pending_count) % PENDING_MAX] = handle;
    s_pending_count++;
    taskEXIT_CRITICAL(&s_pending_mux);
}

static void pending_drop_newest(void)
{
    taskENTER_CRITICAL(&s_pending_mux);
    if (s_pending_count > 0) {
        s_pending_count--;
    }
    taskEXIT_CRITICAL(&s_pending_mux);
}

static bool pending_pop_oldest(uint16_t *handle)
{
    bool ok = false;
    taskENTER_CRITICAL(&s_pending_mux);
    if (s_pending_count > 0) {
        *handle = s_pending[s_pending_head];
        s_pending_head = (s_pending_head + 1u) % PENDING_MAX;
        s_pending_count--;
        ok = true;
    }
    taskEXIT_CRITICAL(&s_pending_mux);
    return ok;
}

/* ---- ESP-NOW callbacks (Wi-Fi task) ------------------------------------------- */

static void wake_bridge_task(void)
{
    TaskHandle_t t = s_task;
    if (t != NULL) {
        xTaskNotifyGive(t);
    }
}

static void on_espnow_recv(const esp_now_recv_info_t *info, const uint8_t *data, int len)
{
    static rx_event_t ev; /* only the Wi-Fi task runs this; the queue copies it */
    if (info == NULL || info->src_addr == NULL || data == NULL || len <= 0 || len > RADIO_PAYLOAD_MAX) {
        return;
    }
    memcpy(ev.src, info->src_addr, 6);
    ev.rssi = info->rx_ctrl != NULL ? (int8_t)info->rx_ctrl->rssi : 0;
    ev.channel = info->rx_ctrl != NULL ? (uint8_t)info->rx_ctrl->channel : s_channel;
    ev.broadcast = info->des_addr != NULL && memcmp(info->des_addr, BROADCAST, 6) == 0;
    ev.len = (uint16_t)len;
    memcpy(ev.data, data, (size_t)len);
    if (xQueueSend(s_rx_queue, &ev, 0) != pdTRUE) {
        /* reported as rxDropped and by kind */
        atomic_fetch_add(ev.broadcast ? &s_rx_overflow_broadcast : &s_rx_overflow_unicast, 1u);
    }
    wake_bridge_task();
}

static void send_done(esp_now_send_status_t status)
{
    done_event_t ev = {.handle = 0, .acked = (status == ESP_NOW_SEND_SUCCESS)};
    if (!pending_pop_oldest(&ev.handle)) {
        return;
    }
    /* If this queue is full the core's send timeout reports TX_STATUS 5. */
    (void)xQueueSend(s_done_queue, &ev, 0);
    wake_bridge_task();
}

#if ESP_IDF_VERSION >= ESP_IDF_VERSION_VAL(5, 5, 0)
static void on_espnow_send(const esp_now_send_info_t *tx_info, esp_now_send_status_t status)
{
    (void)tx_info;
    send_done(status);
}
#else
static void on_espnow_send(const uint8_t *mac_addr, esp_now_send_status_t status)
{
    (void)mac_addr;
    send_done(status);
}
#endif

/* ---- platform for the core (bridge task) ------------------------------------- */

static size_t p_serial_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    return serial_port_write(data, len);
}

static int p_radio_send(void *ctx, uint16_t handle, const uint8_t dst[PROTO_MAC_LEN], const uint8_t *payload,
                        size_t len)
{
    (void)ctx;
    if (len == 0 || len > RADIO_PAYLOAD_MAX) {
        return -1;
    }
    esp_err_t err = espnow_peers_ensure(dst);
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "peer add failed: %s", esp_err_to_name(err));
        return -1;
    }
    pending_push(handle); /* before the send: its callback may run at once */
    err = esp_now_send(dst, payload, len);
    if (err != ESP_OK) {
        pending_drop_newest();
        ESP_LOGW(TAG, "esp_now_send: %s", esp_err_to_name(err));
        return -1;
    }
    return 0;
}

static int p_set_channel(void *ctx, uint8_t channel)
{
    (void)ctx;
    esp_err_t err = esp_wifi_set_channel(channel, WIFI_SECOND_CHAN_NONE);
    if (err != ESP_OK) {
        return -1; /* e.g. outside the country's channels */
    }
    s_channel = channel;
    return 0;
}

static uint32_t p_uptime_ms(void *ctx)
{
    (void)ctx;
    return (uint32_t)(esp_timer_get_time() / 1000);
}

static void p_get_mac(void *ctx, uint8_t mac[PROTO_MAC_LEN])
{
    (void)ctx;
    if (esp_wifi_get_mac(WIFI_IF_STA, mac) != ESP_OK) {
        memset(mac, 0, PROTO_MAC_LEN);
    }
}

static uint16_t p_capabilities(void *ctx)
{
    (void)ctx;
    uint16_t caps = serial_port_is_usb() ? PROTO_CAP_USB_CDC : 0u;
    if (s_max_payload > ESP_NOW_MAX_DATA_LEN) {
        caps |= PROTO_CAP_ESPNOW_V2;
    }
    return caps;
}

static uint16_t p_max_payload(void *ctx)
{
    (void)ctx;
    return s_max_payload;
}

/* ---- the bridge task ------------------------------------------------------------ */

static bridge_t s_bridge;

static void bridge_task(void *arg)
{
    (void)arg;
    static rx_event_t ev;
    static uint8_t in[512];
    size_t in_len = 0, in_off = 0;

    const bridge_platform_t plat = {
        .ctx = NULL,
        .serial_write = p_serial_write,
        .radio_send = p_radio_send,
        .set_channel = p_set_channel,
        .uptime_ms = p_uptime_ms,
        .get_mac = p_get_mac,
        .capabilities = p_capabilities,
        .max_payload = p_max_payload,
    };
    const bridge_config_t cfg = {.channel = s_channel, .firmware = FIRMWARE_NAME, .tx_timeout_ms = 0};
    bridge_init(&s_bridge, &plat, &cfg); /* queues the boot HELLO */

    for (;;) {
        /* Radio callbacks wake us; otherwise poll the serial driver every tick. */
        (void)ulTaskNotifyTake(pdTRUE, 1);

        if (serial_port_take_reconnect()) {
            in_len = in_off = 0;
            bridge_on_serial_reconnect(&s_bridge);
        }
        const unsigned lost_broadcast = atomic_exchange(&s_rx_overflow_broadcast, 0u);
        const unsigned lost_unicast = atomic_exchange(&s_rx_overflow_unicast, 0u);
        if (lost_broadcast > 0 || lost_unicast > 0) {
            bridge_count_rx_dropped(&s_bridge, lost_broadcast, lost_unicast);
        }
        done_event_t d;
        while (xQueueReceive(s_done_queue, &d, 0) == pdTRUE) {
            bridge_on_radio_send_done(&s_bridge, d.handle, d.acked);
        }
        for (int i = 0; i < CONFIG_BRIDGE_RX_EVENT_QUEUE && xQueueReceive(s_rx_queue, &ev, 0) == pdTRUE; i++) {
            bridge_on_radio_receive(&s_bridge, ev.src, ev.rssi, ev.channel, ev.broadcast, ev.data, ev.len);
        }
        if (in_off >= in_len) {
            in_len = serial_port_read(in, sizeof(in));
            in_off = 0;
        }
        if (in_off < in_len) {
            /* may take less than offered when the host is not reading */
            in_off += bridge_on_serial_bytes(&s_bridge, in + in_off, in_len - in_off);
        }
        bridge_on_tick(&s_bridge); /* send timeouts; pumps the serial port and the radio */
    }
}

/* ---- start-up ---------------------------------------------------------------------- */

static void wifi_init(void)
{
    esp_err_t err = nvs_flash_init(); /* the Wi-Fi driver needs NVS for its calibration data */
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    ESP_ERROR_CHECK(err);
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    wifi_init_config_t cfg = WIFI_INIT_CONFIG_DEFAULT();
    ESP_ERROR_CHECK(esp_wifi_init(&cfg));
    ESP_ERROR_CHECK(esp_wifi_set_storage(WIFI_STORAGE_RAM));
    ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA)); /* station, never connects */
    ESP_ERROR_CHECK(esp_wifi_start());
    ESP_ERROR_CHECK(esp_wifi_set_ps(WIFI_PS_NONE));    /* listen all the time */
    ESP_ERROR_CHECK(esp_wifi_set_channel(s_channel, WIFI_SECOND_CHAN_NONE));
}

static void espnow_init(void)
{
    ESP_ERROR_CHECK(esp_now_init());
    s_max_payload = ESP_NOW_MAX_DATA_LEN;
#if HAVE_ESPNOW_V2
    uint32_t version = 1;
    if (esp_now_get_version(&version) == ESP_OK && version >= 2) {
        s_max_payload = RADIO_PAYLOAD_MAX;
    }
#endif
    ESP_ERROR_CHECK(esp_now_register_recv_cb(on_espnow_recv));
    ESP_ERROR_CHECK(esp_now_register_send_cb(on_espnow_send));
    ESP_ERROR_CHECK(espnow_peers_init());
}

void app_main(void)
{
    if (serial_port_is_console()) {
        esp_log_level_set("*", ESP_LOG_NONE); /* the protocol owns this UART */
    }
    s_rx_queue = xQueueCreate(CONFIG_BRIDGE_RX_EVENT_QUEUE, sizeof(rx_event_t));
    s_done_queue = xQueueCreate(PENDING_MAX, sizeof(done_event_t));
    if (s_rx_queue == NULL || s_done_queue == NULL) {
        ESP_LOGE(TAG, "no memory for the event queues");
        abort();
    }
    wifi_init();
    ESP_ERROR_CHECK(serial_port_init());
    /* ESP-NOW first: the task's bridge_init() reads the payload limit. Frames
     * that arrive before the task exists wait in the queue. */
    espnow_init();
    ESP_LOGI(TAG, "ESP-NOW on channel %u, max payload %u", (unsigned)s_channel, (unsigned)s_max_payload);
    TaskHandle_t task = NULL;
    if (xTaskCreate(bridge_task, "bridge", 4096, NULL, 5, &task) != pdPASS) {
        ESP_LOGE(TAG, "cannot start the bridge task");
        abort();
    }
    s_task = task;
}
