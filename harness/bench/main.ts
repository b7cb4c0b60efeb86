/**
 * `npm run bench -- --enrollees N [--loss P] [--baud B] [--kill-bridge-after S] [--flood R]
 * [--transport espnow|tcp] [--enrollee ts|c] [--rounds R] [--no-lwm2m] [--json FILE]`: a batch through daemon,
 * bridge host build and fleet as separate processes (harness/bench/site-bench.ts); with R
 * rounds, medians and the worst round's counts (rounds.ts). `npm run bench:crypto` measures the
 * cost of one DPP exchange per elliptic-curve backend.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Command } from 'commander';
import { combineRounds } from './rounds.js';
import { runSiteBench, type BenchOptions, type BenchResult } from './site-bench.js';
import { activeEcBackendName } from '../../protocol/dpp/crypto/p256.js';

function numberOption(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(Number.isFinite(n) && n >= min && n <= max)) {
    process.stderr.write(`bench: --${name}: "${text}" is not a number from ${min} to ${max}\n`);
    process.exit(2);
  }
  return n;
}

const program = new Command('bench')
  .description(
    'batch benchmark: daemon, bridge host build and simulated fleet as separate processes',
  )
  .option('--enrollees <n>', 'simulated devices', '200')
  .option('--loss <p>', 'loss per transmission attempt on the simulated radio', '0')
  .option('--baud <b>', 'throttle the bridge serial link to this baud rate')
  .option('--kill-bridge-after <s>', 'SIGKILL the bridge after this many seconds, then restart it')
  .option(
    '--flood <r>',
    'R Presence Announcements a second from random MACs on the air during the batch (air-time model off)',
  )
  .option(
    '--transport <t>',
    'espnow (radio, bridge, serial) or tcp (DPP over TCP, no radio)',
    'espnow',
  )
  .option(
    '--rounds <r>',
    'run the batch R times, each with fresh processes: medians, and the worst round for what the targets count',
    '1',
  )
  .option(
    '--enrollee <e>',
    'ts (the TypeScript simulator) or c (our C enrollee, enrollee-host)',
    'ts',
  )
  .option('--no-lwm2m', 'deliver the Wi-Fi credentials only, without the LwM2M factory bundle')
  .option('--keep', 'keep the temporary folder (data dir, logs, fleet keys)')
  .option('--json <file>', 'also write the result as JSON')
  .parse(process.argv);

const o = program.opts<{
  enrollees: string;
  loss: string;
  baud?: string;
  killBridgeAfter?: string;
  flood?: string;
  transport: string;
  enrollee: string;
  rounds: string;
  lwm2m: boolean;
  keep?: boolean;
  json?: string;
}>();
if (o.transport !== 'espnow' && o.transport !== 'tcp') {
  process.stderr.write(`bench: --transport: "${o.transport}" is neither espnow nor tcp\n`);
  process.exit(2);
}
if (o.enrollee !== 'ts' && o.enrollee !== 'c') {
  process.stderr.write(`bench: --enrollee: "${o.enrollee}" is neither ts nor c\n`);
  process.exit(2);
}
if (o.flood !== undefined && o.transport !== 'espnow') {
  process.stderr.write('bench: --flood is on the radio (--transport espnow)\n');
  process.exit(2);
}
if (o.enrollee === 'c' && o.transport !== 'espnow') {
  process.stderr.write('bench: --enrollee c runs on the radio (--transport espnow)\n');
  process.exit(2);
}
const enrollees = numberOption('enrollees', o.enrollees, 1, 100_000)!;
const rounds = numberOption('rounds', o.rounds, 1, 50)!;
if (!Number.isInteger(rounds)) {
  process.stderr.write(`bench: --rounds: "${o.rounds}" is not a whole number\n`);
  process.exit(2);
}
const options: BenchOptions = {
  enrollees,
  loss: numberOption('loss', o.loss, 0, 0.95)!,
  baud: numberOption('baud', o.baud, 9600, 10_000_000),
  killBridgeAfterS: numberOption('kill-bridge-after', o.killBridgeAfter, 0, 3600),
  floodPerS: numberOption('flood', o.flood, 1, 100_000),
  transport: o.transport,
  lwm2m: o.lwm2m,
  enrollee: o.enrollee,
  keep: o.keep === true,
};
const results: BenchResult[] = [];
for (let round = 1; round <= rounds; round++) {
  let done = 0;
  const label = rounds > 1 ? `round ${round}/${rounds}: ` : '';
  results.push(
    await runSiteBench(options, () => {
      done++;
      if (process.stderr.isTTY) process.stderr.write(`\r${label}${done}/${enrollees} devices done`);
    }),
  );
  if (process.stderr.isTTY) process.stderr.write('\n');
}
const result = rounds === 1 ? results[0]! : combineRounds(results);
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
// The daemon runs on the same build and environment, so it uses the same crypto backend.
const cryptoBackend = activeEcBackendName();
process.stdout.write(`${JSON.stringify({ machine, cryptoBackend, ...result }, null, 2)}\n`);
if (o.json !== undefined)
  writeFileSync(o.json, `${JSON.stringify({ machine, cryptoBackend, ...result }, null, 2)}\n`);
