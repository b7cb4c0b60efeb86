/**
 * The daemon's view of each device it has dealt with: where it is in admission, how often it was
 * tried and provisioned, what it reported. Every write is an upsert, so the daemon never has to
 * ask first whether it has seen a device.
 */
import { ConfiguratorError } from '../protocol/errors.js';
import type { Database } from './database.js';
import { isoTime } from './time.js';
import {
  DEVICE_STATES,
  TRANSPORTS,
  type DeviceRecord,
  type DeviceState,
  type Transport,
} from './types.js';
import { WhitelistErrorCode } from './errors.js';

/** What the daemon may note about a device along with a state change. */
export interface DeviceFields {
  readonly at: Date;
  readonly mac?: string | undefined;
  readonly transport?: Transport | undefined;
  readonly profile?: string | undefined;
}

export interface TransitionFields extends DeviceFields {
  /** Why it failed or was refused; when absent, a change of state clears the old reason. */
  readonly reason?: string | undefined;
  /** JSON text. */
  readonly deviceInfo?: string | undefined;
  /** JSON text of the Connection Status object. */
  readonly connStatus?: string | undefined;
  readonly lastError?: string | undefined;
}

export interface DeviceQuery {
  readonly state?: DeviceState | undefined;
  readonly limit?: number | undefined;
  /** Rows to skip first (paging; with limit). */
  readonly offset?: number | undefined;
}

interface DeviceRow {
  key_hash: string;
  state: DeviceState;
  reason: string | null;
  mac: string | null;
  transport: Transport | null;
  profile: string | null;
  first_seen: string;
  last_seen: string;
  state_changed_at: string;
  attempts: number;
  provisioned_count: number;
  device_info: string | null;
  conn_status: string | null;
  last_error: string | null;
}

/** What is known of a device whose session a crash ended. */
export const INTERRUPTED_DELIVERED =
  'configuration delivered before the daemon stopped; no result heard';
export const INTERRUPTED_UNDELIVERED =
  'the daemon stopped during the session; no configuration delivered';

/** The daemon's writes to a device's row (DeviceStore.apply). */
export type DeviceChange =
  | { readonly kind: 'authenticated'; readonly keyHash: string; readonly fields: DeviceFields }
  | {
      readonly kind: 'delivered';
      readonly keyHash: string;
      readonly fields: DeviceFields & { readonly deviceInfo?: string | undefined };
    }
  | { readonly kind: 'withheld'; readonly keyHash: string; readonly at: Date }
  | {
      readonly kind: 'refused';
      readonly keyHash: string;
      readonly at: Date;
      readonly reason: string;
      readonly keepState: boolean;
    }
  | {
      readonly kind: 'transition';
      readonly keyHash: string;
      readonly state: DeviceState;
      readonly fields: TransitionFields;
    };

/** The two columns admission reads: where the device is, and how often it was given credentials. */
export interface DeviceCounts {
  readonly state: DeviceState;
  readonly provisionedCount: number;
}

/** How the upsert treats a write: keep the stored state or last seen; the increments. */
interface WriteHow {
  readonly keepState?: boolean;
  readonly keepSeen?: boolean;
  readonly attempt?: number;
  readonly delivered?: number;
}

function ruleOf(change: DeviceChange): {
  state: DeviceState;
  fields: TransitionFields;
  how: WriteHow;
} {
  switch (change.kind) {
    case 'authenticated':
      return { state: 'configuring', fields: change.fields, how: { attempt: 1 } };
    case 'delivered':
      return {
        state: 'configuring',
        fields: change.fields,
        how: { delivered: 1, keepState: true },
      };
    case 'withheld':
      return {
        state: 'refused',
        fields: { at: change.at },
        how: { delivered: -1, keepState: true, keepSeen: true },
      };
    case 'refused':
      return {
        state: 'refused',
        fields: { at: change.at, reason: change.reason },
        how: { keepState: change.keepState, keepSeen: true },
      };
    case 'transition':
      return { state: change.state, fields: change.fields, how: {} };
  }
}

/**
 * The state and provisioned count a row has after `change`, from what it had before (undefined:
 * no row yet): the upsert's rule for those two columns, for a reader of writes not yet committed.
 */
export function countsAfter(before: DeviceCounts | undefined, change: DeviceChange): DeviceCounts {
  const { state, how } = ruleOf(change);
  const delivered = how.delivered ?? 0;
  if (before === undefined) return { state, provisionedCount: delivered };
  return {
    state: how.keepState === true ? before.state : state,
    provisionedCount: Math.max(0, before.provisionedCount + delivered),
  };
}

