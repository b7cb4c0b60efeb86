/**
 * Runs a Configurator machine against an Enrollee machine in memory, with a virtual clock and a
 * scriptable channel (drop, duplicate, tamper, delay), playing the engine's part for both:
 * timers, configuration decisions, applying the configuration, joining the network.
 */
import { DppStatus } from '../../protocol/dpp/attributes.js';
import {
  encodeConfigurationObject,
  encodeConnectionStatus,
  type ConfigurationObject,
} from '../../protocol/dpp/config-object.js';
import {
  stepConfigurator,
  type ConfiguratorSession,
} from '../../protocol/dpp/session/configurator.js';
import { stepEnrollee, type EnrolleeSession } from '../../protocol/dpp/session/enrollee.js';
import type {
  ConfiguratorEffect,
  ConfiguratorInput,
  ConfiguratorOutcome,
  EnrolleeEffect,
  EnrolleeInput,
  EnrolleeOutcome,
  TimerName,
} from '../../protocol/dpp/session/types.js';

/** The pair's queue holds inputs for either side; `deliver` hands each to its own machine. */
type Input = ConfiguratorInput | EnrolleeInput;
type Effect = ConfiguratorEffect | EnrolleeEffect;
import { utf8 } from '../../protocol/bytes.js';

export type Side = 'configurator' | 'enrollee';

export interface Transmission {
  readonly from: Side;
  readonly what: string;
  readonly bytes: Uint8Array;
  readonly retransmission: boolean;
  readonly at: number;
}

/** What the channel does with the n-th message (0-based, per sender) of a kind. */
export type ChannelAction =
  'deliver' | 'drop' | 'duplicate' | { tamper: (bytes: Uint8Array) => Uint8Array };
export type ChannelPolicy = (t: Transmission, index: number) => ChannelAction;

export const TEST_CONFIG: ConfigurationObject = {
  ssid: utf8('factory-floor'),
  credential: { akm: 'psk', pass: 'correct horse battery' },
  lwm2mBundle: Uint8Array.of(0x81, 0xa2, 0x00, 0x66),
};

export interface PairOptions {
  channel?: ChannelPolicy;
  /** Configurator engine's decision; default: deliver TEST_CONFIG and ask for connection status. */
  decide?: () => ConfiguratorInput;
  /** Enrollee's verdict on the configuration it received. */
  applyStatus?: number;
  /** Enrollee's connection status result code. */
  connectResult?: number;
  latencyMs?: number;
  limitMs?: number;
}

export interface PairResult {
  configurator: ConfiguratorSession;
  enrollee: EnrolleeSession;
  configuratorOutcome?: ConfiguratorOutcome | undefined;
  enrolleeOutcome?: EnrolleeOutcome | undefined;
  transmissions: Transmission[];
  effects: Array<{ side: Side; effect: Effect; at: number }>;
  elapsedMs: number;
}

interface Pending {
  at: number;
  seq: number;
  to: Side;
  input: Input;
}

export function runPair(
  configurator: ConfiguratorSession,
  enrollee: EnrolleeSession,
  opts: PairOptions = {},
): PairResult {
  const latency = opts.latencyMs ?? 5;
  const limit = opts.limitMs ?? 120_000;
  const channel = opts.channel ?? (() => 'deliver');
  const counters = new Map<string, number>();
  const queue: Pending[] = [];
  const timers = new Map<string, number>();
  const result: PairResult = {
    configurator,
    enrollee,
    transmissions: [],
    effects: [],
    elapsedMs: 0,
  };
  let now = 0;
  let seq = 0;

  const schedule = (at: number, to: Side, input: Input) =>
    queue.push({ at, seq: seq++, to, input });

  const apply = (side: Side, effects: Effect[]) => {
    for (const effect of effects) {
      result.effects.push({ side, effect, at: now });
      switch (effect.type) {
        case 'send': {
          const t: Transmission = {
            from: side,
            what: effect.what,
            bytes: effect.message,
            retransmission: effect.retransmission,
            at: now,
          };
          result.transmissions.push(t);
          const key = `${side}:${effect.what}`;
          const index = counters.get(key) ?? 0;
          counters.set(key, index + 1);
          const action = channel(t, index);
          const to: Side = side === 'configurator' ? 'enrollee' : 'configurator';
          if (action === 'drop') break;
          if (action === 'deliver')
            schedule(now + latency, to, { type: 'message', bytes: effect.message });
          else if (action === 'duplicate') {
            schedule(now + latency, to, { type: 'message', bytes: effect.message });
            schedule(now + latency + 1, to, { type: 'message', bytes: effect.message });
          } else
            schedule(now + latency, to, {
              type: 'message',
              bytes: action.tamper(new Uint8Array(effect.message)),
            });
          break;
        }
        case 'setTimer':
          timers.set(`${side}:${effect.timer}`, now + effect.ms);
          break;
        case 'clearTimer':
          timers.delete(`${side}:${effect.timer}`);
          break;
        case 'configurationRequested':
          schedule(
            now,
            side,
            opts.decide
              ? opts.decide()
              : {
                  type: 'configure',
                  configObject: encodeConfigurationObject(TEST_CONFIG),
                  sendConnStatus: true,
                },
          );
          break;
        case 'configurationReceived': {
          schedule(now + 1, side, {
            type: 'configApplied',
            status: opts.applyStatus ?? DppStatus.Ok,
          });
          if (effect.sendConnStatus && (opts.applyStatus ?? DppStatus.Ok) === DppStatus.Ok) {
            const connStatus = encodeConnectionStatus({
              result: opts.connectResult ?? DppStatus.Ok,
              ssid: TEST_CONFIG.ssid,
            });
            schedule(now + 200, side, { type: 'connectionAttempted', connStatus });
          }
          break;
        }
        case 'finished':
          if (side === 'configurator')
            result.configuratorOutcome = effect.outcome as ConfiguratorOutcome;
          else result.enrolleeOutcome = effect.outcome as EnrolleeOutcome;
          break;
        default:
          break;
      }
    }
  };

  const deliver = (to: Side, input: Input) => {
    if (to === 'configurator') {
      // Only configurator inputs are queued for it (configure/refuse come from its own effects).
      const r = stepConfigurator(result.configurator, input as ConfiguratorInput);
      result.configurator = r.session;
      apply('configurator', r.effects);
    } else {
      const r = stepEnrollee(result.enrollee, input as EnrolleeInput);
      result.enrollee = r.session;
      apply('enrollee', r.effects);
    }
  };

  if (configurator.role === 'initiator') deliver('configurator', { type: 'start' });
  else deliver('enrollee', { type: 'start' });

  while (now <= limit) {
    const bothDone =
      result.configurator.stage.name === 'done' && result.enrollee.stage.name === 'done';
    if (bothDone && queue.length === 0) break;
    let nextTimer: [string, number] | undefined;
    for (const entry of timers) if (!nextTimer || entry[1] < nextTimer[1]) nextTimer = entry;
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const nextMsg = queue[0];
    if (!nextMsg && !nextTimer) break;
    if (nextMsg && (!nextTimer || nextMsg.at <= nextTimer[1])) {
      queue.shift();
      now = Math.max(now, nextMsg.at);
      deliver(nextMsg.to, nextMsg.input);
    } else {
      const [key, at] = nextTimer!;
      timers.delete(key);
      now = Math.max(now, at);
      const [side, timer] = key.split(':') as [Side, TimerName];
      deliver(side, { type: 'timer', timer });
    }
  }
  result.elapsedMs = now;
  return result;
}
