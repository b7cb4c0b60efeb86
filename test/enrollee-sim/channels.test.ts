/**
 * Channels as the air has them, through the whole chain (radio hub, the bridge's host build on
 * channel 6, the daemon): the hub delivers a frame only to radios on the sender's channel. A
 * device walks its channel plan until the bridge answers; a device that joins its access point
 * moves to the AP's channel, where a bridge on another channel does not hear its Connection Status
 * Result.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { SerialBridgeTransport } from '../../daemon/transports/serial-bridge.js';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { RadioNode } from '../../enrollee-sim/radio/node.js';
import { SimDevice, type SimulatedAp } from '../../enrollee-sim/site/sim-device.js';
import { TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import { waitFor } from '../support/adversary-air.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import {
  bridgeDaemonConfig,
  hostBridgeBinary,
  startHostBridge,
  startRadioHub,
  type HostBridge,
} from '../support/host-bridge.js';
import { MemoryStores } from '../support/memory-stores.js';

describe('channels on the radio hub, through the bridge host build on channel 6', function () {
  this.timeout(300_000);
  let hub: RadioHub | undefined;
  let bridge: HostBridge | undefined;
  let daemon: ConfiguratorDaemon | undefined;
  let dataDir: string | undefined;
  let stores: MemoryStores;
  const nodes: RadioNode[] = [];
  const devices: SimDevice[] = [];

  before(function () {
    if (!existsSync(hostBridgeBinary())) this.skip(); // make -C firmware-bridge builds it
  });
  beforeEach(async () => {
    hub = await startRadioHub({ faults: { airtime: false, latencyMs: 1 } });
    bridge = await startHostBridge({ hubPort: hub.port });
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-channels-'));
    stores = new MemoryStores();
    daemon = await ConfiguratorDaemon.start({
      config: bridgeDaemonConfig(dataDir, bridge.linkPath),
      dataDir,
      log: silentLogger(),
      stores,
      radio: new SerialBridgeTransport({ port: bridge.linkPath }),
    });
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) d.stop();
    await daemon?.stop(0);
    await bridge?.stop();
    for (const n of nodes.splice(0)) await n.close().catch(() => {});
    await hub?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  async function device(
    mac: string,
    channels: readonly number[],
    ap: SimulatedAp,
  ): Promise<{ device: SimDevice; node: RadioNode; keyHash: string }> {
    const identity = newIdentity();
    stores.addKey(identity.key);
    const node = await RadioNode.join({
      mac,
      channel: channels[0]!,
      hubPort: hub!.port,
      hearBroadcasts: false,
    });
    nodes.push(node);
    const endpoint = {
      mac,
      onFrame: (() => {}) as SimDevice['endpoint']['onFrame'],
      send: (dst: string, payload: Uint8Array) => node.send(dst, payload),
      setChannel: (channel: number) => node.setChannel(channel),
    };
    node.onFrame = (f) => endpoint.onFrame(f);
    const d = new SimDevice(endpoint, { identity, ap, channels, chirpMs: 300, retries: 5 });
    devices.push(d);
    return { device: d, node, keyHash: toHex(identity.hash) };
  }

  it('a device that starts on other channels is provisioned once its plan reaches the bridge’s', async () => {
    const { device: d, keyHash } = await device('02:00:00:c4:00:01', [1, 11, 6], {
      ssid: TEST_SSID,
      passphrase: TEST_PASSPHRASE,
      channel: 6,
    });
    const report = await d.start().done;
    assert.equal(report.outcome.result, 'configured');
    assert.ok(report.chirps >= 3, `${report.chirps} announcements: channels 1 and 11 went unheard`);
    await waitFor(
      () => stores.deviceRecords.get(keyHash)?.state === 'connected',
      30_000,
      'the device recorded connected',
    );
  });

  it('with its AP on another channel than the bridge, the device ends provisioned: its Connection Status Result is not heard', async () => {
    const {
      device: d,
      node,
      keyHash,
    } = await device('02:00:00:c4:00:02', [6], {
      ssid: TEST_SSID,
      passphrase: TEST_PASSPHRASE,
      channel: 11,
    });
    const report = await d.start().done;
    assert.equal(report.outcome.result, 'configured');
    assert.equal(report.joined, true);
    await waitFor(
      () =>
        stores.deviceRecords.get(keyHash)?.state === 'provisioned' &&
        daemon!.engine.activeSessions === 0,
      30_000,
      'the daemon to give up waiting for the Connection Status Result',
    );
    const record = stores.deviceRecords.get(keyHash)!;
    assert.match(record.reason ?? '', /no Connection Status Result/);
    assert.equal(node.currentChannel, 11, 'the device followed its AP');
  });
});
