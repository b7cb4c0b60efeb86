/**
 * The whitelist: which bootstrapping keys may be provisioned, with what profile. Every admin edit
 * writes its audit record in the same transaction, so the log and the list never disagree.
 */
import { toHex } from '../protocol/bytes.js';
import { chirpHashOfDer, keyHashOfDer } from '../protocol/dpp/bootstrap-key.js';
import { ConfiguratorError } from '../protocol/errors.js';
import { AuditLog } from './audit-log.js';
import type { Database } from './database.js';
import { isoTime, parseIsoTime } from './time.js';
import {
  isWhitelistStatus,
  type EntryUpdate,
  type NewWhitelistEntry,
  type WhitelistEntry,
  type WhitelistStatus,
} from './types.js';
import { WhitelistErrorCode } from './errors.js';

/** One row of an import, already parsed: an entry, or why its line could not be read. */
export type ImportRow =
  | { readonly where: string; readonly entry: NewWhitelistEntry }
  | { readonly where: string; readonly problem: string };

export interface ImportProblem {
  /** `line 7`, `entry 3`. */
  readonly where: string;
  readonly reason: string;
}

export interface ImportOptions {
  /** Import the good rows and report the bad ones; otherwise any bad row rejects the whole file. */
  readonly skipInvalid?: boolean;
  readonly actor: string;
  /** Named in the audit record (a file name). */
  readonly source?: string;
  readonly at?: Date;
}

export interface ImportOutcome {
  /** False when bad rows rejected the import: then nothing was written. */
  readonly applied: boolean;
  readonly added: number;
  /** Rows for keys already on the whitelist with the same values (see docs/whitelist.md). */
  readonly unchanged: number;
  /** Every bad row, in file order: skipped (applied) or the reasons for rejection. */
  readonly problems: readonly ImportProblem[];
}

interface WhitelistRow {
  key_hash: string;
  public_key: Uint8Array | null;
  chirp_hash: string | null;
  uri: string | null;
  label: string | null;
  location: string | null;
  profile: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  provisioned_at: string | null;
  last_seen: string | null;
  notes: string | null;
}

/** What an entry stores, validated and normalised ('' is absent, hashes lowercase). */
interface Normalised {
  keyHash: string;
  publicKey: Uint8Array | null;
  chirpHash: string | null;
  uri: string | null;
  label: string | null;
  location: string | null;
  profile: string | null;
  status: WhitelistStatus;
  notes: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  provisionedAt: string | null;
  lastSeen: string | null;
}

/** The free metadata columns; their names are the same in SQL and in WhitelistEntry. */
const FIELD_NAMES = ['label', 'location', 'profile', 'notes'] as const;
type FieldName = (typeof FIELD_NAMES)[number];

/** As the daemon's configuration names profiles. */
const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `name` has the form of a profile name (whether one is configured is the daemon's). */
export function isProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}
const MAX_TEXT = 1024;
const HASH = /^[0-9a-f]{64}$/;

export class WhitelistStore {
  private readonly audit: AuditLog;
  private readonly byHash;
  private readonly byChirp;
  private readonly all;
  private readonly byStatus;
  private readonly insert;
  private readonly updateStatus;
  private readonly deleteOne;
  private readonly seen;
  private readonly provisioned;
  private readonly countAll;
  private readonly byPrefix;
  private readonly edit;
  private readonly outsideProfiles;

  /**
   * Edits made through this connection (add, update, status, remove, import; not the daemon's
   * last-seen and provisioned times): with SQLite's data_version, which counts the other
   * connections' commits, it tells a reader whether an entry it kept may have changed.
   */
  edits = 0;

