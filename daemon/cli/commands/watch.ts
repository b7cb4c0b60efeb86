/**
 * `configurator watch`: a running daemon's progress, live, from its console's event stream
 * (GET /api/events with the viewer token from the data dir). The console is where the running
 * daemon says it is (its state file: the port it really got, the certificate it really serves),
 * else where the configuration puts it, or at `--url`. Under HTTPS only that certificate is
 * trusted (support/event-stream.ts). When the stream drops, watch says so and reconnects, finding
 * the console anew (a restarted daemon may serve elsewhere); Ctrl-C ends it with exit 0.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfiguratorError } from '../../../protocol/errors.js';
import { CERT_FILE, fingerprintOf } from '../../console/tls.js';
import { readTokens } from '../../console/tokens.js';
import { readDaemonState, type ConsoleAddress } from '../../service/state-file.js';
import { configuredConsole } from '../support/console-address.js';
import { dataDirOf } from '../support/data-dir.js';
import {
  openEventStream,
  type EventStream,
  type PinnedCertificate,
  type StreamTarget,
} from '../support/event-stream.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { LineView, TerminalView, type WatchView } from '../support/watch-view.js';

interface WatchOptions {
  config?: string;
  url?: string;
  json?: boolean;
}

/** Why no stream can be opened now; `fatal` when trying again cannot help. */
class NotReady extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

