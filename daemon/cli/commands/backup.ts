/**
 * `configurator backup FILE` and `configurator restore FILE [--force]`: the data dir's database,
 * the configurator's key and the console's files in one archive (daemon/backup/), and back.
 */
import type { Command } from 'commander';
import { ConfiguratorError } from '../../../protocol/errors.js';
import { createBackup } from '../../backup/create-backup.js';
import { BACKED_UP_FILES, type BackupManifest } from '../../backup/contents.js';
import { restoreBackup } from '../../backup/restore-backup.js';
import { DaemonErrorCode } from '../../errors.js';
import { IDENTITY_FILE } from '../../keys/identity.js';
import { dataDirOf } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';

/** A bad backup file or an overwrite refused is the admin's input (2); the rest is 1. */
const INPUT_ERRORS: readonly number[] = [
  DaemonErrorCode.BackupInvalid,
  DaemonErrorCode.BackupRefused,
];

function cliError(e: unknown): unknown {
  if (!(e instanceof ConfiguratorError)) return e;
  return new CliExit(INPUT_ERRORS.includes(e.code) ? EXIT_INVALID_INPUT : 1, e.message);
}

function describeDatabase(d: BackupManifest['database']): string {
  const n = (count: number, one: string, many: string): string =>
    `${count} ${count === 1 ? one : many}`;
  return [
    n(d.whitelistEntries, 'whitelist entry', 'whitelist entries'),
    n(d.devices, 'device', 'devices'),
    n(d.deviceSecrets, 'device secret', 'device secrets'),
    n(d.auditRecords, 'audit record', 'audit records'),
  ].join(', ');
}

function whatOf(name: string): string {
  return BACKED_UP_FILES.find((f) => f.name === name)?.what ?? name;
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      "write the data dir's database, the configurator's key and the console's files to one new file (0600); a running daemon goes on",
    )
    .argument(
      '<file>',
      'the backup to write (never overwritten), e.g. configurator-2026-11-30.tar.gz',
    )
    .action(async (file: string, _options: unknown, command: Command) => {
      let manifest: BackupManifest;
      try {
        manifest = await createBackup(dataDirOf(command), file);
      } catch (e) {
        throw cliError(e);
      }
      const lines = [
        `wrote ${file} (mode 0600; it holds every device's secrets and the configurator's private key: keep it as safe as the data dir)`,
        ...manifest.files.map((f) => `  ${f.name}: ${whatOf(f.name)}`),
        `  ${describeDatabase(manifest.database)}`,
      ];
      if (!manifest.files.some((f) => f.name === IDENTITY_FILE))
        lines.push(`  no ${IDENTITY_FILE} yet: the daemon makes it at its first start`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('restore')
    .description(
      'put a backup back into the data dir, while no daemon runs on it; --force replaces what it holds',
    )
    .argument('<file>', 'a file `configurator backup` wrote')
    .option('--force', 'replace the database, key and console files the data dir holds')
    .action(async (file: string, options: { force?: boolean }, command: Command) => {
      const dataDir = dataDirOf(command);
      let outcome: Awaited<ReturnType<typeof restoreBackup>>;
      try {
        outcome = await restoreBackup(file, dataDir, { force: options.force === true });
      } catch (e) {
        throw cliError(e);
      }
      const m = outcome.manifest;
      const lines = [
        `restored ${file} into ${dataDir}: backup of ${m.dataDir} on ${m.host}, ${m.createdAt}, configurator ${m.configuratorVersion}`,
        ...m.files.map((f) => `  ${f.name}: ${whatOf(f.name)}`),
        `  ${describeDatabase(outcome.database)}`,
      ];
      if (outcome.replaced.length > 0) lines.push(`replaced: ${outcome.replaced.join(', ')}`);
      if (outcome.removed.length > 0)
        lines.push(`removed (not in the backup): ${outcome.removed.join(', ')}`);
      if (outcome.keyChanged)
        lines.push(
          `the configurator's key is the backup's, not the one replaced: devices that pinned the replaced key's URI will not trust this configurator`,
        );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
