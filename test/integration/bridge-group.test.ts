/**
 * Two bridges for one daemon, through the whole chain: the radio hub, two host builds of the
 * bridge on their ptys, the daemon's radio group. The daemon puts each bridge on its channel;
 * devices on either channel are provisioned through the bridge that heard them; a device both
 * bridges hear gets one session; with one bridge killed, status names it down and why, and the
 * other keeps serving.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonConfig } from '../../daemon/config/load.js';
import type { RadioTransport } from '../../daemon/transports/radio-transport.js';
import { silentLogger } from '../../daemon/logging.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { createRadio } from '../../daemon/service/radio.js';
import { openStores } from '../../daemon/service/stores.js';
import { writeDaemonState, type BridgeState } from '../../daemon/service/state-file.js';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { RadioNode } from '../../enrollee-sim/radio/node.js';
import { SimDevice, type SimulatedAp } from '../../enrollee-sim/site/sim-device.js';
import { toHex } from '../../protocol/bytes.js';
import { TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import { waitFor } from '../support/adversary-air.js';
import { CLI_MAIN } from '../support/daemon-process.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import {
  hostBridgeBinary,
  radioDaemonConfig,
  startHostBridge,
  startRadioHub,
  type HostBridge,
} from '../support/host-bridge.js';
import { MemoryStores } from '../support/memory-stores.js';

const WEST_MAC = '02:00:00:00:b1:01';
const EAST_MAC = '02:00:00:00:b1:02';

interface Device {
  readonly device: SimDevice;
  readonly keyHash: string;
  /** The MACs of every frame the device received: the bridges that talked to it. */
  readonly heardFrom: Set<string>;
  /** ESP-NOW payloads the device put on the air. */
  readonly sent: { payloads: number };
}

