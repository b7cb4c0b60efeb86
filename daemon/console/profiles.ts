/** A profile an admin names must be one the daemon has: refused at the edit, not at the device. */
import type { ConsoleDaemon } from './context.js';
import { HttpRefusal } from './http-errors.js';

/** Why `profile` cannot be used, or undefined when it can (or none is named). */
export function unknownProfile(
  daemon: ConsoleDaemon,
  profile: string | null | undefined,
): string | undefined {
  if (profile === undefined || profile === null || daemon.profileNames.includes(profile))
    return undefined;
  return `no profile named "${profile}" (profiles: ${daemon.profileNames.join(', ')})`;
}

export function requireKnownProfile(
  daemon: ConsoleDaemon,
  profile: string | null | undefined,
): void {
  const why = unknownProfile(daemon, profile);
  if (why !== undefined) throw new HttpRefusal(400, why);
}
