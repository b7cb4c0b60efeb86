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
idf_check_files "$T V2=$V2 ${#files[@]} files" "${files[@]}"
