import assert from 'node:assert/strict';
import { TurnWriter, type TurnWriterPort } from '../../daemon/transports/turn-writer.js';

/** A port whose write(2) takes at most `room` bytes (then EAGAIN), with a manual waiting path. */
class FakePort implements TurnWriterPort {
  room = Infinity;
  writeError: string | undefined;
  readonly direct: string[] = [];
  readonly later: { bytes: string; done: (e: Error | null | undefined) => void }[] = [];
  readonly failures: string[] = [];
  private turns: (() => void)[] = [];

  writeNow(bytes: Buffer): number {
    if (this.writeError !== undefined)
      throw Object.assign(new Error(this.writeError), { code: this.writeError });
    if (this.room === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    const n = Math.min(this.room, bytes.length);
    this.room -= n;
    this.direct.push(bytes.subarray(0, n).toString());
    return n;
  }
  writeLater(bytes: Buffer, done: (e: Error | null | undefined) => void): void {
    this.later.push({ bytes: bytes.toString(), done });
  }
  failed(reason: string): void {
    this.failures.push(reason);
  }
  defer(flush: () => void): void {
    this.turns.push(flush);
  }
  endTurn(): void {
    for (const f of this.turns.splice(0)) f();
  }
  /** Everything on the wire, in order: direct writes and finished waiting writes. */
  wire(): string {
    return this.direct.join('') + this.later.map((l) => l.bytes).join('');
  }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('TurnWriter', () => {
  it('sends everything written in one turn with one write(2)', () => {
    const port = new FakePort();
    const w = new TurnWriter(port);
    w.write(text('ab'));
    w.write(text('cd'));
    assert.deepEqual(port.direct, [], 'nothing before the turn ends');
    port.endTurn();
    assert.deepEqual(port.direct, ['abcd']);
    w.write(text('e'));
    port.endTurn();
    assert.deepEqual(port.direct, ['abcd', 'e']);
    assert.equal(port.later.length, 0);
  });

  it('hands what the port did not take to the waiting path, and keeps later bytes behind it', () => {
    const port = new FakePort();
    port.room = 3;
    const w = new TurnWriter(port);
    w.write(text('abcdef'));
    port.endTurn();
    assert.deepEqual(port.direct, ['abc']);
    assert.deepEqual(
      port.later.map((l) => l.bytes),
      ['def'],
    );
    // Room again, but the waiting path is not empty: the next bytes queue behind it.
    port.room = Infinity;
    w.write(text('gh'));
    port.endTurn();
    assert.deepEqual(port.direct, ['abc']);
    assert.deepEqual(
      port.later.map((l) => l.bytes),
      ['def', 'gh'],
    );
    for (const l of port.later) l.done(null);
    w.write(text('ij'));
    port.endTurn();
    assert.deepEqual(port.direct, ['abc', 'ij'], 'direct again once the waiting path is empty');
    assert.equal(port.wire(), 'abcij' + 'defgh');
    assert.deepEqual(port.failures, []);
  });

  it('EAGAIN with nothing taken goes the waiting path whole', () => {
    const port = new FakePort();
    port.room = 0;
    const w = new TurnWriter(port);
    w.write(text('xyz'));
    port.endTurn();
    assert.deepEqual(port.direct, []);
    assert.deepEqual(
      port.later.map((l) => l.bytes),
      ['xyz'],
    );
  });

  it('any other error fails the port once and nothing more is written', () => {
    const port = new FakePort();
    port.writeError = 'EIO';
    const w = new TurnWriter(port);
    w.write(text('a'));
    port.endTurn();
    assert.deepEqual(port.failures, ['serial write failed: EIO']);
    w.write(text('b'));
    port.endTurn();
    assert.deepEqual(port.failures, ['serial write failed: EIO']);
    assert.equal(port.later.length, 0);
  });

  it('a failure on the waiting path fails the port; stop() drops what was not written', () => {
    const port = new FakePort();
    port.room = 0;
    const w = new TurnWriter(port);
    w.write(text('a'));
    port.endTurn();
    port.later[0]!.done(new Error('port gone'));
    assert.deepEqual(port.failures, ['serial write failed: port gone']);

    const port2 = new FakePort();
    const w2 = new TurnWriter(port2);
    w2.write(text('never'));
    w2.stop();
    port2.endTurn();
    assert.equal(port2.wire(), '');
  });
});
