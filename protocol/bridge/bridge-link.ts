/**
 * The daemon's side of the bridge serial protocol (docs/bridge-serial.md) as a state machine with
 * no I/O and no clock: the serial shell feeds it what happened (port opened, bytes, a send, a timer,
 * port closed) with the current time, and carries out the effects it returns (write bytes, emit an
 * event, settle a send, close the port). Tests drive it byte by byte with a made-up clock.
 *
 * Phases: closed → negotiating (HOST_HELLO + PING written, waiting for HELLO then that PONG) → up.
 * The PING written right behind HOST_HELLO tells the answer HELLO from a boot HELLO: the bridge
 * answers in order, so every HELLO before that PONG belongs to this negotiation, and any HELLO
 * after it is unsolicited (the bridge reset).
 */
import { concatBytes } from '../bytes.js';
import { ConfiguratorError, ErrorCode } from '../errors.js';
import { BridgeFrameReader, type SerialCounters } from './frame-reader.js';
import { encodeFrame, FRAME_DELIMITER } from './frame.js';
import {
  BRIDGE_PROTOCOL_MIN_VERSION,
  BRIDGE_PROTOCOL_VERSION,
  BridgeErrorCode,
  ChannelStatus,
  RX_FLAG_BROADCAST,
  isMac,
  MAX_ESPNOW_PAYLOAD,
  TxStatus,
  type BridgeMessage,
  type BridgeStats,
  type Hello,
} from './messages.js';
import type { Mac, RadioFrame, RadioInfo, TxResult } from './radio.js';

export interface LinkTimings {
  /** From opening the port to the bridge's HELLO; then the port is closed and reopened. */
  readonly helloTimeoutMs: number;
  /** A PING goes out this often while up, busy or idle (it also detects resets by uptime). */
  readonly pingIntervalMs: number;
  /** This many PINGs in a row without a PONG mean the link is dead. */
  readonly missedPongLimit: number;
  readonly statsIntervalMs: number;
  /** A TX without TX_STATUS this long after it was written resolves notAcked (the bridge's own limit is 2 s). */
  readonly txDeadlineMs: number;
  readonly channelTimeoutMs: number;
  /** Sends waiting for a credit, beyond the bridge's txQueue; more are refused. */
  readonly maxQueued: number;
  /** After ERROR 3 (no common version) the port is retried this much later, not at once. */
  readonly incompatibleRetryMs: number;
}

export const DEFAULT_LINK_TIMINGS: LinkTimings = {
  helloTimeoutMs: 2000,
  pingIntervalMs: 2000,
  missedPongLimit: 3,
  statsIntervalMs: 10_000,
  txDeadlineMs: 3000,
  channelTimeoutMs: 2000,
  maxQueued: 1024,
  incompatibleRetryMs: 30_000,
};

export type LinkInput =
  | { readonly type: 'opened'; readonly now: number }
  | { readonly type: 'bytes'; readonly data: Uint8Array; readonly now: number }
  | { readonly type: 'tick'; readonly now: number }
  | {
      readonly type: 'send';
      readonly id: number;
      readonly dst: Mac;
      readonly payload: Uint8Array;
      readonly now: number;
    }
  | {
      readonly type: 'setChannel';
      readonly id: number;
      readonly channel: number;
      readonly now: number;
    }
  /** The port went away (unplugged, error, stopped); nothing more will be written. */
  | { readonly type: 'closed'; readonly reason: string };

export type LinkEffect =
  | { readonly type: 'write'; readonly bytes: Uint8Array }
  | { readonly type: 'up'; readonly info: RadioInfo }
  | { readonly type: 'down'; readonly reason: string }
  | { readonly type: 'frame'; readonly frame: RadioFrame }
  | { readonly type: 'problem'; readonly error: ConfiguratorError }
  | { readonly type: 'txDone'; readonly id: number; readonly result: TxResult }
  | { readonly type: 'channelDone'; readonly id: number; readonly ok: boolean }
  /** Close the port and open it again after the usual backoff, or after `retryAfterMs`. */
  | { readonly type: 'close'; readonly reason: string; readonly retryAfterMs?: number };

export type LinkPhase = 'closed' | 'negotiating' | 'up';

