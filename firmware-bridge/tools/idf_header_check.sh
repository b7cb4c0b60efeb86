#!/bin/bash
# Header-level check of the bridge's ESP-IDF glue (main/*.c) against a real
# ESP-IDF source tree, without the ESP-IDF toolchain: what it checks and what
# it does not is said in ../../firmware-host/idf_header_check.sh, which both
# firmwares' checks share. A host tool: the ESP-IDF build never runs it.
#
# usage: tools/idf_header_check.sh IDF_PATH TARGET SERIAL [V2]
#   IDF_PATH  an ESP-IDF checkout (any 5.x/6.x tag)
#   TARGET    esp32c3 | esp32s3 | esp32s2
#   SERIAL    USJ | UART | TUSB
#   V2        1 (default) or 0: CONFIG_BRIDGE_ESPNOW_V2
# For TUSB set TINYUSB_INCLUDES="-I.../esp_tinyusb/include -I.../tinyusb/src"
# (esp_tinyusb 1.x from espressif/esp-usb, TinyUSB from hathach/tinyusb).
set -u
FW=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../../firmware-host/idf_header_check.sh
. "$FW/../firmware-host/idf_header_check.sh"
T=${2:?TARGET}
SER=${3:?SERIAL}
V2=${4:-1}
idf_headers_init "${1:?IDF_PATH}" "$T"

opts=("BRIDGE_ESPNOW_CHANNEL=6" "BRIDGE_MAX_PEERS=16" "BRIDGE_RX_EVENT_QUEUE=8")
[ "$V2" = 1 ] && opts+=("BRIDGE_ESPNOW_V2=1")
IDF_EXTRA=()
case "$SER" in
UART) opts+=("BRIDGE_SERIAL_UART=1" "BRIDGE_UART_NUM=0" "BRIDGE_UART_BAUD=921600" "BRIDGE_UART_TX_PIN=-1"
    "BRIDGE_UART_RX_PIN=-1") ;;
USJ) opts+=("BRIDGE_SERIAL_USB_SERIAL_JTAG=1") ;;
*)
    opts+=("BRIDGE_SERIAL_TINYUSB_CDC=1" "TINYUSB_CDC_ENABLED=1" "TINYUSB_CDC_COUNT=1" "TINYUSB_CDC_RX_BUFSIZE=1024"
        "TINYUSB_CDC_TX_BUFSIZE=2048")
    # shellcheck disable=SC2206
    IDF_EXTRA=(${TINYUSB_INCLUDES:?set TINYUSB_INCLUDES for SERIAL=TUSB} "-DCFG_TUSB_MCU=OPT_MCU_${T^^}"
        -DCFG_TUSB_OS=OPT_OS_FREERTOS)
    ;;
esac
idf_sdkconfig "${opts[@]}"

IDF_FLAGS=(-I"$FW/main" -I"$FW/core" -DBRIDGE_VERSION=\"check\")
idf_check_files "$T $SER V2=$V2" "$FW/main/app_main.c" "$FW/main/serial_port.c" "$FW/main/espnow_peers.c"
