/**
 * Reading whitelist import files: CSV with a header, a text file of URIs or hashes, or JSON (what
 * export writes, or a bare array). Pure parsing into ImportRows; duplicates against the database
 * and within the file are the store's to judge (whitelist-store.ts importEntries). A problem in
 * one row is that row's, with its line (or JSON entry number) and a specific reason; a problem in
 * the file as a whole (bad header, not JSON, too large) refuses the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfiguratorError, fail, ok, type Result } from '../protocol/errors.js';
import { detectDelimiter, parseCsv, type CsvDelimiter } from './csv.js';
import { looksLikeDppUri, resolveKey, type KeyInput } from './key-input.js';
import { isWhitelistStatus, type NewWhitelistEntry } from './types.js';
import type { ImportRow } from './whitelist-store.js';
import { unescapeFormula } from './spreadsheet.js';
import { describeJsonError } from '../protocol/json-error.js';
import { WhitelistErrorCode } from './errors.js';

export const IMPORT_FORMATS = ['csv', 'uris', 'json'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Import files are capped at 64 MiB (some 500 000 URIs); a larger file is refused unread. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** The columns a CSV import understands; export writes all of them. */
export const CSV_COLUMNS = [
  'hash',
  'public_key',
  'chirp_hash',
  'uri',
  'label',
  'location',
  'profile',
  'status',
  'notes',
  'created_at',
  'updated_at',
  'provisioned_at',
  'last_seen',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

/**
 * Header names spreadsheets and suppliers use for our columns, compared without case, spaces,
 * underscores or hyphens (`DPP URI`, `dpp_uri` and `DppUri` are one name); each column's own
 * name is accepted the same way.
 */
const HEADER_ALIASES: Readonly<Record<string, CsvColumn>> = {
  dppuri: 'uri',
  bootstrappinguri: 'uri',
  keyhash: 'hash',
  bootstrapkeyhash: 'hash',
  name: 'label',
  devicename: 'label',
  note: 'notes',
  comment: 'notes',
  comments: 'notes',
};

function compactHeader(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

function columnOfHeader(raw: string): CsvColumn | undefined {
  const name = compactHeader(raw);
  return CSV_COLUMNS.find((c) => compactHeader(c) === name) ?? HEADER_ALIASES[name];
}

export interface ImportOptions {
  /** CSV: the separator; by default taken from the header line. */
  readonly delimiter?: CsvDelimiter | undefined;
  /** CSV: leave columns the whitelist has no place for out (with a warning) instead of refusing. */
  readonly ignoreUnknownColumns?: boolean | undefined;
}

export interface ParsedImport {
  readonly rows: ImportRow[];
  /** Things the admin should hear though the file was read (columns left out). */
  readonly warnings: string[];
}

/** JSON entry members and the CSV column each stands for. */
const JSON_FIELDS: Readonly<Record<string, CsvColumn>> = {
  keyHash: 'hash',
  hash: 'hash',
  publicKey: 'public_key',
  chirpHash: 'chirp_hash',
  uri: 'uri',
  label: 'label',
  location: 'location',
  profile: 'profile',
  status: 'status',
  notes: 'notes',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  provisionedAt: 'provisioned_at',
  lastSeen: 'last_seen',
};

export function isImportFormat(text: string): text is ImportFormat {
  return (IMPORT_FORMATS as readonly string[]).includes(text);
}

/** The format a file name suggests: .csv, .json, or .txt/.uris/.list for one key per line. */
export function formatOfFileName(path: string): ImportFormat | undefined {
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return 'csv';
    case '.json':
      return 'json';
    case '.txt':
    case '.uris':
    case '.list':
      return 'uris';
    default:
      return undefined;
  }
}

/**
 * Read an import file as UTF-8: a regular file larger than MAX_IMPORT_BYTES is refused before
 * reading it; a pipe (`/dev/stdin`, `<(…)`) is read to its end, refused once it passes the cap.
 * Text that is not UTF-8 is refused with its line, not turned into U+FFFD (a Latin-1 supplier
 * file would otherwise import with its labels quietly garbled).
 */
export function readImportText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const tooLarge = (size: string): ConfiguratorError =>
      new ConfiguratorError(
        WhitelistErrorCode.WhitelistImportTooLarge,
        `${path} is ${size} bytes; an import file may be at most ${MAX_IMPORT_BYTES} bytes (64 MiB): split it`,
      );
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > MAX_IMPORT_BYTES) throw tooLarge(String(stat.size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      // No position: a pipe has none, and a regular file is read from its start anyway.
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_IMPORT_BYTES) throw tooLarge(`more than ${MAX_IMPORT_BYTES}`);
      chunks.push(chunk.subarray(0, n));
    }
    return decodeUtf8(path, Buffer.concat(chunks, total));
  } finally {
    closeSync(fd);
  }
}

