/**
 * A simulated headless device on the ESP-NOW air: it announces itself (Presence Announcement with
 * its key, broadcast), answers the Configurator as Enrollee Responder, checks what it receives (the
 * Wi-Fi credential against its simulated access point, the LwM2M bundle by decoding it), reports
 * a Configuration Result and then a Connection Status Result, and after a failed session starts
 * announcing again, as a real device does.
 */
import type { BootstrapIdentity, PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import { DppStatus } from '../../protocol/dpp/attributes.js';
import { chirpHash, type BootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { buildPresenceAnnouncement } from '../../protocol/dpp/presence.js';
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
import type {
  EnrolleeEffect,
  EnrolleeInput,
  EnrolleeOutcome,
  SessionTimings,
} from '../../protocol/dpp/session/types.js';
import { SessionRunner, type RoleEffect } from '../../protocol/dpp/session/runner.js';
import { systemClock, type Clock, type Timer } from '../../protocol/clock.js';
import { attempt } from '../../protocol/errors.js';
import { decodeMessage, FrameType } from '../../protocol/dpp/frames.js';
import { fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import { decodeBundle } from '../../protocol/lwm2m/bundle.js';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** What a device needs of the air: a node on the simulated radio, or an in-memory endpoint. */
export interface AirEndpoint {
  readonly mac: string;
  onFrame: (frame: { src: string; broadcast: boolean; payload: Uint8Array }) => void;
  send(dst: string, payload: Uint8Array): Promise<unknown>;
  /** Tune the radio (the radio hub routes by channel); an air with one channel has none. */
  setChannel?(channel: number): void;
}

/** The simulated access point: joining succeeds only with its SSID and passphrase. */
export interface SimulatedAp {
  readonly ssid: string;
  readonly passphrase: string;
  /** How long joining takes before the Connection Status Result (default 0; a real one takes seconds). */
  readonly joinMs?: number | undefined;
  /** The AP's channel: a device that joins moves its radio there, as a station follows its AP. */
  readonly channel?: number | undefined;
}

export interface SimDeviceOptions {
  readonly identity: BootstrapIdentity;
  readonly ap?: SimulatedAp | undefined;
  readonly serial?: string | undefined;
  /** Send the whole key in the announcement (default), or only the chirp hash. */
  readonly announceKey?: boolean | undefined;
  /** Announce this key instead of our own (a spoofer copies a whitelisted device's key). */
  readonly announcedKey?: BootstrapKey | undefined;
  /** A Configurator key we insist on (mutual authentication). */
  readonly pinnedConfigurator?: PeerBootstrap | undefined;
  readonly chirpMs?: number | undefined;
  /**
   * The channel plan: announce on each in turn, listening for the chirp interval after each, and
   * stay on the channel where a configurator answered (DPP's chirping; the device does not know
   * the bridge's channel). Without one, the device stays where its endpoint is.
   */
  readonly channels?: readonly number[] | undefined;
  /** Unanswered chirps double their interval up to this (default 8 s). */
  readonly maxChirpMs?: number | undefined;
  /** After a failed session, announce again this many times at most. */
  readonly retries?: number | undefined;
  readonly timings?: SessionTimings | undefined;
  readonly payloadLimit?: 250 | 1470 | undefined;
  /** The system clock unless a test hands in a virtual one. */
  readonly clock?: Clock | undefined;
}

export interface SimDeviceReport {
  readonly outcome: EnrolleeOutcome;
  readonly config?: ConfigurationObject | undefined;
  /** Whether the simulated AP accepted the credential. */
  readonly joined: boolean;
  readonly firstChirpAt: number;
  /** When the first Authentication Request was taken up (clock.now() ms): a session began. */
  readonly firstAuthRequestAt?: number | undefined;
  /** When the Configuration Result was sent (clock.now() ms). */
  readonly configuredAt?: number | undefined;
  readonly failures: number;
  readonly chirps: number;
}

export class SimDevice {
  private runner: SessionRunner<EnrolleeSession, EnrolleeInput, EnrolleeEffect> | undefined;
  private reassembler = new Reassembler();
  private chirpTimer: Timer | undefined;
  /** The simulated access point's answer, while joining takes time. */
  private joinTimer: Timer | undefined;
  private messageId = Math.floor(Math.random() * 0x10000);
  private peerMac: string | undefined;
  private retriesLeft: number;
  /** The next channel of the plan to announce on. */
  private planIndex = 0;
  private stopped = false;
  /** Counts sessions, so a stale watchdog does not reset a newer one. */
  private generation = 0;
  private resolveDone: ((r: SimDeviceReport) => void) | undefined;
  config: ConfigurationObject | undefined;
  joined = false;
  chirps = 0;
  failures = 0;
  firstChirpAt = 0;
  firstAuthRequestAt: number | undefined;
  configuredAt: number | undefined;
  readonly done: Promise<SimDeviceReport>;

  private readonly clock: Clock;

  constructor(
    readonly endpoint: AirEndpoint,
    private readonly options: SimDeviceOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.retriesLeft = options.retries ?? 0;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    endpoint.onFrame = (f) => this.onFrame(f);
  }

  private onFrame(f: { src: string; broadcast: boolean; payload: Uint8Array }): void {
    if (this.stopped) return;
    const bytes = this.reassembler.push(f.src, f.payload, this.clock.now());
    if (bytes === null || f.broadcast) return;
    if (this.runner === undefined) {
      // Only an Authentication Request starts a session: a late retransmission of an older
      // session's message would otherwise leave us waiting, silent, for a request that never comes.
      const m = decodeMessage(bytes);
      if (
        !m.ok ||
        m.value.kind !== 'dpp' ||
        m.value.frameType !== FrameType.AuthenticationRequest
      ) {
        return;
      }
      this.peerMac = f.src;
      this.firstAuthRequestAt ??= this.clock.now();
      this.stopChirping();
      const session = createEnrolleeResponder({
        own: this.options.identity,
        peer: this.options.pinnedConfigurator,
        requireMutual: this.options.pinnedConfigurator !== undefined,
        configRequest: {
          name: 'sim',
          wifiTech: 'infra',
          netRole: 'sta',
          deviceInfo: {
            manufacturer: 'Simulated',
            model: 'SIM-1',
            serial: this.options.serial ?? 'SN-0',
          },
        },
        ...(this.options.timings ? { timings: this.options.timings } : {}),
      });
      this.runner = new SessionRunner<EnrolleeSession, EnrolleeInput, EnrolleeEffect>(
        stepEnrollee,
        session,
        { send: (message) => this.peerMac !== undefined && this.transmit(this.peerMac, message) },
        this.clock,
        (e) => this.onEffect(e),
        (timer) => ({ type: 'timer', timer }),
      );
      // A request we could not accept (not for our key) starts nothing: back to announcing.
      const generation = ++this.generation;
      this.clock.setTimer(3000, () => {
        const stage = this.runner?.state.stage.name;
        if (this.generation === generation && stage === 'awaitAuthRequest' && !this.stopped) {
          this.endSession();
          this.peerMac = undefined;
          this.start();
        }
      });
    }
    if (f.src === this.peerMac) this.input({ type: 'message', bytes });
  }

  start(): this {
    const key = this.options.announcedKey ?? this.options.identity.key;
    const announcement = buildPresenceAnnouncement(
      chirpHash(key),
      this.options.announceKey === false ? undefined : key.der,
    );
    const base = this.options.chirpMs ?? 1000;
    const max = Math.max(base, this.options.maxChirpMs ?? 8000);
    let interval = base;
    const plan = this.options.channels ?? [];
    const chirp = (): void => {
      if (this.chirps === 0) this.firstChirpAt = this.clock.now();
      if (plan.length > 0) {
        this.endpoint.setChannel?.(plan[this.planIndex % plan.length]!);
        this.planIndex = (this.planIndex + 1) % plan.length;
      }
      this.chirps++;
      this.transmit(BROADCAST_MAC, announcement);
      // Unanswered chirps back off (and jitter), so a batch of hundreds powered up together does
      // not fill the air with announcements: the configurator needs the air for the sessions. With
      // a channel plan, the interval backs off once a whole round went unanswered.
      const next = interval * (0.8 + Math.random() * 0.4);
      if (this.planIndex === 0) interval = Math.min(max, interval * 2);
      this.chirpTimer = this.clock.setTimer(next, chirp);
    };
    chirp();
    return this;
  }

  private transmit(dst: string, message: Uint8Array): void {
    for (const p of fragmentDppMessage(message, this.messageId, this.options.payloadLimit ?? 250)) {
      void this.endpoint.send(dst, p);
    }
    this.messageId = (this.messageId + 1) & 0xffff;
  }

  private stopChirping(): void {
    this.chirpTimer?.cancel();
    this.chirpTimer = undefined;
  }

  /** Stop for good (the fleet gives up on it, or the run ends). */
  stop(): void {
    this.stopped = true;
    this.stopChirping();
    this.joinTimer?.cancel();
    this.endSession();
  }

  private endSession(): void {
    this.runner?.dispose();
    this.runner = undefined;
  }

  /** Simulate a power cycle: all session state is lost, and it announces itself again. */
  reboot(): void {
    this.generation++;
    this.stopChirping();
    this.joinTimer?.cancel();
    this.endSession();
    this.peerMac = undefined;
    this.reassembler = new Reassembler();
    this.start();
  }

  private input(input: EnrolleeInput): void {
    this.runner?.input(input);
  }

  private onEffect(e: RoleEffect<EnrolleeEffect>): void {
    switch (e.type) {
      case 'configurationReceived':
        this.receive(e.configObjects[0]!, e.sendConnStatus);
        return;
      case 'finished':
        this.finished(e.outcome);
        return;
      default:
        return;
    }
  }

  private receive(object: Uint8Array, sendConnStatus: boolean): void {
    const parsed = attempt(() => parseConfigurationObject(object));
    const bundleOk =
      !parsed.ok ||
      parsed.value.lwm2mBundle === undefined ||
      decodeBundle(parsed.value.lwm2mBundle).ok;
    const generation = this.generation;
    queueMicrotask(() => {
      // Rebooted (or stopped) in between: the configuration went with the session.
      if (this.generation !== generation || this.stopped) return;
      if (!parsed.ok || !bundleOk) {
        this.input({ type: 'configApplied', status: DppStatus.ConfigRejected });
        return;
      }
      this.config = parsed.value;
      this.configuredAt = this.clock.now();
      this.input({ type: 'configApplied', status: DppStatus.Ok });
      if (!sendConnStatus) return;
      const ap = this.options.ap;
      const ssid = new TextDecoder().decode(parsed.value.ssid);
      const result =
        ap === undefined || (ssid === ap.ssid && parsed.value.credential.pass === ap.passphrase)
          ? DppStatus.Ok
          : ssid === ap.ssid
            ? DppStatus.AuthFailure
            : DppStatus.NoAp;
      const report = () => {
        if (this.generation !== generation || this.stopped) return;
        this.joined = result === DppStatus.Ok;
        // A station follows its AP's channel: the Connection Status Result goes out there.
        if (this.joined && ap?.channel !== undefined) this.endpoint.setChannel?.(ap.channel);
        this.input({
          type: 'connectionAttempted',
          connStatus: encodeConnectionStatus({ result, ssid: parsed.value.ssid }),
        });
      };
      const joinMs = ap?.joinMs ?? 0;
      if (joinMs > 0) this.joinTimer = this.clock.setTimer(joinMs, report);
      else report();
    });
  }

  private finished(outcome: EnrolleeOutcome): void {
    if (outcome.result === 'failed' && this.retriesLeft > 0 && !this.stopped) {
      this.retriesLeft--;
      this.failures++;
      this.endSession();
      this.peerMac = undefined;
      this.start();
      return;
    }
    this.stop();
    this.resolveDone?.({
      outcome,
      config: this.config,
      joined: this.joined,
      firstChirpAt: this.firstChirpAt,
      firstAuthRequestAt: this.firstAuthRequestAt,
      configuredAt: this.configuredAt,
      failures: this.failures,
      chirps: this.chirps,
    });
  }
}
