/**
 * `npm run bench`: the benchmarks available in this release. Results go to stdout (and JSON with
 * --json FILE); docs/benchmarks.md records the standard runs.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Command } from 'commander';
import { nobleEcBackend, nodeEcBackend } from '../../protocol/dpp/crypto/p256.js';
import { measureExchangeCost, type ExchangeCost } from './exchange-cost.js';

const program = new Command('bench')
  .description('dpp-configurator benchmarks')
  .option(
    '--exchanges <n>',
    'exchanges per round (node:crypto); the median of 5 rounds is reported',
    '500',
  )
  .option('--noble-exchanges <n>', 'exchanges per round (@noble/curves, slower)', '40')
  .option('--json <file>', 'also write the results as JSON')
  .parse(process.argv);

const opts = program.opts<{ exchanges: string; nobleExchanges: string; json?: string }>();
const results: ExchangeCost[] = [];
for (const mutual of [false, true]) {
  results.push(measureExchangeCost(nodeEcBackend, mutual, Number(opts.exchanges)));
  results.push(measureExchangeCost(nobleEcBackend, mutual, Number(opts.nobleExchanges)));
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  `DPP exchange cost, Configurator side (node ${process.version}, ${cpu}, ${cpus().length} cores)\n`,
);
process.stdout.write(
  'backend          mutual  exchanges  configurator ms/exchange  enrollee ms/exchange\n',
);
for (const r of results) {
  process.stdout.write(
    `${r.backend.padEnd(16)} ${String(r.mutual).padEnd(7)} ${String(r.exchanges).padStart(9)}  ${r.configuratorMsPerExchange.toFixed(3).padStart(24)}  ${r.enrolleeMsPerExchange.toFixed(3).padStart(20)}\n`,
  );
}
if (opts.json)
  writeFileSync(opts.json, JSON.stringify({ node: process.version, cpu, results }, null, 2) + '\n');
