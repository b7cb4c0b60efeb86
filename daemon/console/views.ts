/**
 * What the API shows of each record, as zod schemas: they validate the routes' answers and
 * describe them in the OpenAPI document. Only the fields listed here leave the daemon (zod drops
 * the rest), and none of them is a secret: the secrets table is never read by the console.
 */
import { z } from 'zod';
import { DEVICE_STATES, TRANSPORTS, WHITELIST_STATUSES } from '../../whitelist/types.js';
import type { AuditEntry, DeviceRecord, WhitelistEntry } from '../../whitelist/types.js';
import { UNLISTED_TRANSPORTS, type UnlistedDevice } from '../../whitelist/unlisted-store.js';

export const errorView = z.object({ error: z.string() }).loose();

export const keyHashParam = z.object({
  hash: z
    .string()
    .regex(/^[0-9a-fA-F]{8,64}$/, 'a key hash: 64 hex digits, or a unique prefix of at least 8'),
});

export const entryView = z.object({
  keyHash: z.string(),
  chirpHash: z.string().optional(),
  uri: z.string().optional(),
  /** DER SubjectPublicKeyInfo, base64. */
  publicKey: z.string().optional(),
  status: z.enum(WHITELIST_STATUSES),
  profile: z.string().optional(),
  label: z.string().optional(),
  location: z.string().optional(),
  notes: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  provisionedAt: z.string().optional(),
  lastSeen: z.string().optional(),
});
export type EntryView = z.infer<typeof entryView>;

export function toEntryView(e: WhitelistEntry): EntryView {
  return {
    keyHash: e.keyHash,
    chirpHash: e.chirpHash,
    uri: e.uri,
    publicKey: e.publicKey === undefined ? undefined : Buffer.from(e.publicKey).toString('base64'),
    status: e.status,
    profile: e.profile,
    label: e.label,
    location: e.location,
    notes: e.notes,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    provisionedAt: e.provisionedAt,
    lastSeen: e.lastSeen,
  };
}

export const deviceView = z.object({
  keyHash: z.string(),
  state: z.enum(DEVICE_STATES),
  reason: z.string().optional(),
  mac: z.string().optional(),
  transport: z.enum(TRANSPORTS).optional(),
  profile: z.string().optional(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  stateChangedAt: z.string(),
  attempts: z.number(),
  provisionedCount: z.number(),
  /** What the device said about itself (manufacturer, model, serial …). */
  deviceInfo: z.record(z.string(), z.unknown()).optional(),
  /** Its Connection Status Result (no secrets: channel, SSID, result). */
  connStatus: z.record(z.string(), z.unknown()).optional(),
  lastError: z.string().optional(),
  label: z.string().optional(),
});
export type DeviceView = z.infer<typeof deviceView>;

function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return undefined;
  }
}

export function toDeviceView(d: DeviceRecord, label?: string): DeviceView {
  return {
    keyHash: d.keyHash,
    state: d.state,
    reason: d.reason,
    mac: d.mac,
    transport: d.transport,
    profile: d.profile,
    firstSeen: d.firstSeen,
    lastSeen: d.lastSeen,
    stateChangedAt: d.stateChangedAt,
    attempts: d.attempts,
    provisionedCount: d.provisionedCount,
    deviceInfo: jsonObject(d.deviceInfo),
    connStatus: jsonObject(d.connStatus),
    lastError: d.lastError,
    label,
  };
}

export const auditView = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  keyHash: z.string().optional(),
  peer: z.string().optional(),
  reason: z.string().optional(),
  detail: z.unknown().optional(),
  actor: z.string().optional(),
});
export type AuditView = z.infer<typeof auditView>;

export function toAuditView(a: AuditEntry): AuditView {
  let detail: unknown;
  if (a.detail !== undefined) {
    try {
      detail = JSON.parse(a.detail);
    } catch {
      detail = a.detail;
    }
  }
  return {
    id: a.id,
    at: a.at,
    kind: a.kind,
    keyHash: a.keyHash,
    peer: a.peer,
    reason: a.reason,
    detail,
    actor: a.actor,
  };
}

export const unlistedView = z.object({
  /** The key hash when the key was announced, else the chirp hash: what identifies the row. */
  id: z.string(),
  keyHash: z.string().optional(),
  chirpHash: z.string().optional(),
  /** A DPP URI of the announced key, for an admin to check against the device's label. */
  uri: z.string().optional(),
  address: z.string(),
  rssi: z.number().optional(),
  transport: z.enum(UNLISTED_TRANSPORTS),
  /** The radio that heard it: a bridge's serial port, a Bluetooth adapter. */
  heardBy: z.string().optional(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number(),
});
export type UnlistedView = z.infer<typeof unlistedView>;

export function toUnlistedView(u: UnlistedDevice, uri: string | undefined): UnlistedView {
  return {
    id: u.keyHash ?? u.chirpHash ?? '',
    keyHash: u.keyHash,
    chirpHash: u.chirpHash,
    uri,
    address: u.address,
    rssi: u.rssi,
    transport: u.transport,
    heardBy: u.heardBy,
    firstSeen: u.firstSeen,
    lastSeen: u.lastSeen,
    count: u.count,
  };
}
