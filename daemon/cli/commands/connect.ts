/**
 * `configurator connect HOST:PORT --device HASH`: provision one whitelisted device that listens
 * for DPP over TCP (hostap: DPP_CONTROLLER_START role=enrollee), as initiator. The running daemon
 * does it when one answers on the data dir's control socket (the session is then in its records
 * and status); with no daemon running, a daemon in this process does, on the same stores,
 * profiles and per-device secrets. Either way a device the daemon would refuse is refused before
 * any connection is opened.
 */
import type { Command } from 'commander';
import { ConfiguratorError } from '../../../protocol/errors.js';
import { WhitelistErrorCode } from '../../../whitelist/errors.js';
import { MIN_HASH_PREFIX } from '../../../whitelist/find-entry.js';
import { DaemonErrorCode } from '../../errors.js';
import { createLogger } from '../../logging.js';
import { createBundleBuilder } from '../../service/bundles.js';
import {
  controlSocketPath,
  type ConnectRequest,
  type ErrorReply,
  type OutcomeReply,
} from '../../service/control-protocol.js';
import { ConfiguratorDaemon } from '../../service/daemon.js';
import type { ConnectProgress } from '../../service/outgoing-sessions.js';
import { readDaemonState } from '../../service/state-file.js';
import { openStores } from '../../service/stores.js';
import { askDaemon } from '../support/control-client.js';
import { dataDirOf, requireDatabase } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { loadConfigForCli } from '../support/load-config.js';

interface ConnectOptions {
  device: string;
  config?: string;
}

/** Refusals that are about what the admin typed: exit 2, as for the whitelist commands. */
const INPUT_ERRORS: ReadonlySet<number> = new Set([
  WhitelistErrorCode.WhitelistBadEntry,
  WhitelistErrorCode.WhitelistNotFound,
  WhitelistErrorCode.WhitelistAmbiguousPrefix,
  DaemonErrorCode.ControlBadRequest,
]);

function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 1 && port <= 65535)) {
    throw new CliExit(EXIT_INVALID_INPUT, `"${text}" is not HOST:PORT (IPv6 as [addr]:port)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

/** Progress and the way it went, for people, on stderr; the outcome alone goes to stdout. */
function note(text: string): void {
  process.stderr.write(`connect: ${text}\n`);
}

function showProgress(p: ConnectProgress): void {
  note(p.state);
}

function refusal(error: Pick<ErrorReply, 'code' | 'message'>): CliExit {
  return new CliExit(INPUT_ERRORS.has(error.code) ? EXIT_INVALID_INPUT : 1, error.message);
}

function report(outcome: Omit<OutcomeReply, 'type'>): void {
  const { keyHash, state, reason } = outcome;
  process.stdout.write(`${keyHash} ${state}${reason === undefined ? '' : `: ${reason}`}\n`);
  if (state !== 'provisioned' && state !== 'connected') process.exitCode = 1;
}

export function registerConnectCommand(program: Command): void {
  program
    .command('connect')
    .description('provision a whitelisted device that listens for DPP over TCP, as initiator')
    .argument('<host:port>', 'where the device listens')
    .requiredOption(
      '--device <hash>',
      `its whitelist entry: the key hash, or a unique prefix of at least ${MIN_HASH_PREFIX} hex digits`,
    )
    .option('--config <file>', 'configuration file, when no daemon runs (default as for start)')
    .action(async (target: string, options: ConnectOptions, command: Command) => {
      const { host, port } = parseHostPort(target);
      const dataDir = dataDirOf(command);
      const request: ConnectRequest = { op: 'connect', host, port, device: options.device };
      const path = controlSocketPath(dataDir);
      let answer;
      try {
        answer = await askDaemon(path, request, {
          onConnected: () => {
            note(`through the running daemon (${path})`);
            if (options.config !== undefined)
              note('--config is not used: the running daemon has its own configuration');
          },
          onProgress: showProgress,
        });
      } catch (e) {
        if (e instanceof ConfiguratorError) throw new CliExit(1, e.message);
        throw e;
      }
      if (answer?.type === 'error') throw refusal(answer);
      if (answer !== undefined) return report(answer);

      const running = readDaemonState(dataDir);
      if (running !== undefined)
        throw new CliExit(
          1,
          `a daemon runs on ${dataDir} (pid ${running.pid}) but does not answer on ${path} ` +
            '(its log says why): a second one here would compete with it; fix that, or stop it',
        );
      note(`no daemon runs on ${dataDir}: running the session in this process`);
      await connectInProcess(dataDir, options.config, request);
    });
}

/** No daemon runs: one in this process, without listeners, for this one session. */
async function connectInProcess(
  dataDir: string,
  configPath: string | undefined,
  request: ConnectRequest,
): Promise<void> {
  requireDatabase(dataDir, 'no whitelist to connect a device from');
  const config = loadConfigForCli(configPath, dataDir);
  const bundles = createBundleBuilder(config);
  if (!bundles.ok) throw new CliExit(EXIT_INVALID_INPUT, bundles.error.message);
  const log = createLogger({
    level: config.log.level,
    format: config.log.format,
    destination: process.stderr,
  });
  const daemon = await ConfiguratorDaemon.start({
    config: { ...config, tcp: { ...config.tcp, enabled: false } },
    dataDir,
    log,
    stores: openStores(dataDir, log),
    bundles: bundles.value,
  });
  try {
    report(await daemon.connectOut(request, showProgress));
  } catch (e) {
    if (e instanceof ConfiguratorError) throw refusal({ code: e.code, message: e.message });
    throw e;
  } finally {
    await daemon.stop(0);
  }
}
