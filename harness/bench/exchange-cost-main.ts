/**
 * `npm run bench`: the benchmarks available in this release. Results go to stdout (and JSON with
 * --json FILE); docs/benchmarks.md records the standard runs.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Command } from 'commander';
import { nativeCryptoUnavailableReason } from '../../protocol/dpp/crypto/native-backend.js';
import {
  cryptoBackendSets,
  measureExchangeCost,
  measurePrimitives,
  type ExchangeCost,
  type PrimitiveCost,
} from './exchange-cost.js';

const program = new Command('bench')
  .description('dpp-configurator benchmarks')
  .option(
    '--exchanges <n>',
    'exchanges per round (native, node:crypto); the median of 5 rounds is reported',
    '500',
  )
  .option('--noble-exchanges <n>', 'exchanges per round (@noble, slower)', '40')
  .option('--json <file>', 'also write the results as JSON')
  .parse(process.argv);

const opts = program.opts<{ exchanges: string; nobleExchanges: string; json?: string }>();
const sets = cryptoBackendSets();
const exchangesFor = (name: string) =>
  Number(name === '@noble' ? opts.nobleExchanges : opts.exchanges);
const results: ExchangeCost[] = [];
for (const mutual of [false, true]) {
  for (const set of sets) results.push(measureExchangeCost(set, mutual, exchangesFor(set.name)));
}
const primitives: PrimitiveCost[] = sets.map((set) =>
  measurePrimitives(set, set.name === '@noble' ? 100 : 2000),
);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  `DPP exchange cost, Configurator side (node ${process.version}, OpenSSL ${process.versions.openssl}, ${cpu}, ${cpus().length} cores)\n`,
);
process.stdout.write(
  'backend          mutual  exchanges  configurator ms/exchange  enrollee ms/exchange\n',
);
for (const r of results) {
  process.stdout.write(
    `${r.backend.padEnd(16)} ${String(r.mutual).padEnd(7)} ${String(r.exchanges).padStart(9)}  ${r.configuratorMsPerExchange.toFixed(3).padStart(24)}  ${r.enrolleeMsPerExchange.toFixed(3).padStart(20)}\n`,
  );
}
process.stdout.write(
  '\nprimitives, µs per call   ecdhX  generateKeyPair  AES-SIV op (100 B, 2 AD)\n',
);
for (const p of primitives) {
  process.stdout.write(
    `${p.backend.padEnd(24)} ${p.ecdhXUs.toFixed(1).padStart(6)}  ${p.generateKeyPairUs.toFixed(1).padStart(15)}  ${p.aesSivUs.toFixed(1).padStart(24)}\n`,
  );
}
if (nativeCryptoUnavailableReason) {
  process.stdout.write(`\nnative backend not measured: ${nativeCryptoUnavailableReason}\n`);
}
if (opts.json) {
  writeFileSync(
    opts.json,
    JSON.stringify(
      { node: process.version, openssl: process.versions.openssl, cpu, results, primitives },
      null,
      2,
    ) + '\n',
  );
}
