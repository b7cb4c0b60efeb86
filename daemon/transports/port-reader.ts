/**
 * Reads a non-blocking serial port from the event loop: read(2) into one buffer that is used
 * again and again, each chunk handed on at once. After a read that emptied the port the next one
 * waits READ_COALESCE_MS (one timer, re-armed), so the frames that arrive meanwhile come in one
 * read and one wakeup; when that read finds nothing, the next waits for the poller. A large read
 * (READ_BUSY_BYTES) is followed by the next at once, after the event loop has run. A batch keeps
 * the line busy, and a wakeup per frame cost more than the frame's own decoding
 * (docs/benchmarks.md). A read of 0 bytes is a port that hung up (USB unplugged, the pty's other
 * end gone): it would read 0 bytes forever, so it ends the port.
 *
 * No stream, no promise and no allocation per read: at a few thousand frames a second the
 * serialport stream's machinery around each read (a promise chain, a buffer pool, a 'data' event)
 * cost more than the read itself (docs/benchmarks.md, "The ESP-NOW path's CPU").
 */

/**
 * After a read that emptied the port, the next read waits this long: whatever the bridge sends
 * meanwhile comes in one read. A batch brings about 40 devices' frames a second, so a read takes
 * a few dozen frames instead of one or two (docs/benchmarks.md: 4, 8, 16 and 32 ms compared).
 * Idle, the timed read finds nothing and the poller takes over, so a quiet line costs nothing;
 * the price is at most this much latency per burst, which also delays the TX_STATUS that return
 * the bridge's credits: 16 credits per 32 ms still carry 500 payloads a second, more than twice
 * what the air does.
 */
export const READ_COALESCE_MS = 32;

/**
 * A read this large means the line is busier than coalescing is for (the start of a batch, a
 * flood of announcements, a UART at full speed filling half its tty buffer): the next read comes
 * as soon as the event loop has run once, not READ_COALESCE_MS later, so the tty's buffer does
 * not cap what the daemon takes in.
 */
export const READ_BUSY_BYTES = 2048;

/** Bytes taken by one read(2): more than the tty holds, so one read empties it. */
export const READ_BUFFER_BYTES = 16 * 1024;

export interface PortReaderIo {
  /** read(2) into `buffer`: bytes read, 0 when the port hung up; throws (with `code`) otherwise. */
  read(buffer: Uint8Array): number;
  /** Call `callback` once the port is readable, or with the poller's error (closed meanwhile). */
  whenReadable(callback: (error: Error | null) => void): void;
  /** Whether the port is still open (closing it stops the reader). */
  isOpen(): boolean;
}

export interface PortReaderHandlers {
  /** Bytes read; a view of the reader's buffer, valid only during the call (copy to keep). */
  data(bytes: Uint8Array): void;
  /** The port ended by itself (hung up, a read error); called at most once. */
  ended(reason: string): void;
}

function errorCode(e: unknown): unknown {
  return e instanceof Error && 'code' in e ? e.code : undefined;
}

const TRY_AGAIN = new Set<unknown>(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

export class PortReader {
  private readonly buffer = new Uint8Array(READ_BUFFER_BYTES);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly readNow = (): void => this.read();

  constructor(
    private readonly io: PortReaderIo,
    private readonly handlers: PortReaderHandlers,
  ) {}

  start(): void {
    this.read();
  }

  /** No more reads (the port is closing or gone). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private read(): void {
    if (this.stopped || !this.io.isOpen()) return;
    let n: number;
    try {
      n = this.io.read(this.buffer);
    } catch (e) {
      if (TRY_AGAIN.has(errorCode(e))) this.waitReadable();
      else this.end(`serial port read failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (n === 0) {
      this.end('serial port disconnected');
      return;
    }
    this.handlers.data(this.buffer.subarray(0, n));
    if (n < READ_BUSY_BYTES) this.later();
    else this.soon();
  }

  /** The next read once the event loop has run (other I/O and timers first). */
  private soon(): void {
    if (!this.stopped) setImmediate(this.readNow);
  }

  /** The next read in READ_COALESCE_MS, on the one timer. */
  private later(): void {
    if (this.stopped) return;
    if (this.timer === undefined) this.timer = setTimeout(this.readNow, READ_COALESCE_MS);
    else this.timer.refresh();
  }

  private waitReadable(): void {
    this.io.whenReadable((error) => {
      // An error here is the poller cancelled by closing the port: the close is reported there.
      if (error === null) this.read();
    });
  }

  private end(reason: string): void {
    this.stop();
    this.handlers.ended(reason);
  }
}