/** What the host side counted; the serial counters are BridgeFrameReader's. */
export interface HostLinkCounters extends SerialCounters {
  txSent: number;
  txAcked: number;
  txNotAcked: number;
  txRefused: number;
  /** Resolved notAcked because no TX_STATUS came within the deadline. */
  txDeadline: number;
  txLinkDown: number;
  rxFrames: number;
  /** Bridge resets seen on a live link (unsolicited HELLO, uptime going backwards). */
  resets: number;
  /** Most TX ever outstanding at once; never above the bridge's txQueue. */
  maxOutstanding: number;
}

export interface BridgeLinkStats {
  /** The bridge's own counters from its last STATS, or null before the first. */
  readonly bridge: BridgeStats | null;
  readonly host: Readonly<HostLinkCounters>;
  readonly outstanding: number;
  readonly queued: number;
  readonly credits: number;
}

interface Outstanding {
  readonly id: number;
  readonly deadline: number;
}

interface Queued {
  readonly id: number;
  readonly dst: Mac;
  readonly payload: Uint8Array;
}

interface ChannelRequest {
  readonly id: number;
  readonly channel: number;
  readonly deadline: number;
}

const TX_ID_SPACE = 0x10000;
const UINT32_SPACE = 0x1_0000_0000;
/** A PONG uptime this close to 2³² followed by a small one is a wrap (49.7 days), not a reset. */
const UPTIME_WRAP_MARGIN_MS = 600_000;

function txStatusName(status: number): string {
  const name = Object.entries(TxStatus).find(([, v]) => v === status)?.[0];
  return name ?? `unknown status ${status}`;
}

function errorCodeName(code: number): string {
  const name = Object.entries(BridgeErrorCode).find(([, v]) => v === code)?.[0];
  return name ?? `code ${code}`;
}

export class BridgeLink {
  private readonly timings: LinkTimings;
  private readonly reader: BridgeFrameReader;
  private out: LinkEffect[] = [];
  private phaseNow: LinkPhase = 'closed';

  // negotiation
  private helloDeadline = 0;
  private helloNonce = 0;
  private candidate: Hello | null = null;

  // up
  private hello: Hello | null = null;
  private radio: RadioInfo | null = null;
  private credits = 0;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly queue: Queued[] = [];
  private readonly channelRequests: ChannelRequest[] = [];
  private nextTxId = 0;
  private nextNonce = 1;
  private unansweredPings: number[] = [];
  private missedPongs = 0;
  private pingDue = 0;
  private statsDue = 0;
  private lastUptime: number | null = null;
  private bridgeStats: BridgeStats | null = null;

  private readonly count = {
    txSent: 0,
    txAcked: 0,
    txNotAcked: 0,
    txRefused: 0,
    txDeadline: 0,
    txLinkDown: 0,
    rxFrames: 0,
    resets: 0,
    maxOutstanding: 0,
  };

  constructor(timings: Partial<LinkTimings> = {}) {
    this.timings = { ...DEFAULT_LINK_TIMINGS, ...timings };
    this.reader = new BridgeFrameReader({
      accept: 'toHost',
      // Every frame the reader drops moves one serial counter: report each as a problem.
      onRefused: (error) => this.problem(error),
    });
  }

  get phase(): LinkPhase {
    return this.phaseNow;
  }

  /** The radio while up, else null. */
  get info(): RadioInfo | null {
    return this.phaseNow === 'up' ? this.radio : null;
  }

  /** The HELLO the link came up with (capabilities, txQueue), or null while not up. */
  get bridgeHello(): Hello | null {
    return this.phaseNow === 'up' ? this.hello : null;
  }

  get outstandingCount(): number {
    return this.outstanding.size;
  }

  get stats(): BridgeLinkStats {
    return {
      bridge: this.bridgeStats,
      host: { ...this.reader.counters, ...this.count },
      outstanding: this.outstanding.size,
      queued: this.queue.length,
      credits: this.phaseNow === 'up' ? this.credits : 0,
    };
  }

  private isClosed(): boolean {
    return this.phaseNow === 'closed';
  }

