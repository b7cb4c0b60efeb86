/**
 * Devices heard but not listed: every peer refused as unknown, one row per key (or per chirp hash
 * when its announcement carried no key), with where and how often it was heard. An admin looks
 * here for a device that should have been whitelisted; nothing here is ever trusted or admitted
 * on its own. Bounded: the least recently heard rows go first.
 */
import { parseBootstrapKey } from '../protocol/dpp/bootstrap-key.js';
import { dppUriOfKey } from '../protocol/dpp/uri.js';
import { attempt } from '../protocol/errors.js';
import type { Database } from './database.js';
import { isoTime } from './time.js';
import type { Transport } from './types.js';

/** How an unlisted device was heard: a transport we serve on, or Bluetooth LE discovery. */
export const UNLISTED_TRANSPORTS = ['espnow', 'tcp', 'ble'] as const;
export type UnlistedTransport = Transport | 'ble';

/** Rows kept at most: a flood of made-up keys must not grow the file without bound. */
export const UNLISTED_MAX = 1000;

export interface UnlistedSighting {
  /** The key hash when known (the key was announced, or a TCP peer named it). */
  readonly keyHash?: string | undefined;
  /** The chirp hash of an announcement. */
  readonly chirpHash?: string | undefined;
  /** DER SubjectPublicKeyInfo, when the announcement carried it. */
  readonly publicKey?: Uint8Array | undefined;
  /** The DPP URI as the device gave it, when a carrier brought the whole URI (Bluetooth LE). */
  readonly uri?: string | undefined;
  readonly address: string;
  readonly rssi?: number | undefined;
  readonly transport: UnlistedTransport;
  /** The radio that heard it: a bridge's serial port, a Bluetooth adapter; none for TCP. */
  readonly heardBy?: string | undefined;
  /** The latest sighting. */
  readonly at: Date;
  /** The earliest of the sightings summed here, when more than one. */
  readonly firstAt?: Date | undefined;
  /** Times heard since the last write (the daemon sums them between commits). */
  readonly count: number;
}

export interface UnlistedDevice {
  readonly keyHash?: string;
  readonly chirpHash?: string;
  readonly publicKey?: Uint8Array;
  readonly uri?: string;
  readonly address: string;
  readonly rssi?: number;
  readonly transport: UnlistedTransport;
  readonly heardBy?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
}

interface UnlistedRow {
  key_hash: string | null;
  chirp_hash: string | null;
  public_key: Uint8Array | null;
  uri: string | null;
  address: string;
  rssi: number | null;
  transport: UnlistedTransport;
  heard_by: string | null;
  first_seen: string;
  last_seen: string;
  count: number;
}

/** The row's identity: the key hash if known, else the chirp hash. */
export function unlistedId(s: Pick<UnlistedSighting, 'keyHash' | 'chirpHash'>): string | undefined {
  return (s.keyHash ?? s.chirpHash)?.toLowerCase();
}

export class UnlistedStore {
  private readonly upsert;
  private readonly trim;
  private readonly total;

