/**
 * `connect`: provision one whitelisted device that listens for DPP over TCP (hostap:
 * `DPP_CONTROLLER_START role=enrollee`), as initiator, inside the running daemon, so the session
 * is in its records, its counters and its limits like any other.
 *
 * Whatever can refuse the device without asking it refuses before any connection is opened: the
 * entry the admin named (full hash or unique prefix, whitelist/find-entry.ts), then the engine's
 * own admission decision (status, profile, re-provisioning, a public key to authenticate). Then
 * the engine's `initiate` runs the session on the outgoing connection; the outcome is what the
 * session ended in.
 */
import type { Logger } from 'pino';
import { ConfiguratorError } from '../../protocol/errors.js';
import { findEntry, type EntryLookup } from '../../whitelist/find-entry.js';
import { FINAL_DEVICE_STATES, type DeviceState } from '../../whitelist/types.js';
import { decideAdmission } from '../engine/admission.js';
import type { SessionEndedEvent, SessionEngine } from '../engine/engine.js';
import type { PeerChannel } from '../engine/peer-channel.js';
import type { DevicePort, WhitelistView } from '../engine/ports.js';
import { DaemonErrorCode } from '../errors.js';
import { connectDppTcp, type TcpConnectionLimits } from '../transports/dpp-tcp.js';
import type { Clock } from '../../protocol/clock.js';
import type { ConnectRequest, OutcomeReply } from './control-protocol.js';

export type ConnectOutcome = Omit<OutcomeReply, 'type'>;

export interface ConnectProgress {
  readonly keyHash: string;
  readonly state: DeviceState;
}

export interface OutgoingSessionDeps {
  readonly engine: SessionEngine;
  readonly whitelist: EntryLookup<WhitelistView>;
  readonly devices: Pick<DevicePort, 'get'>;
  readonly log: Logger;
  /** Make every write so far durable: an outcome is on disk before the client hears it. */
  readonly commit: () => void;
  /** The deadlines every DPP/TCP connection gets. */
  readonly tcpLimits: TcpConnectionLimits;
  readonly clock?: Clock | undefined;
}

/** One session we opened, as its events arrive. */
interface Watch {
  readonly keyHash: string;
  readonly onProgress: (p: ConnectProgress) => void;
  ended?: SessionEndedEvent;
  refusal?: string;
}

export class OutgoingSessions {
  /** By the id of the outgoing connection (unique while it is open). */
  private readonly watches = new Map<string, Watch>();
  private stopping = false;

  constructor(private readonly deps: OutgoingSessionDeps) {
    // One listener for every outgoing session, however many run at once.
    deps.engine.records.on('device', (e) => {
      const w = this.watches.get(e.peerId);
      if (w === undefined || w.keyHash !== e.keyHash) return;
      // A final state is the outcome's to tell.
      if (!FINAL_DEVICE_STATES.has(e.state)) w.onProgress({ keyHash: e.keyHash, state: e.state });
    });
    deps.engine.records.on('ended', (e) => {
      const w = this.watches.get(e.peerId);
      if (w !== undefined && w.keyHash === e.keyHash) w.ended = e;
    });
    deps.engine.records.on('refused', (e) => {
      const w = this.watches.get(e.peerId);
      if (w !== undefined && (e.keyHash === w.keyHash || e.subject === w.keyHash))
        w.refusal = e.reason;
    });
  }

