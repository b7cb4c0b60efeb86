/**
 * Writes to a non-blocking port, one system call per turn of the event loop: everything written
 * in one turn goes out together. The write itself is a plain write(2) on the descriptor; what the
 * port does not take at once (a full UART or USB buffer) goes to a slower path that waits for the
 * port to become writable (serialport's stream), and so does everything after it until that path
 * is empty, so bytes never overtake each other.
 */
export interface TurnWriterPort {
  /** write(2): bytes taken (maybe fewer than given); throws with `code` EAGAIN when none fit. */
  writeNow(bytes: Buffer): number;
  /** The waiting path; `done` once the bytes are out or failed. */
  writeLater(bytes: Buffer, done: (error: Error | null | undefined) => void): void;
  /** The port failed for good: called at most once per failure, with the reason. */
  failed(reason: string): void;
  /** Run `flush` after the current turn (setImmediate in production). */
  defer(flush: () => void): void;
}

function errorCode(e: unknown): unknown {
  return e instanceof Error && 'code' in e ? e.code : undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const RETRY_LATER = new Set<unknown>(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

export class TurnWriter {
  private pending: Uint8Array[] = [];
  private waiting = 0;
  private stopped = false;

  constructor(private readonly port: TurnWriterPort) {}

  write(bytes: Uint8Array): void {
    if (this.stopped) return;
    if (this.pending.length === 0) this.port.defer(() => this.flush());
    this.pending.push(bytes);
  }

  /** Nothing more goes out (the port is closing or gone). */
  stop(): void {
    this.stopped = true;
    this.pending = [];
  }

  private flush(): void {
    const chunks = this.pending;
    this.pending = [];
    if (this.stopped || chunks.length === 0) return;
    const one = chunks.length === 1 ? chunks[0]! : undefined;
    const bytes =
      one !== undefined
        ? Buffer.from(one.buffer, one.byteOffset, one.byteLength)
        : Buffer.concat(chunks);
    let written = 0;
    if (this.waiting === 0) {
      try {
        written = this.port.writeNow(bytes);
      } catch (e) {
        if (!RETRY_LATER.has(errorCode(e))) {
          this.stop();
          this.port.failed(`serial write failed: ${message(e)}`);
          return;
        }
      }
    }
    if (written >= bytes.length) return;
    this.waiting++;
    this.port.writeLater(bytes.subarray(written), (e) => {
      this.waiting--;
      if (e && !this.stopped) {
        this.stop();
        this.port.failed(`serial write failed: ${e.message}`);
      }
    });
  }
}
