import type { Command } from 'commander';
import QRCode from 'qrcode';
import { toHex } from '../../../protocol/bytes.js';
import { attempt } from '../../../protocol/errors.js';
import { identityPath, identityUri, loadOrCreateIdentity } from '../../keys/identity.js';
import { dataDirOf } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';

interface IdentityOptions {
  json?: boolean;
  qr?: boolean;
  channel?: string;
  host?: string;
}

/** `configurator identity`: our DPP URI (and QR code) for enrollees that authenticate us too. */
export function registerIdentityCommand(program: Command): void {
  program
    .command('identity')
    .description("print the configurator's DPP URI and a QR code (creates the key on first use)")
    .option('--json', 'print {uri, keyHash, keyFile, created} as JSON')
    .option('--no-qr', 'print the URI only')
    .option('--channel <n>', 'add the ESP-NOW channel (operating class 81) to the URI')
    .option('--host <host:port>', 'add where we listen for DPP over TCP to the URI')
    .action(async (options: IdentityOptions, command: Command) => {
      const dataDir = dataDirOf(command);
      const channel = options.channel === undefined ? undefined : Number(options.channel);
      if (
        channel !== undefined &&
        !(/^\d{1,2}$/.test(options.channel ?? '') && channel >= 1 && channel <= 14)
      ) {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--channel: "${options.channel}" is not a channel 1–14`,
        );
      }
      const { identity, created } = loadOrCreateIdentity(dataDir);
      const formatted = attempt(() =>
        identityUri(identity, {
          ...(channel !== undefined ? { channels: [channel] } : {}),
          ...(options.host !== undefined ? { host: options.host } : {}),
        }),
      );
      // Only --host can make the URI unformattable.
      if (!formatted.ok)
        throw new CliExit(EXIT_INVALID_INPUT, `--host: ${formatted.error.message}`);
      const uri = formatted.value;
      if (options.json === true) {
        process.stdout.write(
          `${JSON.stringify({ uri, keyHash: toHex(identity.hash), keyFile: identityPath(dataDir), created })}\n`,
        );
        return;
      }
      if (created) process.stderr.write(`created ${identityPath(dataDir)} (mode 0600)\n`);
      if (options.qr !== false) {
        // Small (half-block) QR code; the URI is printed below it for copy and paste.
        process.stdout.write(
          await QRCode.toString(uri, {
            type: process.stdout.isTTY ? 'terminal' : 'utf8',
            small: true,
            errorCorrectionLevel: 'L',
          }),
        );
      }
      process.stdout.write(`${uri}\n`);
    });
}
