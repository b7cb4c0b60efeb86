import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { RadioNode, type ReceivedFrame } from '../../enrollee-sim/radio/node.js';
import { ErrorCode, type ConfiguratorError } from '../../protocol/errors.js';
import type { RadioFrame, RadioInfo, TxResult } from '../../daemon/transports/radio-transport.js';
import {
  SerialBridgeTransport,
  type BridgeLogger,
  type SerialBridgeOptions,
} from '../../daemon/transports/serial-bridge.js';
import {
  DEFAULT_BRIDGE_MAC,
  hostBridgeFirmware,
  startHostBridge,
  startRadioHub,
  type HostBridge,
} from '../support/host-bridge.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

const NODE_MAC = '7c:df:a1:00:00:01';
const ABSENT_MAC = '7c:df:a1:00:00:99';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      const value = check();
      if (value !== undefined) resolve(value);
      else if (performance.now() - started > timeoutMs) reject(new Error(`timed out: ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

function upWithin(transport: SerialBridgeTransport, timeoutMs = 5000): Promise<[RadioInfo]> {
  return once(transport, 'up', { signal: AbortSignal.timeout(timeoutMs) }) as Promise<[RadioInfo]>;
}

/** Collects log lines, to assert what an operator would read. */
function memoryLogger(): BridgeLogger & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      lines.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    };
  return { lines, info: at('info'), warn: at('warn'), debug: at('debug') };
}

/** A hub, the host bridge on it, a device node on the air, and a transport on the bridge's pty. */
class Rig {
  readonly frames: RadioFrame[] = [];
  readonly atNode: ReceivedFrame[] = [];
  readonly problems: ConfiguratorError[] = [];
  readonly events: string[] = [];
  transport!: SerialBridgeTransport;

  private constructor(
    readonly hub: RadioHub,
    readonly bridge: HostBridge,
    readonly node: RadioNode,
  ) {}

  static async start(options: Partial<SerialBridgeOptions> = {}): Promise<Rig> {
    const hub = await startRadioHub();
    const bridge = await startHostBridge({ hubPort: hub.port });
    const node = await RadioNode.join({ mac: NODE_MAC, channel: 6, hubPort: hub.port });
    const rig = new Rig(hub, bridge, node);
    node.onFrame = (f) => rig.atNode.push(f);
    rig.transport = new SerialBridgeTransport({ port: bridge.linkPath, ...options });
    rig.transport.on('frame', (f) => rig.frames.push(f));
    rig.transport.on('problem', (e) => rig.problems.push(e));
    rig.transport.on('up', () => rig.events.push('up'));
    rig.transport.on('down', (reason) => rig.events.push(`down: ${reason}`));
    const up = upWithin(rig.transport);
    await rig.transport.start();
    await up;
    return rig;
  }

  async close(): Promise<void> {
    await this.transport?.stop();
    await this.bridge.stop();
    await this.node.close();
    await this.hub.close();
  }
}

describe('serial bridge transport (host bridge on a pty, simulated radio)', function () {
  this.timeout(90_000);

  describe('one link', () => {
    let rig: Rig;
    before(async () => {
      rig = await Rig.start();
    });
    after(async () => {
      await rig?.close();
    });

    it('comes up with the bridge MAC, channel, maxPayload and firmware', () => {
      assert.deepEqual(rig.transport.info, {
        mac: DEFAULT_BRIDGE_MAC,
        channel: 6,
        maxPayload: 250,
        firmware: hostBridgeFirmware(),
      });
      assert.equal(rig.transport.path, rig.bridge.linkPath);
    });

    it('a frame a device sends to the bridge MAC arrives as a frame event', async () => {
      assert.equal(await rig.node.send(DEFAULT_BRIDGE_MAC, Uint8Array.of(0xde, 0xad)), 'acked');
      const frame = await waitFor('frame', () => rig.frames.at(-1));
      assert.equal(frame.src, NODE_MAC);
      assert.equal(frame.broadcast, false);
      assert.equal(frame.channel, 6);
      assert.ok(frame.rssi < 0 && frame.rssi >= -80, `rssi ${frame.rssi}`);
      assert.deepEqual([...frame.payload], [0xde, 0xad]);
    });

    it('send: acked to a present device (which receives it), notAcked to an absent one, broadcast acked', async () => {
      rig.atNode.length = 0;
      assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(1, 2, 3)), 'acked');
      assert.equal(await rig.transport.send(ABSENT_MAC, Uint8Array.of(4)), 'notAcked');
      assert.equal(await rig.transport.send(BROADCAST, Uint8Array.of(5)), 'acked');
      await waitFor('two frames at the device', () => (rig.atNode.length >= 2 ? true : undefined));
      assert.deepEqual(
        rig.atNode.map((f) => [f.src, f.broadcast, [...f.payload]]),
        [
          [DEFAULT_BRIDGE_MAC, false, [1, 2, 3]],
          [DEFAULT_BRIDGE_MAC, true, [5]],
        ],
      );
    });

    it('refuses a payload over maxPayload without sending it', async () => {
      const before = rig.transport.stats.host.txSent;
      assert.equal(await rig.transport.send(NODE_MAC, new Uint8Array(251)), 'refused');
      assert.equal(rig.problems.at(-1)?.code, ErrorCode.TransportFrameTooLarge);
      assert.equal(rig.transport.stats.host.txSent, before);
    });

    it('100 sends at once all resolve, within the bridge credits, none refused', async () => {
      rig.atNode.length = 0;
      const problemsBefore = rig.problems.length;
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => rig.transport.send(NODE_MAC, Uint8Array.of(i + 1))),
      );
      assert.deepEqual(results, Array(100).fill('acked'));
      const stats = rig.transport.stats;
      assert.ok(stats.host.maxOutstanding <= stats.credits, `max ${stats.host.maxOutstanding}`);
      assert.ok(stats.host.maxOutstanding > 1, 'the sends were pipelined');
      assert.equal(rig.transport.outstanding, 0);
      assert.equal(rig.problems.length, problemsBefore);
      await waitFor('100 frames at the device', () =>
        rig.atNode.length >= 100 ? true : undefined,
      );
      assert.deepEqual(
        rig.atNode.map((f) => f.payload[0]),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    });

    it('fetches the bridge STATS, with the drops by kind of protocol version 2', async () => {
      const bridgeStats = await waitFor('STATS', () => rig.transport.stats.bridge ?? undefined);
      assert.equal(typeof bridgeStats.rxFrames, 'number');
      assert.equal(bridgeStats.rxDroppedBroadcast, 0);
      assert.equal(bridgeStats.rxDroppedUnicast, 0);
      assert.equal(rig.transport.stats.host.serialBadCrc, 0);
    });

    it('sets the channel; an invalid one is refused', async () => {
      assert.equal(await rig.transport.setChannel(11), true);
      assert.equal(rig.transport.info?.channel, 11);
      assert.equal(await rig.transport.setChannel(15), false);
      assert.equal(await rig.transport.setChannel(6), true);
      assert.equal(rig.transport.info?.channel, 6);
    });

    it('a second transport on the same port cannot open it (the port is locked)', async () => {
      const log = memoryLogger();
      const second = new SerialBridgeTransport({ port: rig.bridge.linkPath, logger: log });
      let up = false;
      second.on('up', () => (up = true));
      await second.start();
      await second.stop();
      assert.equal(up, false);
      assert.ok(
        log.lines.some((l) => /^warn .*cannot open.*lock/i.test(l)),
        log.lines.join('\n'),
      );
      assert.equal(rig.transport.info?.mac, DEFAULT_BRIDGE_MAC);
      assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(7)), 'acked');
    });

    it('a listener that throws does not break the link', async () => {
      const thrower = (): void => {
        throw new Error('listener bug');
      };
      rig.transport.on('frame', thrower);
      try {
        const count = rig.frames.length;
        await rig.node.send(DEFAULT_BRIDGE_MAC, Uint8Array.of(1));
        await waitFor('frame', () => (rig.frames.length > count ? true : undefined));
        assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(2)), 'acked');
      } finally {
        rig.transport.off('frame', thrower);
      }
    });
  });

  describe('losing the bridge', () => {
    let rig: Rig;
    beforeEach(async () => {
      rig = await Rig.start({ backoff: { initialMs: 100, maxMs: 2000 } });
    });
    afterEach(async () => {
      await rig?.close();
    });

    it('SIGKILL with 50 sends in flight: all resolve, down fires; after a restart up returns within 5 s', async () => {
      // TX_STATUS comes 300 ms after each frame: the sends are surely in flight when it dies.
      rig.hub.setFaults({ latencyMs: 300 });
      const down = once(rig.transport, 'down', { signal: AbortSignal.timeout(30_000) });
      const pending = Array.from({ length: 50 }, (_, i) =>
        rig.transport.send(NODE_MAC, Uint8Array.of(i + 1)),
      );
      await waitFor('TX written', () => (rig.transport.outstanding > 0 ? true : undefined));
      await rig.bridge.kill('SIGKILL');
      const results: TxResult[] = await Promise.all(pending);
      for (const r of results) assert.ok(r === 'linkDown' || r === 'notAcked', r);
      assert.ok(results.includes('linkDown'));
      await down;
      assert.equal(rig.transport.info, null);
      assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(1)), 'linkDown');

      rig.hub.setFaults({ latencyMs: 2 });
      const started = performance.now();
      // A bound for a transport that never reconnects, not a speed requirement.
      const up = upWithin(rig.transport, 30_000);
      await rig.bridge.restart();
      await up;
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 30_000, `up again after ${Math.round(elapsed)} ms`);
      assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(9)), 'acked');
      assert.deepEqual(rig.events.slice(0, 1), ['up']);
      assert.match(rig.events[1] ?? '', /^down: /);
      assert.equal(rig.events[2], 'up');
    });

    it('a bridge restarted while the port stays open (SIGTERM, same link) is reconnected', async () => {
      await rig.bridge.restart();
      await upWithin(rig.transport, 10_000);
      assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(3)), 'acked');
    });

    it('stop() closes the port, stops retrying, and sends answer linkDown', async () => {
      const log = memoryLogger();
      await rig.transport.stop();
      assert.equal(rig.transport.path, null);
      assert.equal(rig.transport.info, null);
      assert.equal(rig.events.at(-1), 'down: stopped');
      assert.equal(await rig.transport.send(NODE_MAC, Uint8Array.of(1)), 'linkDown');
      // The bridge still runs: a fresh transport comes up on it, so the port was released.
      const again = new SerialBridgeTransport({ port: rig.bridge.linkPath, logger: log });
      const up = upWithin(again);
      await again.start();
      await up;
      await again.stop();
      assert.ok(log.lines.some((l) => l.startsWith('info bridge link up')));
    });
  });

  describe('auto discovery', () => {
    let hub: RadioHub | undefined;
    let bridge: HostBridge | undefined;
    let dev: string | undefined;
    let transport: SerialBridgeTransport | undefined;
    after(async () => {
      await transport?.stop();
      await bridge?.stop();
      await hub?.close();
      if (dev) await rm(dev, { recursive: true, force: true });
    });

    it('opens the one Espressif port it finds under /dev/serial/by-id', async () => {
      hub = await startRadioHub();
      bridge = await startHostBridge({ hubPort: hub.port, mac: '02:00:00:00:b0:42' });
      dev = await mkdtemp(join(tmpdir(), 'serial-dev-'));
      await mkdir(join(dev, 'serial', 'by-id'), { recursive: true });
      const byId = join(dev, 'serial', 'by-id', 'usb-Espressif_USB_JTAG_serial_debug_unit-if00');
      await symlink(bridge.ptyPath, byId);
      transport = new SerialBridgeTransport({
        port: 'auto',
        discovery: { sysRoot: join(dev, 'no-sys'), devRoot: dev },
      });
      const up = upWithin(transport);
      await transport.start();
      const [info] = await up;
      assert.equal(info.mac, '02:00:00:00:b0:42');
      assert.equal(transport.path, byId);
    });

    it('start() refuses when several ports qualify, naming them', async () => {
      const twoDev = await mkdtemp(join(tmpdir(), 'serial-dev-'));
      try {
        const dir = join(twoDev, 'serial', 'by-id');
        await mkdir(dir, { recursive: true });
        await symlink('../../ttyACM0', join(dir, 'usb-Espressif_A-if00'));
        await symlink('../../ttyACM1', join(dir, 'usb-Espressif_B-if00'));
        const ambiguous = new SerialBridgeTransport({
          port: 'auto',
          discovery: { sysRoot: join(twoDev, 'no-sys'), devRoot: twoDev },
        });
        await assert.rejects(ambiguous.start(), (e: ConfiguratorError) => {
          assert.equal(e.code, DaemonErrorCode.BridgeAmbiguousSerialPort);
          assert.match(e.message, /usb-Espressif_A-if00.*usb-Espressif_B-if00/);
          return true;
        });
        assert.equal(await ambiguous.send(NODE_MAC, Uint8Array.of(1)), 'linkDown');
      } finally {
        await rm(twoDev, { recursive: true, force: true });
      }
    });

    it('with no port yet, start() resolves, reports the problem once and keeps looking', async () => {
      const emptyDev = await mkdtemp(join(tmpdir(), 'serial-dev-'));
      const log = memoryLogger();
      const waiting = new SerialBridgeTransport({
        port: 'auto',
        discovery: { sysRoot: join(emptyDev, 'no-sys'), devRoot: emptyDev },
        backoff: { initialMs: 10, maxMs: 20 },
        logger: log,
      });
      const problems: ConfiguratorError[] = [];
      waiting.on('problem', (e) => problems.push(e));
      try {
        await waiting.start();
        await waitFor('several attempts', () =>
          log.lines.filter((l) => l.startsWith('debug bridge still not reachable')).length >= 3
            ? true
            : undefined,
        );
        assert.deepEqual(
          problems.map((e) => e.code),
          [DaemonErrorCode.BridgeNoSerialPort],
        );
        assert.equal(log.lines.filter((l) => l.startsWith('warn')).length, 1);
      } finally {
        await waiting.stop();
        await rm(emptyDev, { recursive: true, force: true });
      }
    });
  });
});
