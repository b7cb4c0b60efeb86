#!/bin/bash
# A manual interoperability run: the radio hub, the bridge host build, the real daemon
# (configurator start, a whitelist, a profile with an LwM2M template) and enrollee-host.
# Environment: BRIDGE_CH (6), AP_CH (6), DEV_CH (1,6,11), MUTUAL (false), HUB_ARGS (e.g.
# "--loss 0.1"), NO_WL (set: not on the whitelist), PIN_OVERRIDE (a configurator URI to pin),
# DEV_TIMEOUT (60 s), SETTLE (1 s; 33 lets the daemon reach its Connection Status deadline).
# It prints the daemon's device table; the device's events are in $INTEROP_DIR/dev.out.
# shellcheck source=interop_lib.sh
. "$(dirname "$0")/interop_lib.sh"
interop_config "${BRIDGE_CH:-6}" info "${MUTUAL:-false}"
interop_radio "${BRIDGE_CH:-6}"
sleep 0.3
device_key dev.key
URI=$(device_uri dev.key "${DEV_CH:-1,6,11}")
echo "device URI $URI"
# shellcheck disable=SC2086
[ -n "${NO_WL:-}" ] || configurator whitelist add --uri "$URI" ${WL_ARGS:-} > wl.out 2>&1; cat wl.out
PIN=""
if [ "${MUTUAL:-false}" = true ]; then
  PIN=$(configurator identity 2>/dev/null | grep -o 'DPP:[^ ]*;;' | head -1)
  echo "pin $PIN"
fi
interop_daemon
ARGS=(--key "$D/dev.key" --serial SN-77 --channels "${DEV_CH:-1,6,11}" --ap "lab-ap:$D/wifi.pass:${AP_CH:-6}"
  --radio-port "$PORT" --listen-ms 300 --mac 02:00:00:00:e0:42 --exit-when-done --verbose)
PIN=${PIN_OVERRIDE:-$PIN}
[ -n "$PIN" ] && ARGS+=(--pin-configurator "$PIN")
timeout "${DEV_TIMEOUT:-60}" "$R/firmware-enrollee/build-host/enrollee-host" "${ARGS[@]}" > dev.out 2>&1
echo "enrollee-host exit $?"
sleep "${SETTLE:-1}"
configurator devices 2>&1 | head -5
interop_stop