function decodeUtf8(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistImportFormat,
      `${path}: line ${line} is not UTF-8 (save the file as UTF-8; a spreadsheet's "CSV UTF-8" does)`,
    );
  }
}

/** An import file's rows, refusing what options could have let through (no warnings then). */
export function parseImport(text: string, format: ImportFormat): Result<ImportRow[]> {
  const parsed = parseImportFile(text, format);
  return parsed.ok ? ok(parsed.value.rows) : parsed;
}

export function parseImportFile(
  text: string,
  format: ImportFormat,
  options: ImportOptions = {},
): Result<ParsedImport> {
  if (text.length > MAX_IMPORT_BYTES) {
    return fail(WhitelistErrorCode.WhitelistImportTooLarge, 'import text larger than 64 MiB');
  }
  switch (format) {
    case 'csv':
      return parseCsvImport(text, options);
    case 'uris':
      return ok({ rows: parseUriList(text), warnings: [] });
    case 'json': {
      const rows = parseJsonImport(text);
      return rows.ok ? ok({ rows: rows.value, warnings: [] }) : rows;
    }
  }
}

/**
 * CSV with a header row naming the columns, in any order, separated by ',' or ';' (from the
 * header line unless given).
 */
export function parseCsvImport(text: string, options: ImportOptions = {}): Result<ParsedImport> {
  const parsed = parseCsv(text, options.delimiter ?? detectDelimiter(text));
  if (!parsed.ok) return parsed;
  const records = parsed.value.filter(
    (r) => !(r.fields.length === 1 && r.fields[0]!.trim() === ''),
  );
  const header = records[0];
  if (header === undefined)
    return fail(WhitelistErrorCode.WhitelistImportFormat, 'the file is empty: no header row');
  // The column of each field, or undefined for one left out.
  const columns: (CsvColumn | undefined)[] = [];
  const headerOf = new Map<CsvColumn, string>();
  const unknown: string[] = [];
  for (const raw of header.fields) {
    const column = columnOfHeader(raw);
    if (column === undefined) {
      unknown.push(JSON.stringify(raw.trim()));
      columns.push(undefined);
      continue;
    }
    const before = headerOf.get(column);
    if (before !== undefined) {
      return fail(
        WhitelistErrorCode.WhitelistImportFormat,
        compactHeader(before) === compactHeader(raw)
          ? `line ${header.line}: column ${column} twice`
          : `line ${header.line}: columns ${JSON.stringify(before)} and ${JSON.stringify(raw)} are both the ${column} column`,
      );
    }
    headerOf.set(column, raw);
    columns.push(column);
  }
  const warnings: string[] = [];
  if (unknown.length > 0) {
    const named = `${unknown.length === 1 ? 'column' : 'columns'} ${unknown.join(', ')}`;
    if (options.ignoreUnknownColumns !== true) {
      return fail(
        WhitelistErrorCode.WhitelistImportFormat,
        `line ${header.line}: unknown ${named} (known: ${CSV_COLUMNS.join(', ')}, or names like "DPP URI" and "Key hash"); to import the file without ${unknown.length === 1 ? 'it' : 'them'}, ignore unknown columns (--ignore-unknown-columns)`,
      );
    }
    warnings.push(`ignored unknown ${named}`);
  }
  if (!columns.some((c) => c === 'hash' || c === 'uri' || c === 'public_key')) {
    return fail(
      WhitelistErrorCode.WhitelistImportFormat,
      `line ${header.line}: the header needs a hash, uri or public_key column`,
    );
  }
  const rows: ImportRow[] = [];
  for (const record of records.slice(1)) {
    const where = `line ${record.line}`;
    if (record.fields.length !== columns.length) {
      rows.push({
        where,
        problem: `${record.fields.length} fields, the header has ${columns.length}`,
      });
      continue;
    }
    const values = new Map<CsvColumn, string>();
    columns.forEach((c, i) => {
      if (c !== undefined) values.set(c, record.fields[i]!);
    });
    rows.push(rowFromValues(where, values, unescapeFormula));
  }
  return ok({ rows, warnings });
}

/** One DPP URI or 64-hex key hash per line; '#' starts a comment line. */
export function parseUriList(text: string): ImportRow[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: ImportRow[] = [];
  body.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    rows.push(rowFromKeyText(`line ${i + 1}`, line));
  });
  return rows;
}