  /** The earliest time a 'tick' has something to do, or null when nothing is timed. */
  nextWakeAt(): number | null {
    if (this.phaseNow === 'negotiating') return this.helloDeadline;
    if (this.phaseNow !== 'up') return null;
    let at = Math.min(this.pingDue, this.statsDue);
    // Deadlines are set as now + a constant, so the first in insertion order is the earliest.
    const firstTx = this.outstanding.values().next();
    if (!firstTx.done) at = Math.min(at, firstTx.value.deadline);
    const firstChannel = this.channelRequests[0];
    if (firstChannel) at = Math.min(at, firstChannel.deadline);
    return at;
  }

  /** Feed one input; returns the effects to carry out, in order. Never throws. */
  step(input: LinkInput): LinkEffect[] {
    // A listener may feed the link again while the shell carries out effects: keep them apart.
    const saved = this.out;
    this.out = [];
    this.handle(input);
    const effects = this.out;
    this.out = saved;
    return effects;
  }

  private handle(input: LinkInput): void {
    switch (input.type) {
      case 'opened':
        this.reader.reset();
        this.lastUptime = null;
        this.startNegotiation(input.now);
        return;
      case 'bytes':
        if (this.phaseNow === 'closed') return;
        for (const message of this.reader.push(input.data)) {
          this.onMessage(message, input.now);
          // A message may have closed the link: the rest of the chunk is from a dead session.
          if (this.isClosed()) return;
        }
        return;
      case 'tick':
        this.onTick(input.now);
        return;
      case 'send':
        this.onSend(input.id, input.dst, input.payload, input.now);
        return;
      case 'setChannel':
        this.onSetChannel(input.id, input.channel, input.now);
        return;
      case 'closed':
        this.teardown(input.reason);
        return;
    }
  }

  // ---- negotiation ----------------------------------------------------------------------------

  private startNegotiation(now: number): void {
    this.phaseNow = 'negotiating';
    this.candidate = null;
    this.helloDeadline = now + this.timings.helloTimeoutMs;
    this.helloNonce = this.takeNonce();
    // The leading 0x00 ends whatever partial frame the bridge's reader holds.
    this.write(
      Uint8Array.of(FRAME_DELIMITER),
      {
        type: 'HOST_HELLO',
        maxVersion: BRIDGE_PROTOCOL_VERSION,
        minVersion: BRIDGE_PROTOCOL_MIN_VERSION,
      },
      { type: 'PING', nonce: this.helloNonce },
    );
  }

  private onNegotiating(message: BridgeMessage, now: number): void {
    switch (message.type) {
      case 'HELLO':
        // A HELLO of a version we do not speak is a newer bridge's boot HELLO; its answer to us
        // follows. Of those we speak, the last before the PONG is the answer (a boot HELLO, if
        // any, comes first).
        if (
          message.version >= BRIDGE_PROTOCOL_MIN_VERSION &&
          message.version <= BRIDGE_PROTOCOL_VERSION
        )
          this.candidate = message;
        return;
      case 'PONG': {
        if (message.nonce !== this.helloNonce) return;
        this.lastUptime = message.uptimeMs;
        const hello = this.candidate;
        if (hello === null) {
          // The bridge answered the PING but not HOST_HELLO (lost in noise or a reset): again.
          const deadline = this.helloDeadline;
          this.startNegotiation(now);
          this.helloDeadline = deadline;
          return;
        }
        this.goUp(hello, now);
        return;
      }
      case 'ERROR':
        if (message.code === BridgeErrorCode.UnsupportedVersion) {
          this.problem(
            new ConfiguratorError(
              ErrorCode.BridgeVersionUnsupported,
              `the bridge supports no protocol version in ${BRIDGE_PROTOCOL_MIN_VERSION}..${BRIDGE_PROTOCOL_VERSION}: ${message.detail}`,
            ),
          );
          this.close(
            'the bridge speaks no common protocol version',
            this.timings.incompatibleRetryMs,
          );
          return;
        }
        this.reportedError(message.code, message.detail);
        return;
      case 'RX':
        this.onRx(message);
        return;
      default:
        // TX_STATUS, CHANNEL, STATS from before the HOST_HELLO: their senders were already failed.
        return;
    }
  }

