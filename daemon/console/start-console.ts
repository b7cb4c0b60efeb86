/**
 * The console as the daemon's commands start it: on the daemon's SQLite stores, with the
 * configuration's `console` settings, announced in the log with its address and, under TLS, the
 * certificate's fingerprint, and in the daemon's state file with its certificate's path too (what
 * `configurator watch` pins).
 */
import type { Logger } from 'pino';
import type { DaemonConfig } from '../config/load.js';
import type { ConfiguratorDaemon } from '../service/daemon.js';
import type { SqliteStores } from '../service/stores.js';
import type { ConsoleStores } from './context.js';
import { ConsoleServer } from './server.js';

/** The admin's stores among the daemon's SQLite ones. */
export function consoleStoresOf(stores: SqliteStores): ConsoleStores {
  return {
    whitelist: stores.whitelistStore,
    devices: stores.deviceStore,
    audit: stores.auditLog,
    unlisted: stores.unlistedStore,
  };
}

export async function startConsole(options: {
  readonly config: DaemonConfig;
  readonly dataDir: string;
  readonly log: Logger;
  readonly stores: SqliteStores;
  readonly daemon: ConfiguratorDaemon;
  /** Instead of console.port (the demo asks for any free port). */
  readonly port?: number | undefined;
}): Promise<ConsoleServer> {
  const { config, stores, log } = options;
  const server = await ConsoleServer.start({
    settings: { ...config.console, port: options.port ?? config.console.port },
    dataDir: options.dataDir,
    baseDir: config.baseDir,
    log: log.child({ component: 'console' }),
    stores: consoleStoresOf(stores),
    daemon: options.daemon,
  });
  options.daemon.consoleInfo = {
    url: server.url,
    sha256: server.tls?.fingerprint,
    certFile: server.tls?.certFile,
  };
  log.info(
    {
      url: server.url,
      ...(server.tls === undefined
        ? {}
        : {
            certificate: server.tls.selfSigned ? 'self-signed' : 'configured',
            sha256: server.tls.fingerprint,
          }),
    },
    'console ready (`configurator console token` prints the login tokens)',
  );
  return server;
}
