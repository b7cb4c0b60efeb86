/**
 * What a reload (SIGHUP) does to a bridge's channel, with the scan answered by the test when it
 * chooses: a working `auto` bridge stays on its channel when the scan fails or hears nothing, and
 * while its channel still has an AP of the SSID; a scan still pending from before the reload
 * never applies the older settings; a bridge turned `auto` waits for its scan on its own channel.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonConfig } from '../../daemon/config/load.js';
import { silentLogger } from '../../daemon/logging.js';
import type { AccessPoint, ScanResult } from '../../daemon/preflight/wifi-scan.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import type { BridgeState } from '../../daemon/service/state-file.js';
import { TEST_SSID } from '../support/air-enrollee.js';
import { waitFor } from '../support/adversary-air.js';
import { radioDaemonConfig } from '../support/host-bridge.js';
import { MemoryAir } from '../support/memory-radio.js';
import { MemoryStores } from '../support/memory-stores.js';

/** Scans that wait for the test to answer them, oldest first. */
class ScriptedScans {
  private readonly waiting: ((result: ScanResult) => void)[] = [];

  readonly scan = (): Promise<ScanResult> => new Promise((resolve) => this.waiting.push(resolve));

  get pending(): number {
    return this.waiting.length;
  }

  answer(result: ScanResult): void {
    const next = this.waiting.shift();
    assert.ok(next !== undefined, 'a scan was asked for');
    next(result);
  }
}

function heard(...aps: readonly [channel: number, signal: number][]): ScanResult {
  return {
    ok: true,
    accessPoints: aps.map(([channel, signal], i): AccessPoint => ({
      ssid: TEST_SSID,
      bssid: `3C:84:6A:00:00:0${i}`,
      channel,
      frequencyMHz: 2407 + 5 * channel,
      signal,
      security: 'WPA2',
      offers: ['psk'],
    })),
  };
}

const FAILED: ScanResult = { ok: false, reason: 'nmcli failed: NetworkManager is not running' };

/** Let a scan's answer reach the daemon (its promise chain settles before the next macrotask). */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a bridge’s channel across reloads', function () {
  this.timeout(60_000);
  let dataDir: string;
  let daemon: ConfiguratorDaemon | undefined;
  let scans: ScriptedScans;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-reload-channels-'));
    scans = new ScriptedScans();
  });
  afterEach(async () => {
    await daemon?.stop(0);
    daemon = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const config = (radio: Record<string, unknown>): DaemonConfig =>
    radioDaemonConfig(dataDir, { port: join(dataDir, 'ttyBRIDGE'), ...radio });

  /** Starts the daemon; `atStart` answers the scan an `auto` bridge waits for before it opens. */
  async function start(first: DaemonConfig, atStart?: ScanResult): Promise<ConfiguratorDaemon> {
    const starting = ConfiguratorDaemon.start({
      config: first,
      dataDir,
      log: silentLogger(),
      stores: new MemoryStores(),
      radio: new MemoryAir().transport('24:6f:28:00:00:01'),
      scanWifi: scans.scan,
    });
    if (atStart !== undefined) {
      await waitFor(() => scans.pending === 1, 30_000, 'the scan at start');
      scans.answer(atStart);
    }
    daemon = await starting;
    return daemon;
  }

  const bridge = (): BridgeState | undefined => daemon?.status().radio?.bridges?.[0];
  const placed = (): [number | undefined, string | undefined] => [
    bridge()?.plannedChannel,
    bridge()?.channelSource,
  ];

  it('a working auto bridge stays on its channel when the scan fails, hears nothing, or hears its AP there', async () => {
    const auto = config({ channel: 'auto' });
    await start(auto, heard([11, 60]));
    assert.deepEqual(placed(), [11, 'access point']);

    // A reload to edit something else while NetworkManager restarts.
    daemon!.reconfigure(auto, undefined);
    scans.answer(FAILED);
    await settled();
    assert.deepEqual(placed(), [11, 'kept'], 'not moved to the fallback channel 6');
    assert.match(bridge()?.channelWarning ?? '', /Wi-Fi was not checked .*kept on channel 11/);

    daemon!.reconfigure(auto, undefined);
    scans.answer(heard());
    await settled();
    assert.deepEqual(placed(), [11, 'kept'], 'the SSID not heard at all: no reason to move');

    daemon!.reconfigure(auto, undefined);
    scans.answer(heard([6, 90], [11, 40]));
    await settled();
    assert.deepEqual(placed(), [11, 'access point'], 'a stronger AP elsewhere is no reason either');
    assert.equal(bridge()?.channelWarning, undefined);

    daemon!.reconfigure(auto, undefined);
    scans.answer(heard([6, 90], [1, 40]));
    await settled();
    assert.deepEqual(placed(), [6, 'access point'], 'no AP left on 11: the strongest');
  });

  it('a reload without a scan is not undone by a scan still pending from before it', async () => {
    await start(config({ channel: 1, preflight: true }));
    assert.equal(scans.pending, 1, 'the preflight’s scan, not waited for');
    daemon!.reconfigure(config({ channel: 11, preflight: false }), undefined);
    assert.equal(scans.pending, 1, 'this reload asks for no scan');
    assert.deepEqual(placed(), [11, 'fixed']);
    scans.answer(heard([1, 70]));
    await settled();
    assert.deepEqual(placed(), [11, 'fixed'], 'the older settings are not applied again');
    assert.equal(bridge()?.configuredChannel, 11);
  });

  it('a bridge turned auto waits for its scan on its own channel, then takes the strongest AP', async () => {
    await start(config({ channel: 11 }));
    daemon!.reconfigure(config({ channel: 'auto' }), undefined);
    assert.deepEqual(placed(), [11, 'kept'], 'not on the fallback 6 in the meantime');
    assert.equal(bridge()?.channelWarning, undefined, 'nothing to warn of before the scan');
    scans.answer(heard([1, 80], [11, 40]));
    await settled();
    assert.deepEqual(placed(), [1, 'access point'], 'its configuration changed: the strongest');
  });

  it('a bridge turned auto whose scan fails stays where it is', async () => {
    await start(config({ channel: 11 }));
    daemon!.reconfigure(config({ channel: 'auto' }), undefined);
    scans.answer(FAILED);
    await settled();
    assert.deepEqual(placed(), [11, 'kept']);
  });
});