  private goUp(hello: Hello, now: number): void {
    const problem = this.checkHello(hello);
    if (problem !== null) {
      this.problem(new ConfiguratorError(ErrorCode.BridgeBadHello, problem));
      this.close(`unusable HELLO: ${problem}`, this.timings.incompatibleRetryMs);
      return;
    }
    this.phaseNow = 'up';
    this.hello = hello;
    this.credits = hello.txQueue;
    this.radio = {
      mac: hello.mac,
      channel: hello.channel,
      maxPayload: hello.maxPayload,
      firmware: hello.firmware,
    };
    this.unansweredPings = [];
    this.missedPongs = 0;
    this.pingDue = now + this.timings.pingIntervalMs;
    this.statsDue = now;
    this.emit({ type: 'up', info: this.radio });
    this.onTick(now);
  }

  private checkHello(hello: Hello): string | null {
    if (hello.txQueue < 1) return 'txQueue is 0: the bridge grants no credit';
    if (hello.maxPayload < 1 || hello.maxPayload > MAX_ESPNOW_PAYLOAD)
      return `maxPayload ${hello.maxPayload} is outside 1..${MAX_ESPNOW_PAYLOAD}`;
    return null;
  }

  // ---- up ---------------------------------------------------------------------------------------

  private onMessage(message: BridgeMessage, now: number): void {
    if (this.phaseNow === 'negotiating') {
      this.onNegotiating(message, now);
      return;
    }
    switch (message.type) {
      case 'HELLO':
        this.bridgeReset('the bridge reset (unsolicited HELLO)', now);
        return;
      case 'PONG':
        this.onPong(message.nonce, message.uptimeMs, now);
        return;
      case 'TX_STATUS':
        this.onTxStatus(message.txId, message.status, now);
        return;
      case 'RX':
        this.onRx(message);
        return;
      case 'CHANNEL':
        this.onChannel(message.channel, message.status);
        return;
      case 'STATS':
        this.bridgeStats = message.counters;
        return;
      case 'ERROR':
        this.reportedError(message.code, message.detail);
        return;
      default:
        // The reader accepts only bridge→host types; anything else here is a logic slip.
        this.problem(
          new ConfiguratorError(
            ErrorCode.BridgeUnexpectedMessage,
            `unexpected ${message.type} from the bridge`,
          ),
        );
    }
  }

  private onPong(nonce: number, uptimeMs: number, now: number): void {
    if (!this.unansweredPings.includes(nonce)) {
      this.problem(
        new ConfiguratorError(
          ErrorCode.BridgeUnexpectedMessage,
          `PONG for nonce ${nonce}, which was not sent`,
        ),
      );
      return;
    }
    this.unansweredPings = [];
    this.missedPongs = 0;
    const last = this.lastUptime;
    this.lastUptime = uptimeMs;
    const wrapped =
      last !== null &&
      last > UINT32_SPACE - UPTIME_WRAP_MARGIN_MS &&
      uptimeMs < UPTIME_WRAP_MARGIN_MS;
    if (last !== null && uptimeMs < last && !wrapped)
      this.bridgeReset(`the bridge reset (uptime went back from ${last} to ${uptimeMs} ms)`, now);
  }

  private onTxStatus(txId: number, status: number, now: number): void {
    const entry = this.outstanding.get(txId);
    if (entry === undefined) {
      this.problem(
        new ConfiguratorError(
          ErrorCode.BridgeUnknownTxId,
          `TX_STATUS ${txStatusName(status)} for txId ${txId}, which is not outstanding`,
        ),
      );
      return;
    }
    this.outstanding.delete(txId);
    this.settle(entry.id, this.txResult(txId, status));
    this.pump(now);
  }

  private txResult(txId: number, status: number): TxResult {
    switch (status) {
      case TxStatus.Acked:
        return 'acked';
      case TxStatus.NoAck:
        return 'notAcked';
      case TxStatus.RadioError:
        this.problem(
          new ConfiguratorError(ErrorCode.BridgeRadioError, `txId ${txId}: radio error (status 5)`),
        );
        return 'notAcked';
      case TxStatus.NoCredit:
      case TxStatus.TooLarge:
      case TxStatus.Malformed:
        this.problem(
          new ConfiguratorError(
            ErrorCode.BridgeTxRefused,
            `the bridge refused txId ${txId}: ${txStatusName(status)} (status ${status})`,
          ),
        );
        return 'refused';
      default:
        this.problem(
          new ConfiguratorError(ErrorCode.BridgeTxRefused, `txId ${txId}: ${txStatusName(status)}`),
        );
        return 'notAcked';
    }
  }

