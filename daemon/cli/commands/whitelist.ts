/**
 * `configurator whitelist …`: the admin's view of the whitelist. Every edit goes through the store,
 * which writes its audit record (actor `cli:<user>`) in the same transaction. The daemon may be
 * running: SQLite's WAL mode lets both use the database at once, and the daemon re-reads an entry
 * before it delivers, so a revoke here takes effect at once.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { encodeBootstrapKey, parseBootstrapKey } from '../../../protocol/dpp/bootstrap-key.js';
import { ConfiguratorError } from '../../../protocol/errors.js';
import {
  databasePath,
  openDatabase,
  openMemoryDatabase,
  type Database,
} from '../../../whitelist/database.js';
import { DeviceStore } from '../../../whitelist/device-store.js';
import { exportWhitelist, isExportFormat, toExported } from '../../../whitelist/export.js';
import {
  formatOfFileName,
  isImportFormat,
  parseImportFile,
  readImportText,
  type ImportFormat,
} from '../../../whitelist/import.js';
import { CSV_DELIMITERS, type CsvDelimiter } from '../../../whitelist/csv.js';
import { findEntry, MIN_HASH_PREFIX } from '../../../whitelist/find-entry.js';
import { resolveKey, type KeyInput } from '../../../whitelist/key-input.js';
import { SecretStore } from '../../../whitelist/secret-store.js';
import {
  isWhitelistStatus,
  type EntryUpdate,
  type WhitelistEntry,
  type WhitelistStatus,
} from '../../../whitelist/types.js';
import { WhitelistStore } from '../../../whitelist/whitelist-store.js';
import { parsePrivateKey } from '../../keys/key-file.js';
import { dataDirOf, requireDatabase } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { isErrnoException } from '../support/errno.js';
import { formatTable, writeList } from '../support/table.js';
import { WhitelistErrorCode } from '../../../whitelist/errors.js';
import type { ImportRow } from '../../../whitelist/whitelist-store.js';
import { checkRowProfiles } from '../../service/known-profiles.js';
import {
  configuredProfiles,
  requireConfiguredProfile,
  warnNotChecked,
} from '../support/configured-profiles.js';

const EXIT_FAILURE = 1;
/** Key files are small; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
const HASH_ARGUMENT = `the key hash, or a unique prefix of at least ${MIN_HASH_PREFIX} hex digits`;

interface EntryOptions {
  label?: string;
  location?: string;
  profile?: string;
  notes?: string;
  config?: string;
}

const CONFIG_OPTION = [
  '--config <file>',
  'the configuration whose profiles --profile must name (default: as `start` finds it)',
] as const;

interface ImportCliOptions {
  format?: string;
  skipInvalid?: boolean;
  delimiter?: string;
  ignoreUnknownColumns?: boolean;
  config?: string;
}

interface AddOptions extends EntryOptions {
  uri?: string;
  hash?: string;
  key?: string;
}

export function registerWhitelistCommands(program: Command): void {
  const whitelist = program
    .command('whitelist')
    .description('manage the whitelist of devices that may be provisioned');

  whitelist
    .command('add')
    .description('add one device by URI, key hash or key file; prints its key hash')
    .option('--uri <uri>', "the device's DPP URI (DPP:…;;)")
    .option(
      '--hash <hex>',
      'the SHA-256 key hash, 64 hex digits (the device must then send its key)',
    )
    .option('--key <file>', 'a public key (PEM or DER) or a P-256 private key file')
    .option('--label <text>', 'a name for people')
    .option('--location <text>', 'where the device is')
    .option('--profile <name>', "configuration profile (default: the daemon's default profile)")
    .option('--notes <text>', 'free text')
    .option(...CONFIG_OPTION)
    .action((options: AddOptions, command: Command) => {
      const given = [options.uri, options.hash, options.key].filter((v) => v !== undefined);
      if (given.length !== 1) {
        throw new CliExit(EXIT_INVALID_INPUT, 'give exactly one of --uri, --hash or --key');
      }
      requireConfiguredProfile(options.profile, options.config, command);
      const input: KeyInput =
        options.uri !== undefined
          ? { uri: options.uri.trim() }
          : options.hash !== undefined
            ? { hash: options.hash.trim() }
            : { publicKey: publicKeyFromFile(options.key!) };
      const key = resolveKey(input);
      if (!key.ok) throw new CliExit(EXIT_INVALID_INPUT, key.error.message);
      const added = withWhitelistDatabase(command, true, ({ whitelist: store }) =>
        store.add(
          {
            ...key.value,
            label: options.label,
            location: options.location,
            profile: options.profile,
            notes: options.notes,
          },
          cliActor(),
        ),
      );
      process.stdout.write(`${added.keyHash}\n`);
    });

  whitelist
    .command('import')
    .description('add many devices from a CSV, URI-list or JSON file, all or nothing')
    .argument('<file>', 'the file (.csv, .json, or .txt with one URI or hash per line)')
    .option('--format <format>', 'csv, uris or json (default: from the file name)')
    .option('--skip-invalid', 'import the good rows and report the bad ones')
    .option(
      '--delimiter <char>',
      "CSV: the separator, ',' or ';' (or comma, semicolon; default: from the header line)",
    )
    .option(
      '--ignore-unknown-columns',
      'CSV: leave out columns the whitelist has no place for (one warning names them)',
    )
    .option(...CONFIG_OPTION)
    .action((file: string, options: ImportCliOptions, command: Command) => {
      const format = options.format ?? formatOfFileName(file);
      if (format === undefined) {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `cannot tell the format of ${file} from its name: use --format csv, uris or json`,
        );
      }
      if (!isImportFormat(format)) {
        throw new CliExit(EXIT_INVALID_INPUT, `--format: "${format}" is not csv, uris or json`);
      }
      const delimiter = delimiterOption(options.delimiter, format);
      const parsed = parseImportFile(readImportFile(file), format, {
        delimiter,
        ignoreUnknownColumns: options.ignoreUnknownColumns === true,
      });
      if (!parsed.ok) throw new CliExit(EXIT_INVALID_INPUT, `${file}: ${parsed.error.message}`);
      for (const w of parsed.value.warnings)
        process.stderr.write(`configurator: warning: ${file}: ${w}\n`);
      const checked = withProfilesChecked(parsed.value.rows, options.config, command);
      const outcome = withWhitelistDatabase(command, true, ({ whitelist: store }) =>
        store.importEntries(checked, {
          actor: cliActor(),
          source: file,
          skipInvalid: options.skipInvalid === true,
        }),
      );
      for (const p of outcome.problems) process.stderr.write(`${p.where}: ${p.reason}\n`);
      if (!outcome.applied) {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `${file}: ${outcome.problems.length} bad ${plural(outcome.problems.length, 'row')}, ` +
            'nothing imported (--skip-invalid imports the good rows)',
        );
      }
      process.stdout.write(
        `added ${outcome.added}, unchanged ${outcome.unchanged}, skipped ${outcome.problems.length}\n`,
      );
    });

  whitelist
    .command('export')
    .description('write every whitelist entry as CSV or JSON (no secrets)')
    .option('--format <format>', 'csv or json (default: from --out, else csv)')
    .option('--out <file>', 'write here instead of stdout (never overwrites)')
    .action((options: { format?: string; out?: string }, command: Command) => {
      const fromName = options.out === undefined ? undefined : formatOfFileName(options.out);
      const format = options.format ?? (fromName === 'json' ? 'json' : 'csv');
      if (!isExportFormat(format)) {
        throw new CliExit(EXIT_INVALID_INPUT, `--format: "${format}" is not csv or json`);
      }
      // An export is a backup: an empty one from a mistyped --data-dir must not look like one.
      requireDatabase(dataDirOf(command), 'nothing to export');
      const entries = withWhitelistDatabase(command, false, ({ whitelist: store }) => store.list());
      const text = exportWhitelist(entries, format);
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        // 0600 like the database: the URIs and keys tell a rogue configurator whom to court.
        writeFileSync(options.out, text, { flag: 'wx', mode: 0o600 });
      } catch (e) {
        if (isErrnoException(e, 'EEXIST')) {
          throw new CliExit(
            EXIT_INVALID_INPUT,
            `refusing to overwrite ${options.out}: the file exists`,
          );
        }
        throw new CliExit(EXIT_FAILURE, `cannot write ${options.out}: ${messageOf(e)}`);
      }
      process.stderr.write(
        `wrote ${entries.length} ${plural(entries.length, 'entry')} to ${options.out}\n`,
      );
    });

  whitelist
    .command('list')
    .description('list the whitelist (a table on a terminal, tab-separated otherwise)')
    .option('--json', 'print a JSON array')
    .option('--status <status>', 'only entries with this status: active, inactive or revoked')
    .action((options: { json?: boolean; status?: string }, command: Command) => {
      const status = options.status === undefined ? undefined : statusOption(options.status);
      const entries = withWhitelistDatabase(command, false, ({ whitelist: store }) =>
        store.list({ status }),
      );
      writeList(entries, {
        json: options.json === true,
        toJson: (list) => JSON.stringify(list.map(toExported), null, 2),
        empty: 'no entries',
        format: formatEntries,
      });
    });

  whitelist
    .command('show')
    .description('show one entry, with what the daemon knows of the device')
    .argument('<hash>', HASH_ARGUMENT)
    .option('--json', 'print one JSON object')
    .action((hash: string, options: { json?: boolean }, command: Command) => {
      const shown = withWhitelistDatabase(command, false, (stores) => {
        const entry = findEntry(stores.whitelist, hash);
        const device = stores.devices.get(entry.keyHash);
        const secrets = stores.secrets.get(entry.keyHash);
        return { entry, device, secretsCreated: secrets?.createdAt };
      });
      if (options.json === true) {
        process.stdout.write(
          `${JSON.stringify({ ...toExported(shown.entry), device: shown.device ?? null, secretsCreatedAt: shown.secretsCreated ?? null }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(describeEntry(shown.entry, shown.device, shown.secretsCreated));
    });

  const statusCommands: readonly [string, WhitelistStatus, string][] = [
    ['enable', 'active', 'let the device be provisioned (status active)'],
    ['disable', 'inactive', 'refuse the device until enabled again (status inactive)'],
    ['revoke', 'revoked', 'refuse the device for good (status revoked)'],
  ];
  for (const [name, status, description] of statusCommands) {
    whitelist
      .command(name)
      .description(description)
      .argument('<hash>', HASH_ARGUMENT)
      .action((hash: string, _options: unknown, command: Command) => {
        const [keyHash, changed] = withWhitelistDatabase(command, true, ({ whitelist: store }) => {
          const entry = findEntry(store, hash);
          return [entry.keyHash, store.setStatus(entry.keyHash, status, cliActor())] as const;
        });
        process.stdout.write(
          changed ? `${keyHash} ${status}\n` : `${keyHash} was already ${status}\n`,
        );
      });
  }

  whitelist
    .command('remove')
    .description('delete an entry (its device history, audit records and secrets stay)')
    .argument('<hash>', HASH_ARGUMENT)
    .action((hash: string, _options: unknown, command: Command) => {
      const removed = withWhitelistDatabase(command, true, ({ whitelist: store }) =>
        store.remove(findEntry(store, hash).keyHash, cliActor()),
      );
      process.stdout.write(`${removed.keyHash} removed\n`);
    });

  whitelist
    .command('update')
    .description('change the label, location, profile or notes of an entry ("" clears one)')
    .argument('<hash>', HASH_ARGUMENT)
    .option('--label <text>', 'a name for people')
    .option('--location <text>', 'where the device is')
    .option('--profile <name>', 'configuration profile')
    .option('--notes <text>', 'free text')
    .option(...CONFIG_OPTION)
    .action((hash: string, options: EntryOptions, command: Command) => {
      const update: EntryUpdate = {
        ...clearable('label', options.label),
        ...clearable('location', options.location),
        ...clearable('profile', options.profile),
        ...clearable('notes', options.notes),
      };
      if (Object.keys(update).length === 0) {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          'nothing to change: give --label, --location, --profile or --notes',
        );
      }
      requireConfiguredProfile(options.profile, options.config, command);
      const after = withWhitelistDatabase(command, true, ({ whitelist: store }) =>
        store.update(findEntry(store, hash).keyHash, update, cliActor()),
      );
      process.stdout.write(describeEntry(after, undefined, undefined));
    });
}

/** Rows naming a profile the configuration lacks become bad rows; unread config: a warning. */
function withProfilesChecked(
  rows: readonly ImportRow[],
  configPath: string | undefined,
  command: Command,
): readonly ImportRow[] {
  const named = new Set<string>();
  for (const row of rows) if ('entry' in row && row.entry.profile) named.add(row.entry.profile);
  if (named.size === 0) return rows;
  const configured = configuredProfiles(configPath, dataDirOf(command));
  if ('notChecked' in configured) {
    warnNotChecked([...named], configured.notChecked);
    return rows;
  }
  return checkRowProfiles(rows, configured.names);
}