  /**
   * Check the device, connect, run the session; resolves with its outcome once it has ended.
   * Throws a ConfiguratorError, before any connection, for a device that would be refused, and
   * ConnectFailed when the connection cannot be opened.
   */
  async provision(
    request: Omit<ConnectRequest, 'op'>,
    onProgress: (p: ConnectProgress) => void = () => {},
  ): Promise<ConnectOutcome> {
    const { engine, log } = this.deps;
    if (this.stopping)
      throw new ConfiguratorError(DaemonErrorCode.ConnectFailed, 'the daemon is stopping');
    const entry = findEntry(this.deps.whitelist, request.device);
    const keyHash = entry.keyHash;
    this.refuseEarly(entry);
    const target = `${request.host.includes(':') ? `[${request.host}]` : request.host}:${request.port}`;
    log.info({ keyHash, peer: target }, 'connecting to a device that listens for DPP over TCP');
    let tcp: PeerChannel;
    try {
      tcp = await connectDppTcp(
        request.host,
        request.port,
        engine,
        log,
        this.deps.tcpLimits,
        this.deps.clock,
      );
    } catch (e) {
      throw new ConfiguratorError(
        DaemonErrorCode.ConnectFailed,
        `cannot connect to ${target}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (this.stopping) {
      tcp.close();
      throw new ConfiguratorError(DaemonErrorCode.ConnectFailed, 'the daemon is stopping');
    }
    const watch: Watch = { keyHash, onProgress };
    this.watches.set(tcp.id, watch);
    try {
      // The engine closes the channel exactly once, when the session (or its refusal) is over,
      // and writes the outcome in the same turn: the outcome is read a microtask later.
      const ended = new Promise<void>((resolve) => {
        const channel: PeerChannel = {
          id: tcp.id,
          transport: tcp.transport,
          address: tcp.address,
          send: (message) => tcp.send(message),
          close: () => {
            tcp.close();
            queueMicrotask(resolve);
          },
        };
        engine.initiate(channel, keyHash);
      });
      await ended;
      this.deps.commit();
      return this.outcomeOf(watch, tcp.address, entry.label);
    } finally {
      this.watches.delete(tcp.id);
    }
  }

  /** No new session from now on (the daemon stops); those running end with the engine's. */
  stop(): void {
    this.stopping = true;
  }

  /** The admission decision the engine would take, taken before connecting. */
  private refuseEarly(entry: WhitelistView): void {
    const decision = decideAdmission(
      { entry, device: this.deps.devices.get(entry.keyHash), runningWith: undefined, room: true },
      this.deps.engine.currentPolicy,
    );
    if (decision.kind !== 'refuse') return;
    const reason =
      decision.code === 'no-public-key'
        ? 'the whitelist holds only its key hash: connecting to it needs its public key (add it by URI or key file)'
        : decision.reason;
    this.deps.log.info({ keyHash: entry.keyHash }, `connect refused, not connecting: ${reason}`);
    throw new ConnectRefused(entry.keyHash, reason);
  }

  private outcomeOf(watch: Watch, peer: string, label: string | undefined): ConnectOutcome {
    const { keyHash, ended, refusal } = watch;
    const base = { keyHash, peer, ...(label === undefined ? {} : { label }) };
    if (ended !== undefined) {
      // Not-reached concerns answers to ESP-NOW announcements only; never a connection we opened.
      if (ended.result === 'parked' || ended.result === 'not-reached')
        return {
          ...base,
          state: 'failed',
          reason:
            ended.result === 'parked'
              ? 'the daemon stopped during the session (parked)'
              : (ended.reason ?? 'not reached'),
        };
      return {
        ...base,
        state: ended.result,
        ...(ended.reason === undefined ? {} : { reason: ended.reason }),
      };
    }
    if (refusal !== undefined) return { ...base, state: 'refused', reason: refusal };
    if (this.stopping) return { ...base, state: 'failed', reason: 'the daemon is stopping' };
    return {
      ...base,
      state: 'failed',
      reason: 'no room for another session now (sessions.maxConcurrent are running): try again',
    };
  }
}

/** A device the daemon would refuse: refused before any connection, with the reason. */
export class ConnectRefused extends ConfiguratorError {
  constructor(
    readonly keyHash: string,
    readonly reason: string,
  ) {
    super(DaemonErrorCode.ConnectRefused, `${keyHash} refused, not connecting: ${reason}`);
  }
}
