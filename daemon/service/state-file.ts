/**
 * `<dataDir>/daemon.json`: what the running daemon says about itself (pid, since when, where it
 * listens, its console, the radio, live counters), rewritten every few seconds, so `configurator status` can
 * tell a running daemon from a stale file without any socket of its own.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_FILE = 'daemon.json';

/** One ESP32 bridge as `status` shows it. */
export interface BridgeState {
  /** Its configured name, else its port. */
  readonly name: string;
  /** As configured: a path, or `auto`. */
  readonly port: string;
  /** The port it has open (what `auto` found), while one is open. */
  readonly path?: string | undefined;
  /** The profile whose access point it serves (auto channel, channel warning). */
  readonly profile: string;
  readonly configuredChannel: number | 'auto';
  /** The channel the daemon puts it on (what `auto` found, or the fallback). */
  readonly plannedChannel: number;
  readonly channelSource: 'fixed' | 'access point' | 'fallback' | 'kept';
  /** It is not on a channel its profile's access point is on, or `auto` found no access point. */
  readonly channelWarning?: string | undefined;
  readonly up: boolean;
  readonly downReason?: string | undefined;
  readonly lastAttemptAt?: string | undefined;
  readonly nextAttemptAt?: string | undefined;
  readonly mac?: string | undefined;
  /** The channel the bridge reports being on (while up). */
  readonly channel?: number | undefined;
  readonly firmware?: string | undefined;
}

export interface DaemonState {
  readonly pid: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly version: string;
  readonly tcp: { host: string; port: number } | null;
  /**
   * The radio as one: up while any bridge is up; why it is down, its MAC, channel and firmware
   * from the first bridge (the one that is up). Each bridge is in `bridges` (absent in older
   * state files).
   */
  readonly radio: {
    /** The bridges' ports, comma separated. */
    port: string;
    up: boolean;
    /** Why the link is down, as the transport last said (absent while up). */
    downReason?: string | undefined;
    /** When it last tried to bring the link up, and when it tries next (ISO-8601 UTC). */
    lastAttemptAt?: string | undefined;
    nextAttemptAt?: string | undefined;
    mac?: string | undefined;
    channel?: number | undefined;
    firmware?: string | undefined;
    bridges?: BridgeState[] | undefined;
  } | null;
  readonly activeSessions: number;
  /** Whitelisted devices heard and waiting for room to start their session (absent in older state files). */
  readonly waitingSessions?: number;
  readonly counters: Readonly<Record<string, number>>;
  /** Process resources since start: CPU in ms, resident memory now and at its peak. */
  readonly process: { cpuUserMs: number; cpuSystemMs: number; rssMb: number; peakRssMb: number };
  /** Link counters (ESP-NOW messages and payloads, serial bytes) when there is a radio. */
  readonly link: Readonly<Record<string, number>> | null;
  /** Bluetooth LE discovery, when `ble.enabled` (absent otherwise, and in older state files). */
  readonly ble?: BleState | undefined;
  /** Where the console is served (absent while it serves none, and in older state files). */
  readonly console?: ConsoleAddress | undefined;
}

/** Bluetooth LE discovery: its adapter's state, why it is off, what it heard, read and refused. */
export interface BleState {
  readonly adapter: string;
  /** noble's adapter state, or `unavailable` when noble could not be loaded. */
  readonly state: string;
  readonly scanning: boolean;
  readonly offReason?: string | undefined;
  readonly counters: { heard: number; read: number; refused: number };
}

/** Where the console is served: the address it really got (a port 0 made real), its certificate. */
export interface ConsoleAddress {
  readonly url: string;
  /** Under HTTPS: the certificate's SHA-256, and where it is (absolute path), for a client to pin. */
  readonly sha256?: string | undefined;
  readonly certFile?: string | undefined;
}

export function processResources(): DaemonState['process'] {
  const u = process.resourceUsage();
  return {
    cpuUserMs: u.userCPUTime / 1000,
    cpuSystemMs: u.systemCPUTime / 1000,
    rssMb: process.memoryUsage.rss() / 1048576,
    // maxRSS is in KiB on Linux.
    peakRssMb: u.maxRSS / 1024,
  };
}

export function writeDaemonState(dataDir: string, state: DaemonState): void {
  const path = join(dataDir, STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function removeDaemonState(dataDir: string): void {
  rmSync(join(dataDir, STATE_FILE), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a running daemon, or undefined when none runs on this data dir. */
export function readDaemonState(dataDir: string): DaemonState | undefined {
  let state: DaemonState;
  try {
    state = JSON.parse(readFileSync(join(dataDir, STATE_FILE), 'utf8')) as DaemonState;
  } catch {
    return undefined;
  }
  return typeof state.pid === 'number' && alive(state.pid) ? state : undefined;
}
