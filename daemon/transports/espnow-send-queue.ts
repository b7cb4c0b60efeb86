/**
 * The daemon's outgoing ESP-NOW traffic, paced to what the radio carries. The bridge takes a few
 * payloads at a time (its credits) and puts one frame on the air at a time; handing it everything
 * at once only builds a queue in front of it, whose messages arrive after the peer has given up or
 * after our own retransmission has already been queued behind them. So:
 *
 * - at most `window` payloads are at the radio at once; the rest wait here, one message per peer;
 *   with several bridges, `window` at each (its lane: the bridge a peer is sent through), so a
 *   stalled bridge holds up only the peers it serves, never those of the others;
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

/** Several radios behind one send function: which one a peer goes through, and how many. */
export interface SendLanes {
  /** The lane (the bridge) a payload to `dst` goes through now. */
  readonly of: (dst: Mac) => string;
  readonly count: number;
}

const ONE_LANE: SendLanes = { of: () => '', count: 1 };

export class EspnowSendQueue {
  private readonly peers = new Map<Mac, PeerQueue>();
  /** Peers with a payload ready to go, in turn order. */
  private readonly ready: Mac[] = [];
  /** Payloads at the radio, per lane (absent: none). */
  private readonly inFlight = new Map<string, number>();
  private messages = 0;
  /** While the radio link is down nothing is handed to it; messages wait (one per peer). */
  private paused = false;
  readonly counters: SendQueueCounters = { superseded: 0, maxBacklog: 0 };

  constructor(
    private readonly radioSend: (dst: Mac, payload: Uint8Array) => Promise<TxResult>,
    /** Payloads at each radio at once: the bridge's credits are a good choice. */
    readonly window: number,
    /** Called whenever the backlog went down, so a waiting session can be started. */
    private readonly onDrain: () => void = () => {},
    private readonly lanes: SendLanes = ONE_LANE,
  ) {}

  /** Payloads at the radios at once, every lane together. */
  get totalWindow(): number {
    return this.window * this.lanes.count;
  }

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
    if (this.paused) return;
    // Peers whose lane is full keep their turn; the others go past them.
    const full = new Set<string>();
    for (let i = 0; i < this.ready.length && full.size < this.lanes.count;) {
      const dst = this.ready[i]!;
      const lane = this.lanes.of(dst);
      const busy = this.inFlight.get(lane) ?? 0;
      if (busy >= this.window) {
        full.add(lane);
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      const peer = this.peers.get(dst);
      const message = peer?.current;
      if (peer === undefined || message === undefined) continue;
      const payload = message.payloads[message.next++]!;
      peer.busy = true;
      this.inFlight.set(lane, busy + 1);
      void this.radioSend(dst, payload).then(
        (result) => this.sent(peer, message, lane, result),
        () => this.sent(peer, message, lane, 'linkDown'),
      );
    }
  }

  private sent(peer: PeerQueue, message: OutgoingMessage, lane: string, result: TxResult): void {
    const busy = (this.inFlight.get(lane) ?? 1) - 1;
    if (busy > 0) this.inFlight.set(lane, busy);
    else this.inFlight.delete(lane);
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
