import type { Command } from 'commander';

export function registerUriCommands(program: Command): void {
  program.command('uri').description('parse and generate DPP bootstrapping URIs');
}
