/**
 * The session engine: dispatches each peer's messages, keeps the sessions (one per device key)
 * and the line of devices waiting for room, and orders the delivery (the audit record on disk
 * before the credentials leave). Who is admitted is admission.ts's decision; what happened to a
 * device is written by device-records.ts; time comes from a Clock.
 */
import type { Clock } from '../../protocol/clock.js';
import { systemClock } from '../../protocol/clock.js';
import { toHex } from '../../protocol/bytes.js';
import { DppStatus } from '../../protocol/dpp/attributes.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import type { ConfigurationRequest } from '../../protocol/dpp/config-object.js';
import { decodeMessage, FrameType, type DppFrame } from '../../protocol/dpp/frames.js';
import { peekPresenceAnnouncement } from '../../protocol/dpp/presence.js';
import {
  createConfiguratorInitiator,
  createConfiguratorResponder,
  stepConfigurator,
  type ConfiguratorSession,
} from '../../protocol/dpp/session/configurator.js';
import { SessionRunner, type RoleEffect } from '../../protocol/dpp/session/runner.js';
import type {
  ConfiguratorEffect,
  ConfiguratorInput,
  ConfiguratorOutcome,
  SessionTimings,
} from '../../protocol/dpp/session/types.js';
import type { ConfiguratorError } from '../../protocol/errors.js';
import type { DeviceState, Transport } from '../../whitelist/types.js';
import type { Logger } from 'pino';
import {
  decideAdmission,
  identifyAnnouncer,
  identifyInitiator,
  type Identification,
} from './admission.js';
import type { Delivery } from './delivery.js';
import { DeviceRecords, type RecordCounters, type SessionSubject } from './device-records.js';
import type { PeerChannel, PeerHandler } from './peer-channel.js';
import { KeyedThrottle } from './keyed-throttle.js';
import { PeerKeys } from './peer-keys.js';
import type { Profile } from './profile.js';
import type { AuditPort, DevicePort, UnlistedPort, WhitelistPort, WhitelistView } from './ports.js';
import type { RefusalLogOptions } from './refusal-log.js';
import { WaitingLine } from './waiting-line.js';

export type { DeviceEvent, EngineEvents, SessionEndedEvent } from './device-records.js';

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
  /** Devices refused as unknown; without it they are only in the refusal log. */
  readonly unlisted?: UnlistedPort | undefined;
  /**
   * Call `then` once every write so far is durable (the stores group writes for a few
   * milliseconds), with false if any of them could not be written.
   */
  readonly afterCommit: (then: (ok: boolean) => void) => void;
  /** Make every write so far durable now (a delivery that nothing else would share waits for no window). */
  readonly commit: () => void;
  readonly delivery: Delivery;
  readonly log: Logger;
  readonly refusalLog?: RefusalLogOptions;
  /**
   * Whether the transport has room for one more session now (ESP-NOW: the air is not already
   * full of our own traffic). Without it, only maxConcurrent limits.
   */
  readonly roomFor?: (transport: Transport) => boolean;
  /** The system clock unless a test hands in a virtual one. */
  readonly clock?: Clock;
}

export interface EngineCounters extends RecordCounters {
  announcements: number;
  rateLimited: number;
  busy: number;
  admitted: number;
  noSession: number;
  malformed: number;
  ignored: number;
  messagesSent: number;
}

type ConfiguratorRunner = SessionRunner<ConfiguratorSession, ConfiguratorInput, ConfiguratorEffect>;

/**
 * Who gets what: the profiles and what builds their deliveries. Replaced as a whole when the
 * configuration is reloaded; a running session keeps the one it started with.
 */
export interface EnginePolicy {
  readonly defaultProfile: string;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly delivery: Delivery;
}

