/**
 * The engine's storage ports on the SQLite stores of whitelist/: one database file in the data
 * dir, shared with the admin commands (WAL), so an admin's edit is seen by the next lookup.
 * The engine's own writes are grouped per event-loop turn (group-commit.ts); lookups are direct.
 */
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import {
  countsAfter,
  DeviceStore,
  INTERRUPTED_DELIVERED,
  INTERRUPTED_UNDELIVERED,
  type DeviceChange,
} from '../../whitelist/device-store.js';
import { SecretStore } from '../../whitelist/secret-store.js';
import { WhitelistStore } from '../../whitelist/whitelist-store.js';
import {
  UnlistedStore,
  unlistedId,
  type UnlistedSighting,
} from '../../whitelist/unlisted-store.js';
import type { DevicePort, UnlistedPort } from '../engine/ports.js';
import type { Stores } from './daemon.js';
import { GroupCommit, type GroupCommitLog } from './group-commit.js';
import { WhitelistViews } from './whitelist-views.js';
import { KeyedThrottle } from '../engine/keyed-throttle.js';
import { readDaemonState } from './state-file.js';
import type { Logger } from 'pino';

export interface SqliteStores extends Stores {
  readonly db: Database;
  readonly whitelistStore: WhitelistStore;
  readonly deviceStore: DeviceStore;
  readonly auditLog: AuditLog;
  readonly secretStore: SecretStore;
  readonly unlistedStore: UnlistedStore;
  readonly writes: GroupCommit;
}

const STDERR_LOG: GroupCommitLog = {
  error: (obj, msg) => process.stderr.write(`${msg}: ${JSON.stringify(obj)}\n`),
};

/**
 * A waiting device announces about once a second; its whitelist entry's last_seen needs to be
 * right to the minute, not rewritten on every announcement (a write each, docs/benchmarks.md).
 */
export const LAST_SEEN_RESOLUTION_MS = 30_000;
const LAST_SEEN_TRACKED_MAX = 4096;

