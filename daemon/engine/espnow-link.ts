/**
 * DPP over ESP-NOW on top of a RadioTransport (docs/espnow-binding.md): outgoing messages are
 * fragmented to the radio's payload limit with a fresh message id, incoming payloads reassembled
 * with bounded memory. Everything that arrives is untrusted; refusals are counted, never thrown.
 */
import { EventEmitter } from 'node:events';
import { DppError } from '../../protocol/errors.js';
import {
  ESPNOW_V1_PAYLOAD,
  ESPNOW_V2_PAYLOAD,
  fragmentDppMessage,
  type PayloadLimit,
} from '../../protocol/espnow/fragment.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import type { Mac, RadioTransport, TxResult } from '../transports/radio-transport.js';

export interface EspnowMessage {
  readonly src: Mac;
  readonly broadcast: boolean;
  readonly rssi: number;
  readonly bytes: Uint8Array;
}

export interface EspnowLinkEvents {
  message: [message: EspnowMessage];
}

export interface EspnowLinkCounters {
  messagesIn: number;
  messagesOut: number;
  payloadsOut: number;
  payloadBytesOut: number;
  sendFailures: number;
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
  };

  constructor(
    readonly radio: RadioTransport,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    radio.on('frame', (f) => {
      const bytes = this.reassembler.push(f.src, f.payload, this.now());
      if (bytes === null) return;
      this.counters.messagesIn++;
      this.emit('message', { src: f.src, broadcast: f.broadcast, rssi: f.rssi, bytes });
    });
    // After a bridge reset, half-received messages can never complete.
    radio.on('up', () => {
      this.reassembler = new Reassembler({ maxPayload: ESPNOW_V2_PAYLOAD });
    });
  }

  get reassemblyCounters(): Reassembler['counters'] {
    return this.reassembler.counters;
  }

  private payloadLimit(): PayloadLimit {
    return (this.radio.info?.maxPayload ?? ESPNOW_V1_PAYLOAD) >= ESPNOW_V2_PAYLOAD
      ? ESPNOW_V2_PAYLOAD
      : ESPNOW_V1_PAYLOAD;
  }

  /**
   * Send one DPP message to `dst`, fragment by fragment, stopping at the first fragment the radio
   * could not deliver (the rest would be useless; the DPP retransmission sends it all again).
   */
  async send(dst: Mac, message: Uint8Array): Promise<TxResult> {
    const id = this.nextMessageId;
    this.nextMessageId = (this.nextMessageId + 1) & 0xffff;
    let payloads: Uint8Array[];
    try {
      payloads = fragmentDppMessage(message, id, this.payloadLimit());
    } catch (e) {
      if (e instanceof DppError) return 'refused';
      throw e;
    }
    this.counters.messagesOut++;
    for (const p of payloads) {
      this.counters.payloadsOut++;
      this.counters.payloadBytesOut += p.length;
      const result = await this.radio.send(dst, p);
      if (result !== 'acked') {
        this.counters.sendFailures++;
        return result;
      }
    }
    return 'acked';
  }
}
