/**
 * A batch through the real chain: enrollees on the simulated radio → the bridge's host build on a
 * pty → the serial transport → the daemon. The bridge is killed with SIGKILL mid-batch and
 * restarted: the daemon reconnects and every device still ends configured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RadioNode } from '../../enrollee-sim/radio/node.js';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { SerialBridgeTransport } from '../../daemon/transports/serial-bridge.js';
import { AirEnrollee, TEST_PASSPHRASE, type AirEndpoint } from '../support/air-enrollee.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import {
  startHostBridge,
  startRadioHub,
  type HostBridge,
  bridgeDaemonConfig,
} from '../support/host-bridge.js';
import { MemoryStores } from '../support/memory-stores.js';

async function nodeEndpoint(
  mac: string,
  hubPort: number,
): Promise<AirEndpoint & { leave(): Promise<void> }> {
  const node = await RadioNode.join({ mac, channel: 6, hubPort });
  const endpoint = {
    mac,
    onFrame: (() => {}) as AirEndpoint['onFrame'],
    send: (dst: string, payload: Uint8Array) => node.send(dst, payload),
    leave: () => node.close(),
  };
  node.onFrame = (f) => endpoint.onFrame({ ...f, channel: 6 });
  return endpoint;
}

describe('batch through the host bridge, bridge killed mid-batch', function () {
  this.timeout(180_000);
  let hub: RadioHub;
  let bridge: HostBridge;
  let daemon: ConfiguratorDaemon;
  let dataDir: string;
  const leaves: (() => Promise<void>)[] = [];
  const enrollees: AirEnrollee[] = [];

  after(async () => {
    for (const e of enrollees) e.stop();
    await daemon?.stop(0);
    await bridge?.stop();
    for (const l of leaves) await l().catch(() => {});
    await hub?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reconnects by itself and every whitelisted device ends configured', async () => {
    hub = await startRadioHub({ faults: { loss: 0.05 } });
    bridge = await startHostBridge({ hubPort: hub.port });
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-bridge-'));
    const config = bridgeDaemonConfig(dataDir, bridge.linkPath);
    const stores = new MemoryStores();
    const radio = new SerialBridgeTransport({ port: bridge.linkPath });
    const ups: number[] = [];
    radio.on('up', () => ups.push(performance.now()));
    daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log: silentLogger(),
      stores,
      radio,
    });

    const count = 20;
    for (let i = 0; i < count; i++) {
      const id = newIdentity();
      stores.addKey(id.key);
      const endpoint = await nodeEndpoint(
        `02:00:00:00:d0:${i.toString(16).padStart(2, '0')}`,
        hub.port,
      );
      leaves.push(endpoint.leave);
      enrollees.push(new AirEnrollee(endpoint, { identity: id, chirpMs: 300, retries: 10 }));
    }
    for (const e of enrollees) e.start();
    // Kill the bridge once a few devices are through.
    while (stores.auditRecords.filter((r) => r.kind === 'configuration-delivered').length < 3) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await bridge.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const restartedAt = performance.now();
    await bridge.restart();
    const outcomes = await Promise.all(enrollees.map((e) => e.done));

    const reconnect = ups.find((t) => t > restartedAt);
    assert.ok(reconnect !== undefined, 'the link came up again');
    // A bound for a link that never retries, not a speed requirement (the backoff is ~1 s).
    assert.ok(
      reconnect - restartedAt < 30_000,
      `reconnected after ${Math.round(reconnect - restartedAt)} ms`,
    );
    assert.deepEqual(
      outcomes.map((o) => o.result),
      enrollees.map(() => 'configured'),
    );
    for (const e of enrollees) assert.equal(e.config?.credential.pass, TEST_PASSPHRASE);
  });
});