  constructor(private readonly db: Database) {
    this.audit = new AuditLog(db);
    this.byHash = db.prepare<[string], WhitelistRow>('SELECT * FROM whitelist WHERE key_hash = ?');
    this.byChirp = db.prepare<[string], WhitelistRow>(
      'SELECT * FROM whitelist WHERE chirp_hash = ?',
    );
    this.all = db.prepare<[], WhitelistRow>('SELECT * FROM whitelist ORDER BY created_at, rowid');
    this.byStatus = db.prepare<[string], WhitelistRow>(
      'SELECT * FROM whitelist WHERE status = ? ORDER BY created_at, rowid',
    );
    this.insert = db.prepare(
      `INSERT INTO whitelist (key_hash, public_key, chirp_hash, uri, label, location, profile,
         status, created_at, updated_at, provisioned_at, last_seen, notes)
       VALUES (@keyHash, @publicKey, @chirpHash, @uri, @label, @location, @profile,
         @status, coalesce(@createdAt, @at), coalesce(@updatedAt, @createdAt, @at),
         @provisionedAt, @lastSeen, @notes)`,
    );
    this.updateStatus = db.prepare<[string, string, string]>(
      'UPDATE whitelist SET status = ?, updated_at = ? WHERE key_hash = ?',
    );
    this.deleteOne = db.prepare<[string]>('DELETE FROM whitelist WHERE key_hash = ?');
    this.seen = db.prepare<[string, string]>(
      'UPDATE whitelist SET last_seen = ? WHERE key_hash = ?',
    );
    this.provisioned = db.prepare<[string, string, string]>(
      'UPDATE whitelist SET provisioned_at = ?, last_seen = ? WHERE key_hash = ?',
    );
    this.byPrefix = db.prepare<[string, number], WhitelistRow>(
      'SELECT * FROM whitelist WHERE key_hash GLOB ? ORDER BY key_hash LIMIT ?',
    );
    this.edit = db.prepare(
      `UPDATE whitelist SET
         label = iif(@setLabel, @label, label),
         location = iif(@setLocation, @location, location),
         profile = iif(@setProfile, @profile, profile),
         notes = iif(@setNotes, @notes, notes),
         status = coalesce(@status, status),
         updated_at = @at
       WHERE key_hash = @keyHash`,
    );
    this.countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM whitelist');
    this.outsideProfiles = db.prepare<[string], WhitelistRow>(
      `SELECT * FROM whitelist
       WHERE profile IS NOT NULL AND status <> 'revoked'
         AND profile NOT IN (SELECT value FROM json_each(?))
       ORDER BY profile, created_at, rowid`,
    );
  }

  /** Add one entry; a key already on the whitelist is refused (WhitelistDuplicate). */
  add(entry: NewWhitelistEntry, actor: string, at: Date = new Date()): WhitelistEntry {
    const n = normalise(entry);
    return this.db
      .transaction(() => {
        if (this.byHash.get(n.keyHash) !== undefined) {
          throw new ConfiguratorError(
            WhitelistErrorCode.WhitelistDuplicate,
            `already on the whitelist: ${n.keyHash}`,
          );
        }
        this.insertEntry(n, at);
        this.audit.append({
          kind: 'whitelist-added',
          keyHash: n.keyHash,
          actor,
          at,
          detail: { by: keyForm(n), status: n.status, label: n.label, profile: n.profile },
        });
        return this.mustGet(n.keyHash);
      })
      .immediate();
  }

  get(keyHash: string): WhitelistEntry | undefined {
    const row = this.byHash.get(keyHash.toLowerCase());
    return row === undefined ? undefined : fromRow(row);
  }

  findByChirpHash(chirpHex: string): WhitelistEntry | undefined {
    const row = this.byChirp.get(chirpHex.toLowerCase());
    return row === undefined ? undefined : fromRow(row);
  }

  /** Entries oldest first. */
  list(filter: { readonly status?: WhitelistStatus | undefined } = {}): WhitelistEntry[] {
    const rows = filter.status === undefined ? this.all.all() : this.byStatus.all(filter.status);
    return rows.map(fromRow);
  }

