/**
 * Several rounds of the batch benchmark as one result. The machine's spread between identical
 * runs is larger than many changes worth measuring (docs/benchmarks.md), so performance figures
 * are the median over the rounds; what the targets count (devices provisioned, failed, peak RSS)
 * is the worst round's, so that a target met "in the median" cannot hide a round that missed it.
 */
import type { BenchResult } from './site-bench.js';

/** One line per round, so the spread stays visible next to the medians. */
export interface RoundSummary {
  readonly durationS: number;
  readonly provisioned: number;
  readonly daemonCpuMsPerDevice: number;
  readonly daemonCpuMsPerDeviceMidBatch: number | null;
  readonly ttpP50Ms: number;
  readonly linkUtilization: number | null;
}

export type CombinedBenchResult = BenchResult & { readonly rounds: readonly RoundSummary[] };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of the values that are there; null when none is. */
function medianOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

function round3(n: number): number {
  return Number(n.toFixed(3));
}

function round3OrNull(n: number | null): number | null {
  return n === null ? null : round3(n);
}

/** Whole bytes, as one round reports them. */
function wholeOrNull(n: number | null): number | null {
  return n === null ? null : Math.round(n);
}

export function combineRounds(results: readonly BenchResult[]): CombinedBenchResult {
  const first = results[0];
  if (first === undefined) throw new Error('combineRounds: no rounds');
  const of = <T>(pick: (r: BenchResult) => T): T[] => results.map(pick);
  const cpu = of((r) => r.daemonCpuMsPerDevice);
  const cpuMedian = median(cpu);
  // Counters come from one real round (the one nearest the median CPU), not from a mix.
  const representative = results.reduce((best, r) =>
    Math.abs(r.daemonCpuMsPerDevice - cpuMedian) < Math.abs(best.daemonCpuMsPerDevice - cpuMedian)
      ? r
      : best,
  );
  return {
    enrollees: first.enrollees,
    provisioned: Math.min(...of((r) => r.provisioned)),
    connected: Math.min(...of((r) => r.connected)),
    refused: Math.max(...of((r) => r.refused)),
    failed: Math.max(...of((r) => r.failed)),
    durationS: round3(median(of((r) => r.durationS))),
    throughputPerS: round3(median(of((r) => r.throughputPerS))),
    ttpMs: {
      p50: median(of((r) => r.ttpMs.p50)),
      p95: median(of((r) => r.ttpMs.p95)),
      p99: median(of((r) => r.ttpMs.p99)),
    },
    sessionMs: results.every((r) => r.sessionMs !== null)
      ? {
          p50: median(of((r) => r.sessionMs!.p50)),
          p95: median(of((r) => r.sessionMs!.p95)),
          p99: median(of((r) => r.sessionMs!.p99)),
        }
      : null,
    daemonCpuMsPerDevice: round3(cpuMedian),
    daemonCpuSplitMsPerDevice: {
      user: round3(median(of((r) => r.daemonCpuSplitMsPerDevice.user))),
      system: round3(median(of((r) => r.daemonCpuSplitMsPerDevice.system))),
    },
    daemonCpuMsPerDeviceMidBatch: round3OrNull(
      medianOrNull(of((r) => r.daemonCpuMsPerDeviceMidBatch)),
    ),
    daemonPeakRssMb: Math.max(...of((r) => r.daemonPeakRssMb)),
    serialBytesPerDevice: wholeOrNull(medianOrNull(of((r) => r.serialBytesPerDevice))),
    airFramesPerDevice: round3OrNull(medianOrNull(of((r) => r.airFramesPerDevice))),
    linkCeilingPerS: round3OrNull(medianOrNull(of((r) => r.linkCeilingPerS))),
    linkUtilization: round3OrNull(medianOrNull(of((r) => r.linkUtilization))),
    loss: first.loss,
    baud: first.baud,
    transport: first.transport,
    killBridgeAfterS: first.killBridgeAfterS,
    lwm2mBundle: first.lwm2mBundle,
    enrollee: first.enrollee,
    daemonCounters: representative.daemonCounters,
    flood: representative.flood,
    rounds: results.map((r) => ({
      durationS: r.durationS,
      provisioned: r.provisioned,
      daemonCpuMsPerDevice: r.daemonCpuMsPerDevice,
      daemonCpuMsPerDeviceMidBatch: r.daemonCpuMsPerDeviceMidBatch,
      ttpP50Ms: r.ttpMs.p50,
      linkUtilization: r.linkUtilization,
    })),
  };
}
