/** The API's answers as the page uses them (docs/console.md and /api/openapi.json have them all). */

export type Role = 'admin' | 'viewer';

/** The device states the views show (whitelist/types.ts has the daemon's list; authenticating is brief). */
export const SHOWN_STATES = [
  'announced',
  'configuring',
  'provisioned',
  'connected',
  'failed',
  'refused',
  'interrupted',
] as const;

export interface SessionInfo {
  role: Role;
  actor: string;
  csrfToken?: string;
}

export interface Entry {
  keyHash: string;
  chirpHash?: string;
  uri?: string;
  status: 'active' | 'inactive' | 'revoked';
  profile?: string;
  label?: string;
  location?: string;
  notes?: string;
  createdAt: string;
  updatedAt: string;
  provisionedAt?: string;
  lastSeen?: string;
}

export interface Device {
  keyHash: string;
  state: string;
  reason?: string;
  mac?: string;
  transport?: string;
  profile?: string;
  firstSeen: string;
  lastSeen: string;
  stateChangedAt: string;
  attempts: number;
  provisionedCount: number;
  deviceInfo?: Record<string, unknown>;
  connStatus?: Record<string, unknown>;
  lastError?: string;
  label?: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  kind: string;
  keyHash?: string;
  peer?: string;
  reason?: string;
  detail?: unknown;
  actor?: string;
}

export interface Unlisted {
  id: string;
  keyHash?: string;
  chirpHash?: string;
  uri?: string;
  address: string;
  rssi?: number;
  transport: string;
  heardBy?: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

export interface Bridge {
  name: string;
  port: string;
  configuredChannel: number | 'auto';
  plannedChannel: number;
  channelSource: string;
  channelWarning?: string;
  up: boolean;
  downReason?: string;
  channel?: number;
  mac?: string;
}

export interface Status {
  version: string;
  startedAt: string;
  radio: {
    port: string;
    up: boolean;
    downReason?: string;
    channel?: number;
    mac?: string;
    bridges?: Bridge[];
  } | null;
  tcp: { host: string; port: number } | null;
  sessions: { active: number; waiting: number };
  devices: Record<string, number>;
  whitelist: { entries: number };
  unlisted: { devices: number; heard: number };
  counters: Record<string, number>;
  refusals: Record<string, number>;
  profiles: string[];
}

export interface ImportOutcome {
  applied: boolean;
  added: number;
  unchanged: number;
  problems: { where: string; reason: string }[];
  /** Columns left out of a CSV file, when asked to. */
  warnings: string[];
}

export type LiveEvent =
  | {
      type: 'device';
      keyHash: string;
      state: string;
      address: string;
      reason?: string;
      label?: string;
      at: string;
    }
  | {
      type: 'refused';
      subject: string;
      keyHash?: string;
      address: string;
      reason: string;
      at: string;
    }
  | { type: 'whitelist'; kind: string; keyHash?: string; actor?: string; at: string }
  | { type: 'link'; up: boolean; reason?: string; at: string; bridge?: string; radioUp?: boolean };
