/**
 * The session engine: turns announcements and authentication requests into Configurator sessions
 * for whitelisted devices, refuses everyone else with a reason, and records every step.
 *
 * Order of work for a new peer, cheapest first: rate limit per peer → attribute checks → one
 * hash and one indexed whitelist lookup → status and profile checks → only then the elliptic-curve
 * work of parsing the key and running the protocol. An unknown or revoked device costs no EC work.
 */
import { EventEmitter } from 'node:events';
import { bytesEqual, toHex } from '../../protocol/bytes.js';
import { AttributeId, DppStatus } from '../../protocol/dpp/attributes.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { chirpHashOfDer, keyHashOfDer } from '../../protocol/dpp/bootstrap-key.js';
import { peekPresenceAnnouncement } from '../../protocol/dpp/config-exchange.js';
import {
  parseConnectionStatus,
  type ConfigurationRequest,
} from '../../protocol/dpp/config-object.js';
import { decodeMessage, FrameType, type DppFrame } from '../../protocol/dpp/frames.js';
import {
  createConfiguratorInitiator,
  createConfiguratorResponder,
} from '../../protocol/dpp/session/configurator.js';
import type { Outcome, SessionTimings } from '../../protocol/dpp/session/types.js';
import { attempt, type DppError } from '../../protocol/errors.js';
import type { Logger } from 'pino';
import type { Profile } from './profile.js';
import type { Delivery } from './delivery.js';
import type { PeerChannel } from './peer-channel.js';
import type { DeviceState, Transport } from '../../whitelist/types.js';
import type { AuditPort, DevicePort, WhitelistPort, WhitelistView } from './ports.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
import { PeerKeys } from './peer-keys.js';
import { SessionRunner } from './session-runner.js';
import { WaitingLine } from './waiting-line.js';

export interface EngineSettings {
  readonly maxConcurrent: number;
  /** A deferred announcement older than this is not answered; the device keeps its place until heard again. */
  readonly waitingMaxAgeMs: number;
  readonly timings: SessionTimings;
  readonly announceIntervalMs: number;
  readonly defaultProfile: string;
  readonly profiles: ReadonlyMap<string, Profile>;
}

export interface EngineDeps {
  readonly settings: EngineSettings;
  readonly identity: BootstrapIdentity;
  readonly whitelist: WhitelistPort;
  readonly devices: DevicePort;
  readonly audit: AuditPort;
  /**
   * Call `then` once every write so far is durable (the stores group writes for a few
   * milliseconds), with false if any of them could not be written.
   */
  readonly afterCommit: (then: (ok: boolean) => void) => void;
  /** Make every write so far durable now (a session's outcome is not left to the next commit). */
  readonly commit: () => void;
  readonly delivery: Delivery;
  readonly log: Logger;
  readonly refusalLog?: RefusalLogOptions;
  /**
   * Whether the transport has room for one more session now (ESP-NOW: the air is not already
   * full of our own traffic). Without it, only maxConcurrent limits.
   */
  readonly roomFor?: (transport: Transport) => boolean;
}

export interface DeviceEvent {
  readonly keyHash: string;
  readonly state: DeviceState;
  readonly address: string;
  readonly transport: Transport;
  readonly reason?: string | undefined;
  readonly label?: string | undefined;
}

export interface EngineEvents {
  device: [event: DeviceEvent];
  /** A refused announcement or request, whitelisted or not (for the demo's table). */
  refused: [
    event: { subject: string; keyHash?: string | undefined; address: string; reason: string },
  ];
}

export interface EngineCounters {
  announcements: number;
  rateLimited: number;
  busy: number;
  admitted: number;
  refused: number;
  noSession: number;
  malformed: number;
  ignored: number;
  provisioned: number;
  connected: number;
  failed: number;
  messagesSent: number;
}

