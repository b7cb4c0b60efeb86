import type { Command } from 'commander';
import { encodeBootstrapKey } from '../../../protocol/dpp/bootstrap-key.js';
import { OWN_PROTOCOL_VERSION } from '../../../protocol/dpp/auth-common.js';
import { generateKeyPair } from '../../../protocol/dpp/crypto/p256.js';
import {
  describeDppUri,
  formatDppUri,
  parseChannelList,
  parseDppUri,
  parseHost,
  parseInfo,
  parseMac,
} from '../../../protocol/dpp/uri.js';
import type { Result } from '../../../protocol/errors.js';
import { writePrivateKeyFile } from '../../keys/key-file.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { isErrnoException } from '../support/errno.js';

interface GenerateOptions {
  outKey?: string;
  channel?: string;
  mac?: string;
  info?: string;
  host?: string;
}

export function registerUriCommands(program: Command): void {
  const uri = program.command('uri').description('parse and generate DPP bootstrapping URIs');

  uri
    .command('parse')
    .description('print what a DPP URI says as one JSON object')
    .argument('<uri>', "the URI, e.g. 'DPP:K:…;;'")
    .action((text: string) => {
      // QR readers and shells add whitespace and newlines; the parser itself is strict.
      const parsed = parseDppUri(text.trim());
      if (!parsed.ok) {
        throw new CliExit(EXIT_INVALID_INPUT, `invalid DPP URI: ${parsed.error.message}`);
      }
      process.stdout.write(`${JSON.stringify(describeDppUri(parsed.value))}\n`);
    });

  uri
    .command('generate')
    .description('create a P-256 bootstrapping key pair and print its DPP URI')
    .option(
      '--out-key <file>',
      'write the private key here (PKCS#8 PEM, mode 0600, never overwritten)',
    )
    .option('--channel <list>', 'channel list, e.g. 81/1,115/36')
    .option('--mac <mac>', 'MAC address, aa:bb:cc:dd:ee:ff or 12 hex digits')
    .option('--info <text>', 'information text (printable ASCII, no ";")')
    .option('--host <host>', 'host for DPP over TCP: IPv4, [IPv6] or DNS name, optional :port')
    .action((options: GenerateOptions) => {
      const channels =
        options.channel === undefined ? [] : option('--channel', parseChannelList(options.channel));
      const mac =
        options.mac === undefined ? null : option('--mac', parseMac(compactMac(options.mac)));
      const info = options.info === undefined ? null : option('--info', parseInfo(options.info));
      const host = options.host === undefined ? null : option('--host', parseHost(options.host));

      const keyPair = generateKeyPair();
      const text = formatDppUri({
        key: encodeBootstrapKey(keyPair.publicKey),
        channels,
        mac,
        info,
        version: OWN_PROTOCOL_VERSION,
        host,
        supportedCurves: null,
        unknownTokens: [],
      });
      if (options.outKey === undefined) {
        process.stderr.write('configurator: the private key was not saved (use --out-key FILE)\n');
      } else {
        try {
          writePrivateKeyFile(options.outKey, keyPair);
        } catch (e) {
          if (isErrnoException(e) && e.code === 'EEXIST') {
            throw new CliExit(
              EXIT_INVALID_INPUT,
              `refusing to overwrite ${options.outKey}: the file exists`,
            );
          }
          throw e;
        }
      }
      process.stdout.write(`${text}\n`);
    });
}

function option<T>(name: string, result: Result<T>): T {
  if (!result.ok) throw new CliExit(EXIT_INVALID_INPUT, `invalid ${name}: ${result.error.message}`);
  return result.value;
}

/** aa:bb:cc:dd:ee:ff (or with '-') to the URI's 12 hex digits; anything else is left to parseMac. */
function compactMac(text: string): string {
  return /^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(text) ? text.replace(/[:-]/g, '') : text;
}
