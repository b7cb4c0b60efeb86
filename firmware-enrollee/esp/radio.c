#include "radio.h"

#include <string.h>

#include "esp_now.h"
#include "esp_wifi.h"
#include "freertos/task.h"

static const uint8_t BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* the broadcast peer and the configurator in session: the last unicast peer is replaced */
static uint8_t s_peer[6];
static bool s_have_peer;
static QueueHandle_t s_rx;
static TaskHandle_t volatile s_sender; /* the task waiting for a completion */

static void on_recv(const esp_now_recv_info_t *info, const uint8_t *data, int len)
{
    static radio_rx_t ev; /* only the Wi-Fi task runs this; the queue copies it */
    if (info == NULL || info->src_addr == NULL || data == NULL || len <= 0 || len > RADIO_PAYLOAD_MAX) return;
    memcpy(ev.src, info->src_addr, 6);
    ev.broadcast = info->des_addr != NULL && memcmp(info->des_addr, BROADCAST, 6) == 0;
    ev.len = (uint16_t)len;
    memcpy(ev.data, data, (size_t)len);
    (void)xQueueSend(s_rx, &ev, 0); /* full: dropped, as the air drops frames; DPP retransmits */
}

static void on_sent(const esp_now_send_info_t *tx_info, esp_now_send_status_t status)
{
    (void)tx_info;
    (void)status; /* an unacknowledged fragment is DPP's to retransmit */
    TaskHandle_t t = s_sender;
    if (t != NULL) xTaskNotifyGive(t);
}

static esp_err_t add_peer(const uint8_t mac[6])
{
    esp_now_peer_info_t p;
    memset(&p, 0, sizeof(p));
    memcpy(p.peer_addr, mac, 6);
    p.channel = 0; /* the current channel */
    p.ifidx = WIFI_IF_STA;
    p.encrypt = false; /* DPP secures its own messages */
    esp_err_t err = esp_now_add_peer(&p);
    return err == ESP_ERR_ESPNOW_EXIST ? ESP_OK : err;
}

esp_err_t radio_init(QueueHandle_t rx)
{
    s_rx = rx;
    s_have_peer = false;
    esp_err_t err = esp_now_init();
    if (err == ESP_OK) err = esp_now_register_recv_cb(on_recv);
    if (err == ESP_OK) err = esp_now_register_send_cb(on_sent);
    if (err == ESP_OK) err = add_peer(BROADCAST);
    return err;
}

void radio_deinit(void)
{
    (void)esp_now_deinit();
}

esp_err_t radio_set_channel(uint8_t channel)
{
    return esp_wifi_set_channel(channel, WIFI_SECOND_CHAN_NONE);
}

esp_err_t radio_send(const uint8_t dst[6], const uint8_t *payload, size_t len)
{
    if (memcmp(dst, BROADCAST, 6) != 0 && (!s_have_peer || memcmp(dst, s_peer, 6) != 0)) {
        if (s_have_peer) (void)esp_now_del_peer(s_peer);
        esp_err_t err = add_peer(dst);
        if (err != ESP_OK) return err;
        memcpy(s_peer, dst, 6);
        s_have_peer = true;
    }
    s_sender = xTaskGetCurrentTaskHandle();
    (void)ulTaskNotifyTake(pdTRUE, 0); /* a stale completion */
    esp_err_t err = esp_now_send(dst, payload, len);
    if (err != ESP_OK) return err;
    /* the completion comes after the radio's retries: well within 100 ms */
    return ulTaskNotifyTake(pdTRUE, pdMS_TO_TICKS(100)) > 0 ? ESP_OK : ESP_ERR_TIMEOUT;
}
