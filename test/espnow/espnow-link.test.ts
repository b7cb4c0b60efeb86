/**
 * The daemon's ESP-NOW link picks the payload size per peer: 1470 bytes only to a peer that has
 * shown it speaks ESP-NOW v2, since a v1 device drops any payload over 250 bytes.
 */
import assert from 'node:assert/strict';
import { EspnowDppLink } from '../../daemon/transports/espnow-link.js';
import { MemoryAir, MemoryRadioTransport } from '../support/memory-radio.js';
import { fragmentDppMessage } from '../../protocol/espnow/fragment.js';

const DAEMON = '02:00:00:00:00:01';
const V1_DEVICE = '02:00:00:00:00:0a';
const V2_DEVICE = '02:00:00:00:00:0b';

describe('EspnowDppLink payload size', () => {
  it('sends 250-byte payloads to a peer until it is heard sending a longer one, then 1470', async () => {
    const air = new MemoryAir({}, Math.random, 6, 1470);
    const radio = new MemoryRadioTransport(air, DAEMON);
    const link = new EspnowDppLink(radio);
    await radio.start();
    const toV1: number[] = [];
    const toV2: number[] = [];
    air.attach(V1_DEVICE).onFrame = (f) => toV1.push(f.payload.length);
    const v2 = air.attach(V2_DEVICE);
    v2.onFrame = (f) => toV2.push(f.payload.length);
    const message = new Uint8Array(1200).fill(7);
    // The v2 device has sent a message in a 1470-byte payload; the v1 device nothing long.
    for (const p of fragmentDppMessage(message, 1, 1470)) await v2.send(DAEMON, p);

    assert.equal(await link.send(V1_DEVICE, message), 'acked');
    assert.equal(await link.send(V2_DEVICE, message), 'acked');
    assert.deepEqual(toV1, [250, 250, 250, 250, 230]);
    assert.deepEqual(toV2, [1206]);
  });

  it('sends 1470 to a peer whose short fragments say it receives v2, and says so itself', async () => {
    const air = new MemoryAir({}, Math.random, 6, 1470);
    const radio = new MemoryRadioTransport(air, DAEMON);
    const link = new EspnowDppLink(radio);
    await radio.start();
    const received: Uint8Array[] = [];
    const device = air.attach(V2_DEVICE);
    device.onFrame = (f) => received.push(f.payload);
    // A short message (an announcement fits 250 bytes) with the flag: nothing long was needed.
    const [flagged] = fragmentDppMessage(new Uint8Array(80).fill(1), 1, 250, true);
    assert.equal(flagged![0], 0x11);
    await device.send(DAEMON, flagged!);
    assert.equal(link.payloadLimit(V2_DEVICE), 1470);
    assert.equal(await link.send(V2_DEVICE, new Uint8Array(1200).fill(7)), 'acked');
    assert.deepEqual(
      received.map((p) => p.length),
      [1206],
    );
    assert.equal(received[0]![0], 0x11, 'through a v2 bridge our own fragments carry the flag');
  });

  it('a peer whose fragments stop saying it receives v2 gets 250-byte payloads again', async () => {
    const air = new MemoryAir({}, Math.random, 6, 1470);
    const radio = new MemoryRadioTransport(air, DAEMON);
    const link = new EspnowDppLink(radio);
    await radio.start();
    const device = air.attach(V2_DEVICE);
    await device.send(DAEMON, fragmentDppMessage(new Uint8Array(80), 1, 250, true)[0]!);
    assert.equal(link.payloadLimit(V2_DEVICE), 1470);
    await device.send(DAEMON, fragmentDppMessage(new Uint8Array(80), 2, 250)[0]!);
    assert.equal(link.payloadLimit(V2_DEVICE), 250);
  });

  it('a peer that never said it receives v2 gets 250-byte payloads', async () => {
    const air = new MemoryAir({}, Math.random, 6, 1470);
    const radio = new MemoryRadioTransport(air, DAEMON);
    const link = new EspnowDppLink(radio);
    await radio.start();
    const received: Uint8Array[] = [];
    const device = air.attach(V1_DEVICE);
    device.onFrame = (f) => received.push(f.payload);
    for (const p of fragmentDppMessage(new Uint8Array(80), 1, 250)) await device.send(DAEMON, p);
    assert.equal(link.payloadLimit(V1_DEVICE), 250);
    await link.send(V1_DEVICE, new Uint8Array(300));
    assert.deepEqual(
      received.map((p) => p.length),
      [250, 62],
    );
    // Our header still says the bridge receives v2: the device may answer in 1470 bytes.
    assert.ok(received.every((p) => p[0] === 0x11));
  });

  it('never sends 1470-byte payloads through a bridge that does not speak v2', async () => {
    const air = new MemoryAir({}, Math.random, 6, 250);
    const radio = new MemoryRadioTransport(air, DAEMON);
    const link = new EspnowDppLink(radio);
    await radio.start();
    const sizes: number[] = [];
    const headers = new Set<number>();
    const endpoint = air.attach(V2_DEVICE);
    endpoint.onFrame = (f) => {
      sizes.push(f.payload.length);
      headers.add(f.payload[0]!);
    };
    const [flagged] = fragmentDppMessage(new Uint8Array(80), 1, 250, true);
    await endpoint.send(DAEMON, flagged!);
    assert.equal(link.payloadLimit(V2_DEVICE), 250);
    assert.equal(await link.send(V2_DEVICE, new Uint8Array(600)), 'acked');
    assert.ok(sizes.every((n) => n <= 250));
    assert.deepEqual([...headers], [0x10], 'and our header does not claim v2');
  });
});
