/**
 * The LwM2M bundle builder for the profiles that have an `lwm2m` section (daemon/lwm2m/), or none
 * when no profile has one. Templates, CA and server certificate files are checked here, at start.
 */
import type { Result } from '../../protocol/errors.js';
import type { DaemonConfig } from '../config/load.js';
import type { BundleBuilder } from '../engine/delivery.js';
import { Lwm2mBundles } from '../lwm2m/builder.js';

export function createBundleBuilder(
  config: DaemonConfig,
  warnings: string[] = [],
): Result<BundleBuilder | undefined> {
  const withLwm2m = [...config.profiles.values()].filter((p) => p.lwm2m !== undefined);
  if (withLwm2m.length === 0) return { ok: true, value: undefined };
  const built = Lwm2mBundles.load(config.profiles.values(), config.baseDir, warnings);
  return built.ok ? { ok: true, value: built.value } : built;
}
