/**
 * The bridge's received-frame drops by kind (protocol version 2) reach the daemon's link counters,
 * which the state file and `configurator status` show. Frames that reach the bridge before any
 * host negotiated are dropped and counted by kind, deterministically, so they serve as the drops.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { SerialBridgeTransport } from '../../daemon/transports/serial-bridge.js';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { waitFor } from '../support/adversary-air.js';
import {
  bridgeDaemonConfig,
  hostBridgeBinary,
  startHostBridge,
  startRadioHub,
  type HostBridge,
} from '../support/host-bridge.js';
import { MemoryStores } from '../support/memory-stores.js';

const BROADCAST = 'ff:ff:ff:ff:ff:ff';

describe('the bridge drops by kind in the daemon link counters', function () {
  this.timeout(120_000);
  let hub: RadioHub | undefined;
  let bridge: HostBridge | undefined;
  let daemon: ConfiguratorDaemon | undefined;
  let dataDir: string | undefined;

  before(function () {
    if (!existsSync(hostBridgeBinary())) this.skip(); // make -C firmware-bridge builds it
  });
  after(async () => {
    await daemon?.stop(0);
    await bridge?.stop();
    await hub?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('carries rxDroppedBroadcast and rxDroppedUnicast from the bridge STATS', async () => {
    hub = await startRadioHub({ faults: { airtime: false, latencyMs: 0 } });
    bridge = await startHostBridge({ hubPort: hub.port });
    const air = hub;
    // The bridge has joined the hub once a frame to it is delivered.
    await waitFor(
      () => air.inject('02:00:00:00:0a:01', bridge!.mac, Uint8Array.of(0)),
      30_000,
      'the bridge to join the radio hub',
    );
    const delivered = air.stats.delivered + 7;
    for (let i = 0; i < 5; i++) air.inject('02:00:00:00:0a:02', BROADCAST, Uint8Array.of(1, i));
    for (let i = 0; i < 2; i++) air.inject('02:00:00:00:0a:03', bridge.mac, Uint8Array.of(2, i));
    await waitFor(() => air.stats.delivered >= delivered, 30_000, 'the frames to go out');

    dataDir = mkdtempSync(join(tmpdir(), 'configurator-drops-'));
    daemon = await ConfiguratorDaemon.start({
      config: bridgeDaemonConfig(dataDir, bridge.linkPath),
      dataDir,
      log: silentLogger(),
      stores: new MemoryStores(),
      radio: new SerialBridgeTransport({ port: bridge.linkPath }),
    });
    // The daemon asks for STATS as soon as the link is up.
    const d = daemon;
    await waitFor(
      () => d.linkCounters()?.['bridgeRxDroppedBroadcast'] !== undefined,
      30_000,
      'the first STATS',
    );
    const link = d.linkCounters() ?? {};
    assert.equal(link['bridgeRxDroppedBroadcast'], 5);
    assert.equal(link['bridgeRxDroppedUnicast'], 3); // the first frame to the bridge, then two
    assert.equal(link['bridgeRxDropped'], 8);
  });
});
