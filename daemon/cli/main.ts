#!/usr/bin/env node
/**
 * `configurator` — the command-line entry point. Each command group lives in its own file under
 * commands/; this file only wires them together and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { registerUriCommands } from './commands/uri.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerLwm2mCommands } from './commands/lwm2m.js';
import { registerIdentityCommand } from './commands/identity.js';
import { registerWhitelistCommands } from './commands/whitelist.js';
import { registerStartCommand } from './commands/start.js';
import { registerStatusCommands } from './commands/status.js';
import { registerConnectCommand } from './commands/connect.js';
import { CliExit } from './exit.js';
import { DATA_DIR_ENV } from './data-dir.js';

export function buildProgram(): Command {
  const program = new Command('configurator')
    .description('Wi-Fi Easy Connect (DPP) configurator for batches of headless IoT devices')
    .version('0.1.0')
    .option(
      '--data-dir <dir>',
      `state directory (database, keys); default $${DATA_DIR_ENV} or ~/.local/share/dpp-configurator`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerUriCommands(program);
  registerDemoCommand(program);
  registerLwm2mCommands(program);
  registerIdentityCommand(program);
  registerWhitelistCommands(program);
  registerStartCommand(program);
  registerStatusCommands(program);
  registerConnectCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
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

process.exitCode = await main(process.argv);
