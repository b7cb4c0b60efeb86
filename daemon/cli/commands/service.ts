/**
 * `configurator service install [--user U] [--config F] [--dry-run]` (with the global
 * `--data-dir D`): writes the systemd unit for this machine's node and this package, creates the
 * service user and a first configuration when missing, and enables the unit.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { isErrnoException } from '../support/errno.js';
import { gatherFacts } from '../service/host-facts.js';
import {
  DEFAULT_CONFIG_FILE,
  DEFAULT_DATA_DIR,
  InstallRefused,
  planInstall,
  SERVICE_NAME,
  UNIT_PATH,
  type InstallPlan,
  type InstallStep,
} from '../service/install-plan.js';

interface InstallOptions {
  user: string;
  config: string;
  dryRun?: boolean;
}

/** The step as a command line (a write as "write PATH (mode …)"). */
function commandOf(step: InstallStep): string {
  return step.kind === 'run'
    ? step.argv.join(' ')
    : `write ${step.path} (mode ${step.mode.toString(8).padStart(4, '0')})`;
}

function describe(step: InstallStep): string {
  return `${commandOf(step)}    # ${step.why}`;
}

/** Why a step failed: the command's own stderr, else the system error (a missing command, EACCES). */
function reasonOf(e: unknown): string {
  const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
  if (stderr) return stderr.replace(/\s*\n\s*/g, '; ');
  return isErrnoException(e) ? (e.code ?? e.message) : String(e);
}

function carryOut(step: InstallStep): void {
  try {
    if (step.kind === 'write') {
      writeFileSync(step.path, step.content, { mode: step.mode });
      chmodSync(step.path, step.mode); // an existing file keeps its mode otherwise
    } else {
      const [command, ...args] = step.argv;
      execFileSync(command!, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    }
  } catch (e) {
    throw new CliExit(
      1,
      `${commandOf(step)} failed: ${reasonOf(e)} (the steps before it were done; run the install again once fixed)`,
    );
  }
}

function nextSteps({ settings: s }: InstallPlan): string {
  return [
    'next:',
    `  edit ${s.configFile} (the profile's SSID, radio.port), and write the passphrase file it names`,
    `  sudo systemctl start ${SERVICE_NAME}      # then: journalctl -u ${SERVICE_NAME} -f`,
    `  alias cfg='sudo -u ${s.user} configurator --data-dir ${s.dataDir}'`,
    '',
  ].join('\n');
}

export function registerServiceCommands(program: Command): void {
  const group = program.command('service').description('run the daemon as a systemd service');
  group
    .command('install')
    .description(
      `write ${UNIT_PATH} for this node and this package, create the service user and a first configuration if missing, enable the unit (run with sudo; the data dir is --data-dir, default ${DEFAULT_DATA_DIR})`,
    )
    .option(
      '--user <name>',
      'the system user the daemon runs as (created if missing)',
      SERVICE_NAME,
    )
    .option('--config <file>', 'the configuration file the unit starts with', DEFAULT_CONFIG_FILE)
    .option('--dry-run', 'print what would be done and the unit, change nothing')
    .action((options: InstallOptions, command: Command) => {
      // Only an explicit --data-dir counts: a service's data does not belong in root's home.
      const dataDir = command.optsWithGlobals<{ dataDir?: string }>().dataDir ?? DEFAULT_DATA_DIR;
      const dryRun = options.dryRun === true;
      if (!dryRun && process.getuid?.() !== 0)
        throw new CliExit(
          1,
          'service install creates a system user and writes /etc/systemd/system: run it with sudo (or see what it would do with --dry-run)',
        );
      let plan: InstallPlan;
      try {
        plan = planInstall(
          gatherFacts({ user: options.user, dataDir, configFile: options.config }),
        );
      } catch (e) {
        if (e instanceof InstallRefused) throw new CliExit(EXIT_INVALID_INPUT, e.message);
        throw e;
      }
      for (const w of plan.warnings) process.stderr.write(`warning: ${w}\n`);
      if (dryRun) {
        process.stdout.write(
          `would run, as root:\n${plan.steps.map((s) => `  ${describe(s)}\n`).join('')}\n${plan.unit}`,
        );
        return;
      }
      for (const step of plan.steps) {
        carryOut(step);
        process.stdout.write(`done: ${describe(step)}\n`);
      }
      process.stdout.write(nextSteps(plan));
    });
}
