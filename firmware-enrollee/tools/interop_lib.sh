# shellcheck shell=bash
# What interop.sh and interop_fleet.sh share: a work folder, the radio hub
# (dist/enrollee-sim/radio/hub-main.js), the bridge host build, the real daemon
# with a "lab" profile (an LwM2M template), device keys and URIs, and the
# teardown. Needs npm install (dist/, the bridge host build) and make here.
#   INTEROP_DIR   the work folder (default: a new temporary one)
#   HUB_ARGS      the hub's faults, e.g. "--loss 0.1"
set -u
R=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
D=${INTEROP_DIR:-$(mktemp -d)}
cd "$D" || exit 1
echo "interop dir $D"
printf 'lab passphrase 1\n' > wifi.pass
chmod 600 wifi.pass

# configurator ARGS...: the daemon's CLI on this run's data folder
configurator() { node "$R/dist/harness/configurator.js" --data-dir "$D/data" "$@"; }

# interop_config CHANNEL LOG_LEVEL [REQUIRE_MUTUAL]: config.yaml for the daemon (bridge on CHANNEL)
interop_config() {
    cat > config.yaml <<EOC
radio:
  port: $D/bridge-pty
  channel: $1
tcp:
  enabled: false
defaultProfile: lab
profiles:
  lab:
    wifi: { ssid: lab-ap, passphraseFile: wifi.pass }${3:+
    requireMutual: $3}
    lwm2m:
      endpoint: "urn:dev:ops:acme-{serial}"
      servers:
        - uri: coaps://lwm2m.example:5684
          shortServerId: 1
          securityMode: psk
log:
  level: $2
  format: json
EOC
    chmod 600 config.yaml
}

# interop_radio CHANNEL: the hub (its port in PORT) and the bridge on CHANNEL
interop_radio() {
    # shellcheck disable=SC2086
    node "$R/dist/enrollee-sim/radio/hub-main.js" --port 0 ${HUB_ARGS:-} > hub.out 2>&1 &
    HUB=$!
    sleep 0.5
    PORT=$(awk '/^HUB/{print $2}' hub.out)
    "$R/firmware-bridge/build-host/bridge-host" --channel "$1" --radio-port "$PORT" --link "$D/bridge-pty" \
        > bridge.out 2>&1 &
    BR=$!
}

# device_key FILE: a new bootstrapping key, unless FILE has one
device_key() { [ -f "$1" ] || printf '%s\n' "$(openssl rand -hex 32)" > "$1"; }

# device_uri FILE CHANNELS: the DPP URI enrollee-host will have with that key and plan
device_uri() {
    printf 'boot_priv %s\nchannels %s\nstart\n' "$(cat "$1")" "$2" |
        "$R/firmware-enrollee/build-host/enrollee-vectors" | awk '/^uri/{print $2}'
}

interop_daemon() {
    # not through configurator(): a function run with & is a subshell, and DM must be node's pid
    node "$R/dist/harness/configurator.js" --data-dir "$D/data" start --config "$D/config.yaml" > daemon.out 2>&1 &
    DM=$!
    sleep 1.5
}

interop_stop() {
    kill "$DM"
    sleep 1
    kill "$BR" "$HUB" 2>/dev/null
    wait 2>/dev/null
}
