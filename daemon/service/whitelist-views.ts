/**
 * The engine's whitelist lookups, kept in memory between changes. An announcement, an admission
 * and a Configuration Request each look their device up; the entry changes only when an admin
 * edits the whitelist: the `configurator whitelist …` commands, on their own connection. SQLite's
 * `data_version` changes exactly when another connection has committed, and the store counts
 * the edits made through this one, so one cheap pragma per lookup tells whether everything kept
 * is still true; if not, all of it is dropped. An admin's revoke is seen at the next lookup.
 *
 * Only what the engine reads is kept (not last_seen and the other times, which the daemon itself
 * writes), and only entries that exist: a flood of unknown announcements must not fill it.
 */
import type { Database } from '../../whitelist/database.js';
import type { WhitelistStore } from '../../whitelist/whitelist-store.js';
import type { WhitelistEntry } from '../../whitelist/types.js';
import type { WhitelistView } from '../engine/ports.js';

function viewOf(e: WhitelistEntry): WhitelistView {
  return {
    keyHash: e.keyHash,
    publicKey: e.publicKey,
    status: e.status,
    profile: e.profile,
    label: e.label,
  };
}

export class WhitelistViews {
  private readonly byKeyHash = new Map<string, WhitelistView>();
  private readonly byChirpHash = new Map<string, WhitelistView>();
  private readonly dataVersion;
  private version: number | undefined;
  private edits = -1;

  constructor(
    private readonly store: WhitelistStore,
    db: Database,
    private readonly capacity = 8192,
  ) {
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  get(keyHash: string): WhitelistView | undefined {
    return this.lookup(this.byKeyHash, keyHash, (k) => this.store.get(k));
  }

  findByChirpHash(chirpHash: string): WhitelistView | undefined {
    return this.lookup(this.byChirpHash, chirpHash, (k) => this.store.findByChirpHash(k));
  }

  private lookup(
    kept: Map<string, WhitelistView>,
    hash: string,
    load: (key: string) => WhitelistEntry | undefined,
  ): WhitelistView | undefined {
    const key = hash.toLowerCase();
    this.revalidate();
    const known = kept.get(key);
    if (known !== undefined) return known;
    const entry = load(key);
    if (entry === undefined) return undefined;
    if (kept.size >= this.capacity) kept.clear();
    const view = viewOf(entry);
    kept.set(key, view);
    return view;
  }

  private revalidate(): void {
    const version = this.dataVersion.get();
    const edits = this.store.edits;
    if (version === this.version && edits === this.edits) return;
    this.version = version;
    this.edits = edits;
    this.byKeyHash.clear();
    this.byChirpHash.clear();
  }
}
