/**
 * The batch benchmark: daemon (`configurator start`), the bridge's host build and the fleet, each a
 * process of its own, on the simulated radio; or, with transport tcp, the fleet initiating DPP over
 * TCP straight to the daemon. Measures what docs/benchmarks.md reports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startBridgeProcess,
  startHubProcess,
  type SiteProcess,
} from '../../enrollee-sim/site/processes.js';
import { DEFAULT_LINK_TIMINGS } from '../../protocol/bridge/bridge-link.js';
import {
  runFleetProcess,
  writeFleetUris,
  type FleetLine,
} from '../../enrollee-sim/site/fleet-process.js';

export interface BenchOptions {
  readonly enrollees: number;
  readonly loss: number;
  readonly baud?: number | undefined;
  readonly killBridgeAfterS?: number | undefined;
  readonly transport: 'espnow' | 'tcp';
  /** Deliver each device its LwM2M factory bundle (a PSK per device) with the Wi-Fi credentials. */
  readonly lwm2m: boolean;
  /** The devices' enrollee: the TypeScript simulator, or our C enrollee library (enrollee-host). */
  readonly enrollee: 'ts' | 'c';
  /**
   * Presence Announcements a second from random MACs and keys on the air while the batch runs
   * (the hub's air-time model off: 10,000 a second do not fit one ESP-NOW channel).
   */
  readonly floodPerS?: number | undefined;
  readonly keep: boolean;
}

/** What the flood put on the air, from the hub's FLOOD line. */
export interface FloodResult {
  readonly perSecond: number;
  readonly sent: number;
  readonly achievedPerSecond: number;
}

export interface BenchResult {
  enrollees: number;
  provisioned: number;
  connected: number;
  refused: number;
  failed: number;
  durationS: number;
  throughputPerS: number;
  ttpMs: { p50: number; p95: number; p99: number };
  /**
   * The sessions' part of TTP: first Authentication Request taken up to Configuration Result
   * (TypeScript devices; null for the C enrollee and TCP). Under a flood, what is lost of the
   * devices' unicast frames shows here; TTP adds the wait for an announcement to be heard.
   */
  sessionMs: { p50: number; p95: number; p99: number } | null;
  daemonCpuMsPerDevice: number;
  /** The same split into user and kernel time. */
  daemonCpuSplitMsPerDevice: { user: number; system: number };
  /**
   * Daemon CPU per device over the middle half of the batch (from a quarter of the devices done
   * to three quarters), from the state file's once-a-second figures: the cost of one more device
   * once the daemon is warm, without the JIT's warm-up at the start and the stragglers at the end.
   * Null when the batch was too short to sample (TCP).
   */
  daemonCpuMsPerDeviceMidBatch: number | null;
  daemonPeakRssMb: number;
  serialBytesPerDevice: number | null;
  airFramesPerDevice: number | null;
  linkCeilingPerS: number | null;
  linkUtilization: number | null;
  loss: number;
  baud: number | null;
  transport: 'espnow' | 'tcp';
  killBridgeAfterS: number | null;
  /** Whether the devices received an LwM2M factory bundle as well as the Wi-Fi credentials. */
  lwm2mBundle: boolean;
  /** Which enrollee ran the devices. */
  enrollee: 'ts' | 'c';
  /** The daemon's own counters over the batch (ESP-NOW link, bridge link, engine): where frames went. */
  daemonCounters: Record<string, number>;
  /** The announcement flood during the batch, or null without one. */
  flood: FloodResult | null;
}

/** How often the daemon asks the bridge for STATS (protocol/bridge/bridge-link.ts). */
const BRIDGE_STATS_INTERVAL_MS = DEFAULT_LINK_TIMINGS.statsIntervalMs;
const CLI = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));
const SSID = 'BENCH-Plant';
const BENCH_LWM2M = {
  // {keyHash16}: a DPP-over-TCP enrollee (like the simulated one) reports no serial number.
  endpoint: 'bench-{keyHash16}',
  servers: [
    {
      uri: 'coaps://lwm2m.bench.invalid:5684',
      shortServerId: 1,
      securityMode: 'psk',
      lifetime: 3600,
    },
  ],
  psk: { identity: '{endpoint}', keyLength: 16 },
};

interface DaemonState {
  pid: number;
  tcp: { port: number } | null;
  radio: { up: boolean } | null;
  process: { cpuUserMs: number; cpuSystemMs: number; peakRssMb: number };
  link: Record<string, number> | null;
  counters: Record<string, number>;
}

function readState(dataDir: string): DaemonState | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8')) as DaemonState;
  } catch {
    return undefined;
  }
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One reading of the daemon's state file: its CPU so far and the devices it has finished. */
interface CpuSample {
  readonly cpuMs: number;
  readonly done: number;
}

function sampleOf(s: DaemonState): CpuSample {
  return {
    cpuMs: s.process.cpuUserMs + s.process.cpuSystemMs,
    done: (s.counters['provisioned'] ?? 0) + (s.counters['connected'] ?? 0),
  };
}

