/**
 * The fleet's run, whatever carries it: on an air (the radio hub behind the bridge's host build,
 * or the in-memory radio — the caller hands in one endpoint per device) or over DPP/TCP. One line
 * per device when it is done (result, reason, joined, time to provision, attempts), then a
 * summary; fleet-main.ts prints them as JSON lines, tests read them.
 */
import { toHex } from '../../protocol/bytes.js';
import type { PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import type { FleetDevice } from './fleet-devices.js';
import type { FleetLine } from './fleet-process.js';
import {
  SimDevice,
  type AirEndpoint,
  type SimDeviceOptions,
  type SimulatedAp,
} from './sim-device.js';
import { initiateOverTcp, type TcpDeviceResult } from './tcp-device.js';
import { runCDevice, type CDeviceOptions } from './c-device.js';

export type { FleetLine } from './fleet-process.js';

/** What every line says about its device. */
function deviceFields(
  d: FleetDevice,
): Pick<FleetLine, 'type' | 'label' | 'mac' | 'role' | 'keyHash'> {
  return {
    type: 'enrollee',
    label: d.label,
    mac: d.mac,
    role: d.role,
    keyHash: toHex(d.identity.hash),
  };
}

/** A device's endpoint on the air, closed when the run ends. */
export interface FleetEndpoint extends AirEndpoint {
  close(): Promise<void>;
}

export interface FleetTiming {
  /** First chirp interval (backoff doubles it up to 8 s). */
  readonly chirpMs: number;
  /** Devices that will never be configured stop after this; whitelisted ones after 8 times it. */
  readonly giveUpMs: number;
  /** Devices power up at random within this window. */
  readonly staggerMs: number;
}

export interface AirFleetOptions extends FleetTiming {
  readonly fleet: readonly FleetDevice[];
  readonly endpointFor: (d: FleetDevice) => Promise<FleetEndpoint>;
  readonly ap: SimulatedAp;
  /** More options for a device (a pinned configurator, shorter timings …). */
  readonly deviceOptions?: ((d: FleetDevice) => Partial<SimDeviceOptions>) | undefined;
  /** Called once each device exists, before it starts (fault injection hooks in here). */
  readonly onDevice?:
    ((d: FleetDevice, device: SimDevice, endpoint: FleetEndpoint) => void) | undefined;
  readonly onLine?: ((line: FleetLine) => void) | undefined;
  /**
   * Run the whitelisted and unknown devices on our C enrollee (enrollee-host processes on the radio
   * hub) instead of the TypeScript one; spoofers stay TypeScript (the C enrollee never lies).
   */
  readonly cEnrollee?: Omit<CDeviceOptions, 'giveUpMs'> | undefined;
}

export interface FleetSummary {
  readonly type: 'summary';
  readonly devices: number;
  readonly configured: number;
  readonly joined: number;
  readonly durationS: number;
}

/** The line after every device's: the same for both runners. */
function summarise(lines: readonly FleetLine[], started: number): FleetSummary {
  return {
    type: 'summary',
    devices: lines.length,
    configured: lines.filter((l) => l.result === 'configured').length,
    joined: lines.filter((l) => l.joined).length,
    durationS: (performance.now() - started) / 1000,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Every device on its endpoint: spoofers announce the first whitelisted device's key; whitelisted
 * devices retry failed sessions; each stops when configured or when it gives up.
 */
export async function runFleetOnAir(
  o: AirFleetOptions,
): Promise<{ lines: FleetLine[]; summary: FleetSummary }> {
  const started = performance.now();
  const victim = o.fleet.find((d) => d.role === 'whitelisted');
  const inC = (d: FleetDevice): boolean => o.cEnrollee !== undefined && d.role !== 'spoofer';
  const endpoints = await Promise.all(o.fleet.map((d) => (inC(d) ? undefined : o.endpointFor(d))));
  const results = o.fleet.map(async (d, i): Promise<FleetLine> => {
    // Devices that will never be configured give up after a while (a real one keeps chirping).
    const limit = d.role === 'whitelisted' ? o.giveUpMs * 8 : o.giveUpMs;
    const endpoint = endpoints[i];
    if (endpoint === undefined) {
      await sleep(Math.random() * o.staggerMs);
      const line: FleetLine = {
        ...deviceFields(d),
        ...(await runCDevice(d, { ...o.cEnrollee!, giveUpMs: limit })),
      };
      o.onLine?.(line);
      return line;
    }
    const device = new SimDevice(endpoint, {
      identity: d.identity,
      ap: o.ap,
      serial: d.serial,
      announcedKey: d.role === 'spoofer' ? victim?.identity.key : undefined,
      chirpMs: o.chirpMs,
      retries: d.role === 'whitelisted' ? 20 : 0,
      ...o.deviceOptions?.(d),
    });
    o.onDevice?.(d, device, endpoint);
    // A batch is powered up over a second or so, not in one instant.
    await sleep(Math.random() * o.staggerMs);
    device.start();
    const timer = new Promise<undefined>((r) => setTimeout(() => r(undefined), limit).unref());
    const report = await Promise.race([device.done, timer]);
    device.stop();
    const line: FleetLine = {
      ...deviceFields(d),
      result: report === undefined ? 'not configured' : report.outcome.result,
      reason:
        report === undefined
          ? `no configuration after ${limit / 1000} s`
          : report.outcome.result === 'failed'
            ? report.outcome.error.message
            : report.joined
              ? 'joined the simulated AP'
              : 'did not join the simulated AP',
      joined: report?.joined ?? false,
      ttpMs:
        report?.configuredAt === undefined
          ? null
          : Math.round(report.configuredAt - report.firstChirpAt),
      sessionMs:
        report?.configuredAt === undefined || report.firstAuthRequestAt === undefined
          ? null
          : Math.round(report.configuredAt - report.firstAuthRequestAt),
      attempts: (report?.failures ?? 0) + 1,
    };
    o.onLine?.(line);
    return line;
  });
  const lines = await Promise.all(results);
  await Promise.all(endpoints.map((e) => e?.close()));
  return { lines, summary: summarise(lines, started) };
}

export interface TcpFleetOptions extends Omit<FleetTiming, 'chirpMs'> {
  readonly fleet: readonly FleetDevice[];
  readonly host?: string | undefined;
  readonly port: number;
  readonly configurator: PeerBootstrap;
  readonly ap: SimulatedAp;
  readonly onLine?: ((line: FleetLine) => void) | undefined;
}

/** Each device initiates DPP over TCP, again after a failure, until configured or out of time. */
export async function runFleetOverTcp(
  o: TcpFleetOptions,
): Promise<{ lines: FleetLine[]; summary: FleetSummary }> {
  const started = performance.now();
  const lines = await Promise.all(
    o.fleet.map(async (d): Promise<FleetLine> => {
      await sleep(Math.random() * o.staggerMs);
      const first = performance.now();
      let attempts = 0;
      let last: TcpDeviceResult | undefined;
      while (performance.now() - first < o.giveUpMs * 8) {
        attempts++;
        last = await initiateOverTcp(o.host ?? '127.0.0.1', o.port, d.identity, o.configurator, {
          ap: o.ap,
          timeoutMs: 10_000,
        }).catch(() => undefined);
        if (last?.outcome?.result === 'configured' || d.role !== 'whitelisted') break;
        await sleep(200 + Math.random() * 300);
      }
      const configured = last?.outcome?.result === 'configured';
      const line: FleetLine = {
        ...deviceFields(d),
        result: configured ? 'configured' : 'not configured',
        reason: configured
          ? 'configured over TCP'
          : last?.outcome?.result === 'failed'
            ? last.outcome.error.message
            : 'refused',
        joined: last?.joined ?? false,
        ttpMs:
          configured && last?.configuredAfterMs !== undefined
            ? Math.round(performance.now() - first)
            : null,
        attempts,
      };
      o.onLine?.(line);
      return line;
    }),
  );
  return { lines, summary: summarise(lines, started) };
}
