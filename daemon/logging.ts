/**
 * The daemon's logger: pino, readable on a terminal, JSON lines otherwise (journald, log files).
 * Secrets never reach it: callers log key hashes, MACs and reasons, never passphrases or keys, and
 * the redaction list below is a second line of defence for fields that must never be printed.
 */
import * as fs from 'node:fs';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LogOptions {
  readonly level: string;
  readonly format: 'auto' | 'pretty' | 'json';
  /** Where lines go; stdout by default (systemd puts it in the journal). */
  readonly destination?: NodeJS.WritableStream;
}

/** Field names whose values are replaced with "[redacted]" wherever they appear. */
export const REDACTED_FIELDS = [
  'passphrase',
  'pass',
  'password',
  'psk',
  'pskKey',
  'key',
  'privateKey',
  'secret',
  'secrets',
  'configObject',
];

export function createLogger(options: LogOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const isTty = (destination as { isTTY?: boolean }).isTTY === true;
  const readable = options.format === 'pretty' || (options.format === 'auto' && isTty);
  const base = {
    level: options.level,
    base: undefined,
    redact: {
      paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]),
      censor: '[redacted]',
    },
  };
  if (readable) {
    return pino(
      base,
      pretty({
        destination,
        colorize: isTty,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        sync: true,
      }),
    );
  }
  if (options.destination !== undefined) return pino(base, destination);
  return pino(base, batchedStdout());
}

/**
 * JSON lines to stdout, one write(2) for the lines logged together: written as soon as the code
 * that logged them has run to its end (a microtask), before any I/O or timer. stdout to journald
 * is a socket, which Node writes synchronously, and a write per line cost a busy daemon more than
 * its crypto; pino's asynchronous destination batched them but sent each write through the thread
 * pool, which woke a worker and then the event loop once more for every line of a quiet daemon
 * (docs/benchmarks.md). What is still buffered is written before the process exits.
 */
function batchedStdout(): BatchedWriter {
  const out = new BatchedWriter(1);
  process.once('exit', () => out.flushSync());
  return out;
}

/** node's writeSync on bytes: how many it wrote (tests hand in their own). */
export type WriteSync = (fd: number, data: Uint8Array) => number;

/**
 * Lines buffered until the running code yields (a microtask), then written with one synchronous
 * write: a line is not held while the event loop waits, nor across an `await`. A pipe or
 * socket that is full (EAGAIN) keeps the rest for `retryMs` later; one that is gone (EPIPE, a
 * closed descriptor) drops what is buffered and every later line: there is nothing to write to.
 */
export class BatchedWriter {
  private lines: string[] = [];
  /** Bytes a full pipe did not take, written before any newer line. */
  private leftover: Uint8Array | undefined;
  private scheduled = false;
  private retry: NodeJS.Timeout | undefined;
  private gone = false;

  constructor(
    private readonly fd: number,
    private readonly writeSync: WriteSync = fs.writeSync,
    private readonly retryMs = 10,
  ) {}

  /** Always true: the writer buffers without a limit, like the stream pino writes to. */
  write(line: string): boolean {
    if (this.gone) return true;
    this.lines.push(line);
    if (!this.scheduled && this.retry === undefined) {
      this.scheduled = true;
      queueMicrotask(this.flushBatch);
    }
    return true;
  }

  private readonly flushBatch = (): void => {
    this.scheduled = false;
    this.retry = undefined;
    this.writeOut(false);
  };

  /** Everything buffered now; waits out a full pipe (up to a second), for the process's exit. */
  flushSync(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    for (let tries = 0; tries < 100 && !this.writeOut(true); tries++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.retryMs);
    }
  }

  /** Write what is buffered; whether all of it went (or nothing is left to write to). */
  private writeOut(exiting: boolean): boolean {
    if (this.gone) return true;
    const text = this.lines.length === 0 ? '' : this.lines.join('');
    this.lines = [];
    let data: Uint8Array = Buffer.from(text);
    if (this.leftover !== undefined) data = Buffer.concat([this.leftover, data]);
    this.leftover = undefined;
    while (data.length > 0) {
      try {
        data = data.subarray(this.writeSync(this.fd, data));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.gone = true;
          return true;
        }
        this.leftover = data;
        if (!exiting) {
          this.retry = setTimeout(this.flushBatch, this.retryMs);
          this.retry.unref();
        }
        return false;
      }
    }
    return true;
  }
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