  /**
   * Entries that are not revoked and name a profile other than `profiles` (an entry without one
   * takes the default profile), by profile, oldest first: those a daemon with only these profiles
   * would refuse when they announce themselves.
   */
  listNamingOtherProfiles(profiles: readonly string[]): WhitelistEntry[] {
    return this.outsideProfiles.all(JSON.stringify(profiles)).map(fromRow);
  }

  /**
   * The entries whose key hash starts with `prefix` (lowercase hex), for commands that accept an
   * abbreviated hash.
   */
  findByPrefix(prefix: string, limit = 2): WhitelistEntry[] {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]*$/.test(p)) return [];
    // Hex has no LIKE/GLOB metacharacters, so the prefix is safe inside the pattern.
    return this.byPrefix.all(`${p}*`, limit).map(fromRow);
  }

  /** Change the status; false when it already had it (then nothing is written). */
  setStatus(keyHash: string, status: WhitelistStatus, actor: string, at = new Date()): boolean {
    const hash = keyHash.toLowerCase();
    return this.db
      .transaction(() => {
        const before = this.mustGet(hash);
        if (before.status === status) return false;
        this.updateStatus.run(status, isoTime(at), hash);
        this.edits++;
        this.audit.append({
          kind: 'whitelist-status',
          keyHash: hash,
          actor,
          at,
          detail: { from: before.status, to: status },
        });
        return true;
      })
      .immediate();
  }

  /** Delete an entry. The device's history and secrets stay (a re-added key gets the same ones). */
  remove(keyHash: string, actor: string, at = new Date()): WhitelistEntry {
    const hash = keyHash.toLowerCase();
    return this.db
      .transaction(() => {
        const before = this.mustGet(hash);
        this.deleteOne.run(hash);
        this.edits++;
        this.audit.append({
          kind: 'whitelist-removed',
          keyHash: hash,
          actor,
          at,
          detail: { status: before.status, label: before.label ?? null },
        });
        return before;
      })
      .immediate();
  }

  /** Set or clear metadata (and status); the audit record lists what changed, from and to. */
  update(keyHash: string, fields: EntryUpdate, actor: string, at = new Date()): WhitelistEntry {
    const hash = keyHash.toLowerCase();
    const params: Record<string, string | number | null> = { keyHash: hash, status: null };
    let any = false;
    for (const name of FIELD_NAMES) {
      const value = fields[name];
      const set = value !== undefined;
      any ||= set;
      params[`set${name[0]!.toUpperCase()}${name.slice(1)}`] = set ? 1 : 0;
      params[name] = set ? checkField(name, value ?? undefined) : null;
    }
    if (fields.status !== undefined) {
      if (!isWhitelistStatus(fields.status)) {
        throw new ConfiguratorError(
          WhitelistErrorCode.WhitelistBadEntry,
          `unknown status ${JSON.stringify(fields.status)}`,
        );
      }
      any = true;
      params['status'] = fields.status;
    }
    return this.db
      .transaction(() => {
        const before = this.mustGet(hash);
        if (!any) return before;
        this.edit.run({ ...params, at: isoTime(at) });
        this.edits++;
        const after = this.mustGet(hash);
        const changes: Record<string, { from: string | null; to: string | null }> = {};
        for (const name of [...FIELD_NAMES, 'status' as const]) {
          const from = before[name] ?? null;
          const to = after[name] ?? null;
          if (from !== to) changes[name] = { from, to };
        }
        this.audit.append({ kind: 'whitelist-updated', keyHash: hash, actor, at, detail: changes });
        return after;
      })
      .immediate();
  }

  /** The device announced itself or started a session (no audit: the daemon logs those). */
  markSeen(keyHash: string, at: Date): void {
    this.seen.run(isoTime(at), keyHash.toLowerCase());
  }

  markProvisioned(keyHash: string, at: Date): void {
    const t = isoTime(at);
    this.provisioned.run(t, t, keyHash.toLowerCase());
  }

  count(): number {
    return this.countAll.get()?.n ?? 0;
  }

  /**
   * Import parsed rows in one transaction with one audit record. A row for a key already on the
   * whitelist counts as unchanged when every value it gives equals the stored one, and is a bad
   * row otherwise: an import never overwrites an entry (a revoked key stays revoked).
   */
  importEntries(rows: readonly ImportRow[], options: ImportOptions): ImportOutcome {
    const at = options.at ?? new Date();
    return this.db
      .transaction((): ImportOutcome => {
        const problems: ImportProblem[] = [];
        const fresh: Normalised[] = [];
        const firstSeen = new Map<string, string>();
        let unchanged = 0;
        for (const row of rows) {
          if ('problem' in row) {
            problems.push({ where: row.where, reason: row.problem });
            continue;
          }
          let n: Normalised;
          try {
            n = normalise(row.entry);
          } catch (e) {
            if (!(e instanceof ConfiguratorError)) throw e;
            problems.push({ where: row.where, reason: e.message });
            continue;
          }
          const earlier = firstSeen.get(n.keyHash);
          if (earlier !== undefined) {
            problems.push({
              where: row.where,
              reason: `duplicate within the file (same key as ${earlier})`,
            });
            continue;
          }
          firstSeen.set(n.keyHash, row.where);
          const existing = this.byHash.get(n.keyHash);
          if (existing === undefined) {
            fresh.push(n);
            continue;
          }
          const conflict = differences(row.entry, n, existing);
          if (conflict === undefined) unchanged++;
          else problems.push({ where: row.where, reason: conflict });
        }
        if (problems.length > 0 && options.skipInvalid !== true) {
          return { applied: false, added: 0, unchanged: 0, problems };
        }
        for (const n of fresh) this.insertEntry(n, at);
        this.audit.append({
          kind: 'whitelist-imported',
          actor: options.actor,
          at,
          detail: {
            source: options.source ?? null,
            added: fresh.length,
            unchanged,
            skipped: problems.length,
          },
        });
        return { applied: true, added: fresh.length, unchanged, problems };
      })
      .immediate();
  }

  private insertEntry(n: Normalised, at: Date): void {
    this.insert.run({ ...n, at: isoTime(at) });
    this.edits++;
  }

  private mustGet(keyHash: string): WhitelistEntry {
    const entry = this.get(keyHash);
    if (entry === undefined) {
      throw new ConfiguratorError(
        WhitelistErrorCode.WhitelistNotFound,
        `not on the whitelist: ${keyHash}`,
      );
    }
    return entry;
  }
}

