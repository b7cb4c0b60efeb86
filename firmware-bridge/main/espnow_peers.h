/* ESP-NOW peer table for unicast: peers are added on demand and the least
 * recently used one is removed when CONFIG_BRIDGE_MAX_PEERS is reached.
 * Peers use channel 0 ("the current channel"), so SET_CHANNEL needs no
 * peer update. Called from the bridge task only. */
#pragma once

#include <stdint.h>

#include "esp_err.h"

/* Adds the broadcast peer. Call after esp_now_init(). */
esp_err_t espnow_peers_init(void);
/* Make sure `mac` can be sent to (no-op for broadcast). */
esp_err_t espnow_peers_ensure(const uint8_t mac[6]);
