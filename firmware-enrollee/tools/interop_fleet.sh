#!/bin/bash
# N enrollee-host devices (N=20) provisioned by the real daemon through the bridge host build
# and the radio hub (HUB_ARGS, e.g. "--loss 0.1"); prints how many each side counts as done.
# A manual check, not a test.
# shellcheck source=interop_lib.sh
. "$(dirname "$0")/interop_lib.sh"
N=${N:-20}
interop_config 6 warn
interop_radio 6
: > uris.txt
for i in $(seq 1 "$N"); do
  device_key "dev$i.key"
  device_uri "dev$i.key" 1,6,11 >> uris.txt
done
configurator whitelist import uris.txt > wl.out 2>&1 || { cat wl.out; }
interop_daemon
start=$(date +%s)
pids=()
for i in $(seq 1 "$N"); do
  mac=$(printf '02:00:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
  timeout 120 "$R/firmware-enrollee/build-host/enrollee-host" --key "$D/dev$i.key" --serial "SN-$i" --channels 1,6,11 \
     --ap "lab-ap:$D/wifi.pass:6" --radio-port "$PORT" --listen-ms 1000 --mac "$mac" --exit-when-done > "dev$i.out" 2>&1 &
  pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails+1)); done
echo "devices: $N, exited non-zero: $fails, elapsed $(( $(date +%s) - start )) s"
echo "device side: $(grep -l 'STATE done 0' dev*.out | wc -l) done, $(grep -l '^WIFI 0' dev*.out | wc -l) joined"
sleep 1
configurator devices 2>&1 | grep -oE ' (connected|provisioned|failed|authenticating|configuring|refused) ' | sort | uniq -c
interop_stop