/** CPU per device between the first samples at a quarter and at three quarters of `total` done. */
export function midBatchCpuPerDevice(samples: readonly CpuSample[], total: number): number | null {
  const from = samples.find((s) => s.done >= total / 4);
  const to = samples.find((s) => s.done >= (3 * total) / 4);
  if (from === undefined || to === undefined || to.done <= from.done) return null;
  return (to.cpuMs - from.cpuMs) / (to.done - from.done);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function counterDeltas(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    if (typeof v === 'number') out[k] = v - (before[k] ?? 0);
  }
  return out;
}

/** Stop the hub's flood (SIGUSR1) and read what it sent from its FLOOD line. */
async function stopFlood(hub: SiteProcess): Promise<{ sent: number; achievedPerSecond: number }> {
  hub.child.kill('SIGUSR1');
  const line = await waitFor('the hub to stop the flood', () =>
    hub.lines.find((l) => l.startsWith('FLOOD ')),
  );
  const report = JSON.parse(line.slice(6)) as { sent: number; achievedPerSecond: number };
  return { sent: report.sent, achievedPerSecond: Math.round(report.achievedPerSecond) };
}

function cli(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`configurator ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

export async function runSiteBench(
  o: BenchOptions,
  progress: (line: FleetLine) => void,
): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-'));
  const dataDir = join(dir, 'data');
  const keysDir = join(dir, 'fleet');
  const linkPath = join(dir, 'bridge-tty');
  const passFile = join(dir, 'wifi.pass');
  const processes: SiteProcess[] = [];
  let daemon: ReturnType<typeof spawn> | undefined;
  try {
    writeFileSync(passFile, 'bench passphrase 2026\n', { mode: 0o600 });
    const urisFile = join(dir, 'uris.txt');
    await writeFleetUris({ count: o.enrollees, unknown: 0, spoofers: 0, keysDir, urisFile });
    cli(dataDir, 'whitelist', 'import', urisFile);

    let hub: (SiteProcess & { port: number }) | undefined;
    let bridge: SiteProcess | undefined;
    if (o.transport === 'espnow') {
      hub = await startHubProcess({
        loss: o.loss,
        ...(o.floodPerS === undefined ? {} : { airtime: false, floodPerSecond: o.floodPerS }),
      });
      processes.push(hub);
      bridge = await startBridgeProcess({ hubPort: hub.port, linkPath, baud: o.baud });
      processes.push(bridge);
    }
    writeFileSync(
      join(dataDir, 'config.json'),
      JSON.stringify({
        radio: { port: o.transport === 'espnow' ? linkPath : 'none', preflight: false },
        // The whole simulated fleet connects from 127.0.0.1: one address, every slot.
        tcp: { enabled: o.transport === 'tcp', port: 0, maxConnectionsPerAddress: 100_000 },
        console: { port: 0 },
        sessions: {
          maxConcurrent: 1000,
          retransmitMs: 1000,
          maxTransmissions: 6,
          announceIntervalMs: 1000,
        },
        defaultProfile: 'bench',
        profiles: {
          bench: {
            wifi: { ssid: SSID, passphraseFile: passFile },
            // The product's whole delivery: credentials plus the factory bundle, its PSK made
            // and stored once per device (as the demo does).
            ...(o.lwm2m ? { lwm2m: BENCH_LWM2M } : {}),
          },
        },
        // As shipped: info, JSON lines, to a file (as journald would take them).
        log: { level: 'info', format: 'json' },
      }),
      { mode: 0o600 },
    );
    // DPP_BENCH_PROFILE_DIR=DIR: a V8 CPU profile of the daemon alone, written when it stops.
    const profileDir = process.env['DPP_BENCH_PROFILE_DIR'];
    const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
    const logFd = openSync(join(dir, 'daemon.log'), 'a', 0o600);
    daemon = spawn(process.execPath, [...nodeArgs, CLI, '--data-dir', dataDir, 'start'], {
      stdio: ['ignore', logFd, 'inherit'],
    });
    closeSync(logFd);
    const pid = daemon.pid;
    const ready = await waitFor('the daemon', () => {
      const s = readState(dataDir);
      if (s === undefined || s.pid !== pid) return undefined;
      if (o.transport === 'tcp' || s.radio?.up === true) return s;
      return undefined;
    });
    const cpuBefore = ready.process.cpuUserMs + ready.process.cpuSystemMs;
    const linkBefore = ready.link ?? {};
    const configuratorUri = cli(dataDir, 'identity', '--no-qr').trim();

    if (o.killBridgeAfterS !== undefined && bridge !== undefined) {
      const b = bridge;
      setTimeout(() => {
        void b.kill('SIGKILL').then(async () => {
          await new Promise((r) => setTimeout(r, 300));
          processes.push(await startBridgeProcess({ hubPort: hub!.port, linkPath, baud: o.baud }));
        });
      }, o.killBridgeAfterS * 1000);
    }
    const started = performance.now();
    const cpuSamples: CpuSample[] = [];
    const sampler = setInterval(() => {
      const s = readState(dataDir);
      if (s !== undefined && s.pid === pid) cpuSamples.push(sampleOf(s));
    }, 250);
    const lines = await runFleetProcess({
      hubPort: hub?.port ?? 0,
      tcpPort: o.transport === 'tcp' ? ready.tcp?.port : undefined,
      configuratorUri: o.transport === 'tcp' ? configuratorUri : undefined,
      count: o.enrollees,
      unknown: 0,
      spoofers: 0,
      keysDir,
      apSsid: SSID,
      apPassFile: passFile,
      staggerMs: 1000,
      giveUpS: 60,
      enrollee: o.enrollee,
      onLine: progress,
    });
    const durationS = (performance.now() - started) / 1000;
    const flood = o.floodPerS === undefined || hub === undefined ? null : await stopFlood(hub);
    // The daemon rewrites its state every second: wait for one written after the batch.
    await new Promise((r) => setTimeout(r, 1200));
    clearInterval(sampler);
    const after = readState(dataDir)!;
    cpuSamples.push(sampleOf(after));
    const midBatch = midBatchCpuPerDevice(cpuSamples, o.enrollees);
    // The bridge's own counters come with its STATS, every 10 s: after a flood, wait for one
    // that saw the whole of it.
    if (flood !== null) await new Promise((r) => setTimeout(r, BRIDGE_STATS_INTERVAL_MS + 1000));
    const link = (flood === null ? after : (readState(dataDir) ?? after)).link ?? {};
    let airFrames: number | null = null;
    if (hub !== undefined) {
      await hub.kill('SIGTERM');
      const stats = hub.lines.filter((l) => l.startsWith('STATS ')).pop();
      if (stats !== undefined)
        airFrames = (JSON.parse(stats.slice(6)) as { frames: number }).frames;
    }
    const configured = lines.filter((l) => l.result === 'configured');
    const ttp = configured.map((l) => l.ttpMs ?? 0).sort((a, b) => a - b);
    const session = configured
      .flatMap((l) => (typeof l.sessionMs === 'number' ? [l.sessionMs] : []))
      .sort((a, b) => a - b);
    const serialBytes =
      o.transport === 'espnow'
        ? (link['serialBytesIn'] ?? 0) -
          (linkBefore['serialBytesIn'] ?? 0) +
          (link['serialBytesOut'] ?? 0) -
          (linkBefore['serialBytesOut'] ?? 0)
        : null;
    const serialPerDevice = serialBytes === null ? null : serialBytes / o.enrollees;
    const throughput = configured.length / durationS;
    const ceiling =
      o.baud !== undefined && serialPerDevice !== null && serialPerDevice > 0
        ? o.baud / 10 / serialPerDevice
        : null;
    return {
      enrollees: o.enrollees,
      provisioned: configured.length,
      connected: lines.filter((l) => l.joined).length,
      refused: 0,
      failed: lines.length - configured.length,
      durationS: Number(durationS.toFixed(2)),
      throughputPerS: Number(throughput.toFixed(2)),
      ttpMs: { p50: percentile(ttp, 50), p95: percentile(ttp, 95), p99: percentile(ttp, 99) },
      sessionMs:
        session.length === 0
          ? null
          : {
              p50: percentile(session, 50),
              p95: percentile(session, 95),
              p99: percentile(session, 99),
            },
      daemonCpuMsPerDevice: Number(
        ((after.process.cpuUserMs + after.process.cpuSystemMs - cpuBefore) / o.enrollees).toFixed(
          3,
        ),
      ),
      daemonCpuSplitMsPerDevice: {
        user: Number(
          ((after.process.cpuUserMs - ready.process.cpuUserMs) / o.enrollees).toFixed(3),
        ),
        system: Number(
          ((after.process.cpuSystemMs - ready.process.cpuSystemMs) / o.enrollees).toFixed(3),
        ),
      },
      daemonCpuMsPerDeviceMidBatch: midBatch === null ? null : Number(midBatch.toFixed(3)),
      daemonPeakRssMb: Number(after.process.peakRssMb.toFixed(1)),
      serialBytesPerDevice: serialPerDevice === null ? null : Math.round(serialPerDevice),
      airFramesPerDevice: airFrames === null ? null : Number((airFrames / o.enrollees).toFixed(1)),
      linkCeilingPerS: ceiling === null ? null : Number(ceiling.toFixed(1)),
      linkUtilization: ceiling === null ? null : Number((throughput / ceiling).toFixed(3)),
      loss: o.loss,
      baud: o.baud ?? null,
      transport: o.transport,
      enrollee: o.enrollee,
      killBridgeAfterS: o.killBridgeAfterS ?? null,
      lwm2mBundle: o.lwm2m,
      daemonCounters: counterDeltas(
        { ...ready.counters, ...linkBefore },
        { ...after.counters, ...link },
      ),
      flood: flood === null ? null : { perSecond: o.floodPerS!, ...flood },
    };
  } finally {
    if (daemon !== undefined && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    for (const p of processes) await p.kill().catch(() => {});
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
