import type { Command } from 'commander';
import { loadConfigForCli } from '../support/load-config.js';
import { createLogger } from '../../logging.js';
import { ConfiguratorDaemon } from '../../service/daemon.js';
import { SystemdNotifier } from '../../service/sd-notify.js';
import { openStores, recoverInterruptedSessions } from '../../service/stores.js';
import { warnEntriesWithUnknownProfiles } from '../../service/known-profiles.js';
import { createRadio } from '../../service/radio.js';
import { createBundleBuilder } from '../../service/bundles.js';
import { dataDirOf } from '../support/data-dir.js';
import { ConfiguratorError } from '../../../protocol/errors.js';
import type { ConsoleServer } from '../../console/server.js';
import type { DaemonConfig } from '../../config/load.js';
import { whyNotServable } from '../../config/servable.js';
import { Reloader } from '../../service/reload.js';
import { startConsole } from '../../console/start-console.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { activeAesSivBackendName } from '../../../protocol/dpp/crypto/aes-siv.js';
import { activeHashBackendName } from '../../../protocol/dpp/crypto/kdf.js';
import { nativeCryptoUnavailableReason } from '../../../protocol/dpp/crypto/native-backend.js';
import { activeEcBackendName } from '../../../protocol/dpp/crypto/p256.js';
import { preflightInBackground } from '../../preflight/at-start.js';
import { sharedScan } from '../../preflight/shared-scan.js';

interface StartOptions {
  config?: string;
}

/** Which crypto code serves the exchanges, and why not the native one when it does not. */
function cryptoBackends(): Record<string, string> {
  return {
    ec: activeEcBackendName(),
    aesSiv: activeAesSivBackendName(),
    hash: activeHashBackendName(),
    ...(nativeCryptoUnavailableReason === undefined
      ? {}
      : { nativeUnavailable: nativeCryptoUnavailableReason }),
  };
}

/** `configurator start`: run the daemon until SIGINT/SIGTERM; SIGHUP reloads its configuration. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run the configurator daemon (until SIGINT or SIGTERM; SIGHUP reloads the configuration)',
    )
    .option(
      '--config <file>',
      'configuration file, YAML or JSON (default: $CONFIGURATOR_CONFIG or <data dir>/config.yaml)',
    )
    .action(async (options: StartOptions, command: Command) => {
      const dataDir = dataDirOf(command);
      const config = loadConfigForCli(options.config, dataDir);
      const unservable = whyNotServable(config, dataDir);
      if (unservable !== undefined) throw new CliExit(EXIT_INVALID_INPUT, unservable);
      // Records wait up to a group-commit window; an uncaught exception ends the process, and
      // what was recorded until then must still reach the disk. Registered before the logger,
      // whose own exit handler writes out its buffer: lines the last commit logs come before it.
      const atExit: { commit?: () => void } = {};
      process.once('exit', () => atExit.commit?.());
      const log = createLogger({ level: config.log.level, format: config.log.format });
      for (const w of config.warnings) log.warn(w);
      const notifier = new SystemdNotifier(log);
      // Installed before anything starts: a signal's default action would end the process at
      // once, without its last records and log lines. A stop or a reload asked for before the
      // daemon is up is carried out once it is.
      const reload: { run?: () => void; asked: boolean } = { asked: false };
      process.on('SIGHUP', () => (reload.run === undefined ? (reload.asked = true) : reload.run()));
      const stop: { run?: (signal: NodeJS.Signals) => void; asked?: NodeJS.Signals } = {};
      const onStopSignal = (signal: NodeJS.Signals): void =>
        stop.run === undefined ? void (stop.asked ??= signal) : stop.run(signal);
      process.on('SIGINT', onStopSignal);
      process.on('SIGTERM', onStopSignal);
      const bundleWarnings: string[] = [];
      const bundles = createBundleBuilder(config, bundleWarnings);
      if (!bundles.ok) throw new CliExit(EXIT_INVALID_INPUT, bundles.error.message);
      for (const w of bundleWarnings) log.warn(w);
      const stores = openStores(dataDir, log);
      atExit.commit = () => stores.commit();
      recoverInterruptedSessions(dataDir, stores, log);
      warnEntriesWithUnknownProfiles(stores.whitelistStore, config.profiles.keys(), log);
      const radio = createRadio(config, log);
      // The preflight and the bridges' channels hear the air once at start.
      const scan = sharedScan();
      const daemon = await ConfiguratorDaemon.start({
        scanWifi: scan,
        publishState: true,
        controlSocket: true,
        config,
        dataDir,
        log,
        stores,
        radio,
        bundles: bundles.value,
      });
      let consoleServer: ConsoleServer | undefined;
      const serveConsole = async (c: DaemonConfig): Promise<void> => {
        consoleServer = c.console.enabled
          ? await startConsole({ config: c, dataDir, log, stores, daemon })
          : undefined;
        if (consoleServer === undefined) daemon.consoleInfo = undefined;
      };
      try {
        await serveConsole(config);
      } catch (e) {
        await daemon.stop(0);
        if (e instanceof ConfiguratorError) throw new CliExit(EXIT_INVALID_INPUT, e.message);
        throw e;
      }
      let consoleConfig = config;
      const reloader = new Reloader(
        {
          configPath: options.config,
          dataDir,
          daemon,
          log,
          notifier,
          whitelist: stores.whitelistStore,
          // The old one goes first (the new one may want its port); if the new one cannot
          // start, the old settings are served again.
          restartConsole: async (next) => {
            await consoleServer?.stop();
            try {
              await serveConsole(next);
              consoleConfig = next;
            } catch (e) {
              await serveConsole(consoleConfig).catch(() => undefined);
              throw e;
            }
          },
        },
        config,
      );
      reload.run = () => void reloader.reload();
      if (reload.asked) reload.run();
      log.info(
        {
          dataDir,
          config: config.file ?? '(defaults)',
          profiles: [...config.profiles.keys()],
          crypto: cryptoBackends(),
        },
        'configurator running',
      );
      notifier.ready(`running; ${config.profiles.size} profile(s)`);
      void preflightInBackground(config, log, scan);

      await new Promise<void>((resolve) => {
        let stopping = false;
        stop.run = (signal: NodeJS.Signals): void => {
          if (stopping) {
            log.warn(`${signal} again: exiting now`);
            process.exit(1);
          }
          stopping = true;
          log.info(
            `${signal}: finishing running sessions (up to ${config.sessions.shutdownGraceMs} ms)`,
          );
          notifier.stopping();
          void (consoleServer?.stop() ?? Promise.resolve())
            .then(() => daemon.stop())
            .then((r) => {
              log.info(r, 'stopped');
              notifier.close();
              resolve();
            });
        };
        if (stop.asked !== undefined) stop.run(stop.asked);
        // A failed promise somewhere must not end the service; a thrown exception leaves unknown
        // state, so that one ends it and systemd restarts us (sessions resume from the database).
        process.on('unhandledRejection', (reason) =>
          log.error({ err: reason }, 'unhandled rejection'),
        );
      });
    });
}
