/**
 * SIGHUP (`systemctl reload`): read the configuration again and apply it without dropping a
 * session. A configuration that does not load or check is refused with its reason, key named, and
 * the running one stays. The log level and the console's settings apply too; what only a restart
 * changes (listeners, serial port, session timings) is named in the log.
 */
import type { Logger } from 'pino';
import { ConfiguratorError } from '../../protocol/errors.js';
import { loadConfig, type DaemonConfig } from '../config/load.js';
import { whyNotServable } from '../config/servable.js';
import { createBundleBuilder } from './bundles.js';
import type { WhitelistStore } from '../../whitelist/whitelist-store.js';
import type { ConfiguratorDaemon } from './daemon.js';
import { warnEntriesWithUnknownProfiles } from './known-profiles.js';
import type { SystemdNotifier } from './sd-notify.js';

export interface ReloadDeps {
  readonly configPath: string | undefined;
  readonly dataDir: string;
  readonly daemon: ConfiguratorDaemon;
  readonly log: Logger;
  readonly notifier: SystemdNotifier;
  /** Entries naming a profile the new configuration lacks are warned of, as at start. */
  readonly whitelist?: WhitelistStore | undefined;
  /** Serve the console by the new settings (stop, start again); throws when it cannot. */
  readonly restartConsole: (next: DaemonConfig) => Promise<void>;
}

export class Reloader {
  private running: Promise<void> = Promise.resolve();
  private current: DaemonConfig;

  constructor(
    private readonly deps: ReloadDeps,
    started: DaemonConfig,
  ) {
    this.current = started;
  }

  /** One reload after another: a second SIGHUP during a reload waits for it. */
  reload(): Promise<void> {
    this.running = this.running.then(() => this.reloadOnce());
    return this.running;
  }

  private async reloadOnce(): Promise<void> {
    const { log, notifier, daemon } = this.deps;
    log.info('SIGHUP: reading the configuration again');
    notifier.reloading();
    const refuse = (why: string): void => {
      log.error(`configuration reload refused, the running configuration stays: ${why}`);
      notifier.reloaded('running; the last reload was refused (see the log)');
    };
    let next: DaemonConfig;
    try {
      next = loadConfig({ configPath: this.deps.configPath, dataDir: this.deps.dataDir });
    } catch (e) {
      return refuse(e instanceof ConfiguratorError ? e.message : String(e));
    }
    const unservable = whyNotServable(next, this.deps.dataDir);
    if (unservable !== undefined) return refuse(unservable);
    const warnings: string[] = [...next.warnings];
    const bundles = createBundleBuilder(next, warnings);
    if (!bundles.ok) return refuse(bundles.error.message);
    for (const w of warnings) log.warn(w);

    const result = daemon.reconfigure(next, bundles.value);
    const applied = [...result.applied];
    if (next.log.level !== this.current.log.level) {
      log.level = next.log.level;
      applied.push('log.level');
    }
    const restartNeeded = [...result.restartNeeded];
    if (next.log.format !== this.current.log.format) restartNeeded.push('log.format');
    if (JSON.stringify(next.console) !== JSON.stringify(this.current.console)) {
      try {
        await this.deps.restartConsole(next);
        applied.push('console');
      } catch (e) {
        log.error(
          `console: the new settings could not be applied: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    this.current = next;
    log.info({ applied, restartNeeded }, 'configuration reloaded');
    if (this.deps.whitelist !== undefined)
      warnEntriesWithUnknownProfiles(this.deps.whitelist, next.profiles.keys(), log);
    notifier.reloaded(`running; ${next.profiles.size} profile(s)`);
  }
}
