/**
 * The profiles a whitelist edit may name, from the configuration `start` would read (--config,
 * else $CONFIGURATOR_CONFIG, else the data dir's config.yaml). An admin command must still work
 * where the configuration is not readable (another user's file, none on this machine): then the
 * edit goes ahead and says that its profile was not checked.
 */
import type { Command } from 'commander';
import { ConfiguratorError } from '../../../protocol/errors.js';
import { loadConfig } from '../../config/load.js';
import { isProfileName } from '../../../whitelist/whitelist-store.js';
import { unknownProfile } from '../../service/known-profiles.js';
import { dataDirOf } from './data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from './exit.js';

export type ConfiguredProfiles =
  { readonly names: readonly string[]; readonly file: string } | { readonly notChecked: string };

export function configuredProfiles(
  configPath: string | undefined,
  dataDir: string,
): ConfiguredProfiles {
  let config;
  try {
    config = loadConfig({ configPath, dataDir });
  } catch (e) {
    if (e instanceof ConfiguratorError) return { notChecked: e.message };
    throw e;
  }
  if (config.file === undefined)
    return { notChecked: `no configuration found (no --config, no config.yaml in ${dataDir})` };
  if (config.profiles.size === 0) return { notChecked: `${config.file} configures no profile` };
  return { names: [...config.profiles.keys()], file: config.file };
}

/** One stderr line: these profiles were not checked, and why. */
export function warnNotChecked(profiles: readonly string[], why: string): void {
  const named = profiles.map((p) => `"${p}"`).join(', ');
  process.stderr.write(
    `configurator: warning: ${profiles.length === 1 ? 'profile' : 'profiles'} ${named} not checked: ${why} (--config FILE checks against that configuration)\n`,
  );
}

/** For `add` and `update`: refuse (exit 2) a profile the configuration lacks, when it can be read. */
export function requireConfiguredProfile(
  profile: string | undefined,
  configPath: string | undefined,
  command: Command,
): void {
  // No name to check, or one the store refuses for its form.
  if (profile === undefined || !isProfileName(profile)) return;
  const configured = configuredProfiles(configPath, dataDirOf(command));
  if ('notChecked' in configured) return warnNotChecked([profile], configured.notChecked);
  const why = unknownProfile(configured.names, profile);
  if (why !== undefined) throw new CliExit(EXIT_INVALID_INPUT, `${configured.file}: ${why}`);
}
