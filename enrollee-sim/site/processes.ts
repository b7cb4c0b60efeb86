/**
 * The simulated site as separate processes, for the demo and the benchmark: the radio hub, the
 * bridge's host build on a pty, and the fleet. Each is started and waited for by the one line it
 * prints when ready; each is stopped (or killed, for fault injection) as a whole.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest folder above this file that holds firmware-bridge/. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'firmware-bridge', 'Makefile'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find firmware-bridge/ above ${import.meta.url}`);
    dir = parent;
  }
}

/** A compiled script of this package, beside this file's compiled form (dist/enrollee-sim/…). */
export function compiledScript(relativeToEnrolleeSim: string): string {
  return fileURLToPath(new URL(`../${relativeToEnrolleeSim}`, import.meta.url));
}

export interface SiteProcess {
  readonly child: ChildProcess;
  /** What the ready line said (the hub's port, the pty's path). */
  readonly ready: string;
  /** Lines the process printed after its ready line (the hub's STATS). */
  readonly lines: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawn and resolve once a stdout line matches `ready` (its first group is the `ready` value). */
export function spawnUntilReady(
  command: string,
  args: readonly string[],
  ready: RegExp,
  timeoutMs = 10_000,
): Promise<SiteProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    let found: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (found === undefined)
        reject(new Error(`${command} exited (${code ?? signal}) before it was ready`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (found !== undefined) {
          lines.push(line);
          continue;
        }
        const m = ready.exec(line);
        if (m === null) continue;
        found = m[1] ?? line;
        clearTimeout(timer);
        resolve({
          child,
          ready: found,
          lines,
          kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited(child);
          },
        });
      }
    });
  });
}

export interface HubOptions {
  readonly loss?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /** false: no air-time model (frames do not queue behind each other on a channel). */
  readonly airtime?: boolean;
  /** Presence Announcements a second from random MACs, from the start until SIGUSR1. */
  readonly floodPerSecond?: number;
}

export async function startHubProcess(
  options: HubOptions = {},
): Promise<SiteProcess & { port: number }> {
  const args = [compiledScript('radio/hub-main.js')];
  if (options.loss !== undefined) args.push('--loss', String(options.loss));
  if (options.duplicate !== undefined) args.push('--duplicate', String(options.duplicate));
  if (options.reorder !== undefined) args.push('--reorder', String(options.reorder));
  if (options.latencyMs !== undefined) args.push('--latency', String(options.latencyMs));
  if (options.jitterMs !== undefined) args.push('--jitter', String(options.jitterMs));
  if (options.airtime === false) args.push('--no-airtime');
  if (options.floodPerSecond !== undefined) args.push('--flood', String(options.floodPerSecond));
  const p = await spawnUntilReady(process.execPath, args, /^HUB (\d+)$/);
  return { ...p, port: Number(p.ready) };
}

export interface BridgeOptions {
  readonly hubPort: number;
  /** A stable symlink to the pty, the path the daemon opens (it survives restarts). */
  readonly linkPath: string;
  readonly mac?: string;
  readonly channel?: number;
  readonly baud?: number;
  readonly v2?: boolean;
}

export const SIM_BRIDGE_MAC = '02:00:00:00:b0:01';

export function bridgeBinary(): string {
  return join(repositoryRoot(), 'firmware-bridge', 'build-host', 'bridge-host');
}

export function startBridgeProcess(options: BridgeOptions): Promise<SiteProcess> {
  const args = [
    '--radio-port',
    String(options.hubPort),
    '--link',
    options.linkPath,
    '--mac',
    options.mac ?? SIM_BRIDGE_MAC,
    '--channel',
    String(options.channel ?? 6),
  ];
  if (options.baud !== undefined) args.push('--baud', String(options.baud));
  if (options.v2 === true) args.push('--v2');
  const binary = bridgeBinary();
  if (!existsSync(binary)) {
    return Promise.reject(
      new Error(`${binary} is missing: run npm run build:bridge (make -C firmware-bridge)`),
    );
  }
  return spawnUntilReady(binary, args, /^PTY (\S+)$/);
}
