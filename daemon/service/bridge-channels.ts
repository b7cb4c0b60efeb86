/**
 * The bridges' channels: planned before they open (`auto` waits for the scan of the air), and again
 * at every reload, where a bridge moves only when its settings changed or the scan tells it to.
 * A newer plan always wins over an older scan that answers late.
 */
import type { Logger } from 'pino';
import type { BridgeSetting } from '../config/bridges.js';
import type { DaemonConfig } from '../config/load.js';
import {
  needsScan,
  planBridgeChannels,
  type BridgeChannel,
  type KeepChannel,
} from '../preflight/bridge-channels.js';
import type { ScanResult } from '../preflight/wifi-scan.js';
import type { BridgeSupervisor } from './bridge-supervisor.js';

export interface BridgeChannelsDeps {
  /** The bridges; undefined without a radio (a reload still says what needs a restart). */
  readonly supervisor: BridgeSupervisor | undefined;
  readonly log: Pick<Logger, 'info'>;
  /** Hears the air: NetworkManager's nmcli, or a test's stand-in. */
  readonly scanWifi: () => Promise<ScanResult>;
  /** Whether the daemon stops: a scan that answers then changes nothing. */
  readonly stopped: () => boolean;
}

export class BridgeChannels {
  /** Bumped by every channel plan asked for and every reload, so an older scan answering late is ignored. */
  private generation = 0;
  /** Bridges (by index) whose configuration a reload changed since a scan last placed them. */
  private readonly reconfigured = new Set<number>();

  constructor(private readonly deps: BridgeChannelsDeps) {}

  /**
   * The bridges' channels and profiles apply at once (a fixed channel now, `auto` once the scan
   * answers: the air is heard again at every reload, so a fallback is retried). An `auto` bridge
   * stays on its channel unless the scan tells it to move (see planBridgeChannels' `keep`).
   * Adding, removing, renaming or moving a bridge to another port waits for a restart.
   */
  reconfigure(
    next: DaemonConfig,
    before: DaemonConfig,
  ): { applied: string[]; restartNeeded: string[] } {
    const was = before.radio.bridges;
    const now = next.radio.bridges;
    const sameSet =
      now.length === was.length &&
      now.every((b, i) => b.port === was[i]!.port && b.name === was[i]!.name);
    if (!sameSet) {
      // The settings in force stay, so a scan still pending for them may still land.
      const form = now.some((b) => b.key !== 'radio') || was.some((b) => b.key !== 'radio');
      return { applied: [], restartNeeded: [form ? 'radio.bridges' : 'radio.port'] };
    }
    // A scan still pending (from start, or an earlier reload) would apply the older settings.
    this.generation++;
    const applied = now.flatMap((b, i) => [
      ...(b.channel !== was[i]!.channel ? [`${b.key}.channel`] : []),
      ...(b.profile !== was[i]!.profile ? [`${b.key}.profile`] : []),
    ]);
    const ssid = (config: DaemonConfig, profile: string): string | undefined =>
      config.profiles.get(profile)?.ssid;
    now.forEach((b, i) => {
      const old = was[i]!;
      if (
        b.channel !== old.channel ||
        b.profile !== old.profile ||
        ssid(next, b.profile) !== ssid(before, old.profile)
      )
        this.reconfigured.add(i);
    });
    const supervisor = this.deps.supervisor;
    if (supervisor === undefined || now.length === 0) return { applied, restartNeeded: [] };
    const current = supervisor.plans;
    const keep = now.map((_, i): KeepChannel | undefined =>
      current[i] === undefined
        ? undefined
        : { channel: current[i].channel, changed: this.reconfigured.has(i) },
    );
    // Fixed channels now; an `auto` bridge stays where it is until the scan answers (one that was
    // `auto` keeps its plan as it was, one that turned `auto` its channel).
    const interim = planBridgeChannels(now, next.profiles, undefined, keep).map(
      (plan, i): BridgeChannel =>
        now[i]!.channel === 'auto' && current[i]?.configured === 'auto' ? current[i] : plan,
    );
    supervisor.apply(now, interim, { quiet: true });
    if (needsScan(now) || next.radio.preflight) void this.replan(now, next.profiles, keep);
    return { applied, restartNeeded: [] };
  }

  /**
   * The bridges' channels before they open. `auto` waits for the scan (nmcli answers within
   * seconds, 30 s at most): a bridge that opened on a guess and moved would break the sessions
   * begun on it. Fixed channels only need the scan for their warnings, which come when it answers.
   */
  async planAtStart(config: DaemonConfig): Promise<void> {
    const bridges = this.deps.supervisor;
    if (bridges === undefined) return;
    const settings = bridges.settings;
    if (needsScan(settings)) {
      this.deps.log.info(
        'a bridge has channel auto: hearing the access points (nmcli) before the bridges open',
      );
      await this.replan(settings, config.profiles);
    } else if (config.radio.preflight) {
      void this.replan(settings, config.profiles);
    }
  }

  /**
   * Scan, then put each bridge on its channel and say its warnings; a newer plan wins. `keep`: a
   * reload's view of where each bridge is now (see planBridgeChannels).
   */
  private async replan(
    settings: readonly BridgeSetting[],
    profiles: DaemonConfig['profiles'],
    keep?: readonly (KeepChannel | undefined)[],
  ): Promise<void> {
    const generation = ++this.generation;
    const scan = await this.deps.scanWifi().catch((e: unknown): ScanResult => ({
      ok: false,
      reason: e instanceof Error ? e.message : String(e),
    }));
    if (this.deps.stopped() || generation !== this.generation) return;
    if (!scan.ok && !needsScan(settings))
      // The preflight says it once for all; no channel is at stake.
      return;
    this.deps.supervisor?.apply(settings, planBridgeChannels(settings, profiles, scan, keep));
    this.reconfigured.clear();
  }
}
