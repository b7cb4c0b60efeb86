/**
 * The one place where what happens to a device is written down: its row (DevicePort), the audit
 * log (AuditPort, refusals through the rate-limited RefusalLog), the log line and the typed event,
 * together, so the four never disagree. The engine decides; this records.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../protocol/clock.js';
import { parseConnectionStatus } from '../../protocol/dpp/config-object.js';
import type { ConfiguratorOutcome } from '../../protocol/dpp/session/types.js';
import { attempt } from '../../protocol/errors.js';
import type { DeviceState, Transport } from '../../whitelist/types.js';
import type { PeerChannel } from './peer-channel.js';
import type { AuditPort, AuditRecord, DevicePort, UnlistedPort, WhitelistPort } from './ports.js';
import type { HeardKey, Refusal } from './admission.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
import { ALREADY_PROVISIONED } from './admission.js';

export interface DeviceEvent {
  readonly keyHash: string;
  readonly state: DeviceState;
  /** The peer channel's id (unique among live peers, unlike the address). */
  readonly peerId: string;
  readonly address: string;
  readonly transport: Transport;
  readonly reason?: string | undefined;
  readonly label?: string | undefined;
}

export interface RefusedEvent {
  readonly subject: string;
  readonly keyHash?: string | undefined;
  readonly peerId: string;
  readonly address: string;
  readonly reason: string;
}

/** How a session ended, for whoever started it (connect): once per session. */
export interface SessionEndedEvent {
  readonly keyHash: string;
  readonly peerId: string;
  readonly address: string;
  readonly transport: Transport;
  /** parked: the daemon stopped during it. */
  readonly result: 'provisioned' | 'connected' | 'failed' | 'refused' | 'parked' | 'not-reached';
  readonly reason?: string | undefined;
  /** From the session's start (the announcement answered, or the connection) to its end. */
  readonly durationMs?: number | undefined;
}

export interface EngineEvents {
  device: [event: DeviceEvent];
  ended: [event: SessionEndedEvent];
  /** A refused announcement or request, whitelisted or not (for the demo's table). */
  refused: [event: RefusedEvent];
}

/** Outcome counters, for status and the benchmark. */
export interface RecordCounters {
  refused: number;
  provisioned: number;
  connected: number;
  failed: number;
}

/** A device in a session, as the records need it. */
export interface SessionSubject {
  readonly keyHash: string;
  readonly label?: string | undefined;
  readonly channel: PeerChannel;
  /** On the engine's clock. */
  readonly startedAt?: number | undefined;
}

export interface DeviceRecordsDeps {
  readonly devices: DevicePort;
  readonly whitelist: WhitelistPort;
  readonly audit: AuditPort;
  readonly unlisted?: UnlistedPort | undefined;
  readonly log: Logger;
  readonly clock: Clock;
  readonly refusalLog?: RefusalLogOptions | undefined;
  /** The outcome counters to keep (the engine's, so one object shows them all). */
  readonly counters: RecordCounters;
}

export class DeviceRecords extends EventEmitter<EngineEvents> {
  private readonly refusals: RefusalLog;
  private readonly counters: RecordCounters;

  constructor(private readonly deps: DeviceRecordsDeps) {
    super();
    this.counters = deps.counters;
    this.refusals = new RefusalLog(deps.audit, deps.log, deps.refusalLog, deps.clock);
  }

  get refusalTotals(): ReadonlyMap<string, number> {
    return this.refusals.totals;
  }

  /** A peer refused before any session: the refusal log, and the event. */
  refused(subject: string, peer: PeerChannel, refusal: Refusal): void {
    this.counters.refused++;
    this.refusals.record({
      subject,
      keyHash: refusal.keyHash,
      peer: peer.address,
      reason: refusal.reason,
      code: refusal.code,
    });
    this.emit('refused', {
      subject,
      keyHash: refusal.keyHash,
      peerId: peer.id,
      address: peer.address,
      reason: refusal.reason,
    });
  }

  /** A well-formed device refused as unknown: kept in the table of devices heard but not listed. */
  unlisted(peer: PeerChannel, key: HeardKey): void {
    this.deps.unlisted?.heard({
      ...key,
      address: peer.address,
      rssi: peer.rssi,
      transport: peer.transport,
      heardBy: peer.heardBy,
      at: this.deps.clock.date(),
    });
  }

