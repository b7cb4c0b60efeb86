/**
 * The sniffer and the flood on the radio hub, with the real chain behind it: the bridge's host
 * build on a pty, the serial transport, the daemon with real LwM2M bundles. Devices are nodes on
 * the hub; the flood puts each announcement on the air under a fresh MAC. The hub's air time
 * is switched off: 10,000 announcements a second do not fit on one ESP-NOW channel at 1 Mbit/s
 * (about 800 frames of this size a second), so with air time on the flood would only queue.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { silentLogger } from '../../daemon/logging.js';
import { createBundleBuilder } from '../../daemon/service/bundles.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { SerialBridgeTransport } from '../../daemon/transports/serial-bridge.js';
import { AnnouncementFlood } from '../../enrollee-sim/adversary/announcement-flood.js';
import { Sniffer, type Secret } from '../../enrollee-sim/adversary/sniffer.js';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { RadioNode } from '../../enrollee-sim/radio/node.js';
import { SimDevice, type SimDeviceReport } from '../../enrollee-sim/site/sim-device.js';
import { TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import { bundlePskSecrets, PSK_LWM2M, waitFor } from '../support/adversary-air.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import {
  hostBridgeBinary,
  startHostBridge,
  startRadioHub,
  type HostBridge,
  bridgeDaemonConfig,
} from '../support/host-bridge.js';
import { MemoryStores } from '../support/memory-stores.js';

/** Flood announcements refused by the daemon before the batch starts. */
const FLOOD_AT_DAEMON = 500;

describe('adversaries on the radio hub, through the bridge host build', function () {
  this.timeout(300_000);
  let hub: RadioHub | undefined;
  let bridge: HostBridge | undefined;
  let daemon: ConfiguratorDaemon | undefined;
  let dataDir: string | undefined;
  const nodes: RadioNode[] = [];
  const devices: SimDevice[] = [];

  before(function () {
    if (!existsSync(hostBridgeBinary())) this.skip(); // make -C firmware-bridge builds it
  });
  after(async () => {
    for (const d of devices) d.stop();
    await daemon?.stop(0);
    await bridge?.stop();
    for (const n of nodes) await n.close().catch(() => {});
    await hub?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('provisions a batch during a flood of 10,000 announcements a second; the sniffer finds no secret', async () => {
    hub = await startRadioHub({ faults: { airtime: false, latencyMs: 1 } });
    const sniffer = new Sniffer();
    hub.onMonitor = (f) => sniffer.observe(f);
    bridge = await startHostBridge({ hubPort: hub.port });
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-adversary-'));
    const config = bridgeDaemonConfig(dataDir, bridge.linkPath, { lwm2m: PSK_LWM2M });
    const bundles = createBundleBuilder(config);
    if (!bundles.ok) throw bundles.error;
    const stores = new MemoryStores();
    daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log: silentLogger(),
      stores,
      radio: new SerialBridgeTransport({ port: bridge.linkPath }),
      bundles: bundles.value,
    });
    const engine = daemon.engine;

    const air = hub;
    // A fixed number of announcements (10,000 a second for 2 s on a machine that keeps up; a slower
    // one takes longer to send them all), so the test asks the same of the daemon on any machine.
    const flood = new AnnouncementFlood({
      rate: 10_000,
      durationMs: 2000,
      send: (src, dst, payload) => air.inject(src, dst, payload),
    });
    const count = 10;
    const identities = Array.from({ length: count }, () => newIdentity());
    for (const id of identities) stores.addKey(id.key);
    for (const [i, identity] of identities.entries()) {
      const node = await RadioNode.join({
        mac: `02:00:00:4b:00:${(i + 1).toString(16).padStart(2, '0')}`,
        channel: 6,
        hubPort: hub.port,
        hearBroadcasts: false,
      });
      nodes.push(node);
      const endpoint = {
        mac: node.mac,
        onFrame: (() => {}) as SimDevice['endpoint']['onFrame'],
        send: (dst: string, payload: Uint8Array) => node.send(dst, payload),
      };
      node.onFrame = (f) => endpoint.onFrame(f);
      devices.push(
        new SimDevice(endpoint, {
          identity,
          serial: `SN-${toHex(identity.hash).slice(0, 12)}`,
          ap: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE },
          chirpMs: 300,
          maxChirpMs: 1000,
          retries: 10,
        }),
      );
    }
    flood.start();
    // The devices start once the flood reaches the daemon in bulk through the bridge.
    await waitFor(
      () => (engine.refusalTotals.get('unknown') ?? 0) >= FLOOD_AT_DAEMON,
      60_000,
      'the flood to reach the daemon',
    );
    for (const d of devices) d.start();
    // A bound for a broken daemon, not a speed requirement.
    const deadline = new Promise<undefined>((r) => setTimeout(() => r(undefined), 120_000).unref());
    const reports = await Promise.all(
      devices.map((d) => Promise.race<SimDeviceReport | undefined>([d.done, deadline])),
    );
    const floodReport = await flood.done;
    await new Promise((r) => setTimeout(r, 300));

    assert.deepEqual(
      reports.map((r) => r?.outcome.result ?? 'not configured'),
      reports.map(() => 'configured'),
    );
    const link = daemon.linkCounters() ?? {};
    const refusedUnknown = engine.refusalTotals.get('unknown') ?? 0;
    process.stdout.write(
      `      hub flood: ${floodReport.sent} sent, ${Math.round(floodReport.achievedPerSecond)}/s; ` +
        `hub frames ${hub.stats.frames}; bridge received ${link['bridgeRxFrames'] ?? '?'}; ` +
        `daemon refused ${refusedUnknown} as unknown; ${engine.counters.admitted} admitted\n`,
    );
    // How much of the flood the bridge passes on varies with the machine's load (its receive
    // queue is bounded, like the ESP32's); none of it may be admitted.
    assert.ok(refusedUnknown >= FLOOD_AT_DAEMON && refusedUnknown <= floodReport.sent);
    const batch = new Set(identities.map((id) => toHex(id.hash)));
    assert.ok(
      stores.auditRecords.every((r) => r.kind !== 'admitted' || batch.has(r.keyHash ?? '')),
      'only the batch was admitted',
    );

    const secrets: Secret[] = [
      { name: 'Wi-Fi passphrase', bytes: new TextEncoder().encode(TEST_PASSPHRASE) },
    ];
    for (const [i, r] of reports.entries()) {
      const [psk] = bundlePskSecrets(r!.config!.lwm2mBundle!);
      secrets.push(
        { name: `PSK identity ${i}`, bytes: psk!.identity },
        { name: `PSK key ${i}`, bytes: psk!.key },
      );
    }
    const kinds = sniffer.countByKind();
    assert.ok((kinds['gasInitialResponse'] ?? 0) >= count, JSON.stringify(kinds));
    assert.ok((kinds['PresenceAnnouncement'] ?? 0) >= floodReport.sent);
    assert.deepEqual(sniffer.search(secrets), []);
  });
});
