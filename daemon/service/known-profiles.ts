/**
 * A whitelist entry names its profile; one the configuration lacks is refused only when the device
 * announces itself, too late for the admin who typed it. The edits (CLI and console) refuse such a
 * name where the profiles are known, and the daemon's start warns of entries already naming one.
 */
import type { Logger } from 'pino';
import type { WhitelistStore, ImportRow } from '../../whitelist/whitelist-store.js';

/** Entries listed by key hash in the start warning; the rest are counted. */
const LISTED_AT_START = 20;

/** Why `profile` cannot be used, or undefined when it can (or none is named: the default applies). */
export function unknownProfile(
  profiles: readonly string[],
  profile: string | null | undefined,
): string | undefined {
  if (profile === undefined || profile === null || profiles.includes(profile)) return undefined;
  return `no profile named "${profile}" (profiles: ${profiles.join(', ')})`;
}

/** Import rows whose entry names an unknown profile become that row's problem. */
export function checkRowProfiles(
  rows: readonly ImportRow[],
  profiles: readonly string[],
): ImportRow[] {
  return rows.map((row) => {
    if ('problem' in row) return row;
    const why = unknownProfile(profiles, row.entry.profile);
    return why === undefined ? row : { where: row.where, problem: why };
  });
}

/**
 * At start: one warning naming the entries (not revoked) whose profile the configuration lacks,
 * by profile, so the admin hears of them before their devices are refused.
 */
export function warnEntriesWithUnknownProfiles(
  store: WhitelistStore,
  profiles: Iterable<string>,
  log: Pick<Logger, 'warn'>,
): void {
  const known = [...profiles];
  const entries = store.listNamingOtherProfiles(known);
  if (entries.length === 0) return;
  const byProfile: Record<string, number> = {};
  for (const e of entries) byProfile[e.profile!] = (byProfile[e.profile!] ?? 0) + 1;
  log.warn(
    {
      missingProfiles: byProfile,
      entries: entries.slice(0, LISTED_AT_START).map((e) => e.keyHash),
      ...(entries.length > LISTED_AT_START
        ? { moreEntries: entries.length - LISTED_AT_START }
        : {}),
      profiles: known,
    },
    `${entries.length} whitelist ${entries.length === 1 ? 'entry names a profile' : 'entries name profiles'} the configuration lacks (${Object.keys(byProfile).join(', ')}): their devices will be refused until the profile is configured or the entry updated`,
  );
}
