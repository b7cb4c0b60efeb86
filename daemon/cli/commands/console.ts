/**
 * `configurator console token [--role R] [--rotate] [--json]`: the console's login tokens (made
 * at the daemon's first start, or here), where the console listens (as the running daemon
 * announces it, else as configured), and its certificate's fingerprint. `--rotate` gives a role a
 * new token; sessions opened with the old one end at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfiguratorError } from '../../../protocol/errors.js';
import { CERT_FILE, fingerprintOf } from '../../console/tls.js';
import {
  CONSOLE_ROLES,
  loadOrCreateTokens,
  rotateToken,
  type ConsoleRole,
} from '../../console/tokens.js';
import { consoleAddress } from '../support/console-address.js';
import { dataDirOf } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';

interface TokenOptions {
  role?: string;
  rotate?: boolean;
  json?: boolean;
  config?: string;
}

export function registerConsoleCommands(program: Command): void {
  const group = program
    .command('console')
    .description("the console's access (HTTP API and web page)");
  group
    .command('token')
    .description('print the login token (admin by default), or give a role a new one')
    .option('--role <role>', 'admin (every change) or viewer (read only)', 'admin')
    .option('--rotate', 'make a new token for the role; the old one stops working at once')
    .option('--json', 'print both tokens, the address and the fingerprint as JSON')
    .option(
      '--config <file>',
      'configuration file, for the address when no daemon runs (default as `start`)',
    )
    .action((options: TokenOptions, command: Command) => {
      const role = options.role ?? 'admin';
      if (!(CONSOLE_ROLES as readonly string[]).includes(role))
        throw new CliExit(EXIT_INVALID_INPUT, `--role: "${role}" is not admin or viewer`);
      const dataDir = dataDirOf(command);
      let tokens;
      let replacedBrokenFile = false;
      try {
        if (options.rotate === true)
          ({ tokens, replacedBrokenFile } = rotateToken(dataDir, role as ConsoleRole));
        else tokens = loadOrCreateTokens(dataDir).tokens;
      } catch (e) {
        if (e instanceof ConfiguratorError) throw new CliExit(1, e.message);
        throw e;
      }
      const address = consoleAddress(options.config, dataDir);
      const url = address?.url;
      const certPath = address?.certFile ?? join(dataDir, CERT_FILE);
      const fingerprint = existsSync(certPath)
        ? fingerprintOf(readFileSync(certPath, 'utf8'))
        : undefined;
      if (options.json === true) {
        process.stdout.write(
          `${JSON.stringify({ ...tokens, url: url ?? null, sha256: fingerprint ?? null })}\n`,
        );
        return;
      }
      process.stdout.write(`${tokens[role as ConsoleRole]}\n`);
      if (replacedBrokenFile)
        process.stderr.write('the token file could not be read: both roles have new tokens\n');
      else if (options.rotate === true)
        process.stderr.write(`a new ${role} token: sessions opened with the old one have ended\n`);
      if (url !== undefined) process.stderr.write(`console: ${url}\n`);
      if (fingerprint !== undefined) process.stderr.write(`certificate SHA-256: ${fingerprint}\n`);
    });
}