/** `{"version": 1, "entries": [...]}` as export writes, or a bare array of entries or strings. */
export function parseJsonImport(text: string): Result<ImportRow[]> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return fail(
      WhitelistErrorCode.WhitelistImportFormat,
      `not valid JSON: ${describeJsonError(body, e)}`,
    );
  }
  let entries: unknown[];
  if (Array.isArray(doc)) {
    entries = doc;
  } else if (isObject(doc)) {
    const extra = Object.keys(doc).filter((k) => k !== 'version' && k !== 'entries');
    if (extra.length > 0) {
      return fail(
        WhitelistErrorCode.WhitelistImportFormat,
        `unknown top-level member ${JSON.stringify(extra[0])}`,
      );
    }
    if (doc['version'] !== 1) {
      return fail(
        WhitelistErrorCode.WhitelistImportFormat,
        `unsupported version ${JSON.stringify(doc['version'])}: this release reads version 1`,
      );
    }
    const list = doc['entries'];
    if (!Array.isArray(list)) {
      return fail(WhitelistErrorCode.WhitelistImportFormat, '"entries" is not an array');
    }
    entries = list;
  } else {
    return fail(
      WhitelistErrorCode.WhitelistImportFormat,
      'expected an object with "entries" or an array',
    );
  }
  const rows: ImportRow[] = [];
  entries.forEach((item, i) => rows.push(rowFromJson(`entry ${i + 1}`, item)));
  return ok(rows);
}

function rowFromJson(where: string, item: unknown): ImportRow {
  if (typeof item === 'string') return rowFromKeyText(where, item.trim());
  if (!isObject(item)) return { where, problem: 'not an object or a string' };
  const values = new Map<CsvColumn, string>();
  for (const [name, value] of Object.entries(item)) {
    const column = JSON_FIELDS[name];
    if (column === undefined) return { where, problem: `unknown field ${JSON.stringify(name)}` };
    if (values.has(column)) return { where, problem: `${name} given twice (hash and keyHash)` };
    if (value === null) continue;
    if (typeof value !== 'string') return { where, problem: `${name} is not a string` };
    values.set(column, value);
  }
  if (!values.has('hash') && !values.has('uri') && !values.has('public_key')) {
    return { where, problem: 'no key: give keyHash, uri or publicKey' };
  }
  return rowFromValues(where, values, (v) => v);
}

function rowFromKeyText(where: string, text: string): ImportRow {
  if (looksLikeDppUri(text)) return rowFromValues(where, new Map([['uri', text]]), (v) => v);
  if (/^[0-9a-fA-F]+$/.test(text) || text.length === 64) {
    return rowFromValues(where, new Map([['hash', text]]), (v) => v);
  }
  return { where, problem: 'neither a DPP URI (DPP:…;;) nor a 64-hex-digit key hash' };
}

/** One row's values, by CSV column name, to an entry or a problem. */
function rowFromValues(
  where: string,
  values: ReadonlyMap<CsvColumn, string>,
  text: (value: string) => string,
): ImportRow {
  const key = (c: CsvColumn): string | undefined => {
    const v = values.get(c)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const input: { -readonly [K in keyof KeyInput]: KeyInput[K] } = {};
  const hash = key('hash');
  const uri = key('uri');
  const publicKey = key('public_key');
  if (hash !== undefined) input.hash = hash;
  if (uri !== undefined) input.uri = uri;
  if (publicKey !== undefined) {
    const der = decodeBase64(publicKey);
    if (der === undefined) return { where, problem: 'bad public_key: not standard base64' };
    input.publicKey = der;
  }
  if (hash === undefined && uri === undefined && publicKey === undefined) {
    return { where, problem: 'no key: the hash, uri and public_key cells are all empty' };
  }
  const resolved = resolveKey(input);
  if (!resolved.ok) return { where, problem: resolved.error.message };
  const chirp = key('chirp_hash');
  if (chirp !== undefined) {
    if (resolved.value.chirpHash === undefined) {
      return { where, problem: 'chirp_hash given without the key it is computed from' };
    }
    if (chirp.toLowerCase() !== resolved.value.chirpHash) {
      return {
        where,
        problem: `chirp_hash does not match the key (expected ${resolved.value.chirpHash})`,
      };
    }
  }
  const status = key('status');
  if (status !== undefined && !isWhitelistStatus(status)) {
    return {
      where,
      problem: `unknown status ${JSON.stringify(status)} (active, inactive or revoked)`,
    };
  }
  const free = (c: CsvColumn): string | undefined => {
    const v = values.get(c);
    return v === undefined || v === '' ? undefined : text(v);
  };
  const entry: NewWhitelistEntry = {
    ...resolved.value,
    label: free('label'),
    location: free('location'),
    profile: free('profile')?.trim(),
    notes: free('notes'),
    status,
    createdAt: key('created_at'),
    updatedAt: key('updated_at'),
    provisionedAt: key('provisioned_at'),
    lastSeen: key('last_seen'),
  };
  return { where, entry };
}

/** Strict standard base64 (with padding), as export writes public keys. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero padding bits decode silently; the round trip catches them.
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
