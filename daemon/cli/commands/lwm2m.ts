import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MAX_LWM2M_BUNDLE_LEN } from '../../../protocol/dpp/config-object.js';
import {
  buildBundle,
  decodeBundle,
  describeBundle,
  MAX_DESCRIPTION_LEN,
} from '../../../protocol/lwm2m/bundle.js';
import { ErrorCode, isConfiguratorError } from '../../../protocol/errors.js';
import { DEFAULT_REGISTRY } from '../../../protocol/lwm2m/registry.js';
import { Lwm2mBundles } from '../../lwm2m/builder.js';
import { exportCsv, type ExportEntry } from '../../lwm2m/export.js';
import {
  describePushFailures,
  leshanSecurityInfos,
  pushTarget,
  pushToLeshan,
} from '../../lwm2m/leshan.js';
import { accountNameSchema, parseDeviceSecrets } from '../../lwm2m/secrets.js';
import type { DeviceContext as EngineDevice } from '../../engine/delivery.js';
import { openStores, type SqliteStores } from '../../service/stores.js';
import { dataDirOf, requireDatabase } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { isErrnoException } from '../support/errno.js';
import { readRegularFile } from '../support/read-file.js';
import { loadConfigForCli } from '../support/load-config.js';

interface EncodeOptions {
  out?: string;
}

interface BundleOptions {
  profile?: string;
  device: string;
  out?: string;
  config?: string;
}

interface DecodeOptions {
  profile?: string;
  config?: string;
}

interface ExportOptions {
  format: string;
  out?: string;
  push?: string;
  account?: string;
  leshanVersion?: string;
  insecureHttp?: boolean;
  config?: string;
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
      const text = readRegularFile(file, MAX_DESCRIPTION_LEN).toString('utf8');
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
    .option('--profile <name>', "also know the objects this profile's template declares")
    .option('--config <file>', 'configuration file (default as for start), with --profile')
    .action((file: string, options: DecodeOptions, command: Command) => {
      let registry = DEFAULT_REGISTRY;
      if (options.profile !== undefined) {
        const config = loadConfigForCli(options.config, dataDirOf(command));
        const bundles = loadBundles(config.profiles.values(), config.baseDir);
        const compiled = bundles.get(options.profile);
        if (compiled === undefined)
          throw new CliExit(EXIT_INVALID_INPUT, `profile ${options.profile} has no lwm2m section`);
        registry = compiled.material.registry;
      }
      const records = decodeBundle(readRegularFile(file, MAX_LWM2M_BUNDLE_LEN), registry);
      if (!records.ok) {
        const hint =
          options.profile === undefined && records.error.code === ErrorCode.Lwm2mUnknownResource
            ? " (a template's own objects: add --profile P)"
            : '';
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `invalid bundle ${file}: ${records.error.describe()}${hint}`,
        );
      }
      process.stdout.write(`${describeBundle(records.value).join('\n')}\n`);
    });

  lwm2m
    .command('bundle')
    .description('the bundle a device receives, from its stored secrets (made now if missing)')
    .requiredOption('--device <hash>', 'the whitelist entry (bootstrapping key hash)')
    .option('--profile <name>', "the profile (default: the entry's, else the default profile)")
    .option('--out <file>', 'write the bytes here (mode 0600, never overwritten) instead of stdout')
    .option('--config <file>', 'configuration file (default as for start)')
    .action((options: BundleOptions, command: Command) => {
      const keyHash = options.device.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(keyHash))
        throw new CliExit(EXIT_INVALID_INPUT, '--device: a key hash is 64 hex digits');
      const dataDir = dataDirOf(command);
      const config = loadConfigForCli(options.config, dataDir);
      const bundles = loadBundles(config.profiles.values(), config.baseDir);
      withDaemonStores(dataDir, (stores) => {
        const entry = stores.whitelistStore.get(keyHash);
        if (entry === undefined)
          throw new CliExit(EXIT_INVALID_INPUT, `--device: ${keyHash} is not whitelisted`);
        const name = options.profile ?? entry.profile ?? config.defaultProfile;
        const profile = config.profiles.get(name);
        if (profile === undefined || !bundles.has(name))
          throw new CliExit(EXIT_INVALID_INPUT, `profile ${name} has no lwm2m section`);
        const device = deviceOf(stores, keyHash, entry.label);
        const stored = stores.secretStore.getOrCreate(keyHash, name, () =>
          bundles.generateSecrets(profile, device),
        );
        const bytes = bundles.render(profile, device, stored.secrets);
        if (!bytes.ok) throw new CliExit(EXIT_INVALID_INPUT, bytes.error.describe());
        writeOutput(options.out, bytes.value, true);
      });
    });

  lwm2m
    .command('export')
    .description("every device's LwM2M credentials for the LwM2M servers (CSV or Leshan JSON)")
    .option('--format <format>', 'csv or leshan', 'csv')
    .option('--out <file>', 'write here (mode 0600, never overwritten) instead of stdout')
    .option('--push <url>', "PUT each device's security info to this Leshan server instead")
    .option('--account <name>', 'leshan: "server:<SSID>" or "bootstrap" (default the first server)')
    .option('--leshan-version <n>', 'leshan: body format of Leshan 2.x or 1.x', '2')
    .option(
      '--insecure-http',
      'allow --push over plain http to another machine (PSKs in the clear)',
    )
    .option('--config <file>', 'configuration file (default as for start)')
    .action(async (options: ExportOptions, command: Command) => {
      if (options.format !== 'csv' && options.format !== 'leshan')
        throw new CliExit(EXIT_INVALID_INPUT, '--format: csv or leshan');
      if (options.leshanVersion !== '1' && options.leshanVersion !== '2')
        throw new CliExit(EXIT_INVALID_INPUT, '--leshan-version: 1 or 2');
      if (options.push !== undefined && options.format !== 'leshan')
        throw new CliExit(EXIT_INVALID_INPUT, '--push needs --format leshan');
      if (options.push !== undefined && options.out !== undefined)
        throw new CliExit(EXIT_INVALID_INPUT, '--out and --push: one or the other');
      if (options.account !== undefined && !accountNameSchema.safeParse(options.account).success)
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--account: "${options.account}" is not "bootstrap" or "server:<Short Server ID>"`,
        );
      const target =
        options.push === undefined
          ? undefined
          : pushTarget(options.push, options.insecureHttp === true);
      if (target !== undefined && !target.ok)
        throw new CliExit(EXIT_INVALID_INPUT, `--push: ${target.error.message}`);
      const dataDir = dataDirOf(command);
      requireDatabase(dataDir, 'nothing to export');
      const entries = withDaemonStores(dataDir, (stores) => exportEntries(stores));
      if (options.format === 'csv') {
        writeOutput(options.out, Buffer.from(exportCsv(entries)), false);
        return;
      }
      const { infos, skipped } = leshanSecurityInfos(entries, {
        account: options.account,
        version: options.leshanVersion === '1' ? 1 : 2,
      });
      for (const s of skipped) process.stderr.write(`skipped ${s.endpoint}: ${s.reason}\n`);
      if (options.account !== undefined && infos.length === 0 && skipped.length > 0)
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--account: no device has account ${options.account}`,
        );
      if (target === undefined) {
        writeOutput(options.out, Buffer.from(`${JSON.stringify(infos, null, 2)}\n`), false);
        return;
      }
      const { url, headers } = target.value;
      const results = await pushToLeshan(url, infos, { headers });
      const failures = describePushFailures(results);
      process.stdout.write(
        `pushed ${results.length - failures.length} of ${results.length} devices to ${url}\n`,
      );
      if (failures.length > 0) throw new CliExit(1, `push failed for: ${failures.join('; ')}`);
    });
}

