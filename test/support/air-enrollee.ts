/**
 * A minimal Enrollee on the in-memory air for the engine's tests: chirps its Presence
 * Announcement, then runs the pure Enrollee machine as responder, applies whatever it is sent and
 * reports a Connection Status. The full simulated device (faults, AP check, fleet) lives in
 * enrollee-sim/; this one exists so the engine's tests depend on protocol/ only.
 */
import { utf8 } from '../../protocol/bytes.js';
import type { BootstrapIdentity, PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import { chirpHash } from '../../protocol/dpp/bootstrap-key.js';
import { buildPresenceAnnouncement } from '../../protocol/dpp/config-exchange.js';
import {
  encodeConnectionStatus,
  parseConfigurationObject,
  type ConfigurationObject,
} from '../../protocol/dpp/config-object.js';
import {
  createEnrolleeResponder,
  stepEnrollee,
  type EnrolleeSession,
} from '../../protocol/dpp/session/enrollee.js';
import type { Effect, Input, Outcome, SessionTimings } from '../../protocol/dpp/session/types.js';
import { fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import type { RadioFrame } from '../../daemon/transports/radio-transport.js';
import { BROADCAST } from '../../daemon/transports/radio-transport.js';

export interface AirEnrolleeOptions {
  readonly identity: BootstrapIdentity;
  /** Send the whole key in the announcement (default) or only the chirp hash. */
  readonly announceKey?: boolean;
  /** Announce this key instead of our own (a spoofer copies a whitelisted device's key). */
  readonly announcedKey?: BootstrapIdentity['key'];
  readonly pinnedConfigurator?: PeerBootstrap;
  readonly requireMutual?: boolean;
  readonly chirpMs?: number;
  readonly serial?: string;
  readonly timings?: SessionTimings;
  /** After a failed session, start announcing again (as a real device does), this many times. */
  readonly retries?: number;
}

/** What the enrollee needs of the air: an in-memory endpoint or a node on the simulated radio. */
export interface AirEndpoint {
  readonly mac: string;
  onFrame: (frame: RadioFrame) => void;
  send(dst: string, payload: Uint8Array): Promise<unknown>;
}

export class AirEnrollee {
  private session: EnrolleeSession | undefined;
  private readonly reassembler = new Reassembler();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private chirpTimer: NodeJS.Timeout | undefined;
  private messageId = 1;
  private peerMac: string | undefined;
  outcome: Outcome | undefined;
  config: ConfigurationObject | undefined;
  chirps = 0;
  failures = 0;
  private retriesLeft: number;
  private resolveDone: ((o: Outcome) => void) | undefined;
  readonly done: Promise<Outcome>;

  constructor(
    readonly endpoint: AirEndpoint,
    private readonly options: AirEnrolleeOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.retriesLeft = options.retries ?? 0;
    endpoint.onFrame = (f) => {
      const bytes = this.reassembler.push(f.src, f.payload, performance.now());
      if (bytes === null || f.broadcast) return;
      if (this.session === undefined) {
        this.peerMac = f.src;
        this.stopChirping();
        this.session = createEnrolleeResponder({
          own: options.identity,
          peer: options.pinnedConfigurator,
          requireMutual: options.requireMutual ?? false,
          configRequest: {
            name: 'sim',
            wifiTech: 'infra',
            netRole: 'sta',
            deviceInfo: { serial: options.serial ?? 'SN-1' },
          },
          ...(options.timings ? { timings: options.timings } : {}),
        });
      }
      if (f.src === this.peerMac) this.input({ type: 'message', bytes });
    };
  }

  start(): this {
    const key = this.options.announcedKey ?? this.options.identity.key;
    const announcement = buildPresenceAnnouncement(
      chirpHash(key),
      this.options.announceKey === false ? undefined : key.der,
    );
    const chirp = (): void => {
      this.chirps++;
      for (const p of fragmentDppMessage(announcement, this.messageId++ & 0xffff, 250)) {
        void this.endpoint.send(BROADCAST, p);
      }
    };
    chirp();
    this.chirpTimer = setInterval(chirp, this.options.chirpMs ?? 200);
    return this;
  }

  private stopChirping(): void {
    if (this.chirpTimer !== undefined) clearInterval(this.chirpTimer);
    this.chirpTimer = undefined;
  }

  stop(): void {
    this.stopChirping();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private input(input: Input): void {
    if (this.session === undefined) return;
    const { session, effects } = stepEnrollee(this.session, input);
    this.session = session;
    for (const e of effects) this.apply(e);
  }

  private apply(e: Effect): void {
    switch (e.type) {
      case 'send':
        for (const p of fragmentDppMessage(e.message, this.messageId++ & 0xffff, 250)) {
          void this.endpoint.send(this.peerMac!, p);
        }
        return;
      case 'setTimer': {
        const old = this.timers.get(e.timer);
        if (old !== undefined) clearTimeout(old);
        const timer = e.timer;
        this.timers.set(
          timer,
          setTimeout(() => this.input({ type: 'timer', timer }), e.ms),
        );
        return;
      }
      case 'clearTimer': {
        const old = this.timers.get(e.timer);
        if (old !== undefined) clearTimeout(old);
        this.timers.delete(e.timer);
        return;
      }
      case 'configurationReceived': {
        this.config = parseConfigurationObject(e.configObjects[0]!);
        queueMicrotask(() => {
          this.input({ type: 'configApplied', status: 0 });
          if (e.sendConnStatus) {
            this.input({
              type: 'connectionAttempted',
              connStatus: encodeConnectionStatus({ result: 0, ssid: this.config!.ssid }),
            });
          }
        });
        return;
      }
      case 'finished':
        this.outcome = e.outcome;
        this.stop();
        if (e.outcome.result === 'failed' && this.retriesLeft > 0) {
          this.retriesLeft--;
          this.failures++;
          this.session = undefined;
          this.peerMac = undefined;
          this.start();
          return;
        }
        this.resolveDone?.(e.outcome);
        return;
      default:
        return;
    }
  }
}

export const TEST_SSID = 'Plant-IoT';
export const TEST_PASSPHRASE = 'correct horse battery staple';
export { utf8 };