/** Until the console advises otherwise (its `retry:`), the pause before reconnecting. */
const DEFAULT_RETRY_MS = 3000;

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliExit(EXIT_INVALID_INPUT, `--url: "${text}" is not a URL (https://host:port/)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliExit(EXIT_INVALID_INPUT, `--url: "${text}" is neither http:// nor https://`);
  if (url.username !== '' || url.password !== '')
    throw new CliExit(
      EXIT_INVALID_INPUT,
      '--url: no user or password in the URL (the token comes from the data dir)',
    );
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

/** The configuration's view of the console; a file that cannot be read is no retry's matter. */
function configured(configPath: string | undefined, dataDir: string): ConsoleAddress | undefined {
  try {
    return configuredConsole(configPath, dataDir);
  } catch (e) {
    if (e instanceof ConfiguratorError) throw new NotReady(e.message, true);
    throw e;
  }
}

/** Where the console is and which certificate it serves, looked up at each (re)connection. */
function consoleOf(options: WatchOptions, dataDir: string, url: URL | undefined): ConsoleAddress {
  const running = readDaemonState(dataDir);
  if (url !== undefined) {
    if (url.protocol === 'http:') return { url: url.href };
    // Another address of this data dir's console: its certificate as served, else as configured.
    let certFile = running?.console?.certFile;
    if (certFile === undefined) {
      try {
        certFile = configuredConsole(options.config, dataDir)?.certFile;
      } catch {
        // no readable configuration: the data dir's own certificate
      }
    }
    return { url: url.href, certFile: certFile ?? resolve(dataDir, CERT_FILE) };
  }
  if (running === undefined)
    throw new NotReady(
      `no daemon is running on ${dataDir} (configurator start; --url for a console elsewhere)`,
      false,
    );
  // A daemon of an older version does not announce its console: the configuration says.
  const address = running.console ?? configured(options.config, dataDir);
  if (address === undefined)
    throw new NotReady(
      `the daemon on ${dataDir} runs without its console (console.enabled is false)`,
      true,
    );
  if (new URL(address.url).port === '0')
    throw new NotReady(
      `the daemon on ${dataDir} has not said yet where its console listens`,
      false,
    );
  return address;
}

function viewerToken(dataDir: string): string {
  let tokens;
  try {
    tokens = readTokens(dataDir);
  } catch (e) {
    if (e instanceof ConfiguratorError) throw new NotReady(e.message, true);
    throw e;
  }
  if (tokens === undefined)
    throw new NotReady(
      `no console tokens in ${dataDir}: the console makes them at its first start`,
      true,
    );
  return tokens.viewer;
}

/** The certificate to trust: the one the console serves, read from its file, and nothing else. */
function pinOf(certFile: string, dataDir: string): PinnedCertificate {
  let pem: string;
  try {
    pem = readFileSync(certFile, 'utf8');
  } catch (e) {
    throw new NotReady(
      `cannot read the console's certificate ${certFile} to trust it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      true,
    );
  }
  let fingerprint: string;
  try {
    fingerprint = fingerprintOf(pem);
  } catch {
    throw new NotReady(`${certFile}: not a PEM certificate`, true);
  }
  return {
    file: certFile,
    pem,
    fingerprint,
    withPublicRoots: certFile !== resolve(dataDir, CERT_FILE),
  };
}

function targetOf(options: WatchOptions, dataDir: string, url: URL | undefined): StreamTarget {
  const address = consoleOf(options, dataDir, url);
  const consoleUrl = new URL(address.url);
  const token = viewerToken(dataDir);
  if (consoleUrl.protocol !== 'https:') return { url: consoleUrl, token };
  return {
    url: consoleUrl,
    token,
    pin: pinOf(address.certFile ?? resolve(dataDir, CERT_FILE), dataDir),
  };
}

/** One `watch`: the stream followed until stopped, reconnected after each drop. */
class Watcher {
  private stopped = false;
  private current: EventStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  private view: WatchView | undefined;
  private retryMs = DEFAULT_RETRY_MS;

  constructor(
    private readonly options: WatchOptions,
    private readonly dataDir: string,
    private readonly url: URL | undefined,
    private readonly makeView: () => WatchView,
  ) {}

  /** Ctrl-C: close the stream, or end the pause before the next try. */
  stop(): void {
    this.stopped = true;
    this.current?.close();
    clearTimeout(this.timer);
    this.wakeUp?.();
  }

  close(): void {
    clearTimeout(this.timer);
    this.view?.close();
  }

  private pause(): Promise<void> {
    return new Promise<void>((done) => {
      this.wakeUp = done;
      this.timer = setTimeout(done, this.retryMs);
    });
  }

  /** Until stop(); throws CliExit when it cannot go on (at once when the first try fails). */
  async run(): Promise<void> {
    while (!this.stopped) {
      let target: StreamTarget;
      try {
        target = targetOf(this.options, this.dataDir, this.url);
      } catch (e) {
        if (!(e instanceof NotReady)) throw e;
        if (this.view === undefined || e.fatal) throw new CliExit(1, e.message);
        await this.pause();
        continue;
      }
      const again = this.view !== undefined;
      const stream = openEventStream(target, {
        onOpen: () => {
          this.view ??= this.makeView();
          this.view.opened(target.url.href, again);
        },
        onEvent: (type, data) => this.view?.event(type, data),
        onRetry: (ms) => (this.retryMs = Math.min(Math.max(ms, 500), 30_000)),
      });
      this.current = stream;
      const end = await stream.ended;
      this.current = undefined;
      if (this.stopped) return;
      if (end.opened)
        this.view?.notice(
          `the event stream from ${target.url.href} ended (${end.why}): the daemon stopped or restarted? reconnecting`,
        );
      else if (
        this.view === undefined ||
        end.failure.kind === 'certificate' ||
        end.failure.kind === 'refused'
      )
        throw new CliExit(
          1,
          end.failure.kind === 'refused'
            ? `${end.failure.message} (with the viewer token in ${this.dataDir})`
            : end.failure.message,
        );
      await this.pause();
    }
  }
}

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description(
      "a running daemon's progress, live, from its console: a progress bar on a terminal, one line per event otherwise",
    )
    .option(
      '--config <file>',
      'configuration file, for where the console is when the running daemon does not say (default as `start`)',
    )
    .option(
      '--url <url>',
      "this data dir's console at another address (an SSH tunnel, a host name); the token and the certificate are still the data dir's",
    )
    .option('--json', 'every event as one JSON line (the status every 2 s included)')
    .action(async (options: WatchOptions, command: Command) => {
      const dataDir = dataDirOf(command);
      const url = options.url === undefined ? undefined : parseUrl(options.url);
      const watcher = new Watcher(options, dataDir, url, () =>
        options.json === true
          ? new LineView(true)
          : process.stdout.isTTY === true
            ? new TerminalView()
            : new LineView(false),
      );
      const stop = (): void => watcher.stop();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        await watcher.run();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        watcher.close();
      }
    });
}
