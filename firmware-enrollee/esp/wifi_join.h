/* Joining the network with the delivered credentials through esp_wifi, and
 * the verdict as a DPP status for the Connection Status Result. */
#ifndef DPP_ENROLLEE_WIFI_JOIN_H
#define DPP_ENROLLEE_WIFI_JOIN_H

#include <stdint.h>

#include "dpp_config.h"
#include "esp_err.h"

/* The verdict of an attempt goes to report(status): 0 joined, 10 NO_AP, 2 AUTH_FAILURE. */
esp_err_t wifi_join_init(void (*report)(uint8_t dpp_status));
void wifi_join_deinit(void);
/* Configure the station and connect. ESP_ERR_NOT_SUPPORTED for an SAE
 * password longer than esp_wifi's 63 characters. */
esp_err_t wifi_join_start(const dpp_config_obj_t *c);

#endif
