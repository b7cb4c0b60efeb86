/** A profile an admin names must be one the daemon has: refused at the edit, not at the device. */
import { unknownProfile } from '../service/known-profiles.js';
import type { ConsoleDaemon } from './context.js';
import { HttpRefusal } from './http-errors.js';

export function requireKnownProfile(
  daemon: ConsoleDaemon,
  profile: string | null | undefined,
): void {
  const why = unknownProfile(daemon.profileNames, profile);
  if (why !== undefined) throw new HttpRefusal(400, why);
}