export class DeviceStore {
  private readonly one;
  private readonly countsOf;
  private readonly upsert;
  private readonly stateCounts;

  constructor(private readonly db: Database) {
    this.one = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE key_hash = ?');
    this.countsOf = db.prepare<[string], { state: DeviceState; provisioned_count: number }>(
      'SELECT state, provisioned_count FROM devices WHERE key_hash = ?',
    );
    // One statement for every write: @keepState and @keepSeen keep the stored state and last
    // seen, NULL fields keep the stored value, @attempt and @delivered are the increments. A new
    // attempt always starts the state afresh (its time marks the session's start for recovery).
    this.upsert = db.prepare(
      `INSERT INTO devices (key_hash, state, reason, mac, transport, profile, first_seen, last_seen,
         state_changed_at, attempts, provisioned_count, device_info, conn_status, last_error)
       VALUES (@keyHash, @state, @reason, @mac, @transport, @profile, @at, @at, @at, @attempt,
         @delivered, @deviceInfo, @connStatus, @lastError)
       ON CONFLICT (key_hash) DO UPDATE SET
         state = iif(@keepState, devices.state, excluded.state),
         reason = CASE
           WHEN excluded.reason IS NOT NULL THEN excluded.reason
           WHEN @attempt = 0 AND (@keepState OR devices.state = excluded.state) THEN devices.reason
           ELSE NULL END,
         state_changed_at = iif(@attempt = 0 AND (@keepState OR devices.state = excluded.state),
           devices.state_changed_at, excluded.state_changed_at),
         mac = coalesce(excluded.mac, devices.mac),
         transport = coalesce(excluded.transport, devices.transport),
         profile = coalesce(excluded.profile, devices.profile),
         last_seen = iif(@keepSeen, devices.last_seen, max(devices.last_seen, excluded.last_seen)),
         attempts = devices.attempts + @attempt,
         provisioned_count = max(0, devices.provisioned_count + @delivered),
         device_info = coalesce(excluded.device_info, devices.device_info),
         conn_status = coalesce(excluded.conn_status, devices.conn_status),
         last_error = coalesce(excluded.last_error, devices.last_error)`,
    );
    this.stateCounts = db.prepare<[], { state: DeviceState; n: number }>(
      'SELECT state, count(*) AS n FROM devices GROUP BY state',
    );
  }

  get(keyHash: string): DeviceRecord | undefined {
    const row = this.one.get(keyHash.toLowerCase());
    return row === undefined ? undefined : fromRow(row);
  }

  /** Only what admission reads of the row (the daemon asks once per session). */
  counts(keyHash: string): DeviceCounts | undefined {
    const row = this.countsOf.get(keyHash.toLowerCase());
    return row === undefined
      ? undefined
      : { state: row.state, provisionedCount: row.provisioned_count };
  }

  /** A Presence Announcement: a new device starts as announced; a known one keeps its state. */
  recordAnnounced(keyHash: string, fields: DeviceFields): void {
    this.write(keyHash, 'announced', fields, { keepState: true });
  }

  transition(keyHash: string, state: DeviceState, fields: TransitionFields): void {
    this.apply({ kind: 'transition', keyHash, state, fields });
  }

  /** A session authenticated the device: configuring, attempts + 1. */
  recordAuthenticated(keyHash: string, fields: DeviceFields): void {
    this.apply({ kind: 'authenticated', keyHash, fields });
  }

  /**
   * Credentials went out: provisioned_count + 1, with what the device reported about itself;
   * the state is left to transition().
   */
  recordDelivered(
    keyHash: string,
    fields: DeviceFields & { readonly deviceInfo?: string | undefined },
  ): void {
    this.apply({ kind: 'delivered', keyHash, fields });
  }

  /** A delivery recorded by recordDelivered did not leave after all: provisioned_count - 1. */
  recordWithheld(keyHash: string, at: Date): void {
    this.apply({ kind: 'withheld', keyHash, at });
  }

  /**
   * A whitelisted device was refused (inactive, revoked …): state refused with the reason (only
   * the reason when `keepState`). Its address and last seen stay: a refused announcement proves
   * nothing about who sent it.
   */
  recordRefused(
    keyHash: string,
    fields: { readonly at: Date; readonly reason: string; readonly keepState: boolean },
  ): void {
    this.apply({ kind: 'refused', keyHash, ...fields });
  }

  /** One of the daemon's writes (the record… methods and transition() are its named forms). */
  apply(change: DeviceChange): void {
    const { state, fields, how } = ruleOf(change);
    this.write(change.keyHash, state, fields, how);
  }

