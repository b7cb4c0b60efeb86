#!/bin/bash
# Header-level check of the enrollee's ESP-IDF glue (esp/*.c), example app
# and core against a real ESP-IDF source tree, without the ESP-IDF toolchain:
# what it checks and what it does not is said in
# ../../firmware-host/idf_header_check.sh, which both firmwares' checks share.
# A host tool: the ESP-IDF build never runs it. The PSA Crypto backend
# (crypto/psa/) is checked only when MBEDTLS_INCLUDES names the crypto
# library's include directories (ESP-IDF's mbedtls is a git submodule);
# tools/psa_backend_check.sh runs it for real on the host.
#
# Discovery over Bluetooth LE (CONFIG_DPP_ENROLLEE_BLE_DISCOVERY, esp/ble_advertise.c) is
# checked in a second pass, with legacy and (on targets with Bluetooth 5) extended advertising,
# when the tree has NimBLE's headers: they are the git submodule
# components/bt/host/nimble/nimble (espressif/esp-nimble), which a plain archive lacks.
#
# usage: tools/idf_header_check.sh IDF_PATH TARGET [V2]
#   IDF_PATH  an ESP-IDF checkout (5.5 or newer)
#   TARGET    esp32c3 | esp32s3 | esp32c6 ...
#   V2        1 (default) or 0: CONFIG_DPP_ENROLLEE_ESPNOW_V2
set -u
FW=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../../firmware-host/idf_header_check.sh
. "$FW/../firmware-host/idf_header_check.sh"
T=${2:?TARGET}
V2=${3:-1}
idf_headers_init "${1:?IDF_PATH}" "$T"

# the component's Kconfig defaults
opts=("MBEDTLS_CMAC_C=1" "MBEDTLS_HKDF_C=1" 'DPP_ENROLLEE_CHANNELS="1,2,3,4,5,6,7,8,9,10,11,12,13"'
    "DPP_ENROLLEE_LISTEN_MS=2000" "DPP_ENROLLEE_REASM_SLOTS=1" "DPP_ENROLLEE_REASM_MAX_MESSAGE=6144"
    "DPP_ENROLLEE_RX_QUEUE=8" "DPP_ENROLLEE_TASK_STACK=8192")
[ "$V2" = 1 ] && opts+=("DPP_ENROLLEE_ESPNOW_V2=1")
idf_sdkconfig "${opts[@]}"

IDF_FLAGS=(-I"$FW/include" -I"$FW/esp" -I"$FW/core")
IDF_EXTRA=(-DENOW_REASM_SLOTS=1u -DENOW_REASM_MAX_MESSAGE=6144u)
files=("$FW/esp/dpp_enrollee.c" "$FW/esp/key_store.c" "$FW/esp/radio.c" "$FW/esp/wifi_join.c"
    "$FW/examples/provision/main/main.c" "$FW"/core/*.c)
if [ -n "${MBEDTLS_INCLUDES:-}" ]; then
    # shellcheck disable=SC2206
    IDF_EXTRA+=($MBEDTLS_INCLUDES)
    files+=("$FW/crypto/psa/dpp_crypto_psa.c")
fi
status=0
idf_check_files "$T V2=$V2 ${#files[@]} files" "${files[@]}" || status=1

NIMBLE=$1/components/bt/host/nimble
CAPS=$1/components/soc/$T/include/soc/soc_caps.h
if ! grep -q "define SOC_BT_SUPPORTED" "$CAPS" 2>/dev/null; then
    echo "idf_header_check: $T BLE_DISCOVERY: not checked, the chip has no Bluetooth"
elif [ -f "$NIMBLE/nimble/nimble/host/include/host/ble_gap.h" ]; then
    # NimBLE's Kconfig defaults that the glue's #error checks, and ours
    ble_opts=("BT_ENABLED=1" "BT_CONTROLLER_ENABLED=1" "BT_NIMBLE_ENABLED=1" "BT_NIMBLE_ROLE_CENTRAL=1"
        "BT_NIMBLE_ROLE_PERIPHERAL=1" "BT_NIMBLE_ROLE_BROADCASTER=1" "BT_NIMBLE_ROLE_OBSERVER=1"
        "BT_NIMBLE_GATT_SERVER=1" "BT_NIMBLE_MAX_CONNECTIONS=3" "BT_NIMBLE_PINNED_TO_CORE=0"
        "BT_NIMBLE_HOST_TASK_STACK_SIZE=4096" "DPP_ENROLLEE_BLE_DISCOVERY=1" "DPP_ENROLLEE_BLE_ADV_INTERVAL_MS=1000"
        "DPP_ENROLLEE_BLE_IDLE_MS=5000")
    IDF_EXTRA+=(-I"$NIMBLE/nimble/nimble/host/include" -I"$NIMBLE/nimble/nimble/include"
        -I"$NIMBLE/nimble/nimble/host/services/gap/include" -I"$NIMBLE/nimble/nimble/host/services/gatt/include"
        -I"$NIMBLE/nimble/nimble/host/util/include" -I"$NIMBLE/nimble/nimble/transport/include"
        -I"$NIMBLE/nimble/porting/nimble/include" -I"$NIMBLE/nimble/porting/npl/freertos/include"
        -I"$NIMBLE/port/include")
    ble_files=("$FW/esp/ble_advertise.c" "$FW/esp/dpp_enrollee.c" "$FW/core/ble_discovery.c")
    for ext in 0 1; do
        if [ "$ext" = 1 ]; then
            grep -q "define SOC_BLE_50_SUPPORTED" "$CAPS" || continue # Bluetooth 4.2: no extended advertising
            idf_sdkconfig "${opts[@]}" "${ble_opts[@]}" "BT_NIMBLE_50_FEATURE_SUPPORT=1" "BT_NIMBLE_EXT_ADV=1"
        else
            idf_sdkconfig "${opts[@]}" "${ble_opts[@]}"
        fi
        idf_check_files "$T V2=$V2 BLE_DISCOVERY EXT_ADV=$ext ${#ble_files[@]} files" "${ble_files[@]}" || status=1
    done
else
    echo "idf_header_check: $T BLE_DISCOVERY: not checked, no NimBLE headers in $NIMBLE/nimble (a git submodule)"
fi
exit $status
