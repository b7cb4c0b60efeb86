/**
 * Naming a whitelist entry as people type it: the full key hash, or a unique prefix of at least
 * MIN_HASH_PREFIX hex digits. One resolution for every command that takes a device (whitelist
 * show/enable/…, connect) and for the daemon's control socket, so they accept and refuse alike.
 */
import { ConfiguratorError } from '../protocol/errors.js';
import { WhitelistErrorCode } from './errors.js';
import { isKeyHash } from './key-input.js';

/** Shortest hash prefix accepted: 32 bits, unique among any realistic whitelist. */
export const MIN_HASH_PREFIX = 8;

/** What the resolution reads: the whitelist store, or the daemon's view of it. */
export interface EntryLookup<E extends { readonly keyHash: string }> {
  get(keyHash: string): E | undefined;
  /** Entries whose key hash starts with `prefix` (lowercase hex), at most `limit` of them. */
  findByPrefix(prefix: string, limit: number): readonly E[];
}

/**
 * The entry a full hash or a unique prefix names. Throws WhitelistBadEntry (not hex, too short),
 * WhitelistNotFound or WhitelistAmbiguousPrefix, each with a message fit for the admin.
 */
export function findEntry<E extends { readonly keyHash: string }>(
  lookup: EntryLookup<E>,
  text: string,
): E {
  const hash = text.trim().toLowerCase();
  if (isKeyHash(hash)) {
    const entry = lookup.get(hash);
    if (entry === undefined) {
      throw new ConfiguratorError(
        WhitelistErrorCode.WhitelistNotFound,
        `not on the whitelist: ${hash}`,
      );
    }
    return entry;
  }
  if (!/^[0-9a-f]+$/.test(hash) || hash.length < MIN_HASH_PREFIX) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistBadEntry,
      `"${text}" is not a key hash or a prefix of at least ${MIN_HASH_PREFIX} hex digits`,
    );
  }
  const found = lookup.findByPrefix(hash, 2);
  if (found.length === 0) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistNotFound,
      `no whitelist entry starts with ${hash}`,
    );
  }
  if (found.length > 1) {
    throw new ConfiguratorError(
      WhitelistErrorCode.WhitelistAmbiguousPrefix,
      `${hash} is the start of more than one key hash: give more digits`,
    );
  }
  return found[0]!;
}