describe('two bridges on two channels, one daemon', function () {
  this.timeout(300_000);
  let hub: RadioHub;
  let west: HostBridge;
  let east: HostBridge;
  let daemon: ConfiguratorDaemon;
  let dataDir: string;
  let stores: MemoryStores;
  let config: DaemonConfig;
  let group: RadioTransport | undefined;
  const nodes: RadioNode[] = [];
  const devices: SimDevice[] = [];

  const radio = (eastChannel: number) => ({
    bridges: [
      { port: west.linkPath, channel: 1, name: 'west' },
      { port: east.linkPath, channel: eastChannel, name: 'east' },
    ],
  });
  const bridgeStates = (): readonly BridgeState[] => daemon.status().radio?.bridges ?? [];
  const bridgeState = (name: string): BridgeState | undefined =>
    bridgeStates().find((b) => b.name === name);

  before(async function () {
    if (!existsSync(hostBridgeBinary())) this.skip(); // make -C firmware-bridge builds it
    hub = await startRadioHub({ faults: { airtime: false, latencyMs: 1 } });
    // Both start on channel 6: the daemon moves each to its own.
    west = await startHostBridge({ hubPort: hub.port, mac: WEST_MAC, channel: 6 });
    east = await startHostBridge({ hubPort: hub.port, mac: EAST_MAC, channel: 6 });
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-bridges-'));
    stores = new MemoryStores();
    config = radioDaemonConfig(dataDir, radio(11));
    group = createRadio(config, silentLogger());
    daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log: silentLogger(),
      stores,
      radio: group,
    });
  });

  after(async () => {
    for (const d of devices.splice(0)) d.stop();
    await daemon?.stop(0);
    await west?.stop();
    await east?.stop();
    for (const n of nodes.splice(0)) await n.close().catch(() => {});
    await hub?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A device that walks `channels` and joins an AP on `apChannel`; whitelisted unless told. */
  async function device(
    mac: string,
    channels: readonly number[],
    apChannel: number,
    whitelisted = true,
  ): Promise<Device> {
    const identity = newIdentity();
    if (whitelisted) stores.addKey(identity.key);
    const node = await RadioNode.join({
      mac,
      channel: channels[0]!,
      hubPort: hub.port,
      hearBroadcasts: false,
    });
    nodes.push(node);
    const heardFrom = new Set<string>();
    const sent = { payloads: 0 };
    const endpoint = {
      mac,
      onFrame: (() => {}) as SimDevice['endpoint']['onFrame'],
      send: (dst: string, payload: Uint8Array) => {
        sent.payloads++;
        return node.send(dst, payload);
      },
      setChannel: (channel: number) => node.setChannel(channel),
    };
    node.onFrame = (f) => {
      heardFrom.add(f.src);
      endpoint.onFrame(f);
    };
    const ap: SimulatedAp = { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE, channel: apChannel };
    const d = new SimDevice(endpoint, { identity, ap, channels, chirpMs: 300, retries: 5 });
    devices.push(d);
    return { device: d, keyHash: toHex(identity.hash), heardFrom, sent };
  }

  const admissions = (keyHash: string): number =>
    stores.auditRecords.filter((r) => r.kind === 'admitted' && r.keyHash === keyHash).length;

  it('puts each bridge on its own channel', async () => {
    await waitFor(
      () => bridgeState('west')?.channel === 1 && bridgeState('east')?.channel === 11,
      30_000,
      'west on channel 1 and east on 11',
    );
    assert.deepEqual(
      bridgeStates().map((b) => [b.name, b.up, b.mac, b.configuredChannel, b.channel]),
      [
        ['west', true, WEST_MAC, 1, 1],
        ['east', true, EAST_MAC, 11, 11],
      ],
    );
    assert.match(daemon.identityUri(), /C:81\/1,81\/11;/, 'our URI names both channels');
  });

  it('provisions devices on either channel, each through the bridge that heard it', async () => {
    const onWest = await Promise.all([1, 2, 3].map((i) => device(`02:00:00:c1:00:0${i}`, [1], 1)));
    const onEast = await Promise.all(
      [1, 2, 3].map((i) => device(`02:00:00:c1:01:0${i}`, [11], 11)),
    );
    const stranger = await device('02:00:00:c1:02:01', [11], 11, false);
    stranger.device.start();
    const reports = await Promise.all([...onWest, ...onEast].map((d) => d.device.start().done));
    assert.deepEqual(
      reports.map((r) => r.outcome.result),
      reports.map(() => 'configured'),
    );
    for (const d of [...onWest, ...onEast])
      await waitFor(
        () => stores.deviceRecords.get(d.keyHash)?.state === 'connected',
        30_000,
        `device ${d.keyHash.slice(0, 8)} connected (its Connection Status Result heard on its AP's channel)`,
      );
    for (const d of onWest) assert.deepEqual([...d.heardFrom], [WEST_MAC]);
    for (const d of onEast) assert.deepEqual([...d.heardFrom], [EAST_MAC]);
    await waitFor(
      () => stores.unlistedRecords.size > 0,
      30_000,
      'the unlisted device to be recorded',
    );
    assert.deepEqual(
      [...stores.unlistedRecords.values()].map((u) => [u.address, u.heardBy]),
      [['02:00:00:c1:02:01', 'east']],
      'an unlisted device says which bridge heard it',
    );
    stranger.device.stop();
  });

  it('a reload moves a bridge at once; a device both bridges then hear gets one session', async () => {
    config = radioDaemonConfig(dataDir, radio(1));
    const result = daemon.reconfigure(config, undefined);
    assert.ok(result.applied.includes('radio.bridges.1.channel'), JSON.stringify(result));
    assert.deepEqual(result.restartNeeded, []);
    await waitFor(() => bridgeState('east')?.channel === 1, 30_000, 'east moved to channel 1');
    // Another bridge waits for a restart, named; the running ones stay as they are.
    const more = radioDaemonConfig(dataDir, {
      bridges: [...radio(1).bridges, { port: join(dataDir, 'ttyNEW'), channel: 6, name: 'new' }],
    });
    assert.deepEqual(daemon.reconfigure(more, undefined).restartNeeded, ['radio.bridges']);
    assert.deepEqual(
      bridgeStates().map((b) => [b.name, b.plannedChannel]),
      [
        ['west', 1],
        ['east', 1],
      ],
    );
    const copiesBefore = daemon.linkCounters()?.['bridgeCopies'] ?? 0;
    const BOTH_MAC = '02:00:00:c1:03:01';
    // What the radio group passes on to the link from this device: each payload once, however
    // many bridges heard it (its broadcasts reach both, its unicasts the bridge they are for).
    let passedOn = 0;
    group!.on('frame', (f) => {
      if (f.src === BOTH_MAC) passedOn++;
    });
    const both = await device(BOTH_MAC, [1], 1);
    const report = await both.device.start().done;
    assert.equal(report.outcome.result, 'configured');
    assert.equal(admissions(both.keyHash), 1, 'one session');
    await waitFor(
      () => stores.deviceRecords.get(both.keyHash)?.state === 'connected',
      30_000,
      'its Connection Status Result heard',
    );
    await waitFor(() => passedOn >= both.sent.payloads, 30_000, 'every payload it sent passed on');
    assert.equal(passedOn, both.sent.payloads, 'no payload passed on twice');
    assert.equal(
      both.heardFrom.size,
      1,
      `answered through one bridge: ${[...both.heardFrom].join(', ')}`,
    );
    assert.ok(
      (daemon.linkCounters()?.['bridgeCopies'] ?? 0) > copiesBefore,
      'its announcement was heard by both and passed on once',
    );
  });

  it('with one bridge killed, status names it down and why, and the other keeps serving', async () => {
    await east.kill('SIGKILL');
    await waitFor(() => bridgeState('east')?.up === false, 30_000, 'east down');
    const status = daemon.status();
    assert.equal(status.radio?.up, true, 'the radio as a whole is up');
    assert.ok((bridgeState('east')?.downReason ?? '').length > 0);
    assert.equal(bridgeState('west')?.up, true);

    const after = await device('02:00:00:c1:04:01', [1], 1);
    const report = await after.device.start().done;
    assert.equal(report.outcome.result, 'configured');
    assert.deepEqual([...after.heardFrom], [WEST_MAC]);

    // The daemon here keeps its records in memory: an empty database for the command to read.
    openStores(dataDir).close();
    writeDaemonState(dataDir, daemon.status());
    const cli = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'status'], {
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^radio: 2 bridges, 1 up$/m);
    assert.match(cli.stdout, /^ {2}bridge west: up, 02:00:00:00:b1:01 on channel 1 /m);
    assert.match(cli.stdout, /^ {2}bridge east: DOWN \([^)]+\) via \S+, channel 1$/m);
  });
});
