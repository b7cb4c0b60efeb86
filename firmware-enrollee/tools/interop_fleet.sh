#!/bin/bash
# N enrollee-host devices (N=20) provisioned by the real daemon through the bridge host build
# and the radio hub (HUB_ARGS, e.g. "--loss 0.1"); prints how many each side counts as done.
# Needs npm install (dist/, the bridge host build) and make here. A manual check, not a test.
set -u
R=$(cd "$(dirname "$0")/../.." && pwd)
D=${INTEROP_DIR:-$(mktemp -d)}
N=${N:-20}
cd "$D"
echo "interop dir $D"
printf 'lab passphrase 1\n' > wifi.pass; chmod 600 wifi.pass
cat > config.yaml <<EOC
radio:
  port: $D/bridge-pty
  channel: 6
tcp:
  enabled: false
defaultProfile: lab
profiles:
  lab:
    wifi: { ssid: lab-ap, passphraseFile: wifi.pass }
    lwm2m:
      endpoint: "urn:dev:ops:acme-{serial}"
      servers:
        - uri: coaps://lwm2m.example:5684
          shortServerId: 1
          securityMode: psk
log:
  level: warn
  format: json
EOC
chmod 600 config.yaml
node $R/dist/enrollee-sim/radio/hub-main.js --port 0 ${HUB_ARGS:-} > hub.out 2>&1 &
HUB=$!
sleep 0.5
PORT=$(awk '/^HUB/{print $2}' hub.out)
$R/firmware-bridge/build-host/bridge-host --channel 6 --radio-port $PORT --link $D/bridge-pty > bridge.out 2>&1 &
BR=$!
: > uris.txt
for i in $(seq 1 $N); do
  printf '%s\n' $(openssl rand -hex 32) > dev$i.key
  printf 'boot_priv %s\nchannels 1,6,11\nstart\n' $(cat dev$i.key) | $R/firmware-enrollee/build-host/enrollee-vectors | awk '/^uri/{print $2}' >> uris.txt
done
node $R/dist/harness/configurator.js --data-dir $D/data whitelist import uris.txt > wl.out 2>&1 || { cat wl.out; }
node $R/dist/harness/configurator.js --data-dir $D/data start --config $D/config.yaml > daemon.out 2>&1 &
DM=$!
sleep 1.5
start=$(date +%s)
pids=()
for i in $(seq 1 $N); do
  mac=$(printf '02:00:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
  timeout 120 $R/firmware-enrollee/build-host/enrollee-host --key $D/dev$i.key --serial SN-$i --channels 1,6,11 \
     --ap "lab-ap:$D/wifi.pass:6" --radio-port $PORT --listen-ms 1000 --mac $mac --exit-when-done > dev$i.out 2>&1 &
  pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait $p || fails=$((fails+1)); done
echo "devices: $N, exited non-zero: $fails, elapsed $(( $(date +%s) - start )) s"
echo "device side: $(grep -l 'STATE done 0' dev*.out | wc -l) done, $(grep -l '^WIFI 0' dev*.out | wc -l) joined"
sleep 1
node $R/dist/harness/configurator.js --data-dir $D/data devices 2>&1 | grep -oE ' (connected|provisioned|failed|authenticating|configuring|refused) ' | sort | uniq -c
kill $DM; sleep 1; kill $BR $HUB 2>/dev/null
wait 2>/dev/null
