/**
 * The schema, as numbered migrations applied in order, each in its own transaction. Never edit a
 * migration that has shipped: add the next number. A database that has a migration we do not know
 * comes from a newer release and is refused untouched (database.ts).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const HEX64 = (column: string): string =>
  `length(${column}) = 64 AND ${column} NOT GLOB '*[^0-9a-f]*'`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'whitelist, devices, device secrets, audit log',
    sql: `
      CREATE TABLE whitelist (
        key_hash       TEXT PRIMARY KEY CHECK (${HEX64('key_hash')}),
        public_key     BLOB,
        chirp_hash     TEXT CHECK (chirp_hash IS NULL OR (${HEX64('chirp_hash')})),
        uri            TEXT,
        label          TEXT,
        location       TEXT,
        profile        TEXT,
        status         TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'inactive', 'revoked')),
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        provisioned_at TEXT,
        last_seen      TEXT,
        notes          TEXT
      ) STRICT;
      CREATE UNIQUE INDEX whitelist_chirp_hash ON whitelist (chirp_hash);
      CREATE INDEX whitelist_status ON whitelist (status);

      CREATE TABLE devices (
        key_hash          TEXT PRIMARY KEY CHECK (${HEX64('key_hash')}),
        state             TEXT NOT NULL CHECK (state IN ('announced', 'authenticating',
                            'configuring', 'provisioned', 'connected', 'failed', 'refused')),
        reason            TEXT,
        mac               TEXT,
        transport         TEXT CHECK (transport IS NULL OR transport IN ('espnow', 'tcp')),
        profile           TEXT,
        first_seen        TEXT NOT NULL,
        last_seen         TEXT NOT NULL,
        state_changed_at  TEXT NOT NULL,
        attempts          INTEGER NOT NULL DEFAULT 0,
        provisioned_count INTEGER NOT NULL DEFAULT 0,
        device_info       TEXT CHECK (device_info IS NULL OR json_valid(device_info)),
        conn_status       TEXT CHECK (conn_status IS NULL OR json_valid(conn_status)),
        last_error        TEXT
      ) STRICT;
      CREATE INDEX devices_state ON devices (state);
      CREATE INDEX devices_last_seen ON devices (last_seen);

      CREATE TABLE device_secrets (
        key_hash   TEXT PRIMARY KEY CHECK (${HEX64('key_hash')}),
        profile    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        secrets    TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        kind     TEXT NOT NULL,
        key_hash TEXT,
        peer     TEXT,
        reason   TEXT,
        detail   TEXT CHECK (detail IS NULL OR json_valid(detail)),
        actor    TEXT
      ) STRICT;
      CREATE INDEX audit_at ON audit (at);
      CREATE INDEX audit_key_hash ON audit (key_hash);
      CREATE INDEX audit_kind ON audit (kind);
      -- The audit log is append-only: history an attacker or a slip cannot rewrite.
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'interrupted device state; devices heard but not listed',
    // SQLite cannot change a CHECK constraint in place: the devices table is rebuilt.
    sql: `
      CREATE TABLE devices_v2 (
        key_hash          TEXT PRIMARY KEY CHECK (${HEX64('key_hash')}),
        state             TEXT NOT NULL CHECK (state IN ('announced', 'authenticating',
                            'configuring', 'provisioned', 'connected', 'failed', 'refused',
                            'interrupted')),
        reason            TEXT,
        mac               TEXT,
        transport         TEXT CHECK (transport IS NULL OR transport IN ('espnow', 'tcp')),
        profile           TEXT,
        first_seen        TEXT NOT NULL,
        last_seen         TEXT NOT NULL,
        state_changed_at  TEXT NOT NULL,
        attempts          INTEGER NOT NULL DEFAULT 0,
        provisioned_count INTEGER NOT NULL DEFAULT 0,
        device_info       TEXT CHECK (device_info IS NULL OR json_valid(device_info)),
        conn_status       TEXT CHECK (conn_status IS NULL OR json_valid(conn_status)),
        last_error        TEXT
      ) STRICT;
      INSERT INTO devices_v2 SELECT * FROM devices;
      DROP TABLE devices;
      ALTER TABLE devices_v2 RENAME TO devices;
      CREATE INDEX devices_state ON devices (state);
      CREATE INDEX devices_last_seen ON devices (last_seen);

      -- Devices refused as unknown, one row per key (or per chirp hash when the announcement
      -- carried no key), for an admin to look at; bounded by the daemon (unlisted-store.ts).
      CREATE TABLE unlisted (
        id          TEXT PRIMARY KEY CHECK (${HEX64('id')}),
        key_hash    TEXT CHECK (key_hash IS NULL OR (${HEX64('key_hash')})),
        chirp_hash  TEXT CHECK (chirp_hash IS NULL OR (${HEX64('chirp_hash')})),
        public_key  BLOB,
        address     TEXT NOT NULL,
        rssi        INTEGER,
        transport   TEXT NOT NULL CHECK (transport IN ('espnow', 'tcp')),
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        count       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX unlisted_last_seen ON unlisted (last_seen);
    `,
  },
  {
    version: 3,
    name: 'devices heard but not listed: over Bluetooth LE too, and by which radio',
    sql: `
      -- heard_by: the radio that heard it (a bridge's serial port, a Bluetooth adapter), so an
      -- admin knows where on the site the device is. 'ble': found by discovery, never served.
      -- uri: the DPP URI as the device gave it (Bluetooth LE carries the whole URI).
      CREATE TABLE unlisted_v3 (
        id          TEXT PRIMARY KEY CHECK (${HEX64('id')}),
        key_hash    TEXT CHECK (key_hash IS NULL OR (${HEX64('key_hash')})),
        chirp_hash  TEXT CHECK (chirp_hash IS NULL OR (${HEX64('chirp_hash')})),
        public_key  BLOB,
        uri         TEXT,
        address     TEXT NOT NULL,
        rssi        INTEGER,
        transport   TEXT NOT NULL CHECK (transport IN ('espnow', 'tcp', 'ble')),
        heard_by    TEXT,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        count       INTEGER NOT NULL
      ) STRICT;
      INSERT INTO unlisted_v3 (id, key_hash, chirp_hash, public_key, address, rssi, transport,
          first_seen, last_seen, count)
        SELECT id, key_hash, chirp_hash, public_key, address, rssi, transport, first_seen,
          last_seen, count FROM unlisted;
      DROP TABLE unlisted;
      ALTER TABLE unlisted_v3 RENAME TO unlisted;
      CREATE INDEX unlisted_last_seen ON unlisted (last_seen);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
