/**
 * Whitelist export, CSV or JSON, with every column of every entry (never the device secrets); and
 * the audit log as CSV for a spreadsheet. Importing an export into an empty database gives the identical whitelist, times
 * included, so an export is also a backup of the list.
 */
import { formatCsvRecord } from './csv.js';
import { CSV_COLUMNS } from './import.js';
import { escapeFormula } from './spreadsheet.js';
import type { AuditEntry, WhitelistEntry } from './types.js';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedEntry {
  keyHash: string;
  publicKey: string | null;
  chirpHash: string | null;
  uri: string | null;
  label: string | null;
  location: string | null;
  profile: string | null;
  status: string;
  notes: string | null;
  createdAt: string;
  updatedAt: string;
  provisionedAt: string | null;
  lastSeen: string | null;
}

export function isExportFormat(text: string): text is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(text);
}

export function exportWhitelist(entries: readonly WhitelistEntry[], format: ExportFormat): string {
  return format === 'csv' ? exportCsv(entries) : exportJson(entries);
}

export function toExported(e: WhitelistEntry): ExportedEntry {
  return {
    keyHash: e.keyHash,
    publicKey: e.publicKey === undefined ? null : Buffer.from(e.publicKey).toString('base64'),
    chirpHash: e.chirpHash ?? null,
    uri: e.uri ?? null,
    label: e.label ?? null,
    location: e.location ?? null,
    profile: e.profile ?? null,
    status: e.status,
    notes: e.notes ?? null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    provisionedAt: e.provisionedAt ?? null,
    lastSeen: e.lastSeen ?? null,
  };
}

/** `{"version": 1, "entries": [...]}`, two-space indented, one entry per key hash. */
export function exportJson(entries: readonly WhitelistEntry[]): string {
  return `${JSON.stringify({ version: 1, entries: entries.map(toExported) }, null, 2)}\n`;
}

/** RFC 4180 CSV, header first, CRLF line ends; text cells guarded against formula injection. */
export function exportCsv(entries: readonly WhitelistEntry[]): string {
  let out = formatCsvRecord(CSV_COLUMNS);
  for (const entry of entries) {
    const e = toExported(entry);
    const cells: Record<(typeof CSV_COLUMNS)[number], string | null> = {
      hash: e.keyHash,
      public_key: e.publicKey,
      chirp_hash: e.chirpHash,
      uri: e.uri,
      label: e.label === null ? null : escapeFormula(e.label),
      location: e.location === null ? null : escapeFormula(e.location),
      profile: e.profile === null ? null : escapeFormula(e.profile),
      status: e.status,
      notes: e.notes === null ? null : escapeFormula(e.notes),
      created_at: e.createdAt,
      updated_at: e.updatedAt,
      provisioned_at: e.provisionedAt,
      last_seen: e.lastSeen,
    };
    out += formatCsvRecord(CSV_COLUMNS.map((c) => cells[c] ?? ''));
  }
  return out;
}

const AUDIT_CSV_COLUMNS = ['id', 'at', 'kind', 'key_hash', 'peer', 'reason', 'actor', 'detail'];

/** Audit records as CSV, in the order given; text a device or an admin wrote is formula-guarded. */
export function exportAuditCsv(entries: readonly AuditEntry[]): string {
  let out = formatCsvRecord(AUDIT_CSV_COLUMNS);
  for (const a of entries) {
    out += formatCsvRecord([
      String(a.id),
      a.at,
      a.kind,
      a.keyHash ?? '',
      escapeFormula(a.peer ?? ''),
      escapeFormula(a.reason ?? ''),
      escapeFormula(a.actor ?? ''),
      escapeFormula(a.detail ?? ''),
    ]);
  }
  return out;
}
