/**
 * What `configurator service install` does on this machine, worked out before anything is done:
 * the checks that refuse a unit that could not work, then the steps (commands to run, files to
 * write), so that `--dry-run` prints exactly what a real install would do.
 */
import { posix } from 'node:path';
import { renderUnit, stateDirectoryName, type UnitSettings } from './unit-file.js';

export const SERVICE_NAME = 'dpp-configurator';
export const UNIT_PATH = `/etc/systemd/system/${SERVICE_NAME}.service`;
export const DEFAULT_DATA_DIR = `/var/lib/${SERVICE_NAME}`;
export const DEFAULT_CONFIG_FILE = `/etc/${SERVICE_NAME}/config.yaml`;

/** What the install found on this machine. */
export interface InstallFacts {
  readonly nodePath: string;
  readonly packageRoot: string;
  readonly user: string;
  /** The user's primary group; undefined when the user does not exist yet. */
  readonly existingUserGroup: string | undefined;
  readonly dataDir: string;
  readonly configFile: string;
  readonly configExists: boolean;
  readonly configDirExists: boolean;
  readonly unitTemplate: string;
  /** The configuration (when there is one) sets `ble.enabled`. */
  readonly bleEnabled?: boolean | undefined;
}

export type InstallStep =
  | { readonly kind: 'run'; readonly argv: readonly string[]; readonly why: string }
  | {
      readonly kind: 'write';
      readonly path: string;
      readonly mode: number;
      readonly content: string;
      readonly why: string;
    };

export interface InstallPlan {
  readonly settings: UnitSettings;
  readonly steps: readonly InstallStep[];
  readonly warnings: readonly string[];
  readonly unit: string;
}

/** A refusal: the one line says what is wrong and how to fix it. */
export class InstallRefused extends Error {}

/** Characters a path may hold to go into a unit line unquoted (no spaces, %, $, quotes). */
const SAFE_PATH = /^\/[A-Za-z0-9._@+\-/]*$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** ProtectHome=yes makes these empty for the service: nothing there can run or be read. */
const HIDDEN_HOMES = ['/home', '/root', '/run/user'];
/** PrivateTmp=yes gives the service its own, empty, /tmp and /var/tmp. */
const PRIVATE_TMPS = ['/tmp', '/var/tmp'];

function under(path: string, roots: readonly string[]): string | undefined {
  return roots.find((root) => path === root || path.startsWith(`${root}/`));
}

function checkPaths(f: InstallFacts): string[] {
  const warnings: string[] = [];
  const paths: [string, string][] = [
    ['node', f.nodePath],
    ['the package', f.packageRoot],
    ['--data-dir', f.dataDir],
    ['--config', f.configFile],
  ];
  for (const [what, path] of paths) {
    if (!SAFE_PATH.test(path))
      throw new InstallRefused(
        `${what}: ${path} is not an absolute path of letters, digits and . _ @ + - / only, which is what a unit line takes unquoted`,
      );
    const home = under(path, HIDDEN_HOMES);
    if (home !== undefined)
      throw new InstallRefused(
        `${what} is at ${path}, under ${home}, which the unit hides from the service (ProtectHome=yes): ` +
          (what === 'node' || what === 'the package'
            ? 'install Node.js and the package system-wide (docs/deployment.md, "Install")'
            : `choose a path outside ${home}`),
      );
    const tmp = under(path, PRIVATE_TMPS);
    if (tmp !== undefined)
      warnings.push(
        `${what} is at ${path}, under ${tmp}, which the service sees empty (PrivateTmp=yes): the unit will not start until it is elsewhere`,
      );
  }
  return warnings;
}

export function planInstall(f: InstallFacts): InstallPlan {
  if (!USER_NAME.test(f.user))
    throw new InstallRefused(
      `--user: "${f.user}" is not a user name (lower-case letters, digits, _ and -, at most 32)`,
    );
  if (f.user === 'root')
    throw new InstallRefused(
      '--user: the daemon needs no root privileges and its unit is built to run without them; choose a system user',
    );
  const warnings = checkPaths(f);
  const group = f.existingUserGroup ?? f.user;
  const settings: UnitSettings = {
    nodePath: f.nodePath,
    packageRoot: f.packageRoot,
    user: f.user,
    group,
    dataDir: f.dataDir,
    configFile: f.configFile,
    ble: f.bleEnabled === true,
  };
  const unit = renderUnit(f.unitTemplate, settings);
  const steps: InstallStep[] = [];
  if (f.existingUserGroup === undefined)
    steps.push({
      kind: 'run',
      argv: [
        'useradd',
        '--system',
        '--user-group',
        '--home-dir',
        f.dataDir,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        f.user,
      ],
      why: `the service user ${f.user} does not exist`,
    });
  if (stateDirectoryName(f.dataDir) === undefined)
    steps.push({
      kind: 'run',
      argv: ['install', '-d', '-m', '0700', '-o', f.user, '-g', group, f.dataDir],
      why: 'the data dir lies outside /var/lib, where systemd would make it',
    });
  if (!f.configExists) {
    const configDir = posix.dirname(f.configFile);
    if (!f.configDirExists)
      steps.push({
        kind: 'run',
        argv: ['install', '-d', '-m', '0750', '-o', 'root', '-g', group, configDir],
        why: 'the configuration directory does not exist',
      });
    steps.push({
      kind: 'run',
      argv: [
        'install',
        '-m',
        '0640',
        '-o',
        'root',
        '-g',
        group,
        posix.join(f.packageRoot, 'deploy', 'config.example.yaml'),
        f.configFile,
      ],
      why: 'no configuration yet: the example, to edit before the first start',
    });
  }
  steps.push(
    { kind: 'write', path: UNIT_PATH, mode: 0o644, content: unit, why: 'the unit' },
    { kind: 'run', argv: ['systemctl', 'daemon-reload'], why: 'systemd reads the unit' },
    {
      kind: 'run',
      argv: ['systemctl', 'enable', `${SERVICE_NAME}.service`],
      why: 'started at every boot',
    },
  );
  return { settings, steps, warnings, unit };
}
