/**
 * The daemon with `ble.enabled` on simulated bindings and its real SQLite stores: a device heard
 * over Bluetooth LE reaches `configurator devices --unlisted` as "ble" on hci0 with its URI, and
 * `status` shows discovery's counters; noble missing, the daemon runs and says why.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { toHex } from '../../protocol/bytes.js';
import {
  encodeAdvertisement,
  encodeUriValue,
  KEY_HASH_PREFIX_LENGTH,
} from '../../protocol/ble/carrier.js';
import { dppUriOfKey } from '../../protocol/dpp/uri.js';
import { loadConfig } from '../../daemon/config/load.js';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { openStores } from '../../daemon/service/stores.js';
import { runConfigurator } from '../support/cli-in-process.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { SimulatedBleBindings } from '../support/simulated-ble.js';

describe('the daemon with Bluetooth LE discovery', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-ble-daemon-'));
    writeFileSync(
      join(dataDir, 'config.json'),
      JSON.stringify({
        radio: { port: 'none' },
        tcp: { enabled: true, port: 0 },
        console: { enabled: false },
        ble: { enabled: true, adapter: 'hci0' },
      }),
      { mode: 0o600 },
    );
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists a device heard over Bluetooth LE as "ble" on hci0 with its URI; status counts it', async () => {
    const config = loadConfig({ dataDir, env: {} });
    const stores = openStores(dataDir);
    const bindings = new SimulatedBleBindings();
    const scanning = once(bindings, 'scanStart');
    const daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log: silentLogger(),
      stores,
      tcpPort: 0,
      publishState: true,
      ble: { source: { kind: 'bindings', bindings }, adapterExists: () => true },
    });
    try {
      const discovery = daemon.bleDiscovery;
      assert.ok(discovery !== undefined, 'discovery runs');
      await scanning;
      const stranger = newIdentity();
      const uri = dppUriOfKey(stranger.key, { info: 'box 12', version: 2 });
      const device = bindings.add({
        address: 'd4:12:34:56:78:9a',
        advertisement: encodeAdvertisement(stranger.hash.subarray(0, KEY_HASH_PREFIX_LENGTH)),
        rssi: -61,
        uriValue: encodeUriValue(uri),
      });
      const read = once(discovery, 'read');
      const pump = setInterval(() => bindings.advertise(device), 20);
      try {
        await read;
      } finally {
        clearInterval(pump);
      }
      stores.commit();

      const listed = await runConfigurator('--data-dir', dataDir, 'devices', '--unlisted');
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(
        listed.stdout,
        new RegExp(
          `^${toHex(stranger.hash).slice(0, 16)} +yes +d4:12:34:56:78:9a +-61 +ble +hci0 +\\d+ `,
          'm',
        ),
      );
      const json = await runConfigurator('--data-dir', dataDir, 'devices', '--unlisted', '--json');
      const [row] = JSON.parse(json.stdout) as {
        uri: string;
        transport: string;
        heardBy: string;
      }[];
      assert.equal(row?.uri, uri, 'the URI as the device gave it, to add with whitelist add --uri');
      assert.equal(row?.heardBy, 'hci0');

      const status = daemon.status();
      assert.equal(status.ble?.state, 'poweredOn');
      assert.equal(status.ble?.counters.read, 1);
      // The state file is rewritten every second: read until it shows the read.
      const line =
        /^Bluetooth LE: (scanning|on) with hci0; \d+ advertisement\(s\) heard, 1 URI\(s\) read, 0 refused$/m;
      let text = '';
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        text = (await runConfigurator('--data-dir', dataDir, 'status')).stdout;
        if (line.test(text)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(text, line);
    } finally {
      await daemon.stop(0);
    }
  });

  it('noble missing: the daemon serves without it, and status says why discovery is off', async () => {
    const config = loadConfig({ dataDir, env: {} });
    const stores = openStores(dataDir);
    const daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log: silentLogger(),
      stores,
      tcpPort: 0,
      ble: {
        importer: () =>
          Promise.reject(Object.assign(new Error('not found'), { code: 'ERR_MODULE_NOT_FOUND' })),
      },
    });
    try {
      assert.equal(daemon.bleDiscovery, undefined);
      assert.ok(daemon.tcpPort !== undefined, 'DPP over TCP serves');
      assert.equal(daemon.status().ble?.state, 'unavailable');
      assert.match(daemon.status().ble?.offReason ?? '', /@stoprocent\/noble is not installed/);
    } finally {
      await daemon.stop(0);
    }
  });

  it('ble is off by default; a bad adapter name is refused naming the key', () => {
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ radio: { port: 'none' } }));
    assert.deepEqual(loadConfig({ dataDir, env: {} }).ble, {
      enabled: false,
      adapter: 'hci0',
      connectTimeoutMs: 10_000,
    });
    writeFileSync(
      join(dataDir, 'config.json'),
      JSON.stringify({ ble: { enabled: true, adapter: '/dev/hci0' } }),
    );
    assert.throws(
      () => loadConfig({ dataDir, env: {} }),
      /ble\.adapter: an adapter name as Linux gives it: hci0, hci1/,
    );
  });
});
