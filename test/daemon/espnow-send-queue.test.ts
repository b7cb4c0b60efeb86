import assert from 'node:assert/strict';
import { EspnowSendQueue } from '../../daemon/transports/espnow-send-queue.js';
import type { TxResult } from '../../daemon/transports/radio-transport.js';

/** A radio that holds every payload until the test answers it. */
class HeldRadio {
  readonly sent: Array<{ dst: string; payload: string; answer: (r: TxResult) => void }> = [];
  send = (dst: string, payload: Uint8Array): Promise<TxResult> =>
    new Promise((answer) =>
      this.sent.push({ dst, payload: new TextDecoder().decode(payload), answer }),
    );
  order(): string[] {
    return this.sent.map((s) => `${s.dst}:${s.payload}`);
  }
}

const bytes = (...texts: string[]): Uint8Array[] => texts.map((t) => new TextEncoder().encode(t));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ESP-NOW send queue', () => {
  it('keeps at most `window` payloads at the radio and sends the rest as answers come', async () => {
    const radio = new HeldRadio();
    const q = new EspnowSendQueue(radio.send, 2);
    for (const peer of ['a', 'b', 'c', 'd']) void q.send(peer, bytes('m'));
    assert.deepEqual(radio.order(), ['a:m', 'b:m']);
    assert.equal(q.backlog, 4);
    radio.sent[0]!.answer('acked');
    await tick();
    assert.deepEqual(radio.order(), ['a:m', 'b:m', 'c:m']);
    assert.equal(q.backlog, 3);
  });

  it('a newer message to a peer replaces its waiting one, never the one already going out', async () => {
    const radio = new HeldRadio();
    const q = new EspnowSendQueue(radio.send, 1);
    const first = q.send('a', bytes('1'));
    const second = q.send('a', bytes('2'));
    const third = q.send('a', bytes('3'));
    assert.equal(await second, 'superseded');
    assert.equal(q.counters.superseded, 1);
    radio.sent[0]!.answer('acked');
    assert.equal(await first, 'acked');
    await tick();
    assert.deepEqual(radio.order(), ['a:1', 'a:3']);
    radio.sent[1]!.answer('acked');
    assert.equal(await third, 'acked');
    assert.equal(q.backlog, 0);
  });

  it('peers take turns payload by payload, so a long message does not hold up short ones', async () => {
    const radio = new HeldRadio();
    const q = new EspnowSendQueue(radio.send, 1);
    void q.send('long', bytes('f0', 'f1', 'f2'));
    void q.send('short', bytes('s'));
    for (let i = 0; i < 4; i++) {
      radio.sent[i]!.answer('acked');
      await tick();
    }
    assert.deepEqual(radio.order(), ['long:f0', 'short:s', 'long:f1', 'long:f2']);
  });

  it('stops a message at its first undelivered payload and reports why', async () => {
    const radio = new HeldRadio();
    const q = new EspnowSendQueue(radio.send, 4);
    const result = q.send('a', bytes('f0', 'f1', 'f2'));
    radio.sent[0]!.answer('notAcked');
    assert.equal(await result, 'notAcked');
    await tick();
    assert.deepEqual(radio.order(), ['a:f0']);
    assert.equal(q.backlog, 0);
  });

  it('a radio that throws counts as link down, and the queue goes on', async () => {
    let calls = 0;
    const q = new EspnowSendQueue(
      () => (++calls === 1 ? Promise.reject(new Error('port closed')) : Promise.resolve('acked')),
      1,
    );
    assert.equal(await q.send('a', bytes('x')), 'linkDown');
    assert.equal(await q.send('a', bytes('y')), 'acked');
  });

  it('says when the backlog went down', async () => {
    const radio = new HeldRadio();
    let drains = 0;
    const q = new EspnowSendQueue(radio.send, 1, () => drains++);
    void q.send('a', bytes('x', 'y'));
    radio.sent[0]!.answer('acked');
    await tick();
    radio.sent[1]!.answer('acked');
    await tick();
    assert.equal(drains, 2);
    assert.equal(q.backlog, 0);
  });

  it('while paused hands nothing to the radio, keeps only the newest message per peer, and sends on resume', async () => {
    const radio = new HeldRadio();
    const q = new EspnowSendQueue(radio.send, 4);
    q.pause();
    const old = q.send('a', bytes('old'));
    void q.send('a', bytes('new'));
    void q.send('b', bytes('b'));
    assert.equal(await old, 'superseded');
    assert.deepEqual(radio.order(), []);
    q.resume();
    assert.deepEqual(radio.order(), ['a:new', 'b:b']);
  });

  it('with several bridges, a stalled one fills only its own window: the others send on', async () => {
    const radio = new HeldRadio();
    // Peers w* go through bridge west, e* through east; west never answers.
    const lanes = { of: (dst: string) => (dst.startsWith('w') ? 'west' : 'east'), count: 2 };
    const q = new EspnowSendQueue(radio.send, 2, () => {}, lanes);
    assert.equal(q.totalWindow, 4);
    for (const peer of ['w1', 'w2', 'w3', 'w4', 'w5', 'e1', 'e2', 'e3'])
      void q.send(peer, bytes('m'));
    assert.deepEqual(
      radio.order(),
      ['w1:m', 'w2:m', 'e1:m', 'e2:m'],
      'two at each bridge, east not held up behind west’s waiting peers',
    );
    radio.sent[2]!.answer('acked');
    await tick();
    assert.deepEqual(radio.order().slice(4), ['e3:m'], 'east’s freed credit goes to east’s peer');
    assert.equal(q.backlog, 7, 'west’s five messages wait on their own bridge');
  });
});
