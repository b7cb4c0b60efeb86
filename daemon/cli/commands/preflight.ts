import type { Command } from 'commander';
import type { BridgeChannel } from '../../preflight/bridge-channels.js';
import type { ProfileFindings } from '../../preflight/check.js';
import { bridgeLabel } from '../../config/bridges.js';
import { runPreflight } from '../../preflight/preflight.js';
import { dataDirOf } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { loadConfigForCli } from '../support/load-config.js';
import { formatTable } from '../support/table.js';

interface PreflightOptions {
  profile?: string;
  json?: boolean;
  config?: string;
}

/** Exit code when the air could not be looked at (no NetworkManager, no Wi-Fi device). */
export const EXIT_NOT_CHECKED = 3;

/** `bridge east: channel auto → 11 (…)`: where each bridge goes and why. */
function bridgeLine(b: BridgeChannel): string {
  const how =
    b.source === 'fixed'
      ? `channel ${b.channel}`
      : b.source === 'access point'
        ? `channel auto → ${b.channel}, from ${b.accessPoint?.bssid ?? '?'} (${b.accessPoint?.signal ?? '?'} %)`
        : `channel auto → ${b.channel} (fallback)`;
  return `${bridgeLabel(b)}${b.name === b.port ? '' : ` (${b.port})`}: ${how}, profile ${b.profile}`;
}

function printFindings(
  profiles: readonly ProfileFindings[],
  bridges: readonly BridgeChannel[],
): void {
  for (const p of profiles) {
    process.stdout.write(`profile ${p.profile}: "${p.ssid}" (wifi.akm: ${p.akm})\n`);
    if (p.accessPoints.length > 0) {
      const rows = p.accessPoints.map((ap) => [
        ap.bssid,
        String(ap.channel),
        ap.band ?? '?',
        `${ap.signal} %`,
        ap.security || '(open)',
      ]);
      const table = formatTable(['BSSID', 'CHANNEL', 'BAND', 'SIGNAL', 'SECURITY'], rows);
      for (const row of table.trimEnd().split('\n')) process.stdout.write(`  ${row}\n`);
    }
  }
  for (const b of bridges) process.stdout.write(`${bridgeLine(b)}\n`);
  const lines = [
    ...profiles.flatMap((p) => [
      ...p.problems.map((l) => `problem: ${l}`),
      ...p.warnings.map((l) => `warning: ${l}`),
    ]),
    ...bridges.flatMap((b) => (b.warning === undefined ? [] : [`warning: ${b.warning}`])),
  ];
  process.stdout.write(lines.length === 0 ? 'no problems found\n' : lines.join('\n') + '\n');
}

/** `configurator preflight`: is each profile's network here, and can its devices join it. */
export function registerPreflightCommand(program: Command): void {
  program
    .command('preflight')
    .description(
      "check each profile's Wi-Fi network with NetworkManager: visible, channel and band, security, signal, and each bridge's channel (exit 1 on a problem, 3 when it cannot look)",
    )
    .option('--profile <name>', 'check this profile only')
    .option('--json', 'print the findings as JSON')
    .option(
      '--config <file>',
      'configuration file, YAML or JSON (default: $CONFIGURATOR_CONFIG or <data dir>/config.yaml)',
    )
    .action(async (options: PreflightOptions, command: Command) => {
      const config = loadConfigForCli(options.config, dataDirOf(command));
      const known = [...config.profiles.keys()];
      if (known.length === 0)
        throw new CliExit(
          EXIT_INVALID_INPUT,
          'nothing to check: the configuration has no profiles',
        );
      if (options.profile !== undefined && !config.profiles.has(options.profile))
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--profile: no profile "${options.profile}" (profiles: ${known.join(', ')})`,
        );
      const result = await runPreflight(
        config,
        options.profile === undefined ? known : [options.profile],
      );
      if (options.json === true) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      if (!result.ok) {
        if (options.json === true) throw new CliExit(EXIT_NOT_CHECKED, '');
        throw new CliExit(EXIT_NOT_CHECKED, `Wi-Fi not checked: ${result.reason}`);
      }
      if (options.json !== true) printFindings(result.profiles, result.bridges);
      if (result.profiles.some((p) => p.problems.length > 0)) process.exitCode = 1;
    });
}
