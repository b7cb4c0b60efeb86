#!/usr/bin/env node
/**
 * `configurator`, the executable: the daemon's command line plus the SIMULATION demo, which
 * composes the daemon with the simulated site and so lives in this layer above both.
 */
import { runCli } from '../daemon/cli/program.js';
import { registerDemoCommand } from './demo/command.js';

process.exitCode = await runCli(process.argv, [registerDemoCommand]);
