/**
 * A rogue configurator: a station with its own bootstrapping key that answers devices'
 * Presence Announcements with an Authentication Request, runs the real Configurator machine
 * (protocol/dpp/session/configurator.ts) and, if a device ever asked for its configuration,
 * would hand it a network of its own (`offer`). Against a device that pins the genuine
 * configurator's key and requires mutual authentication it must get nowhere:
 *
 * - `own-key`: it names its own key as the initiator's: the device refuses the request;
 * - `impersonate`: it names the genuine configurator's key hash (public, in its DPP URI) while
 *   holding only its own private key: the device answers, but the rogue cannot derive the session
 *   key without the genuine private key, so it can neither check the device's answer nor send a
 *   Confirm the device accepts.
 *
 * Against a device that pins nothing (the control), it configures the device like any
 * configurator would.
 */
import { toHex } from '../../protocol/bytes.js';
import { makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { bootstrapKeyHash, type BootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { parsePresenceAnnouncement } from '../../protocol/dpp/presence.js';
import { encodeConfigurationObject } from '../../protocol/dpp/config-object.js';
import { decodeMessage, FrameType } from '../../protocol/dpp/frames.js';
import {
  createConfiguratorInitiator,
  stepConfigurator,
  type ConfiguratorSession,
} from '../../protocol/dpp/session/configurator.js';
import type {
  ConfiguratorEffect,
  ConfiguratorInput,
  ConfiguratorOutcome,
  SessionTimings,
} from '../../protocol/dpp/session/types.js';
import { SessionRunner, type RoleEffect } from '../../protocol/dpp/session/runner.js';
import { systemClock } from '../../protocol/clock.js';
import { ESPNOW_V1_PAYLOAD, fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import type { AdversaryEndpoint } from './air.js';

export interface RogueOptions {
  readonly identity: BootstrapIdentity;
  /** `impersonate`: the genuine configurator's key, whose hash the rogue claims as its own. */
  readonly impersonate?: BootstrapKey | undefined;
  /** The network it offers a device that accepts it. */
  readonly offer: { readonly ssid: string; readonly passphrase: string };
  readonly timings?: SessionTimings | undefined;
  /** Answer only announcements of these key hashes (hex); all when absent. */
  readonly targets?: ReadonlySet<string> | undefined;
}

export interface RogueSessionReport {
  readonly peer: string;
  readonly keyHash: string;
  /** The device answered the Authentication Request. */
  readonly answered: boolean;
  readonly authenticated: boolean;
  /** A Configuration Response with the rogue's network went out. */
  readonly configured: boolean;
  readonly outcome: ConfiguratorOutcome;
}

export interface RogueCounters {
  announcementsHeard: number;
  sessionsStarted: number;
  /** Messages received from devices in a session (their answers). */
  answersReceived: number;
  authenticated: number;
  configurationsSent: number;
  failed: number;
}

const ROGUE_TIMINGS: SessionTimings = {
  retransmitMs: 300,
  maxTransmissions: 3,
  authTimeoutMs: 1500,
  configTimeoutMs: 1500,
  connStatusTimeoutMs: 1500,
};

interface Live {
  readonly runner: SessionRunner<ConfiguratorSession, ConfiguratorInput, ConfiguratorEffect>;
  readonly keyHash: string;
  answered: boolean;
  authenticated: boolean;
  configured: boolean;
}

export class RogueConfigurator {
  /** Answer announcements (set false to go quiet; running sessions go on). */
  answering = true;
  readonly counters: RogueCounters = {
    announcementsHeard: 0,
    sessionsStarted: 0,
    answersReceived: 0,
    authenticated: 0,
    configurationsSent: 0,
    failed: 0,
  };
  readonly reports: RogueSessionReport[] = [];
  private readonly sessions = new Map<string, Live>();
  private readonly reassembler = new Reassembler();
  private readonly own: BootstrapIdentity;
  private messageId = Math.floor(Math.random() * 0x10000);
  private stopped = false;

  constructor(
    private readonly endpoint: AdversaryEndpoint,
    private readonly options: RogueOptions,
  ) {
    const claimed = options.impersonate;
    // Impersonation: the genuine key's hash on the air, our own private key behind it.
    this.own =
      claimed === undefined
        ? options.identity
        : {
            key: claimed,
            hash: bootstrapKeyHash(claimed),
            privateKey: options.identity.privateKey,
          };
    endpoint.onFrame = (f) => this.onFrame(f.src, f.payload);
  }

  stop(): void {
    this.stopped = true;
    for (const live of this.sessions.values()) live.runner.dispose();
    this.sessions.clear();
    this.endpoint.onFrame = () => {};
  }

  private onFrame(src: string, payload: Uint8Array): void {
    if (this.stopped) return;
    const bytes = this.reassembler.push(src, payload, performance.now());
    if (bytes === null) return;
    const live = this.sessions.get(src);
    if (live !== undefined) {
      const m = decodeMessage(bytes);
      if (m.ok && m.value.kind === 'dpp' && m.value.frameType === FrameType.PresenceAnnouncement)
        return;
      this.counters.answersReceived++;
      live.answered = true;
      this.input(src, live, { type: 'message', bytes });
      return;
    }
    const m = decodeMessage(bytes);
    if (!m.ok || m.value.kind !== 'dpp' || m.value.frameType !== FrameType.PresenceAnnouncement)
      return;
    this.counters.announcementsHeard++;
    if (!this.answering) return;
    const announced = parsePresenceAnnouncement(m.value);
    if (!announced.ok || announced.value.key === undefined) return;
    const keyHash = toHex(announced.value.keyHash!);
    if (this.options.targets !== undefined && !this.options.targets.has(keyHash)) return;
    this.begin(src, announced.value.key, keyHash);
  }

  private begin(peerMac: string, key: BootstrapKey, keyHash: string): void {
    this.counters.sessionsStarted++;
    const session = createConfiguratorInitiator({
      peer: makePeer(key),
      own: this.own,
      requireMutual: false,
      timings: this.options.timings ?? ROGUE_TIMINGS,
    });
    const live: Live = {
      runner: new SessionRunner<ConfiguratorSession, ConfiguratorInput, ConfiguratorEffect>(
        stepConfigurator,
        session,
        {
          send: (message) => {
            for (const p of fragmentDppMessage(message, this.nextId(), ESPNOW_V1_PAYLOAD))
              void this.endpoint.send(peerMac, p);
          },
        },
        systemClock,
        (e) => this.onEffect(peerMac, live, e),
        (timer) => ({ type: 'timer', timer }),
      ),
      keyHash,
      answered: false,
      authenticated: false,
      configured: false,
    };
    this.sessions.set(peerMac, live);
    this.input(peerMac, live, { type: 'start' });
  }

  private input(peerMac: string, live: Live, input: ConfiguratorInput): void {
    if (this.sessions.get(peerMac) !== live) return;
    live.runner.input(input);
  }

  private onEffect(peerMac: string, live: Live, e: RoleEffect<ConfiguratorEffect>): void {
    switch (e.type) {
      case 'authenticated':
        live.authenticated = true;
        this.counters.authenticated++;
        return;
      case 'configurationRequested': {
        live.configured = true;
        this.counters.configurationsSent++;
        const configObject = encodeConfigurationObject({
          ssid: new TextEncoder().encode(this.options.offer.ssid),
          credential: { akm: 'psk', pass: this.options.offer.passphrase },
        });
        queueMicrotask(() =>
          this.input(peerMac, live, { type: 'configure', configObject, sendConnStatus: false }),
        );
        return;
      }
      case 'finished':
        this.sessions.delete(peerMac);
        if (e.outcome.result === 'failed') this.counters.failed++;
        this.reports.push({
          peer: peerMac,
          keyHash: live.keyHash,
          answered: live.answered,
          authenticated: live.authenticated,
          configured: live.configured,
          outcome: e.outcome,
        });
        return;
      default:
        return;
    }
  }

  private nextId(): number {
    this.messageId = (this.messageId + 1) & 0xffff;
    return this.messageId;
  }
}
