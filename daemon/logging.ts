/**
 * The daemon's logger: pino, readable on a terminal, JSON lines otherwise (journald, log files).
 * Secrets never reach it: callers log key hashes, MACs and reasons, never passphrases or keys, and
 * the redaction list below is a second line of defence for fields that must never be printed.
 */
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
  return pino(base, asyncStdout());
}

/**
 * JSON lines to stdout without a write(2) per line: stdout to journald is a socket, which Node
 * writes synchronously, and a synchronous write per line cost a busy daemon more than its crypto
 * (docs/benchmarks.md). Lines written while one write is under way go out together with the
 * next; what is still buffered is written before the process exits.
 */
function asyncStdout(): ReturnType<typeof pino.destination> {
  const out = pino.destination({ dest: 1, sync: false });
  process.once('exit', () => {
    try {
      out.flushSync();
    } catch {
      // stdout gone (closed pipe): nothing left to write to.
    }
  });
  return out;
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