interface Stores {
  readonly whitelist: WhitelistStore;
  readonly devices: DeviceStore;
  readonly secrets: SecretStore;
}

/**
 * Run `fn` with the stores of the command's data directory. Reading commands do not create a
 * database that does not exist yet: they see an empty one.
 */
function withWhitelistDatabase<T>(command: Command, write: boolean, fn: (stores: Stores) => T): T {
  const dataDir = dataDirOf(command);
  let db: Database;
  try {
    if (!write && !existsSync(databasePath(dataDir))) {
      db = openMemoryDatabase();
    } else {
      db = openDatabase(dataDir, { readonly: !write });
    }
  } catch (e) {
    throw cliError(e);
  }
  try {
    return fn({
      whitelist: new WhitelistStore(db),
      devices: new DeviceStore(db),
      secrets: new SecretStore(db),
    });
  } catch (e) {
    throw cliError(e);
  } finally {
    db.close();
  }
}

/** Store errors to exit codes: what the admin typed is wrong → 2, anything else → 1. */
function cliError(e: unknown): unknown {
  if (e instanceof CliExit) return e;
  if (e instanceof ConfiguratorError) {
    const input = (
      [
        WhitelistErrorCode.WhitelistNotFound,
        WhitelistErrorCode.WhitelistDuplicate,
        WhitelistErrorCode.WhitelistBadEntry,
        WhitelistErrorCode.WhitelistAmbiguousPrefix,
      ] as readonly number[]
    ).includes(e.code);
    return new CliExit(input ? EXIT_INVALID_INPUT : EXIT_FAILURE, e.message);
  }
  return e;
}

