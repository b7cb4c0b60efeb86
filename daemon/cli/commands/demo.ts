import type { Command } from 'commander';

/** The simulated batch demo. The full demo (daemon + host bridge + simulated fleet) lands with the simulator. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('SIMULATION: run a batch of simulated enrollees through the configurator')
    .option('--enrollees <n>', 'number of simulated enrollees', '50')
    .option('--once', 'exit after the result table')
    .action(() => {
      process.stdout.write(
        [
          'dpp-configurator — SIMULATION demo',
          '',
          'The simulated batch (daemon + host-built ESP32 bridge + simulated enrollees) is not part of',
          'this release yet. What works today:',
          '  configurator uri generate            create a bootstrapping key and print its DPP URI',
          "  configurator uri parse 'DPP:…;;'     show what a DPP URI says (key hash, chirp hash, …)",
          '  npm test                             the protocol test suite (Appendix B vectors, frames)',
          '',
        ].join('\n'),
      );
    });
}
