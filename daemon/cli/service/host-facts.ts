/**
 * What `configurator service install` needs to know about this machine: where node and this
 * package are, whether the service user and the configuration exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstallFacts } from './install-plan.js';

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
  };
}
