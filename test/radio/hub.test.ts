import assert from 'node:assert/strict';
import { RadioHub } from '../../enrollee-sim/radio/hub.js';
import { RadioNode, type ReceivedFrame } from '../../enrollee-sim/radio/node.js';
import { decodeDatagram, encodeDatagram, DatagramType } from '../../enrollee-sim/radio/datagram.js';

function collect(node: RadioNode): ReceivedFrame[] {
  const frames: ReceivedFrame[] = [];
  node.onFrame = (f) => frames.push(f);
  return frames;
}

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('simulated radio hub', () => {
  let hub: RadioHub;
  const nodes: RadioNode[] = [];
  async function node(mac: string, channel = 6, v2 = false): Promise<RadioNode> {
    const n = await RadioNode.join({ mac, channel, hubPort: hub.port, v2 });
    nodes.push(n);
    return n;
  }

  beforeEach(async () => {
    hub = await RadioHub.start({ faults: { latencyMs: 1 } });
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
    await hub.close();
  });

  it('datagrams round-trip and garbage decodes to null', () => {
    const d = {
      type: DatagramType.Frame,
      src: '24:6f:28:00:00:01',
      dst: 'ff:ff:ff:ff:ff:ff',
      channel: 6,
      rssi: -50,
      seq: 65535,
      body: Uint8Array.of(1, 2, 3),
    } as const;
    assert.deepEqual(decodeDatagram(encodeDatagram(d)), d);
    assert.equal(decodeDatagram(Uint8Array.of(1, 2, 3)), null);
    assert.equal(decodeDatagram(new Uint8Array(22)), null);
  });

  it('delivers a broadcast to every other node on the channel, not to the sender or other channels', async () => {
    const a = await node('02:00:00:00:00:01');
    const b = await node('02:00:00:00:00:02');
    const c = await node('02:00:00:00:00:03', 11);
    const [fa, fb, fc] = [collect(a), collect(b), collect(c)];
    await settle();
    assert.equal(await a.send('ff:ff:ff:ff:ff:ff', Uint8Array.of(9)), 'acked');
    await settle();
    assert.equal(fa.length, 0);
    assert.equal(fb.length, 1);
    assert.equal(fb[0]!.broadcast, true);
    assert.equal(fb[0]!.src, '02:00:00:00:00:01');
    assert.ok(fb[0]!.rssi <= -40 && fb[0]!.rssi >= -80);
    assert.equal(fc.length, 0);
  });

  it('acknowledges a delivered unicast and reports an unknown destination as not acked', async () => {
    const a = await node('02:00:00:00:00:01');
    const b = await node('02:00:00:00:00:02');
    const fb = collect(b);
    await settle();
    assert.equal(await a.send('02:00:00:00:00:02', Uint8Array.of(1, 2)), 'acked');
    assert.equal(await a.send('02:00:00:00:00:09', Uint8Array.of(1, 2)), 'notAcked');
    await settle();
    assert.deepEqual(
      fb.map((f) => [...f.payload]),
      [[1, 2]],
    );
    assert.equal(hub.stats.unknownDestination, 1);
  });

  it('drops payloads over 250 bytes unless both ends joined with ESP-NOW v2', async () => {
    const a = await node('02:00:00:00:00:01', 6, true);
    const b = await node('02:00:00:00:00:02', 6, false);
    const c = await node('02:00:00:00:00:03', 6, true);
    const [fb, fc] = [collect(b), collect(c)];
    await settle();
    assert.equal(await a.send('02:00:00:00:00:02', new Uint8Array(251)), 'notAcked');
    assert.equal(await a.send('02:00:00:00:00:03', new Uint8Array(1470)), 'acked');
    await settle();
    assert.equal(fb.length, 0);
    assert.equal(fc.length, 1);
    assert.equal(hub.stats.tooLarge, 1);
  });

  it('loses every frame at loss 1 and reports unicast as not acked', async () => {
    hub.setFaults({ loss: 1 });
    const a = await node('02:00:00:00:00:01');
    const b = await node('02:00:00:00:00:02');
    const fb = collect(b);
    await settle();
    assert.equal(await a.send('02:00:00:00:00:02', Uint8Array.of(1)), 'notAcked');
    await settle();
    assert.equal(fb.length, 0);
    assert.equal(hub.stats.lost, 1);
  });

  it('duplicates frames at duplicate 1', async () => {
    hub.setFaults({ duplicate: 1 });
    const a = await node('02:00:00:00:00:01');
    const b = await node('02:00:00:00:00:02');
    const fb = collect(b);
    await settle();
    await a.send('02:00:00:00:00:02', Uint8Array.of(7));
    await settle();
    assert.equal(fb.length, 2);
  });

  it('models unicast retries: a loss of 0.5 per attempt still delivers most frames', async () => {
    let i = 0;
    const pattern = [0.1, 0.9]; // attempt 1 lost (0.1 < 0.5), attempt 2 arrives
    hub = await (async () => {
      await hub.close();
      return RadioHub.start({
        faults: { loss: 0.5, latencyMs: 1 },
        random: () => pattern[i++ % 2]!,
      });
    })();
    const a = await node('02:00:00:00:00:01');
    const b = await node('02:00:00:00:00:02');
    const fb = collect(b);
    await settle();
    assert.equal(await a.send('02:00:00:00:00:02', Uint8Array.of(1)), 'acked');
    await settle();
    assert.equal(fb.length, 1);
  });
});
