/**
 * Where the daemon and the admin commands keep their state (database, own key, per-device keys):
 * `--data-dir DIR`, else $CONFIGURATOR_DATA_DIR, else the user's data directory. The systemd unit
 * sets CONFIGURATOR_DATA_DIR=/var/lib/dpp-configurator.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { databasePath, openDatabase, type Database } from '../../../whitelist/database.js';
import { CliExit } from './exit.js';

export const DATA_DIR_ENV = 'CONFIGURATOR_DATA_DIR';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const xdg = env['XDG_DATA_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.local', 'share');
  return join(base, 'dpp-configurator');
}

/** The data dir for a command: the global `--data-dir` option wins over the environment. */
export function dataDirOf(command: Command): string {
  const opts = command.optsWithGlobals<{ dataDir?: string }>();
  return opts.dataDir !== undefined ? resolve(opts.dataDir) : defaultDataDir();
}

/** For commands that read what is there: no database means a wrong --data-dir, not an empty one. */
export function requireDatabase(dataDir: string, consequence: string): void {
  if (!existsSync(databasePath(dataDir)))
    throw new CliExit(
      1,
      `no database at ${databasePath(dataDir)}: ${consequence} (is --data-dir right?)`,
    );
}

/** The database, read-only, for the commands that report (status, devices, audit). */
export function openDatabaseForReading(dataDir: string): Database {
  if (!existsSync(databasePath(dataDir))) {
    throw new CliExit(
      1,
      `no database in ${dataDir}: start the daemon or import a whitelist first (--data-dir or $${DATA_DIR_ENV})`,
    );
  }
  return openDatabase(dataDir, { readonly: true });
}
