/**
 * Runs one `configurator` command line inside the test process, as a spawned process would see
 * it: stdout and stderr captured (neither a terminal), the exit code returned, process.exitCode
 * left as it was. For commands that need no stdin and start no daemon; those still spawn.
 */
import { runCli } from '../../daemon/cli/program.js';
import { registerDemoCommand } from '../../harness/demo/command.js';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  /** stdout as written, for commands that write bytes (lwm2m encode). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

type Write = typeof process.stdout.write;

/** One at a time: the capture replaces the process's own streams while it runs. */
let running: Promise<unknown> = Promise.resolve();

export function runConfigurator(...args: string[]): Promise<CliResult> {
  const next = running.then(() => capture(args));
  running = next.catch(() => undefined);
  return next;
}

async function capture(args: readonly string[]): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const collect = (into: Buffer[]): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      into.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    }) as Write;
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    outTty: process.stdout.isTTY,
    exitCode: process.exitCode,
  };
  process.stdout.write = collect(out);
  process.stderr.write = collect(err);
  process.stdout.isTTY = false;
  process.exitCode = undefined;
  try {
    const status = await runCli(['node', 'configurator', ...args], [registerDemoCommand]);
    const stdoutBytes = Buffer.concat(out);
    return {
      status,
      stdout: stdoutBytes.toString('utf8'),
      stdoutBytes,
      stderr: Buffer.concat(err).toString('utf8'),
    };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.stdout.isTTY = saved.outTty;
    process.exitCode = saved.exitCode;
  }
}