interface LiveSession extends SessionSubject {
  readonly runner: ConfiguratorRunner;
  readonly profile: Profile;
  /** The delivery of the policy the session started under. */
  readonly delivery: Delivery;
  readonly startedAt: number;
  delivered: boolean;
  /** Its delivery is recorded and waits for the commit that puts the record on disk. */
  awaitingCommit: boolean;
  /** A recorded delivery that did not leave has been recorded as withheld. */
  withheld: boolean;
  /** Why its configuration was refused after authentication (the whitelist changed). */
  refusal?: string;
  authenticated: boolean;
  /** When the peer last sent the session anything but an announcement (clock.now()). */
  lastHeardAt: number;
  /** The device's state before this session started (the session overwrites it at once). */
  readonly stateBefore: DeviceState | undefined;
  /** Why the last message was dropped, for a failure reason better than "timed out". */
  lastIgnored?: ConfiguratorError;
}

/** Remembered peers for the per-peer announcement rate limit. */
const RATE_MEMORY = 20_000;
/** Deferred announcements kept at most (only whitelisted devices get this far). */
const WAITING_MAX = 20_000;
/** A waiting device not heard for this many waitingMaxAgeMs periods is forgotten. */
const WAITING_FORGET_AFTER = 10;

/** An answer that comes from the waiting line, later than the announcement it answers. */
interface LateAnswer {
  readonly frame: DppFrame;
  readonly heardAt: number;
  readonly chirpHex: string;
  readonly waitingSeq: number;
}

interface WaitingAnnouncement {
  readonly channel: PeerChannel;
  readonly frame: DppFrame;
}

/** How a session comes about: we answer an announcement, or the device initiated (TCP). */
type SessionStart =
  | {
      readonly role: 'initiator';
      /** The announcement that brought the device, to answer later if there is no room now. */
      readonly announcement?: {
        readonly frame: DppFrame;
        readonly heardAt: number;
        readonly chirpHex: string;
        readonly waitingSeq?: number | undefined;
      };
    }
  | { readonly role: 'responder'; readonly request: Uint8Array; readonly decoded: DppFrame };

