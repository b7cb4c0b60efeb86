/**
 * What the session engine needs from storage, as narrow interfaces: the SQLite stores implement
 * them in production (daemon/service/stores.ts), tests may hand in anything that behaves the same.
 * Every call is synchronous. Reads see every earlier write; writes may be grouped and become
 * durable at the end of the turn, or at once when the engine calls `commit` (it does before
 * credentials leave), so a crash loses at most the writes of the current turn.
 */
import type { DeviceState, Transport, WhitelistStatus } from '../../whitelist/types.js';
import type { UnlistedSighting } from '../../whitelist/unlisted-store.js';

export interface WhitelistView {
  readonly keyHash: string;
  /** DER SubjectPublicKeyInfo, when the entry was added by URI or key. */
  readonly publicKey?: Uint8Array | undefined;
  readonly status: WhitelistStatus;
  readonly profile?: string | undefined;
  readonly label?: string | undefined;
}

export interface WhitelistPort {
  get(keyHash: string): WhitelistView | undefined;
  findByChirpHash(chirpHash: string): WhitelistView | undefined;
  markSeen(keyHash: string, at: Date): void;
  markProvisioned(keyHash: string, at: Date): void;
}

export interface DeviceView {
  readonly state: DeviceState;
  readonly provisionedCount: number;
}

export interface DeviceInfoFields {
  readonly reason?: string | undefined;
  readonly deviceInfo?: string | undefined;
  readonly connStatus?: string | undefined;
}

export interface DevicePort {
  get(keyHash: string): DeviceView | undefined;
  /**
   * A session authenticated the device (the peer proved its key): state configuring, attempts + 1,
   * address and transport noted. Nothing before authentication touches the row.
   */
  authenticated(
    keyHash: string,
    info: { address: string; transport: Transport; profile: string; at: Date },
  ): void;
  setState(keyHash: string, state: DeviceState, at: Date, fields?: DeviceInfoFields): void;
  /**
   * A Configuration Response with credentials is going out: provisioned_count + 1, and what the
   * device said about itself in its Configuration Request.
   */
  delivered(keyHash: string, at: Date, fields?: { readonly deviceInfo?: string | undefined }): void;
  /** A delivery recorded by `delivered` did not leave after all: provisioned_count - 1. */
  withheld(keyHash: string, at: Date): void;
  /**
   * A whitelisted device was refused before any session (inactive, revoked …): state refused
   * with the reason, or only the reason when `keepState`. No address or time: nothing proved
   * the refused peer was the device.
   */
  refused(keyHash: string, refusal: { reason: string; keepState: boolean }, at: Date): void;
}

export interface AuditRecord {
  readonly kind: string;
  readonly keyHash?: string | undefined;
  readonly peer?: string | undefined;
  readonly reason?: string | undefined;
  readonly detail?: Record<string, unknown> | undefined;
  /** Who did it: 'daemon', or 'cli:<user>' for an admin's edit. */
  readonly actor?: string | undefined;
  readonly at?: Date | undefined;
}

export interface AuditPort {
  append(record: AuditRecord): void;
}

export interface SecretPort {
  /** The device's secrets, created by `generate` on first use, identical on every later call. */
  getOrCreate(
    keyHash: string,
    profile: string,
    generate: () => string,
  ): {
    secrets: string;
    created: boolean;
  };
}

/** Devices refused as unknown, kept (bounded) for an admin to look at; never trusted. */
export interface UnlistedPort {
  heard(sighting: Omit<UnlistedSighting, 'count'>): void;
}
