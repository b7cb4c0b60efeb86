/**
 * The LwM2M bundle builder for the profiles that have an `lwm2m` section (daemon/lwm2m/), or none
 * when no profile has one.
 */
import type { Result } from '../../protocol/errors.js';
import type { DaemonConfig } from '../config/load.js';
import type { BundleBuilder } from '../engine/delivery.js';

export function createBundleBuilder(config: DaemonConfig): Result<BundleBuilder | undefined> {
  const withLwm2m = [...config.profiles.values()].filter((p) => p.lwm2m !== undefined);
  if (withLwm2m.length === 0) return { ok: true, value: undefined };
  return {
    ok: false,
    error: new Error(
      `profiles ${withLwm2m.map((p) => p.name).join(', ')} have an lwm2m section, which this build does not support yet`,
    ) as never,
  };
}