function loadBundles(profiles: Iterable<{ name: string; lwm2m?: unknown }>, baseDir: string) {
  const warnings: string[] = [];
  const bundles = Lwm2mBundles.load(profiles, baseDir, warnings);
  if (!bundles.ok) throw new CliExit(EXIT_INVALID_INPUT, bundles.error.message);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  return bundles.value;
}

function withDaemonStores<T>(dataDir: string, fn: (stores: SqliteStores) => T): T {
  let stores: SqliteStores;
  try {
    stores = openStores(dataDir);
  } catch (e) {
    if (isConfiguratorError(e)) throw new CliExit(EXIT_INVALID_INPUT, e.message);
    throw e;
  }
  try {
    return fn(stores);
  } catch (e) {
    // Generation failures (a missing {serial} …) are DppErrors without secrets in them.
    if (isConfiguratorError(e)) throw new CliExit(EXIT_INVALID_INPUT, e.describe());
    throw e;
  } finally {
    stores.close();
  }
}

/** What the daemon knew of the device when it last saw it: MAC and reported serial. */
function deviceOf(stores: SqliteStores, keyHash: string, label?: string): EngineDevice {
  const record = stores.deviceStore.get(keyHash);
  let serial: string | undefined;
  try {
    const info: unknown =
      record?.deviceInfo === undefined ? undefined : JSON.parse(record.deviceInfo);
    if (
      typeof info === 'object' &&
      info !== null &&
      'serial' in info &&
      typeof info.serial === 'string'
    )
      serial = info.serial;
  } catch {
    serial = undefined;
  }
  return {
    keyHash,
    mac: record?.mac,
    label,
    deviceInfo: serial === undefined ? undefined : { serial },
  };
}

function exportEntries(stores: SqliteStores): ExportEntry[] {
  const out: ExportEntry[] = [];
  for (const info of stores.secretStore.list()) {
    const record = stores.secretStore.get(info.keyHash);
    if (record === undefined) continue;
    const secrets = parseDeviceSecrets(record.secrets);
    if (!secrets.ok) {
      process.stderr.write(`skipped ${info.keyHash.slice(0, 16)}: ${secrets.error.message}\n`);
      continue;
    }
    const entry = stores.whitelistStore.get(info.keyHash);
    if (entry === undefined || entry.status === 'revoked') {
      // A revoked device may be in the wrong hands: pushing its key again would let it back in.
      process.stderr.write(
        `skipped ${info.keyHash.slice(0, 16)}: ${entry === undefined ? 'no longer on the whitelist' : 'revoked'}; its credentials are not exported (remove them from the LwM2M server)\n`,
      );
      continue;
    }
    out.push({ device: { keyHash: info.keyHash, label: entry.label }, secrets: secrets.value });
  }
  return out;
}

/** To a new 0600 file (it holds secrets), or to stdout; binary never to a terminal. */
function writeOutput(out: string | undefined, bytes: Uint8Array, binary: boolean): void {
  if (out === undefined) {
    if (binary && process.stdout.isTTY)
      throw new CliExit(
        EXIT_INVALID_INPUT,
        'refusing to write binary CBOR to a terminal: use --out FILE or redirect stdout',
      );
    process.stdout.write(bytes);
    return;
  }
  try {
    writeFileSync(out, bytes, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if (isErrnoException(e) && e.code === 'EEXIST')
      throw new CliExit(EXIT_INVALID_INPUT, `refusing to overwrite ${out}: the file exists`);
    throw e;
  }
}