  /**
   * A whitelisted device refused (inactive, revoked, no profile …): its row reads refused with the
   * reason, except a device refused because it is already provisioned, which stays so. Only the
   * state: an announcement proves nothing, so its address and time are not the device's.
   */
  deviceRefused(device: SessionSubject, refusal: Refusal): void {
    const { keyHash, channel } = device;
    this.deps.devices.refused(
      keyHash,
      { reason: refusal.reason, keepState: refusal.code === ALREADY_PROVISIONED },
      this.deps.clock.date(),
    );
    this.refused(keyHash, channel, { ...refusal, keyHash });
    this.emitDevice(device, 'refused', refusal.reason);
  }

  /**
   * A session starts. Nothing is written on the device's row yet: anyone can replay its
   * announcement, so only a peer that proves its key (authenticated) speaks for the device.
   */
  sessionStarted(device: SessionSubject, role: 'initiator' | 'responder', profile: string): void {
    const { keyHash, channel } = device;
    this.auditOf(device, 'admitted', { detail: { transport: channel.transport, role, profile } });
    // Debug: a batch makes one of these per device; the outcome's line is the one kept at info.
    this.deps.log.debug(
      { keyHash, peer: channel.address, profile, label: device.label },
      'admitted: starting authentication',
    );
    this.emitDevice(device, 'authenticating');
  }

  /** The peer proved it holds the device's key: from now on the session is the device's. */
  authenticated(
    device: SessionSubject,
    session: { mutual: boolean; peerVersion: number; profile: string },
  ): void {
    const { keyHash, channel } = device;
    const at = this.deps.clock.date();
    this.deps.devices.authenticated(keyHash, {
      address: channel.address,
      transport: channel.transport,
      profile: session.profile,
      at,
    });
    this.deps.whitelist.markSeen(keyHash, at);
    this.auditOf(device, 'authenticated', {
      detail: { mutual: session.mutual, peerVersion: session.peerVersion },
    });
    this.emitDevice(device, 'configuring');
  }

  /** What the device reported about itself, when its configuration cannot be built. */
  configurationUnbuildable(device: SessionSubject, reason: string, deviceInfo?: string): void {
    this.deps.log.error({ keyHash: device.keyHash }, reason);
    this.deps.devices.setState(device.keyHash, 'configuring', this.deps.clock.date(), {
      deviceInfo,
    });
  }

  /** The configuration is about to leave: recorded before the bytes do (the engine commits first). */
  delivering(
    device: SessionSubject,
    detail: Record<string, unknown>,
    deviceInfo: string | undefined,
  ): void {
    this.auditOf(device, 'configuration-delivered', { detail });
    this.deps.devices.delivered(device.keyHash, this.deps.clock.date(), { deviceInfo });
  }

  /**
   * The delivery was recorded but the configuration did not leave (the whitelist entry stopped
   * being active while the record was being written): the record says so.
   */
  withheld(device: SessionSubject, reason: string): void {
    this.auditOf(device, 'configuration-withheld', { reason });
    this.deps.devices.withheld(device.keyHash, this.deps.clock.date());
  }

  /** The session ended with its configuration refused (the whitelist changed during it). */
  refusedInSession(device: SessionSubject, reason: string): void {
    this.deps.devices.setState(device.keyHash, 'refused', this.deps.clock.date(), { reason });
    this.auditOf(device, 'session-refused', { reason });
    this.deps.log.warn(
      { keyHash: device.keyHash, peer: device.channel.address },
      `refused: ${reason}`,
    );
    this.emitDevice(device, 'refused', reason);
  }

  /**
   * The device holds its configuration; it is provisioned even while it tries the network, and
   * stays so if no Connection Status Result ever comes (a device that leaves ESP-NOW's channel
   * for its access point's may not be heard again). The event waits for the session's outcome.
   */
  applied(device: SessionSubject): void {
    this.deps.devices.setState(device.keyHash, 'provisioned', this.deps.clock.date(), {
      reason: 'configuration applied; awaiting its Connection Status Result',
    });
  }

