import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MAX_LWM2M_BUNDLE_LEN } from '../../../protocol/dpp/config-object.js';
import {
  buildBundle,
  decodeBundle,
  describeBundle,
  MAX_DESCRIPTION_LEN,
} from '../../../protocol/lwm2m/bundle.js';
import { CliExit, EXIT_INVALID_INPUT } from '../exit.js';

interface EncodeOptions {
  out?: string;
}

export function registerLwm2mCommands(program: Command): void {
  const lwm2m = program
    .command('lwm2m')
    .description('build and inspect LwM2M factory bundles (SenML CBOR)');

  lwm2m
    .command('encode')
    .description('turn a JSON bundle description into the bundle bytes')
    .argument('<file>', 'JSON description: {"/0/1/0": "coaps://…", "/0/1/5": {"hex": "…"}, …}')
    .option('--out <file>', 'write the bytes here (mode 0600, never overwritten) instead of stdout')
    .action((file: string, options: EncodeOptions) => {
      const text = readInput(file, MAX_DESCRIPTION_LEN).toString('utf8');
      const bytes = buildBundle(text);
      if (!bytes.ok)
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `invalid bundle description ${file}: ${bytes.error.describe()}`,
        );
      if (options.out === undefined) {
        if (process.stdout.isTTY)
          throw new CliExit(
            EXIT_INVALID_INPUT,
            'refusing to write binary CBOR to a terminal: use --out FILE or redirect stdout',
          );
        process.stdout.write(bytes.value);
        return;
      }
      try {
        // The bundle carries the device's secret key: owner-only, and never over another file.
        writeFileSync(options.out, bytes.value, { flag: 'wx', mode: 0o600 });
      } catch (e) {
        if (isErrnoException(e) && e.code === 'EEXIST')
          throw new CliExit(
            EXIT_INVALID_INPUT,
            `refusing to overwrite ${options.out}: the file exists`,
          );
        throw e;
      }
    });

  lwm2m
    .command('decode')
    .description('print a bundle, one line per resource: path, type, value')
    .argument('<file>', 'the bundle bytes (SenML CBOR)')
    .action((file: string) => {
      const records = decodeBundle(readInput(file, MAX_LWM2M_BUNDLE_LEN));
      if (!records.ok)
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `invalid bundle ${file}: ${records.error.describe()}`,
        );
      process.stdout.write(`${describeBundle(records.value).join('\n')}\n`);
    });
}

/** A regular file of at most `limit` bytes, or a one-line reason (exit 2). */
function readInput(file: string, limit: number): Buffer {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new CliExit(EXIT_INVALID_INPUT, `${file}: not a regular file`);
    if (st.size > limit)
      throw new CliExit(
        EXIT_INVALID_INPUT,
        `${file}: ${st.size} bytes is more than the ${limit}-byte limit`,
      );
    return readFileSync(file);
  } catch (e) {
    if (isErrnoException(e))
      throw new CliExit(EXIT_INVALID_INPUT, `cannot read ${file}: ${e.code ?? e.message}`);
    throw e;
  }
}

function isErrnoException(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}
