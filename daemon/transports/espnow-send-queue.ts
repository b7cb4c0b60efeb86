/**
 * The daemon's outgoing ESP-NOW traffic, paced to what the radio carries. The bridge takes a few
 * payloads at a time (its credits) and puts one frame on the air at a time; handing it everything
 * at once only builds a queue in front of it, whose messages arrive after the peer has given up or
 * after our own retransmission has already been queued behind them. So:
 *
 * - at most `window` payloads are at the radio at once; the rest wait here, one message per peer;
 * - a newer message to a peer replaces its waiting one (a retransmission of the same message, or
 *   the next message, which makes the older one pointless), so the queue never holds stale copies;
 * - peers take turns payload by payload, so one long Configuration Response does not hold up the
 *   short messages of every other session.
 *
 * `backlog` tells the session engine whether the air has room for another session.
 */
import type { Mac, TxResult } from './radio-transport.js';

/** What became of a queued message: the radio's answer, or replaced by a newer one. */
export type QueuedSendResult = TxResult | 'superseded';

export interface SendQueueCounters {
  /** Messages replaced by a newer one to the same peer before their first payload left. */
  superseded: number;
  /** Most messages waiting or in progress at once. */
  maxBacklog: number;
}

interface OutgoingMessage {
  readonly dst: Mac;
  readonly payloads: readonly Uint8Array[];
  next: number;
  readonly resolve: (result: QueuedSendResult) => void;
}

interface PeerQueue {
  /** The message whose payloads are going out (its first one has left). */
  current: OutgoingMessage | undefined;
  /** The newest message waiting for `current` to finish. */
  waiting: OutgoingMessage | undefined;
  /** A payload of this peer is at the radio right now. */
  busy: boolean;
}

export class EspnowSendQueue {
  private readonly peers = new Map<Mac, PeerQueue>();
  /** Peers with a payload ready to go, in turn order. */
  private readonly ready: Mac[] = [];
  private inFlight = 0;
  private messages = 0;
  /** While the radio link is down nothing is handed to it; messages wait (one per peer). */
  private paused = false;
  readonly counters: SendQueueCounters = { superseded: 0, maxBacklog: 0 };

  constructor(
    private readonly radioSend: (dst: Mac, payload: Uint8Array) => Promise<TxResult>,
    /** Payloads at the radio at once: the bridge's credits are a good choice. */
    readonly window: number,
    /** Called whenever the backlog went down, so a waiting session can be started. */
    private readonly onDrain: () => void = () => {},
  ) {}

  /** Hold everything until resume() (the radio link is down: sending would only fail). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Messages waiting or in progress. */
  get backlog(): number {
    return this.messages;
  }

  /** Queue one message (already fragmented); resolves with the first failure or 'acked'. */
  send(dst: Mac, payloads: readonly Uint8Array[]): Promise<QueuedSendResult> {
    return new Promise((resolve) => {
      const message: OutgoingMessage = { dst, payloads, next: 0, resolve };
      let peer = this.peers.get(dst);
      if (peer === undefined) {
        peer = { current: undefined, waiting: undefined, busy: false };
        this.peers.set(dst, peer);
      }
      this.messages++;
      this.counters.maxBacklog = Math.max(this.counters.maxBacklog, this.messages);
      if (peer.current === undefined) {
        peer.current = message;
        this.ready.push(dst);
      } else if (peer.current.next === 0) {
        // Not started yet (its turn has not come, or the link is down): replace it in its place.
        this.supersede(peer.current);
        peer.current = message;
      } else {
        if (peer.waiting !== undefined) this.supersede(peer.waiting);
        peer.waiting = message;
      }
      this.pump();
    });
  }

  private supersede(message: OutgoingMessage): void {
    this.counters.superseded++;
    this.messages--;
    message.resolve('superseded');
  }

  private pump(): void {
    while (!this.paused && this.inFlight < this.window && this.ready.length > 0) {
      const dst = this.ready.shift()!;
      const peer = this.peers.get(dst);
      const message = peer?.current;
      if (peer === undefined || message === undefined) continue;
      const payload = message.payloads[message.next++]!;
      peer.busy = true;
      this.inFlight++;
      void this.radioSend(dst, payload).then(
        (result) => this.sent(peer, message, result),
        () => this.sent(peer, message, 'linkDown'),
      );
    }
  }

  private sent(peer: PeerQueue, message: OutgoingMessage, result: TxResult): void {
    this.inFlight--;
    peer.busy = false;
    // The rest of a message whose payload was lost is useless: the DPP retransmission resends it all.
    if (result !== 'acked' || message.next >= message.payloads.length) {
      this.messages--;
      message.resolve(result);
      peer.current = peer.waiting;
      peer.waiting = undefined;
    }
    if (peer.current !== undefined) this.ready.push(message.dst);
    else this.peers.delete(message.dst);
    this.pump();
    this.onDrain();
  }
}