export function openStores(dataDir: string, log: GroupCommitLog = STDERR_LOG): SqliteStores {
  const db = openDatabase(dataDir);
  const writes = new GroupCommit(db, log);
  const whitelistStore = new WhitelistStore(db);
  const deviceStore = new DeviceStore(db);
  const auditLog = new AuditLog(db);
  const secretStore = new SecretStore(db);
  const lastSeen = new KeyedThrottle(LAST_SEEN_RESOLUTION_MS, LAST_SEEN_TRACKED_MAX);
  const whitelistViews = new WhitelistViews(whitelistStore, db);
  // Device writes queued for the next commit, per key. A read of a device with some applies them
  // to its stored row instead of committing first: a device served again at once (or read by
  // admission while its last session's outcome waits for the commit) costs no commit of its own.
  const queued = new Map<string, DeviceChange[]>();
  const queue = (what: string, change: DeviceChange): void => {
    const key = change.keyHash.toLowerCase();
    const changes = queued.get(key);
    if (changes !== undefined) changes.push(change);
    else {
      if (queued.size === 0) writes.afterCommit(() => queued.clear());
      queued.set(key, [change]);
    }
    writes.defer(what, () => deviceStore.apply(change));
  };
  const devices: DevicePort = {
    get: (keyHash) => {
      const stored = deviceStore.counts(keyHash);
      const changes = queued.get(keyHash.toLowerCase());
      return changes === undefined ? stored : changes.reduce(countsAfter, stored);
    },
    authenticated: (keyHash, info) =>
      queue('device authenticated', {
        kind: 'authenticated',
        keyHash,
        fields: {
          at: info.at,
          mac: info.transport === 'espnow' ? info.address : undefined,
          transport: info.transport,
          profile: info.profile,
        },
      }),
    setState: (keyHash, state, at, fields = {}) =>
      queue(`device ${state}`, { kind: 'transition', keyHash, state, fields: { at, ...fields } }),
    delivered: (keyHash, at, fields = {}) =>
      queue('device delivered', {
        kind: 'delivered',
        keyHash,
        fields: { at, deviceInfo: fields.deviceInfo },
      }),
    withheld: (keyHash, at) => queue('device withheld', { kind: 'withheld', keyHash, at }),
    refused: (keyHash, refusal, at) =>
      queue('device refused', {
        kind: 'refused',
        keyHash,
        at,
        reason: refusal.reason,
        keepState: refusal.keepState,
      }),
  };
  const unlistedStore = new UnlistedStore(db);
  // Sightings between two commits are summed per device: one row write per device per commit,
  // however often it announces.
  const sightings = new Map<string, UnlistedSighting>();
  const unlisted: UnlistedPort = {
    heard: (s) => {
      const id = unlistedId(s);
      if (id === undefined) return;
      const before = sightings.get(id);
      sightings.set(id, {
        ...s,
        publicKey: s.publicKey ?? before?.publicKey,
        uri: s.uri ?? before?.uri,
        firstAt: before?.firstAt ?? before?.at ?? s.at,
        count: (before?.count ?? 0) + 1,
      });
      if (before !== undefined || sightings.size > 1) return;
      let batch: UnlistedSighting[] | undefined;
      writes.defer('devices heard but not listed', () => {
        // Taken once: a failed grouped commit runs this again on its own.
        if (batch === undefined) {
          batch = [...sightings.values()];
          sightings.clear();
        }
        unlistedStore.record(batch);
      });
    },
  };
  return {
    db,
    whitelistStore,
    unlistedStore,
    unlisted,
    deviceStore,
    auditLog,
    secretStore,
    writes,
    whitelist: {
      get: (keyHash) => whitelistViews.get(keyHash),
      findByChirpHash: (chirpHash) => whitelistViews.findByChirpHash(chirpHash),
      markSeen: (keyHash, at) => {
        if (!lastSeen.due(keyHash, at.getTime())) return;
        writes.defer('whitelist last seen', () => whitelistStore.markSeen(keyHash, at));
      },
      markProvisioned: (keyHash, at) =>
        writes.defer('whitelist provisioned', () => whitelistStore.markProvisioned(keyHash, at)),
    },
    findWhitelistByPrefix: (prefix, limit) => whitelistStore.findByPrefix(prefix, limit),
    hasUnlistedKeyWithPrefix: (prefix) =>
      unlistedStore.hasKeyWithPrefix(prefix) ||
      // Sightings not yet committed count too.
      [...sightings.values()].some(
        (s) =>
          (s.publicKey !== undefined || s.uri !== undefined) &&
          s.keyHash?.toLowerCase().startsWith(prefix.toLowerCase()) === true,
      ),
    devices,
    audit: {
      append: (r) =>
        writes.defer(`audit ${r.kind}`, () => void auditLog.append({ actor: 'daemon', ...r })),
    },
    secrets: secretStore,
    commit: () => writes.commit(),
    afterCommit: (then) => writes.afterCommit(then),
    close: () => {
      writes.commit();
      db.close();
    },
  };
}

/**
 * Devices left mid-session by a daemon that ended without its shutdown (whitelist/device-store.ts
 * says what becomes of them), each with an audit record. Skipped while another daemon runs on this
 * data dir: those sessions are its own and alive.
 */
export function recoverInterruptedSessions(
  dataDir: string,
  stores: SqliteStores,
  log: Pick<Logger, 'warn' | 'info'>,
): void {
  const other = readDaemonState(dataDir);
  if (other !== undefined && other.pid !== process.pid) {
    log.warn(
      { pid: other.pid },
      'another daemon runs on this data dir: its sessions are left alone',
    );
    return;
  }
  const at = new Date();
  const { delivered, undelivered } = stores.deviceStore.recoverInterrupted(at);
  if (delivered.length + undelivered.length === 0) return;
  stores.auditLog.appendMany([
    ...delivered.map((keyHash) => ({
      kind: 'interrupted',
      keyHash,
      actor: 'daemon',
      reason: INTERRUPTED_DELIVERED,
      at,
    })),
    ...undelivered.map((keyHash) => ({
      kind: 'interrupted',
      keyHash,
      actor: 'daemon',
      reason: INTERRUPTED_UNDELIVERED,
      at,
    })),
  ]);
  log.info(
    { delivered: delivered.length, undelivered: undelivered.length },
    'closed the sessions a daemon that did not shut down left in flight: interrupted',
  );
}
