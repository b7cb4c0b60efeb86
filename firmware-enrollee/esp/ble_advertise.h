/* Discovery over Bluetooth LE on NimBLE (docs/ble-discovery.md): a GATT
 * server with the DPP discovery service and its read-only URI
 * characteristic, and legacy connectable advertising of the bytes
 * core/ble_discovery.c builds. One connection at a time (no advertising
 * while one is open), ended after CONFIG_DPP_ENROLLEE_BLE_IDLE_MS without a
 * read of the URI.
 *
 * The component owns NimBLE meanwhile: start brings the host and the
 * controller up, stop shuts them down and gives their memory back. Without
 * CONFIG_DPP_ENROLLEE_BLE_DISCOVERY both are empty inline functions and
 * ble_advertise.c is not compiled: the option off costs no code. */
#ifndef DPP_ENROLLEE_BLE_ADVERTISE_H
#define DPP_ENROLLEE_BLE_ADVERTISE_H

#include <stddef.h>
#include <stdint.h>

#include "dpp_bootstrap.h"
#include "esp_err.h"
#include "sdkconfig.h"

#if defined(CONFIG_DPP_ENROLLEE_BLE_DISCOVERY)

/* Advertises our key and serves the URI dpp_uri_format makes of it and these
 * channels (the label's), from NimBLE's first sync on. ESP_ERR_INVALID_STATE
 * when already started, ESP_ERR_INVALID_SIZE when the carrier cannot hold
 * the URI, nimble_port_init's error when Bluetooth cannot start. */
esp_err_t ble_advertise_start(const dpp_own_key_t *own, const uint8_t *channels, size_t n_channels);

/* Ends the connection if any, stops advertising and shuts NimBLE down;
 * nothing when not started. Blocks until the host has stopped: never call
 * it from NimBLE's host task (its callbacks). */
void ble_advertise_stop(void);

#else

static inline esp_err_t ble_advertise_start(const dpp_own_key_t *own, const uint8_t *channels, size_t n_channels)
{
    (void)own;
    (void)channels;
    (void)n_channels;
    return ESP_OK;
}

static inline void ble_advertise_stop(void) {}

#endif

#endif