/**
 * Check an entry before it is stored: the hash format, and when a key is given, that the hash and
 * chirp hash are the key's (recomputed: a caller cannot store a key under another key's hash).
 */
function normalise(entry: NewWhitelistEntry): Normalised {
  const keyHash = entry.keyHash.toLowerCase();
  if (!HASH.test(keyHash)) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      'bad key hash: expected 64 hex digits',
    );
  }
  let chirpHash: string | null = null;
  const publicKey = entry.publicKey ?? null;
  if (publicKey !== null) {
    if (toHex(keyHashOfDer(publicKey)) !== keyHash) {
      throw new ConfiguratorError(
        WhitelistErrorCode.WhitelistBadEntry,
        "the key hash is not the public key's hash",
      );
    }
    chirpHash = toHex(chirpHashOfDer(publicKey));
    if (entry.chirpHash !== undefined && entry.chirpHash.toLowerCase() !== chirpHash) {
      throw new ConfiguratorError(
        WhitelistErrorCode.WhitelistBadEntry,
        "the chirp hash is not the public key's",
      );
    }
  } else if (entry.chirpHash !== undefined || (entry.uri !== undefined && entry.uri !== '')) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      'a chirp hash or URI needs the public key too',
    );
  }
  const status = entry.status ?? 'active';
  if (!isWhitelistStatus(status)) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      `unknown status ${JSON.stringify(status)}`,
    );
  }
  return {
    keyHash,
    publicKey: publicKey === null ? null : new Uint8Array(publicKey),
    chirpHash,
    uri: entry.uri === undefined || entry.uri === '' ? null : entry.uri,
    label: checkField('label', entry.label),
    location: checkField('location', entry.location),
    profile: checkField('profile', entry.profile),
    status,
    notes: checkField('notes', entry.notes),
    createdAt: checkTime('createdAt', entry.createdAt),
    updatedAt: checkTime('updatedAt', entry.updatedAt),
    provisionedAt: checkTime('provisionedAt', entry.provisionedAt),
    lastSeen: checkTime('lastSeen', entry.lastSeen),
  };
}

