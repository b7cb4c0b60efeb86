/**
 * The host build of the ESP32 bridge (firmware-bridge/build-host/bridge-host) and a simulated
 * radio hub, for tests and the demo: the bridge runs as a child process with a pty as its serial
 * port and joins the hub as one more node on the air.
 *
 *   const hub = await startRadioHub();
 *   const bridge = await startHostBridge({ hubPort: hub.port });
 *   // open bridge.linkPath (stable across restart()), talk, then:
 *   await bridge.stop(); await hub.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RadioHub, type RadioFaults } from '../../enrollee-sim/radio/hub.js';
import { loadConfig, type DaemonConfig } from '../../daemon/config/load.js';
import { TEST_PASSPHRASE, TEST_SSID } from './air-enrollee.js';

export interface HostBridgeOptions {
  /** The hub's UDP port on 127.0.0.1. */
  readonly hubPort: number;
  readonly mac?: string;
  readonly channel?: number;
  /** Throttle the bridge's output to baud/10 bytes per second. */
  readonly baud?: number;
  /** ESP-NOW v2: 1470-byte payloads. */
  readonly v2?: boolean;
  /** The stable symlink to the pty; a fresh temporary directory holds it when not given. */
  readonly linkPath?: string;
  /** The bridge's own log on stderr (else it is discarded). */
  readonly verbose?: boolean;
  /** How long to wait for the "PTY …" line. */
  readonly startTimeoutMs?: number;
}

export interface HostBridge {
  /** The pty of the running process (changes on restart). */
  readonly ptyPath: string;
  /** The symlink to the pty; the same path after restart(). */
  readonly linkPath: string;
  /** The running process (a new one after restart()). */
  readonly process: ChildProcess;
  readonly mac: string;
  /** Send a signal and wait for the process to exit. SIGKILL leaves the symlink dangling. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start the process again with the same options (kills it first if it still runs). */
  restart(): Promise<void>;
  /** Terminate the process and remove the temporary directory; safe to call twice. */
  stop(): Promise<void>;
}

export const DEFAULT_BRIDGE_MAC = '02:00:00:00:b0:01';

/** The checkout's root: the nearest folder above this file that holds firmware-bridge/. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'firmware-bridge', 'Makefile'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find firmware-bridge/ above ' + import.meta.url);
    dir = parent;
  }
}

/** The firmware string the host build says in HELLO: its version is firmware-bridge/version.txt. */
export function hostBridgeFirmware(): string {
  const version = readFileSync(join(repositoryRoot(), 'firmware-bridge', 'version.txt'), 'utf8');
  return `dpp-bridge-host ${version.trim()}`;
}

export function hostBridgeBinary(): string {
  return join(repositoryRoot(), 'firmware-bridge', 'build-host', 'bridge-host');
}

/** A hub on an ephemeral port of 127.0.0.1, without artificial latency unless asked. */
export function startRadioHub(
  options: { port?: number; faults?: Partial<RadioFaults>; random?: () => number } = {},
): Promise<RadioHub> {
  return RadioHub.start({ port: 0, ...options });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawn one bridge-host process; resolves with its pty path once it printed it. */
function spawnBridge(
  binary: string,
  args: string[],
  verbose: boolean,
  timeoutMs: number,
): Promise<{ child: ChildProcess; ptyPath: string }> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', verbose ? 'inherit' : 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bridge-host printed no PTY line within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      reject(e);
    };
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`bridge-host exited (${code ?? signal}) before printing its PTY line`)),
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = /^PTY (\S+)\n/.exec(out);
      if (line === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeListener('error', fail);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume(); // keep draining: a full pipe would block the bridge
      resolve({ child, ptyPath: line[1]! });
    });
  });
}

export async function startHostBridge(options: HostBridgeOptions): Promise<HostBridge> {
  const binary = hostBridgeBinary();
  if (!existsSync(binary))
    throw new Error(`${binary} is missing: build it with make -C firmware-bridge`);
  const tempDir =
    options.linkPath === undefined ? await mkdtemp(join(tmpdir(), 'bridge-host-')) : undefined;
  const linkPath = options.linkPath ?? join(tempDir!, 'ttyBRIDGE');
  const mac = (options.mac ?? DEFAULT_BRIDGE_MAC).toLowerCase();
  const args = ['--radio-port', String(options.hubPort), '--mac', mac, '--link', linkPath];
  if (options.channel !== undefined) args.push('--channel', String(options.channel));
  if (options.baud !== undefined) args.push('--baud', String(options.baud));
  if (options.v2) args.push('--v2');
  if (options.verbose) args.push('--verbose');
  const timeoutMs = options.startTimeoutMs ?? 5000;

  let current = await spawnBridge(binary, args, options.verbose ?? false, timeoutMs);
  let stopped = false;

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const child = current.child;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited(child);
  };

  return {
    get ptyPath() {
      return current.ptyPath;
    },
    get process() {
      return current.child;
    },
    linkPath,
    mac,
    kill,
    async restart() {
      if (stopped) throw new Error('the host bridge was stopped');
      await kill('SIGTERM');
      current = await spawnBridge(binary, args, options.verbose ?? false, timeoutMs);
    },
    async stop() {
      stopped = true;
      await kill('SIGTERM');
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * Write a daemon configuration for `dataDir` that talks to the host bridge on `linkPath`, with
 * short session timings and the test network in profile "plant" (plus `profile`), and load it.
 */
export function bridgeDaemonConfig(
  dataDir: string,
  linkPath: string,
  profile: Record<string, unknown> = {},
): DaemonConfig {
  return radioDaemonConfig(dataDir, { port: linkPath }, { plant: profile });
}

/**
 * The same with any `radio` section (several bridges, `auto` channels) and more profiles: each
 * entry of `profiles` is added to the test network's credentials (an `ssid` of its own, options).
 */
export function radioDaemonConfig(
  dataDir: string,
  radio: Record<string, unknown>,
  profiles: Record<string, Record<string, unknown>> = { plant: {} },
  defaultProfile = 'plant',
): DaemonConfig {
  const withCredentials = Object.fromEntries(
    Object.entries(profiles).map(([name, { ssid, ...options }]) => [
      name,
      { wifi: { ssid: ssid ?? TEST_SSID, passphrase: TEST_PASSPHRASE }, ...options },
    ]),
  );
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      // No look at this machine's Wi-Fi unless a test asks (its air is not the test's).
      radio: { preflight: false, ...radio },
      tcp: { enabled: false },
      sessions: {
        retransmitMs: 300,
        authTimeoutMs: 4000,
        configTimeoutMs: 4000,
        connStatusTimeoutMs: 4000,
        announceIntervalMs: 200,
      },
      defaultProfile,
      profiles: withCredentials,
    }),
    { mode: 0o600 },
  );
  return loadConfig({ dataDir, env: {} });
}