  private onRx(message: Extract<BridgeMessage, { type: 'RX' }>): void {
    this.count.rxFrames++;
    this.emit({
      type: 'frame',
      frame: {
        src: message.src,
        rssi: message.rssi,
        channel: message.channel,
        broadcast: (message.flags & RX_FLAG_BROADCAST) !== 0,
        payload: message.payload,
      },
    });
  }

  private onChannel(channel: number, status: number): void {
    const request = this.channelRequests.shift();
    if (request === undefined) {
      this.problem(
        new ConfiguratorError(
          ErrorCode.BridgeUnexpectedMessage,
          `CHANNEL ${channel} that was not asked for`,
        ),
      );
      return;
    }
    const okay = status === ChannelStatus.Ok && channel === request.channel;
    if (okay && this.radio !== null) this.radio = { ...this.radio, channel };
    this.emit({ type: 'channelDone', id: request.id, ok: okay });
  }

  private reportedError(code: number, detail: string): void {
    const errorCode =
      code === BridgeErrorCode.UnsupportedVersion
        ? ErrorCode.BridgeVersionUnsupported
        : ErrorCode.BridgeReportedError;
    this.problem(
      new ConfiguratorError(
        errorCode,
        `the bridge reports ERROR ${code} ${errorCodeName(code)}: ${detail}`,
      ),
    );
  }

  private onTick(now: number): void {
    if (this.phaseNow === 'negotiating') {
      if (now >= this.helloDeadline)
        this.close(`no HELLO from the bridge within ${this.timings.helloTimeoutMs} ms`);
      return;
    }
    if (this.phaseNow !== 'up') return;

    let freed = false;
    for (const [txId, entry] of this.outstanding) {
      if (entry.deadline > now) break;
      this.outstanding.delete(txId);
      this.count.txDeadline++;
      this.problem(
        new ConfiguratorError(
          ErrorCode.BridgeRadioError,
          `no TX_STATUS for txId ${txId} within ${this.timings.txDeadlineMs} ms`,
        ),
      );
      this.settle(entry.id, 'notAcked');
      freed = true;
    }
    if (freed) this.pump(now);

    while (this.channelRequests[0] !== undefined && this.channelRequests[0].deadline <= now) {
      const request = this.channelRequests.shift()!;
      this.emit({ type: 'channelDone', id: request.id, ok: false });
    }

    if (now >= this.pingDue) {
      if (this.unansweredPings.length > 0) {
        this.missedPongs++;
        if (this.missedPongs >= this.timings.missedPongLimit) {
          this.close('heartbeat lost');
          return;
        }
      }
      const nonce = this.takeNonce();
      this.unansweredPings.push(nonce);
      this.write(undefined, { type: 'PING', nonce });
      this.pingDue = now + this.timings.pingIntervalMs;
    }
    if (now >= this.statsDue) {
      this.write(undefined, { type: 'GET_STATS' });
      this.statsDue = now + this.timings.statsIntervalMs;
    }
  }

  // ---- sending ----------------------------------------------------------------------------------

  private onSend(id: number, dst: Mac, payload: Uint8Array, now: number): void {
    if (this.phaseNow !== 'up' || this.radio === null) {
      this.settle(id, 'linkDown');
      return;
    }
    if (!isMac(dst)) {
      this.refuse(
        id,
        new ConfiguratorError(ErrorCode.BridgeFieldRange, 'destination is not a MAC address'),
      );
      return;
    }
    if (payload.length < 1 || payload.length > this.radio.maxPayload) {
      this.refuse(
        id,
        new ConfiguratorError(
          ErrorCode.TransportFrameTooLarge,
          `payload of ${payload.length} bytes is outside 1..${this.radio.maxPayload}`,
        ),
      );
      return;
    }
    const item: Queued = { id, dst: dst.toLowerCase(), payload };
    if (this.outstanding.size < this.credits && this.queue.length === 0) {
      this.transmit(item, now);
    } else if (this.queue.length < this.timings.maxQueued) {
      // A copy: the caller may reuse its buffer before the credit comes.
      this.queue.push({ ...item, payload: payload.slice() });
    } else {
      this.refuse(
        id,
        new ConfiguratorError(
          ErrorCode.BridgeQueueFull,
          `${this.queue.length} sends already wait for a bridge credit`,
        ),
      );
    }
  }