  /**
   * After a daemon ended without its shutdown (killed, power lost), its sessions' devices are left
   * mid-session. Each is closed as interrupted, with what is known: whether its configuration
   * had been delivered (the delivery is on disk before the bytes leave) and nothing heard after.
   * A device that did not apply it announces again and is admitted as usual. Only for a data dir
   * no running daemon uses.
   */
  recoverInterrupted(at: Date = new Date()): { delivered: string[]; undelivered: string[] } {
    const when = isoTime(at);
    const interrupted = this.db
      .prepare<[], { key_hash: string; delivered: number }>(
        `SELECT key_hash, EXISTS (SELECT 1 FROM audit a WHERE a.key_hash = devices.key_hash
            AND a.kind = 'configuration-delivered' AND a.at >= devices.state_changed_at) AS delivered
         FROM devices WHERE state IN ('authenticating', 'configuring')`,
      )
      .all();
    const delivered = interrupted.filter((d) => d.delivered === 1).map((d) => d.key_hash);
    const undelivered = interrupted.filter((d) => d.delivered !== 1).map((d) => d.key_hash);
    this.db.transaction(() => {
      for (const keyHash of delivered)
        this.transition(keyHash, 'interrupted', {
          at,
          reason: `${INTERRUPTED_DELIVERED} (recovered ${when})`,
        });
      for (const keyHash of undelivered)
        this.transition(keyHash, 'interrupted', {
          at,
          reason: `${INTERRUPTED_UNDELIVERED} (recovered ${when})`,
        });
    })();
    return { delivered, undelivered };
  }

  /** Devices, most recently seen first. */
  list(query: DeviceQuery = {}): DeviceRecord[] {
    const args: (string | number)[] = [];
    let sql = 'SELECT * FROM devices';
    if (query.state !== undefined) {
      sql += ' WHERE state = ?';
      args.push(query.state);
    }
    sql += ' ORDER BY last_seen DESC, key_hash';
    if (query.limit !== undefined || query.offset !== undefined) {
      sql += ' LIMIT ? OFFSET ?';
      args.push(query.limit === undefined ? -1 : Math.max(0, Math.trunc(query.limit)));
      args.push(Math.max(0, Math.trunc(query.offset ?? 0)));
    }
    return this.db
      .prepare<(string | number)[], DeviceRow>(sql)
      .all(...args)
      .map(fromRow);
  }

  countsByState(): Record<DeviceState, number> {
    const counts = Object.fromEntries(DEVICE_STATES.map((s) => [s, 0])) as Record<
      DeviceState,
      number
    >;
    for (const { state, n } of this.stateCounts.all()) counts[state] = n;
    return counts;
  }

  private write(
    keyHash: string,
    state: DeviceState,
    fields: TransitionFields,
    how: WriteHow,
  ): void {
    if (!DEVICE_STATES.includes(state)) {
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreBadRecord,
        `unknown device state ${JSON.stringify(state)}`,
      );
    }
    if (fields.transport !== undefined && !TRANSPORTS.includes(fields.transport)) {
      throw new ConfiguratorError(
        WhitelistErrorCode.StoreBadRecord,
        `unknown transport ${JSON.stringify(fields.transport)}`,
      );
    }
    this.upsert.run({
      keyHash: keyHash.toLowerCase(),
      state,
      reason: fields.reason ?? null,
      mac: fields.mac ?? null,
      transport: fields.transport ?? null,
      profile: fields.profile ?? null,
      at: isoTime(fields.at),
      attempt: how.attempt ?? 0,
      delivered: how.delivered ?? 0,
      keepState: how.keepState === true ? 1 : 0,
      keepSeen: how.keepSeen === true ? 1 : 0,
      deviceInfo: json('deviceInfo', fields.deviceInfo),
      connStatus: json('connStatus', fields.connStatus),
      lastError: fields.lastError ?? null,
    });
  }
}

/** JSON columns hold what a device reported: check it parses so a reader never chokes on it. */
function json(name: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  try {
    JSON.parse(text);
  } catch {
    throw new ConfiguratorError(WhitelistErrorCode.StoreBadRecord, `${name} is not valid JSON`);
  }
  return text;
}

function fromRow(row: DeviceRow): DeviceRecord {
  return {
    keyHash: row.key_hash,
    state: row.state,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.mac !== null ? { mac: row.mac } : {}),
    ...(row.transport !== null ? { transport: row.transport } : {}),
    ...(row.profile !== null ? { profile: row.profile } : {}),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    stateChangedAt: row.state_changed_at,
    attempts: row.attempts,
    provisionedCount: row.provisioned_count,
    ...(row.device_info !== null ? { deviceInfo: row.device_info } : {}),
    ...(row.conn_status !== null ? { connStatus: row.conn_status } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  };
}
