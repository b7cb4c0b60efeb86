/**
 * The `configurator` command line: the daemon's commands plus the SIMULATION demo, which composes
 * the daemon with the simulated site and so lives in this layer above both. Loaded by
 * harness/configurator.ts once Node's version is known to be supported.
 */
import { runCli } from '../daemon/cli/program.js';
import { registerDemoCommand } from './demo/command.js';

process.exitCode = await runCli(process.argv, [registerDemoCommand]);
