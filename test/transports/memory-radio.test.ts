import assert from 'node:assert/strict';
import { MemoryAir } from '../support/memory-radio.js';
import type { RadioFrame } from '../../daemon/transports/radio-transport.js';

const DAEMON = '24:6f:28:00:00:01';
const DEVICE = '7c:df:a1:00:00:01';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('in-memory radio transport', () => {
  it('comes up with its radio info and carries frames both ways', async () => {
    const air = new MemoryAir();
    const transport = air.transport(DAEMON);
    const ups: unknown[] = [];
    transport.on('up', (info) => ups.push(info));
    await transport.start();
    assert.deepEqual(ups, [{ mac: DAEMON, channel: 6, maxPayload: 250, firmware: 'memory radio' }]);

    const device = air.attach(DEVICE);
    const atDevice: RadioFrame[] = [];
    device.onFrame = (f) => atDevice.push(f);
    const atDaemon: RadioFrame[] = [];
    transport.on('frame', (f) => atDaemon.push(f));

    assert.equal(await device.send('ff:ff:ff:ff:ff:ff', Uint8Array.of(1)), 'acked');
    assert.equal(await transport.send(DEVICE, Uint8Array.of(2)), 'acked');
    assert.equal(await transport.send('7c:df:a1:00:00:99', Uint8Array.of(3)), 'notAcked');
    assert.deepEqual(
      atDaemon.map((f) => [f.src, f.broadcast, [...f.payload]]),
      [[DEVICE, true, [1]]],
    );
    assert.deepEqual(
      atDevice.map((f) => [f.src, f.broadcast, [...f.payload]]),
      [[DAEMON, false, [2]]],
    );
  });

  it('refuses payloads over the radio limit and reports the problem', async () => {
    const air = new MemoryAir();
    const transport = air.transport(DAEMON);
    const problems: string[] = [];
    transport.on('problem', (e) => problems.push(e.describe()));
    await transport.start();
    assert.equal(await transport.send(DEVICE, new Uint8Array(251)), 'refused');
    assert.match(problems[0] ?? '', /exceeds 250/);
  });

  it('answers linkDown while dropped and resumes after restore', async () => {
    const air = new MemoryAir();
    const transport = air.transport(DAEMON);
    const events: string[] = [];
    transport.on('up', () => events.push('up'));
    transport.on('down', (r) => events.push(`down: ${r}`));
    await transport.start();
    air.attach(DEVICE);
    transport.drop('unplugged');
    assert.equal(await transport.send(DEVICE, Uint8Array.of(1)), 'linkDown');
    await transport.restore();
    assert.equal(await transport.send(DEVICE, Uint8Array.of(1)), 'acked');
    assert.deepEqual(events, ['up', 'down: unplugged', 'up']);
  });

  it('applies loss per attempt and duplication, repeatably with a seeded source', async () => {
    const air = new MemoryAir({ loss: 0.5, duplicate: 0.5 }, seeded(7));
    const transport = air.transport(DAEMON);
    await transport.start();
    const device = air.attach(DEVICE);
    let received = 0;
    device.onFrame = () => received++;
    const results = await Promise.all(
      Array.from({ length: 400 }, () => transport.send(DEVICE, Uint8Array.of(9))),
    );
    const acked = results.filter((r) => r === 'acked').length;
    // Three attempts at 0.5 loss: 87.5 % delivered; half of those twice.
    assert.ok(acked > 320 && acked < 380, `acked ${acked}`);
    assert.ok(
      received > acked * 1.3 && received < acked * 1.7,
      `received ${received} for ${acked}`,
    );
  });
});
