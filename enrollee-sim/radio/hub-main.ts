#!/usr/bin/env node
/**
 * The simulated radio as a process of its own: `node dist/enrollee-sim/radio/hub-main.js
 * [--port P] [--loss L] [--duplicate D] [--reorder R] [--latency MS] [--jitter MS] [--no-airtime]`.
 * Prints `HUB <port>` once listening, `STATS {json}` on SIGUSR2, and exits on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { RadioHub, type RadioFaults } from './hub.js';

function probability(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new Error(`--${name}: "${text}" is not a probability 0..1`);
  return n;
}

function millis(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(Number.isFinite(n) && n >= 0))
    throw new Error(`--${name}: "${text}" is not a duration in ms`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      loss: { type: 'string' },
      duplicate: { type: 'string' },
      reorder: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      'no-airtime': { type: 'boolean' },
    },
  });
  const faults: Partial<RadioFaults> = {};
  const set = <K extends keyof RadioFaults>(k: K, v: RadioFaults[K] | undefined): void => {
    if (v !== undefined) faults[k] = v;
  };
  set('loss', probability('loss', values.loss));
  set('duplicate', probability('duplicate', values.duplicate));
  set('reorder', probability('reorder', values.reorder));
  set('latencyMs', millis('latency', values.latency));
  set('jitterMs', millis('jitter', values.jitter));
  if (values['no-airtime'] === true) faults.airtime = false;
  const hub = await RadioHub.start({ port: Number(values.port), faults });
  process.stdout.write(`HUB ${hub.port}\n`);
  process.on('SIGUSR2', () => process.stdout.write(`STATS ${JSON.stringify(hub.stats)}\n`));
  const stop = (): void => {
    process.stdout.write(`STATS ${JSON.stringify(hub.stats)}\n`);
    void hub.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`hub: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
