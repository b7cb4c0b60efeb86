import assert from 'node:assert/strict';
import {
  PortReader,
  READ_BUFFER_BYTES,
  READ_BUSY_BYTES,
  READ_COALESCE_MS,
  type PortReaderIo,
} from '../../daemon/transports/port-reader.js';

/** A port that returns what the test queued, EAGAIN when nothing is, and counts reads and polls. */
class FakePortIo implements PortReaderIo {
  readonly queued: (Uint8Array | number | Error)[] = [];
  open = true;
  reads = 0;
  private readable: ((e: Error | null) => void) | undefined;

  read(buffer: Uint8Array): number {
    this.reads++;
    const next = this.queued.shift();
    if (next === undefined) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    if (next instanceof Error) throw next;
    if (typeof next === 'number') return next; // a hang-up: 0
    buffer.set(next);
    return next.length;
  }
  whenReadable(callback: (error: Error | null) => void): void {
    this.readable = callback;
  }
  isOpen(): boolean {
    return this.open;
  }
  get polling(): boolean {
    return this.readable !== undefined;
  }
  /** Bytes arrive and the poller reports the port readable. */
  arrive(...chunks: (Uint8Array | number)[]): void {
    this.queued.push(...chunks);
    const callback = this.readable;
    this.readable = undefined;
    callback?.(null);
  }
  cancelPoll(): void {
    const callback = this.readable;
    this.readable = undefined;
    callback?.(Object.assign(new Error('Canceled'), { canceled: true }));
  }
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 30_000; // a bound for a broken reader, not a speed test
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function start(io: FakePortIo): { reader: PortReader; got: number[][]; ended: string[] } {
  const got: number[][] = [];
  const ended: string[] = [];
  const reader = new PortReader(io, {
    data: (b) => got.push([...b]), // a copy: the view is reused
    ended: (reason) => ended.push(reason),
  });
  reader.start();
  return { reader, got, ended };
}

describe('PortReader', () => {
  it('waits for the poller while the port is empty, then hands on what it reads', async () => {
    const io = new FakePortIo();
    const { reader, got } = start(io);
    assert.equal(io.polling, true);
    io.arrive(bytes(1, 2, 3));
    assert.deepEqual(got, [[1, 2, 3]]);
    // After a read that emptied the port, the next read is a timed one, not a poll.
    assert.equal(io.polling, false);
    io.queued.push(bytes(4), bytes(5));
    await until(() => got.length === 2, 'the timed read');
    assert.deepEqual(got[1], [4]);
    await until(() => got.length === 3, 'the next timed read');
    await until(() => io.polling, 'the poller, once a timed read found nothing');
    reader.stop();
  });

  it('after a large read (a busy line), reads again without waiting the coalescing time', async () => {
    const io = new FakePortIo();
    const { reader, got } = start(io);
    io.arrive(new Uint8Array(READ_BUSY_BYTES).fill(7), bytes(8));
    assert.equal(got.length, 1);
    // The next read comes after one turn of the event loop, long before READ_COALESCE_MS.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got[1], [8]);
    assert.ok(READ_COALESCE_MS >= 4);
    reader.stop();
  });

  it('ends on a read of 0 bytes (hung up) and on a read error, once, and reads no more', async () => {
    const io = new FakePortIo();
    const hangup = start(io);
    io.arrive(bytes(1), 0);
    await until(() => hangup.ended.length > 0, 'the hang-up');
    assert.deepEqual(hangup.got, [[1]]);
    assert.deepEqual(hangup.ended, ['serial port disconnected']);
    const reads = io.reads;
    io.queued.push(bytes(2));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(io.reads, reads);
    assert.equal(io.polling, false);

    const failing = new FakePortIo();
    failing.queued.push(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    const failed = start(failing);
    assert.deepEqual(failed.ended, ['serial port read failed: EIO: i/o error, read']);
    assert.equal(failing.reads, 1);
  });

  it('reads nothing after stop() or once the port is closed, and a cancelled poll ends nothing', async () => {
    const io = new FakePortIo();
    const { reader, got, ended } = start(io);
    io.arrive(bytes(1));
    reader.stop();
    io.queued.push(bytes(2));
    const reads = io.reads;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(io.reads, reads, 'the timed read was cancelled');

    const closed = new FakePortIo();
    const other = start(closed);
    closed.open = false;
    closed.cancelPoll();
    closed.arrive(bytes(3));
    assert.deepEqual(other.got, []);
    assert.deepEqual(other.ended, []);
    assert.deepEqual(got, [[1]]);
    assert.deepEqual(ended, []);
  });

  it('a data handler that stops the reader gets no more data', async () => {
    const io = new FakePortIo();
    const got: number[] = [];
    const reader: PortReader = new PortReader(io, {
      data: (b) => {
        got.push(b.length);
        reader.stop();
      },
      ended: () => assert.fail('not ended'),
    });
    reader.start();
    io.arrive(new Uint8Array(READ_BUFFER_BYTES), bytes(1));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [READ_BUFFER_BYTES]);
  });
});
