/**
 * DPP over ESP-NOW on top of a RadioTransport (docs/espnow-binding.md): outgoing messages are
 * fragmented to the radio's payload limit with a fresh message id, incoming payloads reassembled
 * with bounded memory. Everything that arrives is untrusted; refusals are counted, never thrown.
 */
import { EventEmitter } from 'node:events';
import { ConfiguratorError } from '../../protocol/errors.js';
import {
  ESPNOW_V1_PAYLOAD,
  ESPNOW_V2_PAYLOAD,
  fragmentDppMessage,
  senderAcceptsV2,
  type PayloadLimit,
} from '../../protocol/espnow/fragment.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import type { Mac, RadioTransport } from './radio-transport.js';
import { EspnowSendQueue, type QueuedSendResult, type SendLanes } from './espnow-send-queue.js';

/** Payloads at a bridge at once by default: the bridge grants 16 credits. */
export const DEFAULT_SEND_WINDOW = 16;

/** Peers remembered as speaking ESP-NOW v2. */
const V2_PEERS_MAX = 4096;

export interface EspnowMessage {
  readonly src: Mac;
  readonly broadcast: boolean;
  readonly rssi: number;
  readonly bytes: Uint8Array;
  /** The radio that heard its last fragment, when there are several (a group of bridges). */
  readonly heardBy?: string | undefined;
}

export interface EspnowLinkEvents {
  message: [message: EspnowMessage];
  /** The send backlog went down: the air may have room for another session. */
  drain: [];
}

export interface EspnowLinkCounters {
  messagesIn: number;
  messagesOut: number;
  payloadsOut: number;
  payloadBytesOut: number;
  sendFailures: number;
  superseded: number;
}

export class EspnowDppLink extends EventEmitter<EspnowLinkEvents> {
  private reassembler = new Reassembler({ maxPayload: ESPNOW_V2_PAYLOAD });
  /** Random start, so ids do not repeat right after a restart (docs/espnow-binding.md). */
  private nextMessageId = Math.floor(Math.random() * 0x10000);
  readonly counters: EspnowLinkCounters = {
    messagesIn: 0,
    messagesOut: 0,
    payloadsOut: 0,
    payloadBytesOut: 0,
    sendFailures: 0,
    superseded: 0,
  };
  private readonly queue: EspnowSendQueue;
  /**
   * Peers that said in a fragment header that they receive ESP-NOW v2, or sent a payload longer
   * than v1 allows (most recent last, at most V2_PEERS_MAX). Only they get 1470-byte payloads: a
   * v1 device drops anything longer than 250 bytes.
   */
  private readonly v2Peers = new Set<Mac>();

  constructor(
    readonly radio: RadioTransport,
    private readonly now: () => number = () => performance.now(),
    window = DEFAULT_SEND_WINDOW,
    /** Several bridges behind `radio` (a group): `window` payloads at each. */
    lanes?: SendLanes,
  ) {
    super();
    this.queue = new EspnowSendQueue(
      (dst, payload) => {
        this.counters.payloadsOut++;
        this.counters.payloadBytesOut += payload.length;
        return radio.send(dst, payload);
      },
      window,
      () => this.emit('drain'),
      lanes,
    );
    radio.on('frame', (f) => {
      // Every fragment says it: a device that no longer does (another one under the same MAC, a
      // reflashed one) gets 250-byte payloads again.
      if (senderAcceptsV2(f.payload)) this.heardV2(f.src);
      else this.v2Peers.delete(f.src);
      const bytes = this.reassembler.push(f.src, f.payload, this.now());
      if (bytes === null) return;
      this.counters.messagesIn++;
      this.emit('message', {
        src: f.src,
        broadcast: f.broadcast,
        rssi: f.rssi,
        bytes,
        heardBy: f.heardBy,
      });
    });
    // After a bridge reset, half-received messages can never complete.
    radio.on('up', () => {
      this.reassembler = new Reassembler({ maxPayload: ESPNOW_V2_PAYLOAD });
      this.queue.resume();
      this.emit('drain');
    });
    radio.on('down', () => this.queue.pause());
    if (radio.info === null) this.queue.pause();
  }

  get reassemblyCounters(): Reassembler['counters'] {
    return this.reassembler.counters;
  }

  private heardV2(src: Mac): void {
    this.v2Peers.delete(src);
    this.v2Peers.add(src);
    if (this.v2Peers.size > V2_PEERS_MAX) {
      const oldest = this.v2Peers.values().next().value;
      if (oldest !== undefined) this.v2Peers.delete(oldest);
    }
  }

  /** 1470 only when the bridge and the peer both speak ESP-NOW v2 (docs/espnow-binding.md). */
  payloadLimit(dst: Mac): PayloadLimit {
    return this.bridgeAcceptsV2 && this.v2Peers.has(dst) ? ESPNOW_V2_PAYLOAD : ESPNOW_V1_PAYLOAD;
  }

  /** Whether the bridge's radio receives 1470-byte payloads (it speaks ESP-NOW v2). */
  private get bridgeAcceptsV2(): boolean {
    return (this.radio.info?.maxPayload ?? ESPNOW_V1_PAYLOAD) >= ESPNOW_V2_PAYLOAD;
  }

  /** Whether the radio link is up (messages wait while it is not). */
  get up(): boolean {
    return this.radio.info !== null;
  }

  /** Messages waiting for the radio or on their way. */
  get backlog(): number {
    return this.queue.backlog;
  }

  /** Payloads at the radio at once, every bridge together. */
  get window(): number {
    return this.queue.totalWindow;
  }

  /**
   * Send one DPP message to `dst`, paced by the send queue; a later message to the same peer
   * replaces this one if it has not started yet ('superseded'). Stops at the first fragment the radio
   * could not deliver (the rest would be useless; the DPP retransmission sends it all again).
   */
  async send(dst: Mac, message: Uint8Array): Promise<QueuedSendResult> {
    const id = this.nextMessageId;
    this.nextMessageId = (this.nextMessageId + 1) & 0xffff;
    let payloads: Uint8Array[];
    try {
      // Our fragments say whether the bridge's radio receives v2, so a v2 device may answer so.
      payloads = fragmentDppMessage(message, id, this.payloadLimit(dst), this.bridgeAcceptsV2);
    } catch (e) {
      if (e instanceof ConfiguratorError) return 'refused';
      throw e;
    }
    this.counters.messagesOut++;
    const result = await this.queue.send(dst, payloads);
    if (result === 'superseded') this.counters.superseded++;
    else if (result !== 'acked') this.counters.sendFailures++;
    return result;
  }
}
