/* ESP-NOW for the enrollee task: received payloads go into a queue (the
 * callback runs in the Wi-Fi task and only copies), sends wait for the
 * radio's completion so fragments do not overrun ESP-NOW's own queue. */
#ifndef DPP_ENROLLEE_RADIO_H
#define DPP_ENROLLEE_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#if defined(CONFIG_DPP_ENROLLEE_ESPNOW_V2)
#define RADIO_PAYLOAD_MAX 1470
#else
#define RADIO_PAYLOAD_MAX 250
#endif

typedef struct {
    uint8_t src[6];
    bool broadcast;
    uint16_t len;
    uint8_t data[RADIO_PAYLOAD_MAX];
} radio_rx_t;

/* rx: a queue of radio_rx_t. */
esp_err_t radio_init(QueueHandle_t rx);
void radio_deinit(void);
esp_err_t radio_set_channel(uint8_t channel);
/* One payload to dst (a peer is added as needed); waits for the radio's
 * completion (a task notification to the calling task). */
esp_err_t radio_send(const uint8_t dst[6], const uint8_t *payload, size_t len);

#endif
