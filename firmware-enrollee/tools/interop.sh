#!/bin/bash
# A manual interoperability run: the radio hub (dist/enrollee-sim/radio/hub-main.js), the
# bridge host build, the real daemon (configurator start, a whitelist, a profile with an LwM2M
# template) and enrollee-host. Needs npm install (dist/, the bridge host build) and make here.
# Environment: BRIDGE_CH (6), AP_CH (6), DEV_CH (1,6,11), MUTUAL (false), HUB_ARGS (e.g.
# "--loss 0.1"), NO_WL (set: not on the whitelist), PIN_OVERRIDE (a configurator URI to pin),
# DEV_TIMEOUT (60 s), SETTLE (1 s; 33 lets the daemon reach its Connection Status deadline).
# It prints the daemon's device table; the device's events are in $INTEROP_DIR/dev.out.
set -u
R=$(cd "$(dirname "$0")/../.." && pwd)
D=${INTEROP_DIR:-$(mktemp -d)}
cd "$D"
echo "interop dir $D"
printf 'lab passphrase 1\n' > wifi.pass
chmod 600 wifi.pass
cat > config.yaml <<EOC
radio:
  port: $D/bridge-pty
  channel: ${BRIDGE_CH:-6}
tcp:
  enabled: false
defaultProfile: lab
profiles:
  lab:
    wifi: { ssid: lab-ap, passphraseFile: wifi.pass }
    requireMutual: ${MUTUAL:-false}
    lwm2m:
      endpoint: "urn:dev:ops:acme-{serial}"
      servers:
        - uri: coaps://lwm2m.example:5684
          shortServerId: 1
          securityMode: psk
log:
  level: info
  format: json
EOC
chmod 600 config.yaml
node $R/dist/enrollee-sim/radio/hub-main.js --port 0 ${HUB_ARGS:-} > hub.out 2>&1 &
HUB=$!
sleep 0.5
PORT=$(awk '/^HUB/{print $2}' hub.out)
$R/firmware-bridge/build-host/bridge-host --channel ${BRIDGE_CH:-6} --radio-port $PORT --link $D/bridge-pty > bridge.out 2>&1 &
BR=$!
sleep 0.3
[ -f dev.key ] || printf '%s\n' $(openssl rand -hex 32) > dev.key
URI=$(printf 'boot_priv %s\nchannels %s\nstart\n' $(cat dev.key) ${DEV_CH:-1,6,11} | $R/firmware-enrollee/build-host/enrollee-vectors | awk '/^uri/{print $2}')
echo "device URI $URI"
[ -n "${NO_WL:-}" ] || node $R/dist/harness/configurator.js --data-dir $D/data whitelist add --uri "$URI" ${WL_ARGS:-} > wl.out 2>&1; cat wl.out
PIN=""
if [ "${MUTUAL:-false}" = true ]; then
  PIN=$(node $R/dist/harness/configurator.js --data-dir $D/data identity 2>/dev/null | grep -o 'DPP:[^ ]*;;' | head -1)
  echo "pin $PIN"
fi
node $R/dist/harness/configurator.js --data-dir $D/data start --config $D/config.yaml > daemon.out 2>&1 &
DM=$!
sleep 1.5
ARGS=(--key $D/dev.key --serial SN-77 --channels ${DEV_CH:-1,6,11} --ap "lab-ap:$D/wifi.pass:${AP_CH:-6}" --radio-port $PORT --listen-ms 300 --mac 02:00:00:00:e0:42 --exit-when-done --verbose)
PIN=${PIN_OVERRIDE:-$PIN}
[ -n "$PIN" ] && ARGS+=(--pin-configurator "$PIN")
timeout ${DEV_TIMEOUT:-60} $R/firmware-enrollee/build-host/enrollee-host "${ARGS[@]}" > dev.out 2>&1
echo "enrollee-host exit $?"
sleep ${SETTLE:-1}
node $R/dist/harness/configurator.js --data-dir $D/data devices 2>&1 | head -5
kill $DM; sleep 1; kill $BR $HUB 2>/dev/null
wait 2>/dev/null
