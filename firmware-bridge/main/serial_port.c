#include "serial_port.h"

#include <stdatomic.h>
#include <string.h>

#include "sdkconfig.h"

#if defined(CONFIG_BRIDGE_SERIAL_UART)
#include "driver/uart.h"
#elif defined(CONFIG_BRIDGE_SERIAL_USB_SERIAL_JTAG)
#include "driver/usb_serial_jtag.h"
#elif defined(CONFIG_BRIDGE_SERIAL_TINYUSB_CDC)
#include "tinyusb.h"
#include "tusb_cdc_acm.h"
#else
#error "choose a serial link in menuconfig: DPP bridge -> Serial link to the host"
#endif

#if defined(CONFIG_BRIDGE_SERIAL_USB_SERIAL_JTAG) && \
    (defined(CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG) || defined(CONFIG_ESP_CONSOLE_SECONDARY_USB_SERIAL_JTAG))
#error "the console uses USB Serial/JTAG, which carries the bridge protocol: set ESP_CONSOLE_UART_DEFAULT and ESP_CONSOLE_SECONDARY_NONE"
#endif
#if defined(CONFIG_BRIDGE_SERIAL_TINYUSB_CDC) && defined(CONFIG_ESP_CONSOLE_USB_CDC)
#error "the console uses USB-CDC, which carries the bridge protocol: choose a UART console"
#endif

#define RX_BUFFER 4096
#define TX_BUFFER 4096

/* ---- UART ------------------------------------------------------------------ */
#if defined(CONFIG_BRIDGE_SERIAL_UART)

#define PORT ((uart_port_t)CONFIG_BRIDGE_UART_NUM)

esp_err_t serial_port_init(void)
{
    const uart_config_t cfg = {
        .baud_rate = CONFIG_BRIDGE_UART_BAUD,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };
    /* No driver TX buffer: uart_tx_chars() fills the hardware FIFO and
     * returns at once, which is what the bridge's non-blocking pump wants. */
    esp_err_t err = uart_driver_install(PORT, RX_BUFFER, 0, 0, NULL, 0);
    if (err == ESP_OK) {
        err = uart_param_config(PORT, &cfg);
    }
    if (err == ESP_OK) {
        err = uart_set_pin(PORT, CONFIG_BRIDGE_UART_TX_PIN, CONFIG_BRIDGE_UART_RX_PIN, UART_PIN_NO_CHANGE,
                           UART_PIN_NO_CHANGE);
    }
    return err;
}

size_t serial_port_read(uint8_t *buf, size_t cap)
{
    int n = uart_read_bytes(PORT, buf, (uint32_t)cap, 0);
    return n > 0 ? (size_t)n : 0;
}

size_t serial_port_write(const uint8_t *data, size_t len)
{
    int n = uart_tx_chars(PORT, (const char *)data, (uint32_t)len);
    return n > 0 ? (size_t)n : 0;
}

bool serial_port_take_reconnect(void) { return false; }
bool serial_port_is_usb(void) { return false; }

bool serial_port_is_console(void)
{
#if defined(CONFIG_ESP_CONSOLE_UART) && defined(CONFIG_ESP_CONSOLE_UART_NUM)
    return CONFIG_ESP_CONSOLE_UART_NUM == CONFIG_BRIDGE_UART_NUM;
#else
    return false;
#endif
}

/* ---- USB Serial/JTAG (ESP32-S3, ESP32-C3) ------------------------------------ */
#elif defined(CONFIG_BRIDGE_SERIAL_USB_SERIAL_JTAG)

esp_err_t serial_port_init(void)
{
    usb_serial_jtag_driver_config_t cfg = USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT();
    cfg.rx_buffer_size = RX_BUFFER;
    cfg.tx_buffer_size = TX_BUFFER;
    return usb_serial_jtag_driver_install(&cfg);
}

size_t serial_port_read(uint8_t *buf, size_t cap)
{
    int n = usb_serial_jtag_read_bytes(buf, (uint32_t)cap, 0);
    return n > 0 ? (size_t)n : 0;
}

size_t serial_port_write(const uint8_t *data, size_t len)
{
    int n = usb_serial_jtag_write_bytes(data, len, 0);
    return n > 0 ? (size_t)n : 0;
}

bool serial_port_take_reconnect(void) { return false; }
bool serial_port_is_usb(void) { return true; }
bool serial_port_is_console(void) { return false; }

/* ---- USB-CDC through TinyUSB (ESP32-S2, ESP32-S3) ------------------------------- */
#elif defined(CONFIG_BRIDGE_SERIAL_TINYUSB_CDC)

static atomic_bool s_dtr;
static atomic_bool s_reconnect;

static void on_line_state(int itf, cdcacm_event_t *event)
{
    (void)itf;
    const bool dtr = event->line_state_changed_data.dtr;
    const bool was = atomic_exchange(&s_dtr, dtr);
    if (dtr && !was) {
        atomic_store(&s_reconnect, true); /* the host opened the port */
    }
}

esp_err_t serial_port_init(void)
{
    tinyusb_config_t tusb_cfg;
    memset(&tusb_cfg, 0, sizeof(tusb_cfg)); /* default descriptors, internal PHY */
    esp_err_t err = tinyusb_driver_install(&tusb_cfg);
    if (err != ESP_OK) {
        return err;
    }
    /* Only the members every esp_tinyusb 1.x release has; the rest are 0. */
    tinyusb_config_cdcacm_t acm;
    memset(&acm, 0, sizeof(acm));
    acm.cdc_port = TINYUSB_CDC_ACM_0;
    acm.callback_rx = NULL; /* polled with tinyusb_cdcacm_read() */
    acm.callback_line_state_changed = on_line_state;
    return tusb_cdc_acm_init(&acm);
}

size_t serial_port_read(uint8_t *buf, size_t cap)
{
    size_t n = 0;
    if (tinyusb_cdcacm_read(TINYUSB_CDC_ACM_0, buf, cap, &n) != ESP_OK) {
        return 0;
    }
    return n;
}

size_t serial_port_write(const uint8_t *data, size_t len)
{
    size_t n = tinyusb_cdcacm_write_queue(TINYUSB_CDC_ACM_0, data, len);
    (void)tinyusb_cdcacm_write_flush(TINYUSB_CDC_ACM_0, 0); /* non-blocking */
    return n;
}

bool serial_port_take_reconnect(void) { return atomic_exchange(&s_reconnect, false); }
bool serial_port_is_usb(void) { return true; }
bool serial_port_is_console(void) { return false; }

#endif
