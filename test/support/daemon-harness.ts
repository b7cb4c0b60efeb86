/** A daemon on the in-memory air with in-memory stores: the engine's tests start one per case. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/config/load.js';
import { createBundleBuilder } from '../../daemon/service/bundles.js';
import type { BundleBuilder } from '../../daemon/engine/delivery.js';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon, type Stores } from '../../daemon/service/daemon.js';
import { MemoryAir } from './memory-radio.js';
import { MemoryStores } from './memory-stores.js';
import { TEST_PASSPHRASE, TEST_SSID } from './air-enrollee.js';

export const DAEMON_MAC = '02:00:00:00:c0:01';

export interface Harness {
  readonly daemon: ConfiguratorDaemon;
  readonly air: MemoryAir;
  readonly stores: MemoryStores;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    profile?: Record<string, unknown>;
    sessions?: Record<string, unknown>;
    bundles?: BundleBuilder;
    stores?: Stores;
    tcp?: boolean;
    /** Build the profile's LwM2M bundles with the daemon's own builder (daemon/lwm2m). */
    realBundles?: boolean;
  } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'configurator-test-'));
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      tcp: { enabled: options.tcp ?? false, port: 0 },
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
  const stores = new MemoryStores();
  const daemon = await ConfiguratorDaemon.start({
    config,
    dataDir,
    log: silentLogger(),
    stores: options.stores ?? stores,
    radio: air.transport(DAEMON_MAC),
    bundles,
    tcpPort: 0,
  });
  return {
    daemon,
    air,
    stores,
    dataDir,
    close: async () => {
      await daemon.stop(0);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
