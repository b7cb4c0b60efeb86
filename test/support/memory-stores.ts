/** In-memory implementations of the engine's storage ports, for engine tests without SQLite. */
import { toHex } from '../../protocol/bytes.js';
import type { BootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { bootstrapKeyHash, chirpHash } from '../../protocol/dpp/bootstrap-key.js';
import type {
  AuditPort,
  AuditRecord,
  DeviceInfoFields,
  DevicePort,
  SecretPort,
  UnlistedPort,
  WhitelistPort,
  WhitelistView,
} from '../../daemon/engine/ports.js';
import type { DeviceState, WhitelistStatus } from '../../whitelist/types.js';
import type { Stores } from '../../daemon/service/daemon.js';
import type { Clock, Timer } from '../../protocol/clock.js';

interface Entry extends WhitelistView {
  chirpHash?: string;
  status: WhitelistStatus;
}

export interface MemoryDevice {
  state: DeviceState;
  provisionedCount: number;
  attempts: number;
  /** Where and when a session last authenticated it. */
  address?: string | undefined;
  lastSeen?: Date | undefined;
  reason?: string | undefined;
  deviceInfo?: string | undefined;
  connStatus?: string | undefined;
}

export class MemoryStores implements Stores {
  readonly entries = new Map<string, Entry>();
  readonly deviceRecords = new Map<string, MemoryDevice>();
  readonly auditRecords: AuditRecord[] = [];
  /** Devices refused as unknown, by key hash or chirp hash: how often, and the last sighting. */
  readonly unlistedRecords = new Map<
    string,
    { count: number; address: string; rssi?: number; heardBy?: string }
  >();
  readonly secretRecords = new Map<string, string>();
  closed = false;
  /** How many audit records had been appended at the last commit (what a crash would keep). */
  committedAuditRecords = 0;

  addKey(
    key: BootstrapKey,
    fields: { status?: WhitelistStatus; profile?: string; byHashOnly?: boolean } = {},
  ): string {
    const keyHash = toHex(bootstrapKeyHash(key));
    this.entries.set(keyHash, {
      keyHash,
      publicKey: fields.byHashOnly ? undefined : key.der,
      chirpHash: fields.byHashOnly ? undefined : toHex(chirpHash(key)),
      status: fields.status ?? 'active',
      profile: fields.profile,
    });
    return keyHash;
  }

  setStatus(keyHash: string, status: WhitelistStatus): void {
    const e = this.entries.get(keyHash);
    if (e) e.status = status;
  }

  readonly whitelist: WhitelistPort = {
    get: (h) => {
      const e = this.entries.get(h);
      return e === undefined ? undefined : { ...e };
    },
    findByChirpHash: (c) => [...this.entries.values()].find((e) => e.chirpHash === c),
    markSeen: () => {},
    markProvisioned: () => {},
  };

  findWhitelistByPrefix(prefix: string, limit: number): WhitelistView[] {
    return [...this.entries.values()]
      .filter((e) => e.keyHash.startsWith(prefix))
      .sort((a, b) => a.keyHash.localeCompare(b.keyHash))
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }

  hasUnlistedKeyWithPrefix(prefix: string): boolean {
    return [...this.unlistedRecords.keys()].some((id) => id.startsWith(prefix));
  }

  private device(keyHash: string): MemoryDevice {
    let d = this.deviceRecords.get(keyHash);
    if (d === undefined) {
      d = { state: 'announced', provisionedCount: 0, attempts: 0 };
      this.deviceRecords.set(keyHash, d);
    }
    return d;
  }

  readonly devices: DevicePort = {
    get: (h) => this.deviceRecords.get(h),
    authenticated: (h, info) => {
      const d = this.device(h);
      d.attempts++;
      d.state = 'configuring';
      d.address = info.address;
      d.lastSeen = info.at;
    },
    setState: (h, state, _at, fields: DeviceInfoFields = {}) => {
      const d = this.device(h);
      d.state = state;
      if ('reason' in fields) d.reason = fields.reason;
      if (fields.deviceInfo !== undefined) d.deviceInfo = fields.deviceInfo;
      if (fields.connStatus !== undefined) d.connStatus = fields.connStatus;
    },
    delivered: (h, _at, fields = {}) => {
      const d = this.device(h);
      d.provisionedCount++;
      if (fields.deviceInfo !== undefined) d.deviceInfo = fields.deviceInfo;
    },
    withheld: (h) => {
      const d = this.device(h);
      d.provisionedCount = Math.max(0, d.provisionedCount - 1);
    },
    refused: (h, { reason, keepState }) => {
      const d = this.device(h);
      if (!keepState) d.state = 'refused';
      d.reason = reason;
    },
  };

  readonly unlisted: UnlistedPort = {
    heard: (s) => {
      const id = s.keyHash ?? s.chirpHash;
      if (id === undefined) return;
      const before = this.unlistedRecords.get(id);
      this.unlistedRecords.set(id, {
        count: (before?.count ?? 0) + 1,
        address: s.address,
        ...(s.rssi !== undefined ? { rssi: s.rssi } : {}),
        ...(s.heardBy !== undefined ? { heardBy: s.heardBy } : {}),
      });
    },
  };

  readonly audit: AuditPort = { append: (r) => void this.auditRecords.push(r) };

  readonly secrets: SecretPort = {
    getOrCreate: (h, _profile, generate) => {
      const existing = this.secretRecords.get(h);
      if (existing !== undefined) return { secrets: existing, created: false };
      const s = generate();
      this.secretRecords.set(h, s);
      return { secrets: s, created: true };
    },
  };

  /** Called at each commit before its waiters (a test's admin edit racing the commit). */
  onCommit: (() => void) | undefined;
  /**
   * Group commits as the SQLite stores do: afterCommit waits for the window (on this clock)
   * unless something commits first. Without it, afterCommit commits at once.
   */
  groupCommit: { readonly windowMs: number; readonly clock: Clock } | undefined;
  /** Commits that happened because a window ran out (a waiter waited for it). */
  windowCommits = 0;
  private waiters: ((ok: boolean) => void)[] = [];
  private window: Timer | undefined;

  commit(): void {
    this.onCommit?.();
    this.committedAuditRecords = this.auditRecords.length;
    this.window?.cancel();
    this.window = undefined;
    for (const then of this.waiters.splice(0)) then(!this.failCommits);
  }

  /** Writes fail from now on as far as afterCommit is concerned (a full disk). */
  failCommits = false;

  afterCommit(then: (ok: boolean) => void): void {
    if (this.groupCommit !== undefined) {
      this.waiters.push(then);
      this.window ??= this.groupCommit.clock.setTimer(this.groupCommit.windowMs, () => {
        this.window = undefined;
        this.windowCommits++;
        this.commit();
      });
      return;
    }
    if (!this.failCommits) this.commit();
    queueMicrotask(() => then(!this.failCommits));
  }

  close(): void {
    this.closed = true;
  }
}