interface LiveSession {
  readonly runner: SessionRunner;
  readonly entry: WhitelistView;
  readonly profile: Profile;
  readonly channel: PeerChannel;
  readonly startedAt: number;
  delivered: boolean;
  authenticated: boolean;
  /** When the peer last sent the session anything but an announcement (performance.now()). */
  lastHeardAt: number;
  /** The device's state before this session started (the session overwrites it at once). */
  readonly stateBefore: DeviceState | undefined;
  /** Why the last message was dropped, for a failure reason better than "timed out". */
  lastIgnored?: DppError;
}

/** Remembered peers for the per-peer announcement rate limit. */
const RATE_MEMORY = 20_000;
/** Deferred announcements kept at most (only whitelisted devices get this far). */
const WAITING_MAX = 20_000;
/** A waiting device not heard for this many waitingMaxAgeMs periods is forgotten. */
const WAITING_FORGET_AFTER = 10;

interface WaitingAnnouncement {
  readonly channel: PeerChannel;
  readonly frame: DppFrame;
}

export class SessionEngine extends EventEmitter<EngineEvents> {
  private readonly sessions = new Map<string, LiveSession>();
  /**
   * The same sessions by the device's key hash: one at a time per device. An announcement is
   * public, so anyone can replay it from another address; a second session for the same key
   * would only let the one that cannot authenticate overwrite what the other achieved.
   */
  private readonly sessionsByKey = new Map<string, LiveSession>();
  private readonly peerKeys = new PeerKeys();
  private readonly lastAnnounce = new Map<string, number>();
  /**
   * Whitelisted devices heard while there was no room, first heard first, one place per device
   * (by chirp hash): replaying one announcement from many addresses takes one place, not many.
   */
  private readonly waiting: WaitingLine<WaitingAnnouncement>;
  private readonly refusals: RefusalLog;
  private accepting = true;
  private readonly idleWaiters: (() => void)[] = [];
  readonly counters: EngineCounters = {
    announcements: 0,
    rateLimited: 0,
    busy: 0,
    admitted: 0,
    refused: 0,
    noSession: 0,
    malformed: 0,
    ignored: 0,
    provisioned: 0,
    connected: 0,
    failed: 0,
    messagesSent: 0,
  };