/**
 * The DER public key in a key file: a PEM or DER SubjectPublicKeyInfo, or a private key (PKCS#8 or
 * SEC1 PEM, hostap hex). Stored in the compressed 59-byte form DPP URIs carry (as hostap writes
 * them), because the key hash is computed over the DER exactly as the device publishes it.
 */
function publicKeyFromFile(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_KEY_FILE_BYTES) {
      throw new CliExit(EXIT_INVALID_INPUT, `${path}: too large for a key file`);
    }
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof CliExit) throw e;
    throw new CliExit(EXIT_INVALID_INPUT, `cannot read ${path}: ${messageOf(e)}`);
  }
  const text = bytes.toString('latin1').trim();
  try {
    let der: Uint8Array;
    const pem = /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----$/.exec(
      text,
    );
    if (pem !== null) {
      der = new Uint8Array(Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64'));
    } else if (bytes[0] === 0x30 && !text.startsWith('-----')) {
      der = new Uint8Array(bytes);
    } else if (text.startsWith('-----BEGIN') || /^[0-9a-fA-F]+$/.test(text)) {
      return encodeBootstrapKey(parsePrivateKey(text, path).publicKey).der;
    } else {
      throw new CliExit(
        EXIT_INVALID_INPUT,
        `${path}: not a public key (PEM or DER) or a P-256 private key (PEM or hostap hex)`,
      );
    }
    return encodeBootstrapKey(parseBootstrapKey(der).point).der;
  } catch (e) {
    if (e instanceof ConfiguratorError) {
      const message = e.message.startsWith(path) ? e.message : `${path}: ${e.message}`;
      throw new CliExit(EXIT_INVALID_INPUT, message);
    }
    throw e;
  }
}

