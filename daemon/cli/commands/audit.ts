/**
 * `configurator audit`: the audit log, newest first, read straight from the database (read-only;
 * no daemon needed), filtered as the console's GET /api/audit filters it. The log holds no
 * secret (whitelist/audit-log.ts); each record's detail is shown as compact JSON.
 */
import type { Command } from 'commander';
import { AuditLog } from '../../../whitelist/audit-log.js';
import { MIN_HASH_PREFIX } from '../../../whitelist/find-entry.js';
import { isKeyHash } from '../../../whitelist/key-input.js';
import type { AuditEntry } from '../../../whitelist/types.js';
import { toAuditView } from '../../console/views.js';
import { dataDirOf, openDatabaseForReading } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { parseTimeOption, positiveInt, TIME_FORMS } from '../support/option-values.js';
import { formatTable, writeList } from '../support/table.js';

interface AuditOptions {
  kind?: string;
  key?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

const DEFAULT_LIMIT = 100;
const KIND = /^[a-z][a-z0-9-]{0,63}$/;
/** Longest detail a terminal's table shows; the whole of it is in the tab-separated and JSON forms. */
const DETAIL_WIDTH = 60;

/** The key a --key names: a full hash, or the one hash in the log that starts with the prefix. */
function keyHashOf(log: AuditLog, text: string): string | undefined {
  const hash = text.trim().toLowerCase();
  if (isKeyHash(hash)) return hash;
  if (!/^[0-9a-f]+$/.test(hash) || hash.length < MIN_HASH_PREFIX)
    throw new CliExit(
      EXIT_INVALID_INPUT,
      `--key: "${text}" is not a key hash or a prefix of at least ${MIN_HASH_PREFIX} hex digits`,
    );
  const found = log.keyHashesStartingWith(hash, 2);
  if (found.length > 1)
    throw new CliExit(
      EXIT_INVALID_INPUT,
      `--key: ${hash} is the start of more than one key hash in the log: give more digits`,
    );
  // No record names such a key: nothing to show, as for a full hash never seen.
  return found[0];
}

/** A table cell or a tab-separated field: one line, no control characters. */
function cell(text: string | undefined, width?: number): string {
  if (text === undefined || text === '') return '-';
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ');
  const chars = [...flat];
  return width !== undefined && chars.length > width
    ? `${chars.slice(0, width - 1).join('')}…`
    : flat;
}

/** The detail as one line of JSON (stored as JSON already; compacted again in case). */
function compactDetail(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  try {
    return JSON.stringify(JSON.parse(detail));
  } catch {
    return detail;
  }
}

function formatRecords(records: readonly AuditEntry[], forPeople: boolean): string {
  const header = ['ID', 'TIME', 'KIND', 'KEY HASH', 'PEER', 'ACTOR', 'REASON', 'DETAIL'];
  const rows = records.map((r) => [
    String(r.id),
    forPeople ? r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : r.at,
    r.kind,
    forPeople && r.keyHash !== undefined ? r.keyHash.slice(0, 16) : cell(r.keyHash),
    cell(r.peer),
    cell(r.actor),
    cell(r.reason, forPeople ? 48 : undefined),
    cell(compactDetail(r.detail), forPeople ? DETAIL_WIDTH : undefined),
  ]);
  if (!forPeople) return [header, ...rows].map((r) => `${r.join('\t')}\n`).join('');
  return formatTable(header, rows);
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description(
      'the audit log, newest first (a table on a terminal, tab-separated otherwise); no daemon needed',
    )
    .option('--kind <kind>', 'only records of this kind (refused, admitted, whitelist-added …)')
    .option(
      '--key <hash>',
      `only records about this device: its key hash, or a unique prefix of at least ${MIN_HASH_PREFIX} hex digits`,
    )
    .option('--since <time>', `only records at or after this time: ${TIME_FORMS}`)
    .option('--until <time>', 'only records before this time (the same forms)')
    .option('--limit <n>', `at most this many, the newest (default ${DEFAULT_LIMIT})`)
    .option('--json', 'a JSON array, each record with its detail as a JSON value')
    .action((options: AuditOptions, command: Command) => {
      const dataDir = dataDirOf(command);
      if (options.kind !== undefined && !KIND.test(options.kind))
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--kind: "${options.kind}" is not a kind of record (lowercase words joined by -, such as whitelist-added)`,
        );
      const now = new Date();
      const since =
        options.since === undefined ? undefined : parseTimeOption('--since', options.since, now);
      const until =
        options.until === undefined ? undefined : parseTimeOption('--until', options.until, now);
      if (since !== undefined && until !== undefined && since >= until)
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--since (${since.toISOString()}) is not before --until (${until.toISOString()})`,
        );
      const limit = positiveInt('--limit', options.limit, DEFAULT_LIMIT);
      const db = openDatabaseForReading(dataDir);
      try {
        const log = new AuditLog(db);
        const keyHash = options.key === undefined ? undefined : keyHashOf(log, options.key);
        const records =
          options.key !== undefined && keyHash === undefined
            ? []
            : log.list({ kind: options.kind, keyHash, since, until, limit: limit + 1 });
        const shown = records.slice(0, limit);
        if (records.length > limit)
          process.stderr.write(
            `the ${limit} newest shown; there are older ones (--limit, --since or --until)\n`,
          );
        if (shown.length === 0 && options.kind !== undefined && !log.kinds().includes(options.kind))
          process.stderr.write(
            `no record of kind ${options.kind} in the log; its kinds: ${log.kinds().join(', ') || 'none yet'}\n`,
          );
        writeList(shown, {
          json: options.json === true,
          toJson: (list) => JSON.stringify(list.map(toAuditView)),
          empty: 'no records',
          format: formatRecords,
        });
      } finally {
        db.close();
      }
    });
}
