/**
 * Whether a loaded configuration can serve devices at all: the checks `start` makes before it
 * runs, and a reload before it applies anything. Undefined when it can, else the reason.
 */
import type { DaemonConfig } from './load.js';

export function whyNotServable(config: DaemonConfig, dataDir: string): string | undefined {
  if (config.radio.bridges.length === 0 && !config.tcp.enabled)
    return (
      'nothing to serve: radio.port is none and tcp.enabled is false, so no device could reach ' +
      'this daemon (set radio.port to the bridge, or auto, or enable tcp)'
    );
  if (config.profiles.size === 0)
    return `no profile configured: write ${dataDir}/config.yaml with at least one profile (see README, "Configuration")`;
  if (!config.profiles.has(config.defaultProfile))
    return `defaultProfile "${config.defaultProfile}" is not among the profiles (${[...config.profiles.keys()].join(', ')})`;
  return undefined;
}