  private pump(now: number): void {
    while (this.phaseNow === 'up' && this.outstanding.size < this.credits) {
      const item = this.queue.shift();
      if (item === undefined) return;
      this.transmit(item, now);
    }
  }

  private transmit(item: Queued, now: number): void {
    const txId = this.takeTxId();
    const frame = encodeFrame({ type: 'TX', txId, dst: item.dst, payload: item.payload });
    if (!frame.ok) {
      this.refuse(item.id, frame.error);
      return;
    }
    this.outstanding.set(txId, { id: item.id, deadline: now + this.timings.txDeadlineMs });
    this.count.txSent++;
    this.count.maxOutstanding = Math.max(this.count.maxOutstanding, this.outstanding.size);
    this.emit({ type: 'write', bytes: frame.value });
  }

  /** The next u16 txId that is not outstanding (ids wrap; a live one is never reused). */
  private takeTxId(): number {
    for (;;) {
      const txId = this.nextTxId;
      this.nextTxId = (this.nextTxId + 1) % TX_ID_SPACE;
      if (!this.outstanding.has(txId)) return txId;
    }
  }

  private takeNonce(): number {
    const nonce = this.nextNonce;
    this.nextNonce = (this.nextNonce + 1) % UINT32_SPACE;
    return nonce;
  }

  private onSetChannel(id: number, channel: number, now: number): void {
    if (this.phaseNow !== 'up' || !Number.isInteger(channel) || channel < 1 || channel > 14) {
      this.emit({ type: 'channelDone', id, ok: false });
      return;
    }
    this.channelRequests.push({ id, channel, deadline: now + this.timings.channelTimeoutMs });
    this.write(undefined, { type: 'SET_CHANNEL', channel });
  }

  // ---- link loss --------------------------------------------------------------------------------

  /** A live link saw the bridge restart: everything in flight is lost; negotiate again. */
  private bridgeReset(reason: string, now: number): void {
    this.count.resets++;
    this.failAll();
    this.emit({ type: 'down', reason });
    this.startNegotiation(now);
  }

  /** The machine gives up on this port: the shell closes it and reconnects. */
  private close(reason: string, retryAfterMs?: number): void {
    this.teardown(reason);
    this.emit(
      retryAfterMs === undefined
        ? { type: 'close', reason }
        : { type: 'close', reason, retryAfterMs },
    );
  }

  private teardown(reason: string): void {
    const wasUp = this.phaseNow === 'up';
    this.phaseNow = 'closed';
    this.candidate = null;
    this.failAll();
    if (wasUp) this.emit({ type: 'down', reason });
  }

  private failAll(): void {
    for (const entry of this.outstanding.values()) this.settle(entry.id, 'linkDown');
    this.outstanding.clear();
    for (const item of this.queue.splice(0)) this.settle(item.id, 'linkDown');
    for (const request of this.channelRequests.splice(0))
      this.emit({ type: 'channelDone', id: request.id, ok: false });
    this.unansweredPings = [];
    this.missedPongs = 0;
  }

  // ---- effects ----------------------------------------------------------------------------------

  private settle(id: number, result: TxResult): void {
    if (result === 'acked') this.count.txAcked++;
    else if (result === 'notAcked') this.count.txNotAcked++;
    else if (result === 'refused') this.count.txRefused++;
    else this.count.txLinkDown++;
    this.emit({ type: 'txDone', id, result });
  }

  private refuse(id: number, error: ConfiguratorError): void {
    this.problem(error);
    this.settle(id, 'refused');
  }

  private problem(error: ConfiguratorError): void {
    this.emit({ type: 'problem', error });
  }

  /** Writes host messages (all well-formed by construction) as one chunk. */
  private write(prefix: Uint8Array | undefined, ...messages: BridgeMessage[]): void {
    const parts: Uint8Array[] = prefix ? [prefix] : [];
    for (const message of messages) {
      const frame = encodeFrame(message);
      if (frame.ok) parts.push(frame.value);
      else this.problem(frame.error);
    }
    this.emit({ type: 'write', bytes: concatBytes(...parts) });
  }

  private emit(effect: LinkEffect): void {
    this.out.push(effect);
  }
}
