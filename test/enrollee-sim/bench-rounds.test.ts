import assert from 'node:assert/strict';
import { combineRounds } from '../../harness/bench/rounds.js';
import type { BenchResult } from '../../harness/bench/site-bench.js';

function round(over: Partial<BenchResult>): BenchResult {
  return {
    enrollees: 1000,
    provisioned: 1000,
    connected: 1000,
    refused: 0,
    failed: 0,
    durationS: 17,
    throughputPerS: 58,
    ttpMs: { p50: 9000, p95: 14000, p99: 15000 },
    sessionMs: { p50: 300, p95: 600, p99: 900 },
    daemonCpuMsPerDevice: 3.5,
    daemonCpuSplitMsPerDevice: { user: 3.2, system: 0.3 },
    daemonCpuMsPerDeviceMidBatch: 3,
    daemonPeakRssMb: 117,
    serialBytesPerDevice: 1500,
    airFramesPerDevice: 9.2,
    linkCeilingPerS: 61,
    linkUtilization: 0.95,
    loss: 0.1,
    baud: 921600,
    transport: 'espnow',
    killBridgeAfterS: null,
    lwm2mBundle: true,
    enrollee: 'ts',
    daemonCounters: { messagesOut: 3000 },
    flood: null,
    ...over,
  };
}

describe('the benchmark over several rounds', () => {
  const a = round({ daemonCpuMsPerDevice: 4.4, durationS: 19, daemonCounters: { messagesOut: 1 } });
  const b = round({
    daemonCpuMsPerDevice: 3.2,
    provisioned: 998,
    failed: 2,
    daemonPeakRssMb: 131,
    daemonCounters: { messagesOut: 2 },
  });
  const c = round({
    daemonCpuMsPerDevice: 3.6,
    durationS: 16,
    daemonCpuMsPerDeviceMidBatch: null,
    linkUtilization: 0.8,
    sessionMs: { p50: 100, p95: 200, p99: 5000 },
    daemonCounters: { messagesOut: 3 },
    flood: { perSecond: 10_000, sent: 1234, achievedPerSecond: 9999 },
  });
  const combined = combineRounds([a, b, c]);

  it('reports performance as the median round', () => {
    assert.equal(combined.daemonCpuMsPerDevice, 3.6);
    assert.equal(combined.durationS, 17);
    assert.equal(combined.linkUtilization, 0.95);
    // Rounds that could not sample it do not count: the median of 3 and 3.
    assert.equal(combined.daemonCpuMsPerDeviceMidBatch, 3);
    assert.deepEqual(combined.sessionMs, { p50: 300, p95: 600, p99: 900 });
  });

  it('has no session times when a round has none (the C enrollee, TCP)', () => {
    assert.equal(combineRounds([a, round({ sessionMs: null })]).sessionMs, null);
  });

  it('reports what the targets count from the worst round', () => {
    assert.equal(combined.provisioned, 998);
    assert.equal(combined.failed, 2);
    assert.equal(combined.daemonPeakRssMb, 131);
  });

  it('takes the counters from the round nearest the median CPU, and lists every round', () => {
    assert.deepEqual(combined.daemonCounters, { messagesOut: 3 });
    assert.deepEqual(combined.flood, { perSecond: 10_000, sent: 1234, achievedPerSecond: 9999 });
    assert.deepEqual(
      combined.rounds.map((r) => [r.daemonCpuMsPerDevice, r.provisioned]),
      [
        [4.4, 1000],
        [3.2, 998],
        [3.6, 1000],
      ],
    );
  });

  it('averages the middle two of an even number of rounds', () => {
    assert.equal(combineRounds([a, b]).daemonCpuMsPerDevice, 3.8);
  });
});
