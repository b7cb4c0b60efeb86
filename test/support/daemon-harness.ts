/** A daemon on the in-memory air with in-memory stores: the engine's tests start one per case. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/config/load.js';
import { createBundleBuilder } from '../../daemon/service/bundles.js';
import type { BundleBuilder } from '../../daemon/engine/delivery.js';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon, type Stores } from '../../daemon/service/daemon.js';
import assert from 'node:assert/strict';
import type { DeviceState } from '../../whitelist/types.js';
import { MemoryAir } from './memory-radio.js';
import { RadioGroup } from '../../daemon/transports/radio-group.js';
import { VirtualClock } from './virtual-clock.js';
import type { AirEnrollee } from './air-enrollee.js';
import type { EnrolleeOutcome } from '../../protocol/dpp/session/types.js';
import { MemoryStores } from './memory-stores.js';
import { TEST_PASSPHRASE, TEST_SSID } from './air-enrollee.js';

export const DAEMON_MAC = '02:00:00:00:c0:01';

export interface Harness {
  readonly daemon: ConfiguratorDaemon;
  readonly air: MemoryAir;
  readonly stores: MemoryStores;
  readonly dataDir: string;
  /** The daemon's clock when the harness was started with a virtual one. */
  readonly clock: VirtualClock | undefined;
  /** Wait until the device's record reads `state` (virtual time when there is a virtual clock). */
  expectDevice(keyHash: string, state: DeviceState, options?: { within?: number }): Promise<void>;
  /** Wait until every device has finished (stepping the virtual clock, if any); their outcomes. */
  outcomesOf(
    devices: readonly AirEnrollee[],
    options?: { within?: number },
  ): Promise<EnrolleeOutcome[]>;
  /** The device's audit trail, by kind, is exactly this. */
  expectAudit(keyHash: string, kinds: readonly string[]): void;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    profile?: Record<string, unknown>;
    sessions?: Record<string, unknown>;
    bundles?: BundleBuilder;
    stores?: Stores;
    tcp?: boolean;
    /** More `tcp.*` keys (limits) for the daemon's configuration. */
    tcpSettings?: Record<string, unknown>;
    /** Build the profile's LwM2M bundles with the daemon's own builder (daemon/lwm2m). */
    realBundles?: boolean;
    /** Run the daemon on this clock (tests then step it instead of sleeping). */
    clock?: VirtualClock;
    /** Group the stores' commits in windows of this length (needs the virtual clock). */
    commitWindowMs?: number;
    /** Serve the control socket in the data dir. */
    controlSocket?: boolean;
    /**
     * Several bridges on the air, by name, as one radio group (else the one radio, DAEMON_MAC):
     * each a memory radio of its own MAC (DAEMON_MAC's last byte counting up).
     */
    bridges?: readonly string[];
  } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'configurator-test-'));
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      tcp: { enabled: options.tcp ?? false, port: 0, ...options.tcpSettings },
      radio: { port: 'none' },
      sessions: {
        retransmitMs: 200,
        authTimeoutMs: 3000,
        configTimeoutMs: 3000,
        connStatusTimeoutMs: 3000,
        announceIntervalMs: 100,
        shutdownGraceMs: 200,
        ...options.sessions,
      },
      defaultProfile: 'plant',
      profiles: {
        plant: { wifi: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE }, ...options.profile },
      },
    }),
    { mode: 0o600 },
  );
  const config = loadConfig({ dataDir, env: {} });
  let bundles = options.bundles;
  if (options.realBundles === true) {
    const built = createBundleBuilder(config);
    if (!built.ok) throw built.error;
    bundles = built.value;
  }
  const air = new MemoryAir();
  if (options.clock !== undefined) air.clock = options.clock;
  const stores = new MemoryStores();
  if (options.commitWindowMs !== undefined && options.clock !== undefined)
    stores.groupCommit = { windowMs: options.commitWindowMs, clock: options.clock };
  const daemon = await ConfiguratorDaemon.start({
    config,
    dataDir,
    log: silentLogger(),
    stores: options.stores ?? stores,
    radio:
      options.bridges === undefined
        ? air.transport(DAEMON_MAC)
        : new RadioGroup(
            options.bridges.map((name, i) => ({
              name,
              transport: air.transport(`02:00:00:00:c0:${(i + 1).toString(16).padStart(2, '0')}`),
            })),
          ),
    bundles,
    tcpPort: 0,
    clock: options.clock,
    controlSocket: options.controlSocket,
  });
  const clock = options.clock;
  const stateOf = (keyHash: string): DeviceState | undefined =>
    stores.deviceRecords.get(keyHash)?.state;
  return {
    daemon,
    air,
    stores,
    dataDir,
    clock,
    async expectDevice(keyHash, state, { within = 30_000 } = {}) {
      const what = `device ${keyHash.slice(0, 12)} ${state} (it is ${stateOf(keyHash) ?? 'unknown'})`;
      if (clock !== undefined) {
        await clock.until(() => stateOf(keyHash) === state, within, what);
        return;
      }
      const deadline = performance.now() + within;
      while (stateOf(keyHash) !== state) {
        if (performance.now() > deadline) throw new Error(`${what}: not within ${within} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async outcomesOf(devices, { within = 300_000 } = {}) {
      if (clock === undefined) return Promise.all(devices.map((d) => d.done));
      await clock.until(
        () => devices.every((d) => d.outcome !== undefined),
        within,
        'the devices to finish',
      );
      return devices.map((d) => d.outcome!);
    },
    expectAudit(keyHash, kinds) {
      assert.deepEqual(
        stores.auditRecords.filter((r) => r.keyHash === keyHash).map((r) => r.kind),
        kinds,
      );
    },
    close: async () => {
      await daemon.stop(0);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A harness whose daemon, air and devices all run on one virtual clock. */
export function startVirtualHarness(
  options: Omit<Parameters<typeof startHarness>[0] & object, 'clock'> = {},
): Promise<Harness> {
  return startHarness({ ...options, clock: new VirtualClock() });
}
