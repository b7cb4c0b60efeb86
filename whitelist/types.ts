/**
 * The records the store keeps, in the camelCase the rest of the code uses. Times are ISO-8601 UTC
 * strings (`2025-01-31T12:00:00.000Z`), hashes 64 lowercase hex digits.
 */

export const WHITELIST_STATUSES = ['active', 'inactive', 'revoked'] as const;
/** active: admitted; inactive: refused until enabled again; revoked: refused for good. */
export type WhitelistStatus = (typeof WHITELIST_STATUSES)[number];

export function isWhitelistStatus(value: string): value is WhitelistStatus {
  return (WHITELIST_STATUSES as readonly string[]).includes(value);
}

export interface WhitelistEntry {
  /** SHA-256 of the bootstrapping key's DER SubjectPublicKeyInfo. */
  readonly keyHash: string;
  /** DER SubjectPublicKeyInfo, when the entry was added by URI or key. */
  readonly publicKey?: Uint8Array;
  /** SHA-256("chirp" ‖ DER), known whenever the key is. */
  readonly chirpHash?: string;
  readonly uri?: string;
  readonly label?: string;
  readonly location?: string;
  /** Configuration profile; absent = the daemon's default profile. */
  readonly profile?: string;
  readonly status: WhitelistStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly provisionedAt?: string;
  readonly lastSeen?: string;
  readonly notes?: string;
}

/** Metadata an admin may set on an entry. */
export interface EntryFields {
  readonly label?: string | undefined;
  readonly location?: string | undefined;
  readonly profile?: string | undefined;
  readonly notes?: string | undefined;
}

/** Edits: a string sets the field, null clears it, absent leaves it alone. */
export type EntryUpdate = { readonly [K in keyof EntryFields]?: string | null } & {
  readonly status?: WhitelistStatus;
};

/**
 * A new entry: exactly one of the key's forms is required (a hash alone, a DER key, or a URI),
 * more than one must agree. Built by resolveKey from what the admin gave.
 */
export interface NewWhitelistEntry extends EntryFields {
  readonly keyHash: string;
  readonly publicKey?: Uint8Array | undefined;
  readonly chirpHash?: string | undefined;
  readonly uri?: string | undefined;
  readonly status?: WhitelistStatus | undefined;
  /** Restored from an export; absent = now (created, updated) or never. ISO-8601 UTC. */
  readonly createdAt?: string | undefined;
  readonly updatedAt?: string | undefined;
  readonly provisionedAt?: string | undefined;
  readonly lastSeen?: string | undefined;
}

export const DEVICE_STATES = [
  'announced',
  'authenticating',
  'configuring',
  'provisioned',
  'connected',
  'failed',
  'refused',
  'interrupted',
] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** States a device's session ends in; the others mean a session is (or was, at a crash) under way. */
export const FINAL_DEVICE_STATES: ReadonlySet<DeviceState> = new Set([
  'provisioned',
  'connected',
  'failed',
  'refused',
  'interrupted',
]);

export const TRANSPORTS = ['espnow', 'tcp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface DeviceRecord {
  readonly keyHash: string;
  readonly state: DeviceState;
  /** Why the device failed or was refused. */
  readonly reason?: string;
  readonly mac?: string;
  readonly transport?: Transport;
  readonly profile?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly stateChangedAt: string;
  /** Sessions in which the device authenticated. */
  readonly attempts: number;
  /** Configurations delivered. */
  readonly provisionedCount: number;
  /** JSON: what the enrollee reported (manufacturer, model, serial, firmware). */
  readonly deviceInfo?: string;
  /** JSON of the Connection Status object (no secrets). */
  readonly connStatus?: string;
  readonly lastError?: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly kind: string;
  readonly keyHash?: string;
  readonly peer?: string;
  readonly reason?: string;
  /** JSON text. */
  readonly detail?: string;
  readonly actor?: string;
}

export interface SecretRecord {
  readonly keyHash: string;
  readonly profile: string;
  readonly createdAt: string;
  /** Opaque JSON written by the daemon. */
  readonly secrets: string;
}
