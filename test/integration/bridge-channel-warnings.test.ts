/**
 * `radio.channel: auto` and the channel warning, with the host build of the bridge and the
 * stand-in nmcli replaying the recorded site: `auto` puts the bridge on its profile's access
 * point's channel; without nmcli it goes on the fallback with one warning, and a reload looks
 * again; a fixed channel off the AP's is a warning in the log (at start and whenever the bridge
 * comes up) and in status.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonConfig } from '../../daemon/config/load.js';
import { createLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { createRadio } from '../../daemon/service/radio.js';
import type { BridgeState } from '../../daemon/service/state-file.js';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { waitFor } from '../support/adversary-air.js';
import {
  hostBridgeBinary,
  radioDaemonConfig,
  startHostBridge,
  startRadioHub,
  type HostBridge,
} from '../support/host-bridge.js';
import { MemoryStores } from '../support/memory-stores.js';

const FAKE_NMCLI_DIR = fileURLToPath(new URL('../../../test/preflight/nmcli/', import.meta.url));
/** "Lab:2" is heard on channel 1 only in the recorded site. */
const LAB = { lab: { ssid: 'Lab:2' } };

describe('a bridge’s channel from the air: auto, its fallback, the channel warning', function () {
  this.timeout(120_000);
  const saved = { ...process.env };
  let hub: RadioHub;
  let bridge: HostBridge;
  let dataDir: string;
  let daemon: ConfiguratorDaemon | undefined;
  let lines: string[];

  before(function () {
    if (!existsSync(hostBridgeBinary())) this.skip(); // make -C firmware-bridge builds it
  });
  beforeEach(async () => {
    hub = await startRadioHub({ faults: { airtime: false, latencyMs: 1 } });
    bridge = await startHostBridge({ hubPort: hub.port, channel: 6 });
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-auto-channel-'));
    lines = [];
    process.env.FAKE_NMCLI_RECORDING = join(FAKE_NMCLI_DIR, 'site');
    process.env.FAKE_NMCLI_CALLS = join(dataDir, 'nmcli-calls');
  });
  afterEach(async () => {
    await daemon?.stop(0);
    daemon = undefined;
    await bridge?.stop();
    await hub?.close();
    process.env = { ...saved };
    rmSync(dataDir, { recursive: true, force: true });
  });

  const nmcli = (present: boolean): void => {
    process.env.PATH = present ? `${FAKE_NMCLI_DIR}:${saved.PATH}` : '/nonexistent';
  };

  async function start(config: DaemonConfig): Promise<ConfiguratorDaemon> {
    const destination = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger({ level: 'info', format: 'json', destination });
    daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log,
      stores: new MemoryStores(),
      radio: createRadio(config, log),
    });
    return daemon;
  }

  const only = (): BridgeState | undefined => daemon?.status().radio?.bridges?.[0];
  const logged = (pattern: RegExp): string[] =>
    lines.map((l) => (JSON.parse(l) as { msg: string }).msg).filter((m) => pattern.test(m));

  it('auto puts the bridge on the channel of its profile’s access point', async () => {
    nmcli(true);
    await start(radioDaemonConfig(dataDir, { port: bridge.linkPath, channel: 'auto' }, LAB, 'lab'));
    await waitFor(() => only()?.channel === 1, 30_000, 'the bridge on channel 1');
    const state = only()!;
    assert.equal(state.configuredChannel, 'auto');
    assert.equal(state.plannedChannel, 1);
    assert.equal(state.channelSource, 'access point');
    assert.equal(state.channelWarning, undefined);
    assert.deepEqual(logged(/channel auto →/), [
      'bridge ' + bridge.linkPath + ": channel auto → 1, the channel of profile lab's access point",
    ]);
  });

  it('without nmcli: one warning and the fallback channel 6; a reload with nmcli there finds the AP', async () => {
    nmcli(false);
    const config = radioDaemonConfig(
      dataDir,
      { port: bridge.linkPath, channel: 'auto' },
      LAB,
      'lab',
    );
    await start(config);
    await waitFor(() => only()?.up === true, 30_000, 'the bridge up');
    const state = only()!;
    assert.equal(state.channel, 6);
    assert.equal(state.channelSource, 'fallback');
    assert.match(
      state.channelWarning ?? '',
      /radio\.channel auto, but Wi-Fi was not checked \(nmcli not found: NetworkManager is not installed\).*on channel 6 until a reload \(SIGHUP\) finds it/,
    );
    assert.equal(logged(/Wi-Fi was not checked/).length, 1, 'one line, not one more at its up');
    assert.equal(daemon?.status().radio?.up, true, 'never a crash: it serves on the fallback');

    nmcli(true);
    daemon!.reconfigure(config, undefined);
    await waitFor(() => only()?.channel === 1, 30_000, 'the bridge moved to channel 1');
    assert.equal(only()?.channelWarning, undefined);
  });

  it('a fixed channel off the AP’s: a warning in status, in the log at start and again when the bridge comes back', async () => {
    nmcli(true);
    await start(
      radioDaemonConfig(
        dataDir,
        { port: bridge.linkPath, channel: 6, preflight: true },
        LAB,
        'lab',
      ),
    );
    const warning =
      /is on channel 6 \(radio\.channel\), profile lab's "Lab:2" on channel 1: devices that join it move there/;
    await waitFor(
      () => warning.test(only()?.channelWarning ?? ''),
      30_000,
      'the warning in status',
    );
    await waitFor(() => logged(warning).length === 1, 30_000, 'the warning in the log, once');
    await waitFor(() => only()?.up === true, 30_000, 'the bridge up');
    const said = logged(warning).length;
    await bridge.restart();
    await waitFor(() => logged(warning).length > said, 30_000, 'the warning again once it is back');
    assert.equal(only()?.channel, 6, 'a fixed channel stays as configured');
  });
});