export class SessionEngine implements PeerHandler {
  private readonly sessions = new Map<string, LiveSession>();
  /**
   * The same sessions by the device's key hash: one at a time per device. An announcement is
   * public, so anyone can replay it from another address; a second session for the same key
   * would only let the one that cannot authenticate overwrite what the other achieved.
   */
  private readonly sessionsByKey = new Map<string, LiveSession>();
  private readonly peerKeys = new PeerKeys();
  /** One announcement per peer address per announceIntervalMs is acted on. */
  private readonly announceThrottle: KeyedThrottle;
  /**
   * Whitelisted devices heard while there was no room, first heard first, one place per device
   * (by chirp hash): replaying one announcement from many addresses takes one place, not many.
   */
  private readonly waiting: WaitingLine<WaitingAnnouncement>;
  /** Device rows, audit, log lines and events: written together, there. */
  readonly records: DeviceRecords;
  private readonly clock: Clock;
  private accepting = true;
  private policy: EnginePolicy;
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
    this.clock = deps.clock ?? systemClock;
    this.policy = {
      defaultProfile: deps.settings.defaultProfile,
      profiles: deps.settings.profiles,
      delivery: deps.delivery,
    };
    this.announceThrottle = new KeyedThrottle(deps.settings.announceIntervalMs, RATE_MEMORY);
    this.records = new DeviceRecords({
      devices: deps.devices,
      whitelist: deps.whitelist,
      audit: deps.audit,
      unlisted: deps.unlisted,
      log: deps.log,
      clock: this.clock,
      refusalLog: deps.refusalLog,
      counters: this.counters,
    });
    this.waiting = new WaitingLine(
      deps.settings.waitingMaxAgeMs,
      WAITING_FORGET_AFTER,
      WAITING_MAX,
    );
  }

  get currentPolicy(): EnginePolicy {
    return this.policy;
  }

  /** From now on admit and deliver by this policy; running sessions finish under theirs. */
  reconfigure(policy: EnginePolicy): void {
    this.policy = policy;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Whitelisted devices heard and waiting for room to start their session. */
  get waitingSessions(): number {
    return this.waiting.size;
  }

  get refusalTotals(): ReadonlyMap<string, number> {
    return this.records.refusalTotals;
  }

  /**
   * Start sessions for waiting devices while there is room, first heard first; called when a
   * session ends and when the radio's send backlog goes down. A device not heard for
   * waitingMaxAgeMs is skipped but keeps its place: its next announcement makes it eligible again
   * (one lost announcement must not send it to the back of a long queue). Forgotten after
   * WAITING_FORGET_AFTER such periods. The walk passes over quiet devices once (waiting-line.ts).
   */
  admitWaiting(): void {
    for (const [chirp, w, heardAt, seq] of this.waiting.eligible(this.clock.now())) {
      if (!this.hasRoom(w.channel.transport) || !this.accepting) return;
      this.waiting.delete(chirp);
      if (this.sessions.has(w.channel.id)) continue;
      this.considerAnnouncement(w.channel, w.frame, heardAt, undefined, seq);
    }
  }

  private hasRoom(transport: Transport): boolean {
    return (
      this.sessions.size < this.deps.settings.maxConcurrent &&
      (this.deps.roomFor?.(transport) ?? true)
    );
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
    if (!this.accepting) {
      channel.close();
      return false;
    }
    const entry = this.deps.whitelist.get(keyHash);
    if (entry === undefined) {
      this.records.refused(keyHash, channel, {
        keyHash,
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
    // Decoded once, here: the session machine gets the decoded message with the bytes.
    const decoded = decodeMessage(bytes);
    const frame: DppFrame | undefined =
      decoded.ok && decoded.value.kind === 'dpp' ? decoded.value : undefined;
    if (live !== undefined) {
      if (frame?.frameType === FrameType.PresenceAnnouncement) {
        this.announcementDuringSession(live, channel, frame);
        return;
      }
      live.lastHeardAt = this.clock.now();
      live.runner.input({
        type: 'message',
        bytes,
        decoded: decoded.ok ? decoded.value : undefined,
      });
      return;
    }
    if (!decoded.ok) {
      this.counters.malformed++;
      this.records.refused(channel.id, channel, {
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
    if (!live.authenticated || live.runner.state.stage.name === 'awaitConnStatus') return;
    const now = this.clock.now();
    if (now - live.startedAt < this.deps.settings.announceIntervalMs) return;
    if (now - live.lastHeardAt < this.deps.settings.timings.retransmitMs) return;
    live.runner.input({
      type: 'abort',
      reason: 'the device announced itself again (it restarted)',
    });
    this.announceThrottle.forget(channel.id);
    this.onAnnouncement(channel, frame);
  }

  private onAnnouncement(channel: PeerChannel, frame: DppFrame): void {
    this.counters.announcements++;
    if (!this.accepting) return;
    if (!this.announceThrottle.due(channel.id, this.clock.now())) {
      this.counters.rateLimited++;
      return;
    }
    const now = this.clock.now();
    // Already waiting and still no room: note that it is still there; every check runs again
    // when its turn comes, on the announcement that earned the place (this one may be a copy).
    if (this.waiting.size > 0 && !this.hasRoom(channel.transport)) {
      const peek = peekPresenceAnnouncement(frame);
      if (
        peek.ok &&
        this.waiting.stillHeard(toHex(peek.value.chirpHash), now, { channel, frame })
      ) {
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
    /** Its place in the waiting line, when the answer comes from there (later than the chirp). */
    waitingSeq?: number,
  ): void {
    if (!peek.ok) {
      this.records.refused(channel.id, channel, {
        reason: peek.error.describe(),
        code: 'malformed',
      });
      return;
    }
    const who = identifyAnnouncer(peek.value, this.deps.whitelist);
    if (!this.listed(who, channel)) return;
    this.admit(channel, who.entry, who.der, {
      role: 'initiator',
      announcement: { frame, heardAt, chirpHex: toHex(peek.value.chirpHash), waitingSeq },
    });
  }

  private onAuthRequest(channel: PeerChannel, frame: DppFrame, bytes: Uint8Array): void {
    if (!this.accepting) {
      channel.close();
      return;
    }
    const who = identifyInitiator(frame, this.deps.identity.hash, this.deps.whitelist, channel.id);
    if (!this.listed(who, channel)) {
      channel.close();
      return;
    }
    this.admit(channel, who.entry, undefined, {
      role: 'responder',
      request: bytes,
      decoded: frame,
    });
  }

  /** Whether the peer is a whitelisted device; the refusal recorded if not. */
  private listed(
    who: Identification,
    channel: PeerChannel,
  ): who is Extract<Identification, { kind: 'listed' }> {
    if (who.kind === 'listed') return true;
    this.records.refused(who.subject, channel, who);
    if (who.unlisted !== undefined) this.records.unlisted(channel, who.unlisted);
    return false;
  }

  private admit(
    channel: PeerChannel,
    entry: WhitelistView,
    announcedDer: Uint8Array | undefined,
    how: SessionStart,
  ): void {
    const keyHash = entry.keyHash;
    const subject: SessionSubject = { keyHash, label: entry.label, channel };
    const device = this.deps.devices.get(keyHash);
    // Read now: the session overwrites the record at once (and a store may hand out its own object).
    const stateBefore = device?.state;
    const decision = decideAdmission(
      {
        entry,
        announcedDer,
        device,
        runningWith: this.sessionsByKey.get(keyHash)?.channel.address,
        room: this.hasRoom(channel.transport),
      },
      this.policy,
    );
    switch (decision.kind) {
      case 'refuse':
        this.records.deviceRefused(subject, decision);
        if (channel.transport === 'tcp') channel.close();
        return;
      case 'defer':
        this.defer(
          channel,
          keyHash,
          how,
          decision.why === 'session-running' ? decision.with : undefined,
        );
        return;
      case 'admit':
        break;
    }
    if (how.role === 'initiator' && how.announcement !== undefined)
      this.waiting.delete(how.announcement.chirpHex);
    const parsed = this.peerKeys.parse(decision.der);
    if (!parsed.ok) {
      this.records.deviceRefused(subject, {
        keyHash,
        reason: `bootstrapping key unusable: ${parsed.error.message}`,
        code: 'bad-key',
      });
      if (channel.transport === 'tcp') channel.close();
      return;
    }
    const { profile } = decision;
    const timings = this.timingsFor(channel.transport);
    const session =
      how.role === 'initiator'
        ? createConfiguratorInitiator({
            peer: parsed.value,
            own: this.deps.identity,
            requireMutual: profile.requireMutual,
            timings,
          })
        : // A device that initiates proves its key only through mutual authentication.
          createConfiguratorResponder({
            peer: parsed.value,
            own: this.deps.identity,
            requireMutual: true,
            timings,
          });
    this.counters.admitted++;
    this.records.sessionStarted(subject, how.role, profile.name);
    // eslint-disable-next-line prefer-const -- the runner's effects close over `live`, assigned just below
    let live: LiveSession;
    const late =
      how.role === 'initiator' &&
      how.announcement?.waitingSeq !== undefined &&
      channel.transport === 'espnow'
        ? { ...how.announcement, waitingSeq: how.announcement.waitingSeq }
        : undefined;
    const runner: ConfiguratorRunner = new SessionRunner(
      stepConfigurator,
      session,
      late === undefined ? channel : this.watchFirstSend(channel, () => live, late),
      this.clock,
      (effect) => this.onSessionEffect(live, effect),
      (timer) => ({ type: 'timer', timer }),
    );
    const now = this.clock.now();
    live = {
      ...subject,
      runner,
      profile,
      delivery: this.policy.delivery,
      startedAt: now,
      delivered: false,
      awaitingCommit: false,
      withheld: false,
      authenticated: false,
      lastHeardAt: now,
      stateBefore,
    };
    this.sessions.set(channel.id, live);
    this.sessionsByKey.set(keyHash, live);
    runner.input(
      how.role === 'initiator'
        ? { type: 'start' }
        : { type: 'message', bytes: how.request, decoded: how.decoded },
    );
  }

  /** No session now: the device waits for its turn (ESP-NOW), or the connection closes (TCP). */
  private defer(
    channel: PeerChannel,
    keyHash: string,
    how: SessionStart,
    sessionWith: string | undefined,
  ): void {
    this.counters.busy++;
    if (sessionWith !== undefined) {
      this.deps.log.debug(
        { keyHash, peer: channel.address, sessionPeer: sessionWith },
        'a session for this device is already running with another peer; announcement not answered',
      );
      if (channel.transport === 'tcp') {
        this.records.refused(keyHash, channel, {
          keyHash,
          reason: `a session for this device is already running with ${sessionWith}`,
          code: 'session-running',
        });
        channel.close();
      }
      return;
    }
    if (channel.transport === 'tcp') {
      this.deps.log.debug(
        { keyHash, peer: channel.address },
        'no room for another session now; connection closed (the device may try again)',
      );
      channel.close();
      return;
    }
    const announcement = how.role === 'initiator' ? how.announcement : undefined;
    if (
      announcement !== undefined &&
      !this.waiting.heard(
        announcement.chirpHex,
        { channel, frame: announcement.frame },
        announcement.heardAt,
      )
    ) {
      this.records.refused(keyHash, channel, {
        keyHash,
        reason: `no room for its session and the waiting line is full (${this.waiting.size} devices)`,
        code: 'waiting-line-full',
      });
      return;
    }
    this.deps.log.debug(
      { keyHash, peer: channel.address, waiting: this.waiting.size },
      'no room for another session now; announcement deferred',
    );
  }

  /**
   * An answer from the waiting line comes later than the device's announcement, and a device that
   * walks a channel plan may have left our channel meanwhile. Its radio acknowledges a unicast
   * frame, so the first Authentication Request tells: not acknowledged, the device is not
   * listening here. Its session ends without a failure and it waits, in its place, until it is
   * heard again (docs/espnow-binding.md, "Answers from the waiting line").
   */
  private watchFirstSend(
    channel: PeerChannel,
    session: () => LiveSession,
    late: LateAnswer,
  ): PeerChannel {
    let first = true;
    return {
      ...channel,
      send: (message) => {
        const sent = channel.send(message);
        if (!first || !(sent instanceof Promise)) return sent;
        first = false;
        void sent.then((reached) => {
          if (!reached) this.notReached(session(), late);
        });
        return sent;
      },
    };
  }

  private notReached(live: LiveSession, late: LateAnswer): void {
    // Only a session that has heard nothing from the device since it began.
    if (live.runner.finished || live.authenticated || live.lastHeardAt !== live.startedAt) return;
    if (this.sessions.get(live.channel.id) !== live) return;
    live.runner.dispose();
    this.sessions.delete(live.channel.id);
    if (this.sessionsByKey.get(live.keyHash) === live) this.sessionsByKey.delete(live.keyHash);
    this.counters.messagesSent += live.runner.messagesSent;
    const ago = Math.round(live.startedAt - late.heardAt);
    this.records.notReached(
      live,
      `answered ${ago} ms after its announcement, it was no longer listening on our channel; it waits for its next announcement`,
    );
    if (this.accepting)
      this.waiting.setAside(
        late.chirpHex,
        { channel: live.channel, frame: late.frame },
        late.waitingSeq,
        this.clock.now(),
      );
    this.admitWaiting();
    this.notifyIfIdle();
  }

  private timingsFor(transport: Transport): SessionTimings {
    const t = this.deps.settings.timings;
    // TCP is reliable: no retransmission, one transmission per message.
    return transport === 'tcp' ? { ...t, retransmitMs: 0, maxTransmissions: 1 } : t;
  }

  private onSessionEffect(live: LiveSession, effect: RoleEffect<ConfiguratorEffect>): void {
    switch (effect.type) {
      case 'authenticated':
        live.authenticated = true;
        this.records.authenticated(live, {
          mutual: effect.mutual,
          peerVersion: effect.peerVersion,
          profile: live.profile.name,
        });
        return;
      case 'configurationRequested':
        this.onConfigurationRequested(live, effect.request);
        return;
      case 'configurationApplied':
        this.records.applied(live);
        return;
      case 'ignored':
        this.counters.ignored++;
        live.lastIgnored = effect.error;
        this.deps.log.debug(
          { keyHash: live.keyHash, peer: live.channel.address, code: effect.error.code },
          `dropped: ${effect.error.message}`,
        );
        return;
      case 'finished':
        this.onFinished(live, effect.outcome);
        return;
    }
  }

  private onConfigurationRequested(live: LiveSession, request: ConfigurationRequest): void {
    const keyHash = live.keyHash;
    // The whitelist may have changed since the announcement: an admin's revoke wins at once.
    const fresh = this.deps.whitelist.get(keyHash);
    if (this.refuseIfNotActive(live, fresh, 'during the session')) return;
    const deviceInfo = request.deviceInfo;
    const deviceInfoJson = deviceInfo === undefined ? undefined : JSON.stringify(deviceInfo);
    const built = live.delivery.build(live.profile, {
      keyHash,
      mac: live.channel.transport === 'espnow' ? live.channel.address : undefined,
      label: fresh?.label,
      deviceInfo,
    });
    if (!built.ok) {
      const reason = `cannot build the configuration: ${built.error.message}`;
      this.records.configurationUnbuildable(live, reason, deviceInfoJson);
      live.runner.input({
        type: 'refuseConfiguration',
        status: DppStatus.ConfigureFailure,
        reason,
      });
      return;
    }
    // Recorded, and on disk, before the bytes leave, so a crash cannot lose the fact that they
    // may have.
    this.records.delivering(
      live,
      {
        profile: live.profile.name,
        ssid: live.profile.ssid,
        secretsCreated: built.value.secretsCreated,
        lwm2mBundleBytes: built.value.bundleBytes,
      },
      deviceInfoJson,
    );
    live.awaitingCommit = true;
    const configObject = built.value.configObject;
    this.deps.afterCommit((ok) => {
      live.awaitingCommit = false;
      this.handOver(live, configObject, ok);
    });
    this.commitIfNothingWouldShare();
  }

  /**
   * Grouped commits exist so that sessions delivering at about the same time share one commit.
   * When every session still on its way to a delivery is already waiting for that commit (a lone
   * device, or a batch whose other sessions have all delivered), nothing else would join it:
   * commit now instead of at the end of the window.
   */
  private commitIfNothingWouldShare(): void {
    let waiting = false;
    for (const s of this.sessions.values()) {
      if (s.awaitingCommit) waiting = true;
      else if (!s.delivered && !s.runner.finished) return;
    }
    if (waiting) this.deps.commit();
  }

  /**
   * The delivery is on disk: the configuration goes to the transport, unless the whitelist entry
   * stopped being active meanwhile. Read again here, at the last moment, so that a revoke that
   * landed while the delivery was being recorded still wins.
   */
  private handOver(live: LiveSession, configObject: Uint8Array, ok: boolean): void {
    if (live.runner.finished) {
      // It ended (the peer went, the daemon stopped) while its delivery was being recorded.
      this.withhold(live, 'the session ended before its configuration left');
      return;
    }
    if (!ok) {
      const reason = 'cannot record the delivery in the database: configuration withheld';
      this.deps.log.error({ keyHash: live.keyHash }, reason);
      live.runner.input({
        type: 'refuseConfiguration',
        status: DppStatus.ConfigureFailure,
        reason,
      });
      return;
    }
    const fresh = this.deps.whitelist.get(live.keyHash);
    if (this.refuseIfNotActive(live, fresh, 'before its configuration left', true)) return;
    live.delivered = true;
    live.runner.input({
      type: 'configure',
      configObject,
      sendConnStatus: live.profile.connectionStatus,
    });
  }

  /** A delivery that was recorded and did not leave is recorded as withheld, once. */
  private withhold(live: LiveSession, reason: string): void {
    if (live.withheld) return;
    live.withheld = true;
    this.records.withheld(live, reason);
  }

  /**
   * Refuse the configuration if the device's entry is gone or no longer active; whether it did.
   * `recorded`: its delivery was already recorded, and is now recorded as withheld.
   */
  private refuseIfNotActive(
    live: LiveSession,
    fresh: WhitelistView | undefined,
    when: string,
    recorded = false,
  ): boolean {
    if (fresh?.status === 'active') return false;
    const reason =
      fresh === undefined
        ? `removed from the whitelist ${when}`
        : `whitelist entry became ${fresh.status} ${when}`;
    if (recorded) this.withhold(live, reason);
    this.records.refused(live.keyHash, live.channel, {
      keyHash: live.keyHash,
      reason,
      code: fresh?.status ?? 'removed',
    });
    live.refusal = reason;
    live.runner.input({ type: 'refuseConfiguration', status: DppStatus.ConfigRejected, reason });
    return true;
  }

  private onFinished(live: LiveSession, outcome: ConfiguratorOutcome): void {
    const channel = live.channel;
    this.sessions.delete(channel.id);
    if (this.sessionsByKey.get(live.keyHash) === live) this.sessionsByKey.delete(live.keyHash);
    // Its room goes to the device that has waited longest (after this session's records).
    if (this.waiting.size > 0) queueMicrotask(() => this.admitWaiting());
    this.counters.messagesSent += live.runner.messagesSent;
    channel.close();
    if (outcome.result === 'failed' && live.refusal !== undefined) {
      this.records.refusedInSession(live, live.refusal);
      this.records.sessionEnded(live, 'refused', live.refusal);
    } else if (outcome.result === 'failed') {
      const base = outcome.error.message;
      const reason =
        live.lastIgnored !== undefined &&
        !live.delivered &&
        /timed out|no answer|retransmi/i.test(base)
          ? `${base} (last message dropped: ${live.lastIgnored.message})`
          : base;
      this.records.failed(live, reason, live);
      this.records.sessionEnded(
        live,
        'failed',
        live.authenticated ? reason : `authentication failed: ${reason}`,
      );
    } else {
      this.records.succeeded(live, outcome);
      this.records.sessionEnded(
        live,
        outcome.result,
        outcome.result === 'provisioned' ? outcome.note : undefined,
      );
    }
    // A session that ends may leave only deliveries waiting for the commit.
    this.commitIfNothingWouldShare();
    this.notifyIfIdle();
  }

  /**
   * Outcomes go to disk with the next group commit, like every other record but the delivery:
   * within its window, or with the next delivery's commit. Not at once when the last session
   * ends: devices served one after another would pay two commits each instead of one.
   */
  private notifyIfIdle(): void {
    if (this.sessions.size > 0) return;
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
        const timer = this.clock.setTimer(graceMs, resolve);
        this.idleWaiters.push(() => {
          timer.cancel();
          resolve();
        });
      });
    }
    const parked = [...this.sessions.values()];
    for (const live of parked) {
      if (live.awaitingCommit)
        this.withhold(live, 'the daemon stopped before its configuration left');
      live.runner.dispose();
      this.sessions.delete(live.channel.id);
      this.sessionsByKey.delete(live.keyHash);
      this.records.parked(live, live.authenticated);
      this.records.sessionEnded(live, 'parked', 'the daemon stopped during the session');
      live.channel.close();
    }
    this.records.flush();
    return { finished: before - parked.length, parked: parked.length };
  }
}