function checkTime(name: string, value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const iso = parseIsoTime(value);
  if (iso === undefined) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      `bad ${name} ${JSON.stringify(value)}: expected an ISO-8601 UTC time like 2025-01-31T12:00:00.000Z`,
    );
  }
  return iso;
}

function checkField(name: FieldName, value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (name === 'profile') {
    if (!isProfileName(value)) {
      throw new ConfiguratorError(
        WhitelistErrorCode.WhitelistBadEntry,
        `bad profile ${JSON.stringify(value)}: 1 to 64 of A-Z a-z 0-9 _ . -`,
      );
    }
    return value;
  }
  if (value.length > MAX_TEXT) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      `${name} longer than ${MAX_TEXT} characters`,
    );
  }
  // Newlines and tabs are fine in free text; other control characters only garble terminals.
  if ([...value].some(isDisallowedControl)) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      `${name} contains a control character`,
    );
  }
  return value;
}

function isDisallowedControl(c: string): boolean {
  const code = c.codePointAt(0)!;
  return (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || code === 0x7f;
}

/** Why an import row for an existing key is not a repeat of it; undefined when it is. */
function differences(
  given: NewWhitelistEntry,
  n: Normalised,
  row: WhitelistRow,
): string | undefined {
  const differ: string[] = [];
  if (n.publicKey !== null && row.public_key === null) {
    return 'already on the whitelist by hash only: remove it first to add it with its key';
  }
  if (n.uri !== null && n.uri !== row.uri) differ.push('uri');
  for (const name of FIELD_NAMES) {
    const value = n[name];
    if (value !== null && value !== row[name]) differ.push(name);
  }
  if (given.status !== undefined && n.status !== row.status) differ.push('status');
  if (differ.length === 0) return undefined;
  return `already on the whitelist with a different ${differ.join(', ')} (an import never changes an entry)`;
}

function keyForm(n: Normalised): 'uri' | 'key' | 'hash' {
  return n.uri !== null ? 'uri' : n.publicKey !== null ? 'key' : 'hash';
}

function fromRow(row: WhitelistRow): WhitelistEntry {
  if (!isWhitelistStatus(row.status)) {
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreBadRecord,
      `whitelist row ${row.key_hash} has status ${row.status}`,
    );
  }
  return {
    keyHash: row.key_hash,
    ...(row.public_key !== null ? { publicKey: new Uint8Array(row.public_key) } : {}),
    ...(row.chirp_hash !== null ? { chirpHash: row.chirp_hash } : {}),
    ...(row.uri !== null ? { uri: row.uri } : {}),
    ...(row.label !== null ? { label: row.label } : {}),
    ...(row.location !== null ? { location: row.location } : {}),
    ...(row.profile !== null ? { profile: row.profile } : {}),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.provisioned_at !== null ? { provisionedAt: row.provisioned_at } : {}),
    ...(row.last_seen !== null ? { lastSeen: row.last_seen } : {}),
    ...(row.notes !== null ? { notes: row.notes } : {}),
  };
}