function readImportFile(file: string): string {
  try {
    return readImportText(file);
  } catch (e) {
    if (e instanceof ConfiguratorError) throw new CliExit(EXIT_INVALID_INPUT, e.message);
    throw new CliExit(EXIT_INVALID_INPUT, `cannot read ${file}: ${messageOf(e)}`);
  }
}

const DELIMITER_WORDS: Readonly<Record<string, CsvDelimiter>> = { comma: ',', semicolon: ';' };

function delimiterOption(text: string | undefined, format: ImportFormat): CsvDelimiter | undefined {
  if (text === undefined) return undefined;
  if (format !== 'csv') throw new CliExit(EXIT_INVALID_INPUT, '--delimiter: for CSV files only');
  const delimiter = DELIMITER_WORDS[text.toLowerCase()] ?? text;
  if (!(CSV_DELIMITERS as readonly string[]).includes(delimiter))
    throw new CliExit(
      EXIT_INVALID_INPUT,
      `--delimiter: ${JSON.stringify(text)} is not ',' or ';' (comma or semicolon)`,
    );
  return delimiter as CsvDelimiter;
}

function statusOption(text: string): WhitelistStatus {
  if (!isWhitelistStatus(text)) {
    throw new CliExit(EXIT_INVALID_INPUT, `--status: "${text}" is not active, inactive or revoked`);
  }
  return text;
}