  constructor(
    private readonly db: Database,
    private readonly max = UNLISTED_MAX,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO unlisted (id, key_hash, chirp_hash, public_key, uri, address, rssi, transport,
         heard_by, first_seen, last_seen, count)
       VALUES (@id, @keyHash, @chirpHash, @publicKey, @uri, @address, @rssi, @transport,
         @heardBy, @firstAt, @at, @count)
       ON CONFLICT (id) DO UPDATE SET
         key_hash = coalesce(excluded.key_hash, unlisted.key_hash),
         chirp_hash = coalesce(excluded.chirp_hash, unlisted.chirp_hash),
         public_key = coalesce(excluded.public_key, unlisted.public_key),
         uri = coalesce(excluded.uri, unlisted.uri),
         address = excluded.address,
         rssi = excluded.rssi,
         transport = excluded.transport,
         heard_by = excluded.heard_by,
         last_seen = max(unlisted.last_seen, excluded.last_seen),
         count = unlisted.count + excluded.count`,
    );
    this.trim = db.prepare(
      `DELETE FROM unlisted WHERE id IN (
         SELECT id FROM unlisted ORDER BY last_seen DESC, id LIMIT -1 OFFSET ?)`,
    );
    this.total = db.prepare<[], { n: number; heard: number | null }>(
      'SELECT count(*) AS n, sum(count) AS heard FROM unlisted',
    );
  }

  /** Note sightings (one transaction is the caller's), then drop the oldest beyond the bound. */
  record(sightings: Iterable<UnlistedSighting>): void {
    for (const s of sightings) {
      const id = unlistedId(s);
      if (id === undefined) continue;
      this.upsert.run({
        id,
        keyHash: s.keyHash?.toLowerCase() ?? null,
        chirpHash: s.chirpHash?.toLowerCase() ?? null,
        publicKey: s.publicKey ?? null,
        uri: s.uri ?? null,
        address: s.address,
        rssi: s.rssi ?? null,
        transport: s.transport,
        heardBy: s.heardBy ?? null,
        at: isoTime(s.at),
        firstAt: isoTime(s.firstAt ?? s.at),
        count: s.count,
      });
    }
    this.trim.run(this.max);
  }

  /** Most recently heard first. */
  list(options: { limit?: number | undefined } = {}): UnlistedDevice[] {
    const limit = options.limit === undefined ? -1 : Math.max(0, Math.trunc(options.limit));
    return this.db
      .prepare<[number], UnlistedRow>('SELECT * FROM unlisted ORDER BY last_seen DESC, id LIMIT ?')
      .all(limit)
      .map(fromRow);
  }

  /** One row by its id (the key hash, else the chirp hash). */
  get(id: string): UnlistedDevice | undefined {
    const row = this.db
      .prepare<[string], UnlistedRow>('SELECT * FROM unlisted WHERE id = ?')
      .get(id.toLowerCase());
    return row === undefined ? undefined : fromRow(row);
  }

  /** Whether a row whose key is known (announced, or given in a URI) has a key hash starting with `prefix` (hex). */
  hasKeyWithPrefix(prefix: string): boolean {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]+$/.test(p)) return false;
    // Hex has no GLOB metacharacters; GLOB on the primary key uses its index.
    return (
      this.db
        .prepare<[string], { one: number }>(
          `SELECT 1 AS one FROM unlisted WHERE id GLOB ? AND key_hash IS NOT NULL
             AND (public_key IS NOT NULL OR uri IS NOT NULL) LIMIT 1`,
        )
        .get(`${p}*`) !== undefined
    );
  }

  /** Drop a row (its device is on the whitelist now). */
  forget(id: string): void {
    this.db.prepare('DELETE FROM unlisted WHERE id = ?').run(id.toLowerCase());
  }

  /** Devices in the table, and how often they were heard in all. */
  totals(): { devices: number; heard: number } {
    const row = this.total.get();
    return { devices: row?.n ?? 0, heard: row?.heard ?? 0 };
  }
}

function fromRow(row: UnlistedRow): UnlistedDevice {
  return {
    ...(row.key_hash !== null ? { keyHash: row.key_hash } : {}),
    ...(row.chirp_hash !== null ? { chirpHash: row.chirp_hash } : {}),
    ...(row.public_key !== null ? { publicKey: new Uint8Array(row.public_key) } : {}),
    ...(row.uri !== null ? { uri: row.uri } : {}),
    address: row.address,
    ...(row.rssi !== null ? { rssi: row.rssi } : {}),
    transport: row.transport,
    ...(row.heard_by !== null ? { heardBy: row.heard_by } : {}),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    count: row.count,
  };
}

/**
 * What an admin needs to add an unlisted device whose key was announced: a DPP URI of the key.
 * None for a key that is not a P-256 point (an announcement's key is hashed, never parsed).
 */
export function uriOfAnnouncedKey(publicKey: Uint8Array | undefined): string | undefined {
  if (publicKey === undefined) return undefined;
  const key = attempt(() => parseBootstrapKey(publicKey));
  if (!key.ok) return undefined;
  return dppUriOfKey(key.value);
}

/** The URI to show for an unlisted device: the one it gave (Bluetooth LE), else one of its key. */
export function uriOfUnlisted(d: Pick<UnlistedDevice, 'uri' | 'publicKey'>): string | undefined {
  return d.uri ?? uriOfAnnouncedKey(d.publicKey);
}
