/**
 * The `configurator` command line: each command group lives in its own file under commands/; this
 * file only wires them together and maps errors to exit codes. The executable is
 * harness/configurator.ts (the Node version check), which loads harness/configurator-cli.ts: this
 * plus the SIMULATION demo (a layer above the daemon).
 */
import { Command, CommanderError } from 'commander';
import { registerUriCommands } from './commands/uri.js';
import { registerLwm2mCommands } from './commands/lwm2m.js';
import { registerIdentityCommand } from './commands/identity.js';
import { registerWhitelistCommands } from './commands/whitelist.js';
import { registerStartCommand } from './commands/start.js';
import { registerStatusCommands } from './commands/status.js';
import { registerConnectCommand } from './commands/connect.js';
import { registerConsoleCommands } from './commands/console.js';
import { registerServiceCommands } from './commands/service.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerPreflightCommand } from './commands/preflight.js';
import { registerBackupCommands } from './commands/backup.js';
import { CliExit } from './support/exit.js';
import { DATA_DIR_ENV } from './support/data-dir.js';
import { VERSION } from '../version.js';

/** Adds commands of a layer above the daemon (the demo). */
export type RegisterCommands = (program: Command) => void;

export function buildProgram(extra: readonly RegisterCommands[] = []): Command {
  const program = new Command('configurator')
    .description('Wi-Fi Easy Connect (DPP) configurator for batches of headless IoT devices')
    .version(VERSION)
    .option(
      '--data-dir <dir>',
      `state directory (database, keys); default $${DATA_DIR_ENV} or ~/.local/share/dpp-configurator`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerUriCommands(program);
  registerLwm2mCommands(program);
  registerIdentityCommand(program);
  registerWhitelistCommands(program);
  registerStartCommand(program);
  registerStatusCommands(program);
  registerConnectCommand(program);
  registerConsoleCommands(program);
  registerServiceCommands(program);
  registerAuditCommand(program);
  registerWatchCommand(program);
  registerPreflightCommand(program);
  registerBackupCommands(program);
  for (const register of extra) register(program);
  return program;
}

/** Runs one command line (argv as process.argv: node, script, args…); resolves with its exit code. */
export async function runCli(
  argv: readonly string[],
  extra: readonly RegisterCommands[] = [],
): Promise<number> {
  try {
    await buildProgram(extra).parseAsync([...argv]);
    // A command that finished but failed (connect, demo --once) has set its own exit code.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CliExit) {
      if (e.message) process.stderr.write(`configurator: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`configurator: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