function clearable(
  name: 'label' | 'location' | 'profile' | 'notes',
  value: string | undefined,
): EntryUpdate {
  if (value === undefined) return {};
  return { [name]: value === '' ? null : value };
}

/** The audit actor for edits made here. */
function cliActor(): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = process.env['USER'];
  }
  return `cli:${name ?? 'unknown'}`;
}

/** A table for people (shortened hashes, aligned) or tab-separated lines for scripts. */
function formatEntries(entries: readonly WhitelistEntry[], forPeople: boolean): string {
  const header = ['KEY HASH', 'STATUS', 'PROFILE', 'LABEL', 'LOCATION', 'LAST SEEN', 'PROVISIONED'];
  const rows = entries.map((e) => [
    forPeople ? `${e.keyHash.slice(0, 16)}…` : e.keyHash,
    e.status,
    e.profile ?? '-',
    oneLine(e.label, forPeople),
    oneLine(e.location, forPeople),
    e.lastSeen ?? '-',
    e.provisionedAt ?? '-',
  ]);
  if (!forPeople) return [header, ...rows].map((r) => `${r.join('\t')}\n`).join('');
  return formatTable(header, rows);
}

/** Labels may hold newlines and tabs; a table cell may not. */
function oneLine(text: string | undefined, shorten: boolean): string {
  if (text === undefined || text === '') return '-';
  const flat = text.replace(/[\t\r\n]+/g, ' ');
  const chars = [...flat];
  return shorten && chars.length > 32 ? `${chars.slice(0, 31).join('')}…` : flat;
}

function describeEntry(
  e: WhitelistEntry,
  device: ReturnType<DeviceStore['get']>,
  secretsCreated: string | undefined,
): string {
  const lines: [string, string | undefined][] = [
    ['key hash', e.keyHash],
    ['chirp hash', e.chirpHash ?? '(unknown: added by hash only)'],
    ['status', e.status],
    ['profile', e.profile ?? '(default)'],
    ['label', e.label],
    ['location', e.location],
    ['notes', e.notes],
    ['uri', e.uri],
    ['created', e.createdAt],
    ['updated', e.updatedAt],
    ['last seen', e.lastSeen],
    ['provisioned', e.provisionedAt],
  ];
  if (device !== undefined) {
    lines.push(
      [
        'device state',
        device.reason === undefined ? device.state : `${device.state} (${device.reason})`,
      ],
      ['sessions', String(device.attempts)],
      ['deliveries', String(device.provisionedCount)],
      ['transport', device.transport],
      ['mac', device.mac],
      ['device info', device.deviceInfo],
      ['last error', device.lastError],
    );
  }
  if (secretsCreated !== undefined) lines.push(['secrets', `created ${secretsCreated}`]);
  const shown = lines.filter((l): l is [string, string] => l[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown
    .map(
      ([k, v]) => `${`${k}:`.padEnd(width + 2)}${v.replace(/\n/g, `\n${' '.repeat(width + 2)}`)}\n`,
    )
    .join('');
}

function plural(n: number, word: string): string {
  if (n === 1) return word;
  return word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
