import assert from 'node:assert/strict';
import { midBatchCpuPerDevice } from '../../harness/bench/site-bench.js';

describe('the benchmark’s mid-batch CPU per device', () => {
  it('divides the CPU between a quarter and three quarters done by the devices done meanwhile', () => {
    // Warm-up is dear (600 ms for the first 100 devices), the middle cheap, the tail dear again.
    const samples = [
      { cpuMs: 100, done: 0 },
      { cpuMs: 700, done: 100 },
      { cpuMs: 900, done: 260 },
      { cpuMs: 1300, done: 500 },
      { cpuMs: 1700, done: 760 },
      { cpuMs: 2600, done: 1000 },
    ];
    // From done=260 (≥ 250) to done=760 (≥ 750): 800 ms over 500 devices.
    assert.equal(midBatchCpuPerDevice(samples, 1000), 1.6);
  });

  it('is null when no two samples span the middle of the batch', () => {
    assert.equal(midBatchCpuPerDevice([], 1000), null);
    assert.equal(midBatchCpuPerDevice([{ cpuMs: 50, done: 1000 }], 1000), null);
    assert.equal(
      midBatchCpuPerDevice(
        [
          { cpuMs: 10, done: 10 },
          { cpuMs: 20, done: 200 },
        ],
        1000,
      ),
      null,
    );
  });
});