  /** The session ended with the device provisioned or connected. */
  succeeded(
    device: SessionSubject,
    outcome: Extract<ConfiguratorOutcome, { result: 'provisioned' | 'connected' }>,
  ): void {
    const { keyHash, channel } = device;
    const now = this.deps.clock.date();
    const connStatus =
      outcome.connStatus === undefined ? undefined : describeConnStatus(outcome.connStatus);
    const state = outcome.result;
    const reason = outcome.result === 'provisioned' ? outcome.note : undefined;
    this.deps.devices.setState(keyHash, state, now, { reason, connStatus });
    this.deps.whitelist.markProvisioned(keyHash, now);
    this.auditOf(device, state, {
      reason,
      detail: connStatus === undefined ? undefined : { connStatus },
    });
    this.counters[state]++;
    this.deps.log.info(
      { keyHash, peer: channel.address, label: device.label },
      reason === undefined ? state : `${state}: ${reason}`,
    );
    this.emitDevice(device, state, reason);
  }

  /**
   * The session failed. A peer that never authenticated may not have been the device at all (a
   * spoofer, a replay): its attempt is an audit record of its own and, to anyone watching, a
   * refusal; the device's row is not touched. A device already provisioned keeps that state
   * unless this session delivered.
   */
  failed(
    device: SessionSubject,
    reason: string,
    session: {
      authenticated: boolean;
      delivered: boolean;
      stateBefore: DeviceState | undefined;
    },
  ): void {
    const { keyHash, channel } = device;
    this.counters.failed++;
    if (!session.authenticated) {
      this.auditOf(device, 'authentication-failed', { reason });
      this.deps.log.warn({ keyHash, peer: channel.address }, `authentication failed: ${reason}`);
      this.emit('refused', {
        subject: keyHash,
        keyHash,
        peerId: channel.id,
        address: channel.address,
        reason: `authentication failed: ${reason}`,
      });
      return;
    }
    this.auditOf(device, 'session-failed', { reason });
    const previous = session.stateBefore;
    const now = this.deps.clock.date();
    if (!session.delivered && (previous === 'provisioned' || previous === 'connected')) {
      this.deps.devices.setState(keyHash, previous, now, { reason: undefined });
      this.deps.log.warn(
        { keyHash, peer: channel.address },
        `session failed, device stays ${previous}: ${reason}`,
      );
      return;
    }
    this.deps.devices.setState(keyHash, 'failed', now, { reason });
    this.deps.log.warn({ keyHash, peer: channel.address }, `failed: ${reason}`);
    this.emitDevice(device, 'failed', reason);
  }

  /**
   * The daemon stopped during the session: back to announced, it announces again after (the row
   * only if the session had authenticated, and so written it).
   */
  parked(device: SessionSubject, authenticated: boolean): void {
    const reason = 'parked: the daemon stopped during the session';
    if (authenticated)
      this.deps.devices.setState(device.keyHash, 'announced', this.deps.clock.date(), { reason });
    this.auditOf(device, 'parked', { reason });
  }

  /**
   * An answer from the waiting line found the device gone from our channel: not a failure (it
   * proved nothing and was refused nothing); it waits for its next announcement.
   */
  notReached(device: SessionSubject, reason: string): void {
    this.auditOf(device, 'not-reached', { reason });
    this.deps.log.debug({ keyHash: device.keyHash, peer: device.channel.address }, reason);
    this.emitDevice(device, 'announced', reason);
    this.sessionEnded(device, 'not-reached', reason);
  }

  /** The session is over: tell whoever waits for it (after its records are written). */
  sessionEnded(device: SessionSubject, result: SessionEndedEvent['result'], reason?: string): void {
    this.emit('ended', {
      keyHash: device.keyHash,
      peerId: device.channel.id,
      address: device.channel.address,
      transport: device.channel.transport,
      result,
      reason,
      durationMs:
        device.startedAt === undefined ? undefined : this.deps.clock.now() - device.startedAt,
    });
  }

  /** Write the summary of refusals not recorded one by one. */
  flush(): void {
    this.refusals.flush();
  }

  /** An audit record about the device, with the address of the peer in its session. */
  private auditOf(
    device: SessionSubject,
    kind: string,
    fields: Pick<AuditRecord, 'reason' | 'detail'> = {},
  ): void {
    this.deps.audit.append({
      kind,
      keyHash: device.keyHash,
      peer: device.channel.address,
      ...fields,
    });
  }

  private emitDevice(device: SessionSubject, state: DeviceState, reason?: string): void {
    this.emit('device', {
      keyHash: device.keyHash,
      state,
      peerId: device.channel.id,
      address: device.channel.address,
      transport: device.channel.transport,
      reason,
      label: device.label,
    });
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
