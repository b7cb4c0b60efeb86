#!/usr/bin/env node
/**
 * The simulated radio as a process of its own: `node dist/enrollee-sim/radio/hub-main.js
 * [--port P] [--loss L] [--duplicate D] [--reorder R] [--latency MS] [--jitter MS] [--no-airtime]
 * [--flood PER_SECOND]`. Prints `HUB <port>` once listening, `STATS {json}` on SIGUSR2, and exits
 * on SIGTERM/SIGINT. `--flood` puts Presence Announcements from random MACs and keys on the air
 * from the start (enrollee-sim/adversary/announcement-flood.ts) until SIGUSR1, which stops it and
 * prints `FLOOD {json}` (what it sent).
 */
import { parseArgs } from 'node:util';
import { AnnouncementFlood } from '../adversary/announcement-flood.js';
import { RadioHub, type RadioFaults } from './hub.js';
import { exitWithParent } from '../exit-with-parent.js';

exitWithParent();

/** The flood's run when nothing stops it: longer than any batch. */
const FLOOD_MAX_MS = 24 * 3600 * 1000;

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
      flood: { type: 'string' },
    },
  });
  const floodRate = values.flood === undefined ? undefined : Number(values.flood);
  if (floodRate !== undefined && !(Number.isFinite(floodRate) && floodRate > 0))
    throw new Error(`--flood: "${values.flood}" is not a rate above 0`);
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
  const flood =
    floodRate === undefined
      ? undefined
      : new AnnouncementFlood({
          rate: floodRate,
          durationMs: FLOOD_MAX_MS,
          send: (src, dst, payload) => hub.inject(src, dst, payload),
        }).start();
  process.on('SIGUSR1', () => {
    if (flood !== undefined) process.stdout.write(`FLOOD ${JSON.stringify(flood.stop())}\n`);
  });
  process.on('SIGUSR2', () => process.stdout.write(`STATS ${JSON.stringify(hub.stats)}\n`));
  const stop = (): void => {
    flood?.stop();
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
