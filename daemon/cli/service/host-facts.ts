/**
 * What `configurator service install` needs to know about this machine: where node and this
 * package are, whether the service user and the configuration exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../config/schema.js';
import { InstallRefused, type InstallFacts } from './install-plan.js';

/** The installed package: this file is dist/daemon/cli/service/host-facts.js inside it. */
export function packageRoot(): string {
  return realpathSync(fileURLToPath(new URL('../../../../', import.meta.url)));
}

export function unitTemplatePath(root: string): string {
  return resolve(root, 'deploy', 'dpp-configurator.service');
}

/** The user's primary group, or undefined when there is no such user. */
function primaryGroupOf(user: string): string | undefined {
  try {
    return execFileSync('id', ['-gn', '--', user], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether the configuration turns Bluetooth LE discovery on: the unit then allows what it needs.
 * Only its `ble` section is read; the rest is checked when the daemon starts.
 */
export function bleEnabledIn(configFile: string): boolean {
  if (!existsSync(configFile)) return false;
  let raw: unknown;
  try {
    const text = readFileSync(configFile, 'utf8');
    raw = configFile.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new InstallRefused(
      `--config: ${configFile} cannot be read (${(e as Error).message.split('\n')[0]}): the unit depends on its ble section; fix it and run the install again`,
    );
  }
  const ble = configSchema.shape.ble.safeParse(
    raw !== null && typeof raw === 'object' ? (raw as { ble?: unknown }).ble : undefined,
  );
  if (!ble.success)
    throw new InstallRefused(
      `--config: ${configFile}: ble: ${ble.error.issues.map((i) => i.message).join('; ')}`,
    );
  return ble.data.enabled;
}

export interface InstallChoices {
  readonly user: string;
  readonly dataDir: string;
  readonly configFile: string;
}

export function gatherFacts(choices: InstallChoices): InstallFacts {
  const root = packageRoot();
  const configFile = resolve(choices.configFile);
  return {
    nodePath: process.execPath,
    packageRoot: root,
    user: choices.user,
    existingUserGroup: primaryGroupOf(choices.user),
    dataDir: resolve(choices.dataDir),
    configFile,
    configExists: existsSync(configFile),
    configDirExists: existsSync(dirname(configFile)),
    unitTemplate: readFileSync(unitTemplatePath(root), 'utf8'),
    bleEnabled: bleEnabledIn(configFile),
  };
}
