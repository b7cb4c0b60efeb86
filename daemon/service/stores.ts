/**
 * The engine's storage ports on the SQLite stores of whitelist/: one database file in the data
 * dir, shared with the admin commands (WAL), so an admin's edit is seen by the next lookup.
 */
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import { DeviceStore } from '../../whitelist/device-store.js';
import { SecretStore } from '../../whitelist/secret-store.js';
import { WhitelistStore } from '../../whitelist/whitelist-store.js';
import type { Transport } from '../../whitelist/types.js';
import type { DevicePort } from '../engine/ports.js';
import type { Stores } from './daemon.js';

export interface SqliteStores extends Stores {
  readonly db: Database;
  readonly whitelistStore: WhitelistStore;
  readonly deviceStore: DeviceStore;
  readonly auditLog: AuditLog;
  readonly secretStore: SecretStore;
}

function transportOf(t: string): Transport {
  return t === 'tcp' ? 'tcp' : 'espnow';
}

export function openStores(dataDir: string): SqliteStores {
  const db = openDatabase(dataDir);
  const whitelistStore = new WhitelistStore(db);
  const deviceStore = new DeviceStore(db);
  const auditLog = new AuditLog(db);
  const secretStore = new SecretStore(db);
  const devices: DevicePort = {
    get: (keyHash) => deviceStore.get(keyHash),
    sessionStarted: (keyHash, info) =>
      deviceStore.startAttempt(keyHash, {
        at: info.at,
        mac: info.transport === 'espnow' ? info.address : undefined,
        transport: transportOf(info.transport),
        profile: info.profile,
      }),
    setState: (keyHash, state, at, fields = {}) =>
      deviceStore.transition(keyHash, state, { at, ...fields }),
    delivered: (keyHash, at) => deviceStore.recordDelivered(keyHash, { at }),
    refused: (keyHash, address, transport, reason, at) =>
      deviceStore.recordRefused(keyHash, {
        at,
        reason,
        mac: transport === 'espnow' ? address : undefined,
        transport: transportOf(transport),
      }),
  };
  return {
    db,
    whitelistStore,
    deviceStore,
    auditLog,
    secretStore,
    whitelist: whitelistStore,
    devices,
    audit: { append: (r) => void auditLog.append({ actor: 'daemon', ...r }) },
    secrets: secretStore,
    close: () => db.close(),
  };
}