  constructor(private readonly deps: EngineDeps) {
    super();
    this.refusals = new RefusalLog(deps.audit, deps.log, deps.refusalLog);
    this.waiting = new WaitingLine(
      deps.settings.waitingMaxAgeMs,
      WAITING_FORGET_AFTER,
      WAITING_MAX,
    );
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Whitelisted devices heard and waiting for room to start their session. */
  get waitingSessions(): number {
    return this.waiting.size;
  }

  /**
   * Start sessions for waiting devices while there is room, first heard first; called when a
   * session ends and when the radio's send backlog goes down. A device not heard for
   * waitingMaxAgeMs is skipped but keeps its place: its next announcement makes it eligible again
   * (one lost announcement must not send it to the back of a long queue). Forgotten after
   * WAITING_FORGET_AFTER such periods. The walk passes over quiet devices once (waiting-line.ts).
   */
  admitWaiting(): void {
    for (const [chirp, w, heardAt] of this.waiting.eligible(performance.now())) {
      if (!this.hasRoom(w.channel.transport) || !this.accepting) return;
      this.waiting.delete(chirp);
      if (this.sessions.has(w.channel.id)) continue;
      this.considerAnnouncement(w.channel, w.frame, heardAt);
    }
  }

  private hasRoom(transport: Transport): boolean {
    return (
      this.sessions.size < this.deps.settings.maxConcurrent &&
      (this.deps.roomFor?.(transport) ?? true)
    );
  }

  get refusalTotals(): ReadonlyMap<string, number> {
    return this.refusals.totals;
  }

  /** A DPP message from a peer (reassembled ESP-NOW message or one TCP frame). Never throws. */
  onMessage(channel: PeerChannel, bytes: Uint8Array): void {
    try {
      this.dispatch(channel, bytes);
    } catch (e) {
      // A bug must not take the daemon down with it: log it against the peer and go on.
      this.deps.log.error({ peer: channel.address, err: e }, 'internal error handling a message');
    }
  }

  /**
   * Start a session as initiator with a whitelisted device over a channel we opened (DPP over TCP
   * to an enrollee that listens). Returns false, with the refusal recorded, if it is not admitted.
   */
  initiate(channel: PeerChannel, keyHash: string): boolean {
    const entry = this.deps.whitelist.get(keyHash);
    if (entry === undefined) {
      this.refuse({
        subject: keyHash,
        keyHash,
        peer: channel,
        reason: 'not on the whitelist',
        code: 'unknown',
      });
      channel.close();
      return false;
    }
    const before = this.counters.admitted;
    this.admit(channel, entry, undefined, { role: 'initiator' });
    return this.counters.admitted > before;
  }

  /** The peer's connection went away (TCP) or its link is gone. */
  onPeerGone(channelId: string, reason: string): void {
    this.sessions.get(channelId)?.runner.input({ type: 'abort', reason });
  }

  private dispatch(channel: PeerChannel, bytes: Uint8Array): void {
    const live = this.sessions.get(channel.id);
    const decoded = decodeMessage(bytes);
    const frame: DppFrame | undefined =
      decoded.ok && decoded.value.kind === 'dpp' ? decoded.value : undefined;
    if (live !== undefined) {
      if (frame?.frameType === FrameType.PresenceAnnouncement) {
        this.announcementDuringSession(live, channel, frame);
        return;
      }
      live.lastHeardAt = performance.now();
      live.runner.input({ type: 'message', bytes });
      return;
    }
    if (!decoded.ok) {
      this.counters.malformed++;
      this.refuse({
        subject: channel.id,
        peer: channel,
        reason: decoded.error.describe(),
        code: 'malformed',
      });
      return;
    }
    if (frame?.frameType === FrameType.PresenceAnnouncement) {
      this.onAnnouncement(channel, frame);
    } else if (
      frame?.frameType === FrameType.AuthenticationRequest &&
      channel.transport === 'tcp'
    ) {
      this.onAuthRequest(channel, frame, bytes);
    } else {
      // Late retransmissions after a session ended land here; they are expected and harmless.
      this.counters.noSession++;
      this.deps.log.debug(
        { peer: channel.address },
        'message from a peer without a session dropped',
      );
    }
  }

  /** The device is chirping again, so it is not in our session any more (it rebooted or gave up). */
  private announcementDuringSession(
    live: LiveSession,
    channel: PeerChannel,
    frame: DppFrame,
  ): void {
    // Before authentication, a chirp only means our Authentication Request has not reached the
    // device yet (or it restarted, and a fresh device answers the same retransmitted request just
    // as well): the retransmission covers both. Starting over would answer its Response with new
    // keys it cannot know. After authentication, a chirp means it lost the session, but only if
    // it has also gone quiet: a chirp is unauthenticated, and a copy sent under its address while
    // it is still answering must not end a session it is completing. Once it has applied the
    // configuration, the session ends by its Connection Status Result or deadline, as provisioned.
    if (!live.authenticated || live.runner.stage === 'awaitConnStatus') return;
    const now = performance.now();
    if (now - live.startedAt < this.deps.settings.announceIntervalMs) return;
    if (now - live.lastHeardAt < this.deps.settings.timings.retransmitMs) return;
    live.runner.input({
      type: 'abort',
      reason: 'the device announced itself again (it restarted)',
    });
    this.lastAnnounce.delete(channel.id);
    this.onAnnouncement(channel, frame);
  }

  private rateLimited(id: string): boolean {
    const now = performance.now();
    const last = this.lastAnnounce.get(id);
    if (last !== undefined && now - last < this.deps.settings.announceIntervalMs) return true;
    this.lastAnnounce.delete(id);
    this.lastAnnounce.set(id, now);
    if (this.lastAnnounce.size > RATE_MEMORY) {
      const oldest = this.lastAnnounce.keys().next().value;
      if (oldest !== undefined) this.lastAnnounce.delete(oldest);
    }
    return false;
  }

  private onAnnouncement(channel: PeerChannel, frame: DppFrame): void {
    this.counters.announcements++;
    if (!this.accepting) return;
    if (this.rateLimited(channel.id)) {
      this.counters.rateLimited++;
      return;
    }
    const now = performance.now();
    // Already waiting and still no room: note that it is still there; every check runs again
    // when its turn comes, on the announcement that earned the place (this one may be a copy).
    if (this.waiting.size > 0 && !this.hasRoom(channel.transport)) {
      const peek = peekPresenceAnnouncement(frame);
      if (peek.ok && this.waiting.stillHeard(toHex(peek.value.chirpHash), now)) {
        this.counters.busy++;
        return;
      }
      this.considerAnnouncement(channel, frame, now, peek);
      return;
    }
    this.considerAnnouncement(channel, frame, now);
  }

  private considerAnnouncement(
    channel: PeerChannel,
    frame: DppFrame,
    heardAt: number,
    peek = peekPresenceAnnouncement(frame),
  ): void {
    if (!peek.ok) {
      this.refuse({
        subject: channel.id,
        peer: channel,
        reason: peek.error.describe(),
        code: 'malformed',
      });
      return;
    }
    const chirpHex = toHex(peek.value.chirpHash);
    const der = peek.value.keyDer;
    let entry: WhitelistView | undefined;
    if (der !== undefined) {
      if (!bytesEqual(chirpHashOfDer(der), peek.value.chirpHash)) {
        this.refuse({
          subject: chirpHex,
          peer: channel,
          reason: 'the announced bootstrapping key does not hash to the announced chirp hash',
          code: 'key-mismatch',
        });
        return;
      }
      entry = this.deps.whitelist.get(toHex(keyHashOfDer(der)));
    } else {
      entry = this.deps.whitelist.findByChirpHash(chirpHex);
    }
    if (entry === undefined) {
      const keyHash = der !== undefined ? toHex(keyHashOfDer(der)) : undefined;
      this.refuse({
        subject: keyHash ?? chirpHex,
        keyHash,
        peer: channel,
        reason:
          der !== undefined
            ? 'not on the whitelist'
            : 'not on the whitelist by chirp hash (an entry added by hash alone needs the key in the announcement)',
        code: 'unknown',
      });
      return;
    }
    this.admit(channel, entry, der, {
      role: 'initiator',
      announcement: { frame, heardAt, chirpHex },
    });
  }

  private onAuthRequest(channel: PeerChannel, frame: DppFrame, bytes: Uint8Array): void {
    if (!this.accepting) {
      channel.close();
      return;
    }
    const rHash = frame.attributes.find((a) => a.id === AttributeId.ResponderBootstrappingKeyHash);
    const iHash = frame.attributes.find((a) => a.id === AttributeId.InitiatorBootstrappingKeyHash);
    const refuseAndClose = (reason: string, code: string, keyHash?: string): void => {
      this.refuse({ subject: keyHash ?? channel.id, keyHash, peer: channel, reason, code });
      channel.close();
    };
    if (rHash === undefined || !bytesEqual(rHash.value, this.deps.identity.hash)) {
      refuseAndClose('Authentication Request is not for our bootstrapping key', 'not-for-us');
      return;
    }
    if (iHash === undefined || iHash.value.length !== 32) {
      refuseAndClose(
        'Authentication Request names no initiator bootstrapping key: the device cannot be checked against the whitelist',
        'anonymous',
      );
      return;
    }
    const keyHash = toHex(iHash.value);
    const entry = this.deps.whitelist.get(keyHash);
    if (entry === undefined) {
      refuseAndClose('not on the whitelist', 'unknown', keyHash);
      return;
    }
    this.admit(channel, entry, undefined, { role: 'responder', request: bytes });
  }

  private admit(
    channel: PeerChannel,
    entry: WhitelistView,
    announcedDer: Uint8Array | undefined,
    how:
      | {
          role: 'initiator';
          /** The announcement that brought the device, to answer later if there is no room now. */
          announcement?: { frame: DppFrame; heardAt: number; chirpHex: string };
        }
      | { role: 'responder'; request: Uint8Array },
  ): void {
    const now = new Date();
    const keyHash = entry.keyHash;
    this.deps.whitelist.markSeen(keyHash, now);
    const refuseDevice = (reason: string, code: string): void => {
      this.deps.devices.refused(keyHash, channel.address, channel.transport, reason, now);
      this.refuse({ subject: keyHash, keyHash, peer: channel, reason, code });
      this.emitDevice(keyHash, 'refused', channel, reason, entry.label);
      if (channel.transport === 'tcp') channel.close();
    };
    if (entry.status !== 'active') {
      refuseDevice(`whitelist entry is ${entry.status}`, entry.status);
      return;
    }
    const profileName = entry.profile ?? this.deps.settings.defaultProfile;
    const profile = this.deps.settings.profiles.get(profileName);
    if (profile === undefined) {
      refuseDevice(`profile "${profileName}" is not configured`, 'no-profile');
      return;
    }
    const other = this.sessionsByKey.get(keyHash);
    if (other !== undefined) {
      // Not a refusal: the device (or a copy of its announcement) gets its turn when that
      // session ends, and a genuine device keeps announcing until then.
      this.counters.busy++;
      this.deps.log.debug(
        { keyHash, peer: channel.address, sessionPeer: other.channel.address },
        'a session for this device is already running with another peer; announcement not answered',
      );
      if (channel.transport === 'tcp') {
        this.refuse({
          subject: keyHash,
          keyHash,
          peer: channel,
          reason: `a session for this device is already running with ${other.channel.address}`,
          code: 'session-running',
        });
        channel.close();
      }
      return;
    }
    const device = this.deps.devices.get(keyHash);
    const stateBefore = device?.state;
    if (
      device !== undefined &&
      (device.state === 'provisioned' || device.state === 'connected') &&
      !profile.allowReprovision
    ) {
      refuseDevice(
        `already ${device.state}; profile "${profileName}" does not allow re-provisioning`,
        'already-provisioned',
      );
      return;
    }
    if (!this.hasRoom(channel.transport)) {
      // Not a refusal: the device waits for its turn (and keeps announcing meanwhile).
      this.counters.busy++;
      const announcement = how.role === 'initiator' ? how.announcement : undefined;
      if (channel.transport === 'tcp') {
        this.deps.log.debug(
          { keyHash, peer: channel.address },
          'no room for another session now; connection closed (the device may try again)',
        );
        channel.close();
        return;
      }
      if (
        announcement !== undefined &&
        !this.waiting.heard(
          announcement.chirpHex,
          { channel, frame: announcement.frame },
          announcement.heardAt,
        )
      ) {
        this.refuse({
          subject: keyHash,
          keyHash,
          peer: channel,
          reason: `no room for its session and the waiting line is full (${this.waiting.size} devices)`,
          code: 'waiting-line-full',
        });
        return;
      }
      this.deps.log.debug(
        { keyHash, peer: channel.address, waiting: this.waiting.size },
        'no room for another session now; announcement deferred',
      );
      return;
    }
    if (how.role === 'initiator' && how.announcement !== undefined)
      this.waiting.delete(how.announcement.chirpHex);
    const der = entry.publicKey ?? announcedDer;
    if (der === undefined) {
      refuseDevice(
        'the whitelist holds only the key hash and the peer did not send its key: add the device by URI to let it initiate',
        'no-public-key',
      );
      return;
    }
    const parsed = this.peerKeys.parse(der);
    if (!parsed.ok) {
      refuseDevice(`bootstrapping key unusable: ${parsed.error.message}`, 'bad-key');
      return;
    }
    const peer = parsed.value;
    const timings = this.timingsFor(channel.transport);
    const session =
      how.role === 'initiator'
        ? createConfiguratorInitiator({
            peer,
            own: this.deps.identity,
            requireMutual: profile.requireMutual,
            timings,
          })
        : // A device that initiates proves its key only through mutual authentication.
          createConfiguratorResponder({
            peer,
            own: this.deps.identity,
            requireMutual: true,
            timings,
          });
    this.counters.admitted++;
    this.deps.devices.sessionStarted(keyHash, {
      address: channel.address,
      transport: channel.transport,
      profile: profile.name,
      at: now,
    });
    this.deps.audit.append({
      kind: 'admitted',
      keyHash,
      peer: channel.address,
      detail: { transport: channel.transport, role: how.role, profile: profile.name },
    });
    this.deps.log.info(
      { keyHash, peer: channel.address, profile: profile.name, label: entry.label },
      'admitted: starting authentication',
    );
    // eslint-disable-next-line prefer-const -- the hooks close over `live`, assigned just below
    let live: LiveSession;
    const runner = new SessionRunner(session, channel, {
      authenticated: (mutual, peerVersion) => this.onAuthenticated(live, mutual, peerVersion),
      configurationRequested: (request) => this.onConfigurationRequested(live, request),
      configurationApplied: () => this.onConfigurationApplied(live),
      ignored: (error) => {
        this.counters.ignored++;
        live.lastIgnored = error;
        this.deps.log.debug(
          { keyHash, peer: channel.address, code: error.code },
          `dropped: ${error.message}`,
        );
      },
      finished: (outcome) => this.onFinished(live, outcome),
    });
    live = {
      runner,
      entry,
      profile,
      channel,
      startedAt: performance.now(),
      delivered: false,
      authenticated: false,
      lastHeardAt: performance.now(),
      stateBefore,
    };
    this.sessions.set(channel.id, live);
    this.sessionsByKey.set(keyHash, live);
    this.emitDevice(keyHash, 'authenticating', channel, undefined, entry.label);
    runner.input(
      how.role === 'initiator' ? { type: 'start' } : { type: 'message', bytes: how.request },
    );
  }

  private timingsFor(transport: Transport): SessionTimings {
    const t = this.deps.settings.timings;
    // TCP is reliable: no retransmission, one transmission per message.
    return transport === 'tcp' ? { ...t, retransmitMs: 0, maxTransmissions: 1 } : t;
  }

  private onAuthenticated(live: LiveSession, mutual: boolean, peerVersion: number): void {
    const keyHash = live.entry.keyHash;
    live.authenticated = true;
    this.deps.devices.setState(keyHash, 'configuring', new Date());
    this.deps.audit.append({
      kind: 'authenticated',
      keyHash,
      peer: live.channel.address,
      detail: { mutual, peerVersion },
    });
    this.emitDevice(keyHash, 'configuring', live.channel, undefined, live.entry.label);
  }

  private onConfigurationRequested(live: LiveSession, request: ConfigurationRequest): void {
    const keyHash = live.entry.keyHash;
    const now = new Date();
    // The whitelist may have changed since the announcement: an admin's revoke wins at once.
    const fresh = this.deps.whitelist.get(keyHash);
    if (fresh === undefined || fresh.status !== 'active') {
      const reason =
        fresh === undefined
          ? 'removed from the whitelist during the session'
          : `whitelist entry became ${fresh.status} during the session`;
      this.refuse({
        subject: keyHash,
        keyHash,
        peer: live.channel,
        reason,
        code: fresh?.status ?? 'removed',
      });
      live.runner.input({ type: 'refuseConfiguration', status: DppStatus.ConfigRejected, reason });
      return;
    }
    const deviceInfo = request.deviceInfo;
    const deviceInfoJson = deviceInfo === undefined ? undefined : JSON.stringify(deviceInfo);
    const built = this.deps.delivery.build(live.profile, {
      keyHash,
      mac: live.channel.transport === 'espnow' ? live.channel.address : undefined,
      label: fresh.label,
      deviceInfo,
    });
    if (!built.ok) {
      const reason = `cannot build the configuration: ${built.error.message}`;
      this.deps.log.error({ keyHash, profile: live.profile.name, code: built.error.code }, reason);
      this.deps.devices.setState(keyHash, 'configuring', now, { deviceInfo: deviceInfoJson });
      live.runner.input({
        type: 'refuseConfiguration',
        status: DppStatus.ConfigureFailure,
        reason,
      });
      return;
    }
    // Recorded, and on disk, before the bytes leave, so a crash cannot lose the fact that they
    // may have.
    this.deps.audit.append({
      kind: 'configuration-delivered',
      keyHash,
      peer: live.channel.address,
      detail: {
        profile: live.profile.name,
        ssid: live.profile.ssid,
        secretsCreated: built.value.secretsCreated,
        lwm2mBundleBytes: built.value.bundleBytes,
      },
    });
    this.deps.devices.delivered(keyHash, now, { deviceInfo: deviceInfoJson });
    // The answer waits for the next group commit (at most 50 ms); the enrollee waits far longer.
    this.deps.afterCommit((ok) => {
      if (live.runner.finished) return;
      if (!ok) {
        const reason = 'cannot record the delivery in the database: configuration withheld';
        this.deps.log.error({ keyHash }, reason);
        live.runner.input({
          type: 'refuseConfiguration',
          status: DppStatus.ConfigureFailure,
          reason,
        });
        return;
      }
      live.delivered = true;
      live.runner.input({
        type: 'configure',
        configObject: built.value.configObject,
        sendConnStatus: live.profile.connectionStatus,
      });
    });
  }

  /**
   * The device holds its configuration; it is provisioned even while it tries the network, and
   * stays so if no Connection Status Result ever comes (a device that leaves ESP-NOW's channel
   * for its access point's may not be heard again). The event waits for the session's outcome.
   */
  private onConfigurationApplied(live: LiveSession): void {
    this.deps.devices.setState(live.entry.keyHash, 'provisioned', new Date(), {
      reason: 'configuration applied; awaiting its Connection Status Result',
    });
  }

  private onFinished(live: LiveSession, outcome: Outcome): void {
    const keyHash = live.entry.keyHash;
    const channel = live.channel;
    this.sessions.delete(channel.id);
    if (this.sessionsByKey.get(keyHash) === live) this.sessionsByKey.delete(keyHash);
    // Its room goes to the device that has waited longest (after this session's records).
    if (this.waiting.size > 0) queueMicrotask(() => this.admitWaiting());
    this.counters.messagesSent += live.runner.messagesSent;
    channel.close();
    const now = new Date();
    if (outcome.result === 'provisioned' || outcome.result === 'connected') {
      const connStatus =
        outcome.connStatus === undefined ? undefined : describeConnStatus(outcome.connStatus);
      const state: DeviceState = outcome.result;
      const reason = outcome.result === 'provisioned' ? outcome.note : undefined;
      this.deps.devices.setState(keyHash, state, now, { reason, connStatus });
      this.deps.whitelist.markProvisioned(keyHash, now);
      this.deps.audit.append({
        kind: state,
        keyHash,
        peer: channel.address,
        reason,
        detail: connStatus === undefined ? undefined : { connStatus },
      });
      this.counters[state]++;
      this.deps.log.info(
        { keyHash, peer: channel.address, label: live.entry.label },
        reason === undefined ? state : `${state}: ${reason}`,
      );
      this.emitDevice(keyHash, state, channel, reason, live.entry.label);
      this.notifyIfIdle();
      return;
    }
    if (outcome.result === 'configured') return; // an Enrollee's outcome
    const base = outcome.error.message;
    const reason =
      live.lastIgnored !== undefined &&
      !live.delivered &&
      /timed out|no answer|retransmi/i.test(base)
        ? `${base} (last message dropped: ${live.lastIgnored.message})`
        : base;
    this.counters.failed++;
    if (!live.authenticated) {
      // The peer never proved it holds the whitelisted key: to anyone watching, it was refused.
      this.emit('refused', {
        subject: keyHash,
        keyHash,
        address: channel.address,
        reason: `authentication failed: ${reason}`,
      });
    }
    const previous = live.stateBefore;
    this.deps.audit.append({ kind: 'session-failed', keyHash, peer: channel.address, reason });
    if (!live.delivered && (previous === 'provisioned' || previous === 'connected')) {
      // Someone else failing with this device's key (a spoofer, a replay) must not undo its
      // provisioning.
      this.deps.devices.setState(keyHash, previous, now, { reason: undefined });
      this.deps.log.warn(
        { keyHash, peer: channel.address },
        `session failed, device stays ${previous}: ${reason}`,
      );
    } else {
      this.deps.devices.setState(keyHash, 'failed', now, { reason });
      this.deps.log.warn({ keyHash, peer: channel.address }, `failed: ${reason}`);
      this.emitDevice(keyHash, 'failed', channel, reason, live.entry.label);
    }
    this.notifyIfIdle();
  }

  private refuse(r: {
    subject: string;
    keyHash?: string | undefined;
    peer: PeerChannel;
    reason: string;
    code: string;
  }): void {
    this.counters.refused++;
    this.refusals.record({
      subject: r.subject,
      keyHash: r.keyHash,
      peer: r.peer.address,
      reason: r.reason,
      code: r.code,
    });
    this.emit('refused', {
      subject: r.subject,
      keyHash: r.keyHash,
      address: r.peer.address,
      reason: r.reason,
    });
  }

  private emitDevice(
    keyHash: string,
    state: DeviceState,
    channel: PeerChannel,
    reason?: string,
    label?: string,
  ): void {
    this.emit('device', {
      keyHash,
      state,
      address: channel.address,
      transport: channel.transport,
      reason,
      label,
    });
  }

  /**
   * Outcomes go to disk with the next group commit (within its window, like every other record
   * but the delivery); once no session is left, at once, so a finished batch is all on disk.
   */
  private notifyIfIdle(): void {
    if (this.sessions.size > 0) return;
    this.deps.commit();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Stop taking new devices; give running sessions `graceMs` to finish; park the rest (their
   * devices go back to `announced` with the reason, and announce again after the restart).
   */
  async shutdown(graceMs: number): Promise<{ finished: number; parked: number }> {
    this.accepting = false;
    this.waiting.clear();
    const before = this.sessions.size;
    if (before > 0 && graceMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const parked = [...this.sessions.values()];
    const now = new Date();
    for (const live of parked) {
      live.runner.dispose();
      this.sessions.delete(live.channel.id);
      this.sessionsByKey.delete(live.entry.keyHash);
      const reason = 'parked: the daemon stopped during the session';
      this.deps.devices.setState(live.entry.keyHash, 'announced', now, { reason });
      this.deps.audit.append({
        kind: 'parked',
        keyHash: live.entry.keyHash,
        peer: live.channel.address,
        reason,
      });
      live.channel.close();
    }
    this.refusals.flush();
    return { finished: before - parked.length, parked: parked.length };
  }
}

/** The Connection Status as stored: JSON with the SSID as text, no secrets in it. */
function describeConnStatus(bytes: Uint8Array): string {
  const parsed = attempt(() => parseConnectionStatus(bytes));
  if (!parsed.ok) return JSON.stringify({ unparsable: parsed.error.message });
  const s = parsed.value;
  return JSON.stringify({
    result: s.result,
    ssid: s.ssid === undefined ? undefined : new TextDecoder().decode(s.ssid),
    channelList: s.channelList,
  });
}
