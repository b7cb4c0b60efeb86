import type { Command } from 'commander';
import { CliExit, EXIT_INVALID_INPUT } from '../../daemon/cli/support/exit.js';

interface DemoOptions {
  enrollees: string;
  once?: boolean;
  enrollee: string;
  keep?: boolean;
}

/** `configurator demo`: the SIMULATION of a site (harness/demo/run-demo.ts). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'SIMULATION: a batch of simulated enrollees through the real daemon and the bridge host build',
    )
    .option('--enrollees <n>', 'number of simulated enrollees', '50')
    .option(
      '--enrollee <e>',
      'ts: the TypeScript simulated devices; c: our C enrollee library (enrollee-host), as a device maker links it',
      'ts',
    )
    .option(
      '--once',
      'exit after the result table: 0 only if every whitelisted device was provisioned and every other refused',
    )
    .option('--keep', 'keep the temporary data dir (database, daemon log, device keys) afterwards')
    .action(async (options: DemoOptions) => {
      const n = Number(options.enrollees);
      if (!Number.isInteger(n) || n < 2 || n > 5000) {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--enrollees: "${options.enrollees}" is not a number from 2 to 5000`,
        );
      }
      if (options.enrollee !== 'ts' && options.enrollee !== 'c') {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--enrollee: "${options.enrollee}" is neither ts nor c`,
        );
      }
      const { runDemo } = await import('./run-demo.js');
      process.exitCode = await runDemo({
        enrollees: n,
        once: options.once === true,
        keep: options.keep === true,
        enrollee: options.enrollee,
        out: process.stdout,
      });
    });
}
