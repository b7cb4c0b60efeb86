/**
 * Each bridge of the daemon, watched on its own: its ups and downs in the log and to the console,
 * its channel (put back whenever it comes up elsewhere: after a reset it starts on its own
 * default), its channel warning (logged when a plan is applied and whenever it comes up), and
 * what `status` says of it. One bridge going down touches nothing served through the others.
 */
import type { Logger } from 'pino';
import { bridgeLabel, type BridgeSetting } from '../config/bridges.js';
import type { BridgeChannel } from '../preflight/bridge-channels.js';
import type { RadioMember } from '../transports/radio-group.js';
import type { RadioInfo } from '../transports/radio-transport.js';
import { SerialBridgeTransport } from '../transports/serial-bridge.js';
import type { BridgeState } from './state-file.js';

/** One bridge going up or down, for whoever shows it (the console). */
export interface BridgeChange {
  /** Which, when there are several. */
  readonly bridge?: string | undefined;
  readonly up: boolean;
  /** Why it is down (the last reason the transport gave). */
  readonly reason?: string | undefined;
  readonly at: string;
}

interface Supervised {
  readonly member: RadioMember;
  setting: BridgeSetting;
  plan: BridgeChannel;
  downReason: string | undefined;
  /** Its warning was logged since it last went down: its next up need not say it again. */
  warned: boolean;
}

export interface BridgeSupervisorDeps {
  readonly log: Logger;
  readonly changed: (change: BridgeChange) => void;
}

export class BridgeSupervisor {
  private readonly bridges: Supervised[];

  /** `members`, `settings` and `plans` in the same order, one each. */
  constructor(
    members: readonly RadioMember[],
    settings: readonly BridgeSetting[],
    plans: readonly BridgeChannel[],
    private readonly deps: BridgeSupervisorDeps,
  ) {
    this.bridges = members.map((member, i) => ({
      member,
      setting: settings[i]!,
      plan: plans[i]!,
      downReason: 'not connected yet',
      warned: false,
    }));
    for (const b of this.bridges) this.watch(b);
  }

  /** Named in log lines and events only when there are several. */
  private fields(b: Supervised): { bridge?: string } {
    return this.bridges.length > 1 ? { bridge: b.member.name } : {};
  }

  private watch(b: Supervised): void {
    const { log } = this.deps;
    const t = b.member.transport;
    t.on('up', (info) => {
      b.downReason = undefined;
      log.info(
        {
          ...this.fields(b),
          mac: info.mac,
          channel: info.channel,
          maxPayload: info.maxPayload,
          firmware: info.firmware,
        },
        'radio up',
      );
      this.putOnChannel(b, info);
      if (b.plan.warning !== undefined && !b.warned) log.warn(b.plan.warning);
      b.warned = false;
      this.deps.changed({ ...this.fields(b), up: true, at: new Date().toISOString() });
    });
    t.on('down', (reason) => {
      b.downReason = reason;
      b.warned = false;
      log.warn(
        { ...this.fields(b), reason },
        this.bridges.length > 1
          ? 'radio down: its sessions keep their timers and resume if it returns; the other bridges serve on'
          : 'radio down: sessions keep their timers and resume if it returns',
      );
      this.deps.changed({ ...this.fields(b), up: false, reason, at: new Date().toISOString() });
    });
    t.on('problem', (e) => log.debug({ ...this.fields(b), code: e.code }, `radio: ${e.message}`));
  }

  private putOnChannel(b: Supervised, info: RadioInfo | null): void {
    const channel = b.plan.channel;
    if (info === null || info.channel === channel) return;
    void b.member.transport.setChannel(channel).then((okay) => {
      if (!okay)
        this.deps.log.error(
          { ...this.fields(b), channel },
          'the bridge refused the configured channel',
        );
    });
  }

  /** The channels the bridges are put on, in order. */
  get channels(): number[] {
    return this.bridges.map((b) => b.plan.channel);
  }

  get settings(): BridgeSetting[] {
    return this.bridges.map((b) => b.setting);
  }

  get plans(): BridgeChannel[] {
    return this.bridges.map((b) => b.plan);
  }

  /**
   * New channels and warnings (a scan answered, a reload): a bridge that is up moves at once;
   * what `auto` found and each warning are logged unless `quiet` (a plan made without a scan).
   */
  apply(
    settings: readonly BridgeSetting[],
    plans: readonly BridgeChannel[],
    { quiet = false }: { quiet?: boolean } = {},
  ): void {
    const { log } = this.deps;
    for (const [i, b] of this.bridges.entries()) {
      const plan = plans[i];
      if (plan === undefined) continue;
      const before = b.plan.channel;
      b.setting = settings[i] ?? b.setting;
      b.plan = plan;
      if (!quiet && plan.source === 'access point')
        log.info(
          { ...this.fields(b), channel: plan.channel, accessPoint: plan.accessPoint },
          `${bridgeLabel(b.setting)}: channel auto → ${plan.channel}, the channel of profile ${plan.profile}'s access point`,
        );
      if (!quiet && plan.warning !== undefined) {
        log.warn(plan.warning);
        b.warned = true;
      }
      if (plan.channel !== before) this.putOnChannel(b, b.member.transport.info);
    }
  }

  /** What `status` says of each bridge. */
  states(): BridgeState[] {
    return this.bridges.map((b) => {
      const t = b.member.transport;
      const info = t.info;
      const health = t.health;
      return {
        name: b.member.name,
        port: b.setting.port,
        ...(t instanceof SerialBridgeTransport && t.path !== null ? { path: t.path } : {}),
        profile: b.setting.profile,
        configuredChannel: b.setting.channel,
        plannedChannel: b.plan.channel,
        channelSource: b.plan.source,
        ...(b.plan.warning === undefined ? {} : { channelWarning: b.plan.warning }),
        up: info !== null,
        ...(info === null
          ? {
              downReason: health?.downReason ?? b.downReason,
              lastAttemptAt: health?.lastAttemptAt,
              nextAttemptAt: health?.nextAttemptAt,
            }
          : { mac: info.mac, channel: info.channel, firmware: info.firmware }),
      };
    });
  }
}
