/**
 * Helpers for the adversary tests on the in-memory air: device endpoints the fleet and the
 * adversaries can use, a forged-source sender, waiting for a condition, a daemon restarted on the
 * same data directory, and the LwM2M secrets a device was given.
 */
import assert from 'node:assert/strict';
import { decodeBundle } from '../../protocol/lwm2m/bundle.js';
import { loadConfig } from '../../daemon/config/load.js';
import { silentLogger } from '../../daemon/logging.js';
import { createBundleBuilder } from '../../daemon/service/bundles.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import type { MemoryAir } from './memory-radio.js';
import type { FleetEndpoint } from '../../enrollee-sim/site/fleet.js';
import type { ForgedSend } from '../../enrollee-sim/adversary/air.js';
import { SimDevice } from '../../enrollee-sim/site/sim-device.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { TEST_PASSPHRASE, TEST_SSID } from './air-enrollee.js';
import { DAEMON_MAC, type Harness } from './daemon-harness.js';

/** An LwM2M template with one PSK server account: each device gets its own identity and key. */
export const PSK_LWM2M = {
  endpoint: 'sim-{serial}',
  servers: [
    { uri: 'coaps://lwm2m.simulation.invalid:5684', shortServerId: 1, securityMode: 'psk' },
  ],
  psk: { identity: 'psk-{endpoint}', keyLength: 16 },
};

/**
 * A station on the in-memory air. `hearBroadcasts: false`: the air delivers it no broadcasts, as
 * the radio hub does for simulated devices (they need only unicast).
 */
export function memoryEndpoint(
  air: MemoryAir,
  mac: string,
  options: { hearBroadcasts?: boolean } = {},
): FleetEndpoint {
  const inner = air.attach(mac, options);
  const endpoint: FleetEndpoint = {
    mac: inner.mac,
    onFrame: () => {},
    send: (dst, payload) => inner.send(dst, payload),
    close: async () => inner.detach(),
  };
  inner.onFrame = (f) => endpoint.onFrame(f);
  return endpoint;
}

/**
 * A simulated device of a batch on the in-memory air: hears only unicast (as on the hub), joins
 * the test network, announces every 200 ms backing off to 1 s, retries a failed session 10 times.
 */
export function batchDevice(
  air: MemoryAir,
  mac: string,
  identity: BootstrapIdentity,
): { device: SimDevice; endpoint: FleetEndpoint } {
  const endpoint = memoryEndpoint(air, mac, { hearBroadcasts: false });
  const device = new SimDevice(endpoint, {
    identity,
    ap: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE },
    chirpMs: 200,
    maxChirpMs: 1000,
    retries: 10,
  });
  return { device, endpoint };
}

/** Transmit on the in-memory air from any MAC, without being attached. */
export function forgedSender(air: MemoryAir): ForgedSend {
  return (src, dst, payload) => air.transmit(src, dst, payload);
}

export const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `condition` holds; fail with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await settle(10);
  }
}

/**
 * Stop the harness's daemon and start another on the same data directory (the same configurator
 * key), the same stores and `air`: a restarted daemon with no memory of earlier sessions. The
 * harness's close() still removes the data directory; stop the returned daemon first.
 */
export async function restartDaemon(
  h: Harness,
  air: MemoryAir,
  options: { realBundles?: boolean } = {},
): Promise<ConfiguratorDaemon> {
  await h.daemon.stop(0);
  const config = loadConfig({ dataDir: h.dataDir, env: {} });
  let bundles;
  if (options.realBundles === true) {
    const built = createBundleBuilder(config);
    if (!built.ok) throw built.error;
    bundles = built.value;
  }
  return ConfiguratorDaemon.start({
    config,
    dataDir: h.dataDir,
    log: silentLogger(),
    stores: h.stores,
    radio: air.transport(DAEMON_MAC),
    bundles,
    tcpPort: 0,
  });
}

export interface PskSecrets {
  readonly identity: Uint8Array;
  readonly key: Uint8Array;
}

/** The PSK identity and key the daemon stored for a device (its secrets, generated once). */
export function storedPskSecrets(h: Harness, keyHash: string): PskSecrets[] {
  const text = h.stores.secretRecords.get(keyHash);
  assert.ok(text !== undefined, `no secrets stored for ${keyHash}`);
  const parsed = JSON.parse(text) as {
    accounts: { mode: string; identity?: string; key?: string }[];
  };
  return parsed.accounts
    .filter((a) => a.mode === 'psk')
    .map((a) => ({
      identity: new TextEncoder().encode(a.identity!),
      key: Uint8Array.from(Buffer.from(a.key!, 'hex')),
    }));
}

/** The PSK identities and keys in a bundle as the device decoded it (Security object /0). */
export function bundlePskSecrets(bundle: Uint8Array): PskSecrets[] {
  const records = decodeBundle(bundle);
  assert.ok(records.ok, records.ok ? '' : records.error.describe());
  const byInstance = new Map<number, { identity?: Uint8Array; key?: Uint8Array }>();
  for (const r of records.value) {
    if (r.path.objectId !== 0 || r.value.type !== 'opaque') continue;
    const entry = byInstance.get(r.path.instanceId) ?? {};
    if (r.path.resourceId === 3) entry.identity = r.value.value;
    if (r.path.resourceId === 5) entry.key = r.value.value;
    byInstance.set(r.path.instanceId, entry);
  }
  return [...byInstance.values()]
    .filter((e) => e.identity !== undefined && e.key !== undefined)
    .map((e) => ({ identity: e.identity!, key: e.key! }));
}
