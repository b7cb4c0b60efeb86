/**
 * Per-device secrets (Wi-Fi and LwM2M credentials made for one device). Created once and handed
 * out the same on every later provisioning, so a device re-provisioned after a reset gets what its
 * servers already know. The store never reads them: `secrets` is the daemon's opaque JSON. The
 * database file is 0600; these values must never be logged.
 */
import { ConfiguratorError } from '../protocol/errors.js';
import type { Database } from './database.js';
import { isoTime } from './time.js';
import type { SecretRecord } from './types.js';
import { WhitelistErrorCode } from './errors.js';

/** A device's secret set without the secrets, for listings. */
export interface SecretInfo {
  readonly keyHash: string;
  readonly profile: string;
  readonly createdAt: string;
}

interface SecretRow {
  key_hash: string;
  profile: string;
  created_at: string;
  secrets: string;
}

export class SecretStore {
  private readonly one;
  private readonly insert;
  private readonly all;

  constructor(private readonly db: Database) {
    this.one = db.prepare<[string], SecretRow>('SELECT * FROM device_secrets WHERE key_hash = ?');
    this.insert = db.prepare<[string, string, string, string]>(
      'INSERT INTO device_secrets (key_hash, profile, created_at, secrets) VALUES (?, ?, ?, ?)',
    );
    this.all = db.prepare<[], SecretInfo>(
      `SELECT key_hash AS keyHash, profile, created_at AS createdAt
       FROM device_secrets ORDER BY created_at, key_hash`,
    );
  }

  /**
   * The device's secrets, created by `generate` the first time. One IMMEDIATE transaction holds
   * the write lock from the read to the insert, so two processes racing for the same device end
   * with one secret set: the second waits, then reads the first's.
   */
  getOrCreate(
    keyHash: string,
    profile: string,
    generate: () => string,
  ): { secrets: string; created: boolean; profile: string } {
    const hash = keyHash.toLowerCase();
    return this.db
      .transaction(() => {
        const existing = this.one.get(hash);
        if (existing !== undefined) {
          return { secrets: existing.secrets, created: false, profile: existing.profile };
        }
        const secrets = generate();
        try {
          JSON.parse(secrets);
        } catch {
          // Say which device, never what the text was: it is a secret.
          throw new ConfiguratorError(
            WhitelistErrorCode.StoreBadRecord,
            `secrets for ${hash} are not valid JSON`,
          );
        }
        this.insert.run(hash, profile, isoTime(), secrets);
        return { secrets, created: true, profile };
      })
      .immediate();
  }

  get(keyHash: string): SecretRecord | undefined {
    const row = this.one.get(keyHash.toLowerCase());
    if (row === undefined) return undefined;
    return {
      keyHash: row.key_hash,
      profile: row.profile,
      createdAt: row.created_at,
      secrets: row.secrets,
    };
  }

  /** Which devices have secrets, without the secrets. */
  list(): SecretInfo[] {
    return this.all.all();
  }
}
