/**
 * The audit log: one row per thing that happened to a device or the whitelist. Append-only (the
 * schema's triggers refuse UPDATE and DELETE), so it is the record to trust after an incident.
 * Never put a secret in `reason` or `detail`.
 */
import type { Database } from './database.js';
import { ConfiguratorError } from '../protocol/errors.js';
import type { AuditEntry } from './types.js';
import { isoTime } from './time.js';
import { WhitelistErrorCode } from './errors.js';

export interface NewAuditRecord {
  readonly kind: string;
  readonly keyHash?: string | undefined;
  /** MAC address or ip:port. */
  readonly peer?: string | undefined;
  readonly reason?: string | undefined;
  /** Stored as JSON. */
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
  /** 'daemon', or 'cli:<user>'. */
  readonly actor?: string | undefined;
  readonly at?: Date | undefined;
}

export interface AuditQuery {
  /** Only records at or after this time. */
  readonly since?: Date | undefined;
  /** Only records with an id above this one (to follow the log). */
  readonly afterId?: number | undefined;
  /** Only records with an id below this one (the next page back). */
  readonly beforeId?: number | undefined;
  /** Before this time. */
  readonly until?: Date | undefined;
  readonly kind?: string | undefined;
  readonly keyHash?: string | undefined;
  readonly limit?: number | undefined;
}

interface AuditRow {
  id: number;
  at: string;
  kind: string;
  key_hash: string | null;
  peer: string | null;
  reason: string | null;
  detail: string | null;
  actor: string | null;
}

type AuditParams = [
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

export class AuditLog {
  private readonly insert;
  private readonly countAll;

  constructor(private readonly db: Database) {
    this.insert = db.prepare<AuditParams>(
      'INSERT INTO audit (at, kind, key_hash, peer, reason, detail, actor) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit');
  }

  /** Append one record; its id. */
  append(record: NewAuditRecord): number {
    return Number(this.insert.run(...params(record)).lastInsertRowid);
  }

  /** Append several records in one transaction (a batch of refusals costs one fsync). */
  appendMany(records: readonly NewAuditRecord[]): number[] {
    return this.db.transaction(() => records.map((r) => this.append(r)))();
  }

  /** Records newest first. */
  list(query: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.since !== undefined) {
      where.push('at >= ?');
      args.push(isoTime(query.since));
    }
    if (query.afterId !== undefined) {
      where.push('id > ?');
      args.push(query.afterId);
    }
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      args.push(query.beforeId);
    }
    if (query.until !== undefined) {
      where.push('at < ?');
      args.push(isoTime(query.until));
    }
    if (query.kind !== undefined) {
      where.push('kind = ?');
      args.push(query.kind);
    }
    if (query.keyHash !== undefined) {
      where.push('key_hash = ?');
      args.push(query.keyHash.toLowerCase());
    }
    let sql = 'SELECT * FROM audit';
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
    sql += ' ORDER BY id DESC';
    if (query.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(Math.max(0, Math.trunc(query.limit)));
    }
    return this.db
      .prepare<(string | number)[], AuditRow>(sql)
      .all(...args)
      .map(fromRow);
  }

  count(): number {
    return this.countAll.get()?.n ?? 0;
  }

  /**
   * The key hashes named in the log that start with `prefix` (lowercase hex), in order, at most
   * `limit` of them: for a command that takes a device by a short prefix, whether it is listed or
   * not (a refused stranger is in the log, not on the whitelist).
   */
  keyHashesStartingWith(prefix: string, limit: number): string[] {
    // A range on the index: 'g' sorts after every hex digit.
    return this.db
      .prepare<[string, string, number], { key_hash: string }>(
        'SELECT DISTINCT key_hash FROM audit WHERE key_hash >= ? AND key_hash < ? ORDER BY key_hash LIMIT ?',
      )
      .all(prefix, `${prefix}g`, Math.max(0, Math.trunc(limit)))
      .map((r) => r.key_hash);
  }

  /** Every kind of record the log holds, in order. */
  kinds(): string[] {
    return this.db
      .prepare<[], { kind: string }>('SELECT DISTINCT kind FROM audit ORDER BY kind')
      .all()
      .map((r) => r.kind);
  }
}

function params(r: NewAuditRecord): AuditParams {
  let detail: string | null = null;
  if (r.detail !== undefined) {
    try {
      detail = JSON.stringify(r.detail);
    } catch (e) {
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreBadRecord,
        `audit detail for ${r.kind} is not JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  return [
    isoTime(r.at),
    r.kind,
    r.keyHash ?? null,
    r.peer ?? null,
    r.reason ?? null,
    detail,
    r.actor ?? null,
  ];
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind,
    ...(row.key_hash !== null ? { keyHash: row.key_hash } : {}),
    ...(row.peer !== null ? { peer: row.peer } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.actor !== null ? { actor: row.actor } : {}),
  };
}
