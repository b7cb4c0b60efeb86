/* The serial link to the host: UART, USB Serial/JTAG or TinyUSB CDC,
 * chosen in menuconfig ("DPP bridge"). Every call is non-blocking and made
 * from the bridge task only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

esp_err_t serial_port_init(void);
/* Up to cap bytes that have arrived; 0 if none. */
size_t serial_port_read(uint8_t *buf, size_t cap);
/* Queue up to len bytes for the host; returns how many were taken. */
size_t serial_port_write(const uint8_t *data, size_t len);
/* True once after the host (re)opened the port, where the link can tell
 * (TinyUSB CDC: DTR raised). Always false for UART and USB Serial/JTAG. */
bool serial_port_take_reconnect(void);
/* True for USB links (HELLO capability bit 1: baud rate irrelevant). */
bool serial_port_is_usb(void);
/* True if the link shares the console UART (then logging is switched off). */
bool serial_port_is_console(void);
