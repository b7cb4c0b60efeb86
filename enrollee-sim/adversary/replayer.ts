/**
 * A replay attacker: captures a legitimate device's frames from a monitor tap while it is
 * provisioned, and later sends them to the configurator again, from the device's own MAC or from
 * another one:
 *
 * - `fragments`: the captured ESP-NOW payloads byte for byte (same message ids);
 * - `messages`: the captured DPP messages, byte for byte, in fresh fragments (new message ids),
 *   so the binding's memory of completed message ids cannot be what stops them.
 *
 * Only fragments that completed a message are kept (each message with the payloads it came in).
 *
 * Pacing `recorded` keeps the captured gaps between messages; `reactive` sends the first message,
 * then the next distinct one each time the configurator sends something new, as a replayer that
 * tries to keep in step would. Everything the configurator answers is reassembled and kept: a
 * replay that worked would show a Configuration Response (GAS Initial Response) there.
 */
import { bytesEqual, readU16le } from '../../protocol/bytes.js';
import {
  ESPNOW_V1_PAYLOAD,
  FRAGMENT_HEADER_LEN,
  fragmentDppMessage,
} from '../../protocol/espnow/fragment.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import { messageKind, type AdversaryEndpoint, type AirFrame } from './air.js';

export interface CapturedMessage {
  readonly at: number;
  readonly dst: string;
  readonly bytes: Uint8Array;
  readonly kind: string;
  /** The ESP-NOW payloads it came in, as sent. */
  readonly payloads: readonly Uint8Array[];
}

export interface ReplayOptions {
  readonly mode: 'fragments' | 'messages';
  readonly pacing: 'recorded' | 'reactive';
  /** Keep listening for answers this long after the last message went out (default 1 s). */
  readonly lingerMs?: number | undefined;
  /** `reactive`: give up when the configurator says nothing new for this long (default 2 s). */
  readonly stallMs?: number | undefined;
}

export interface ReceivedMessage {
  readonly src: string;
  readonly bytes: Uint8Array;
  readonly kind: string;
}

export interface ReplayReport {
  readonly payloadsSent: number;
  readonly messagesSent: number;
  /** What the configurator sent to the replaying MAC, reassembled, in order. */
  readonly received: readonly ReceivedMessage[];
  /** Configuration Responses among them (GAS Initial Responses). */
  readonly configurationResponses: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Replayer {
  private readonly captured: CapturedMessage[] = [];
  /** Payloads of messages not complete yet, by message id. */
  private readonly pending = new Map<number, Uint8Array[]>();
  private readonly reassembler = new Reassembler();
  private capturing = true;

  /** `victim`: the MAC whose frames are captured. */
  constructor(
    readonly victim: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Hear one frame (hand this to a monitor tap); keeps the victim's, until `stopCapture()`. */
  observe(frame: AirFrame): void {
    if (!this.capturing || frame.src !== this.victim) return;
    if (frame.payload.length <= FRAGMENT_HEADER_LEN) return;
    const at = this.now();
    const payload = new Uint8Array(frame.payload);
    const id = readU16le(payload, 2); // the fragment's message id
    const parts = this.pending.get(id) ?? [];
    parts.push(payload);
    this.pending.set(id, parts);
    const bytes = this.reassembler.push(frame.src, payload, at);
    if (bytes === null) return;
    this.pending.delete(id);
    this.captured.push({ at, dst: frame.dst, bytes, kind: messageKind(bytes), payloads: parts });
  }

  stopCapture(): void {
    this.capturing = false;
    this.pending.clear();
  }

  /** The victim's messages captured so far, in order. */
  get messages(): readonly CapturedMessage[] {
    return this.captured;
  }

  /** Send the capture again through `endpoint` (which has the victim's MAC or another). */
  async replay(endpoint: AdversaryEndpoint, options: ReplayOptions): Promise<ReplayReport> {
    const received: ReceivedMessage[] = [];
    const answers = new Reassembler();
    let fresh = 0;
    let wake: (() => void) | undefined;
    let last: Uint8Array | undefined;
    endpoint.onFrame = (f) => {
      if (f.broadcast) return;
      const bytes = answers.push(f.src, f.payload, this.now());
      if (bytes === null) return;
      received.push({ src: f.src, bytes, kind: messageKind(bytes) });
      // A retransmission repeats the bytes; only a new message moves a reactive replay on.
      if (last === undefined || !bytesEqual(last, bytes)) {
        last = bytes;
        fresh++;
        wake?.();
      }
    };
    const waitForFresh = (consumed: number, ms: number): Promise<boolean> => {
      if (fresh > consumed) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }).finally(() => (wake = undefined));
    };
    let payloadsSent = 0;
    let messagesSent = 0;
    let messageId = Math.floor(Math.random() * 0x10000);
    const first = this.captured[0]?.at ?? 0;
    const began = this.now();
    let consumed = 0;
    let previous: Uint8Array | undefined;
    for (const m of this.captured) {
      // In step, each distinct message goes once (a device repeats its chirp until answered).
      if (options.pacing === 'reactive' && previous !== undefined && bytesEqual(previous, m.bytes))
        continue;
      if (options.pacing === 'recorded') {
        const wait = m.at - first - (this.now() - began);
        if (wait > 0) await sleep(wait);
      } else if (previous !== undefined) {
        if (!(await waitForFresh(consumed, options.stallMs ?? 2000))) break;
        consumed = fresh;
      }
      previous = m.bytes;
      const payloads =
        options.mode === 'fragments'
          ? m.payloads
          : fragmentDppMessage(m.bytes, (messageId = (messageId + 1) & 0xffff), ESPNOW_V1_PAYLOAD);
      for (const p of payloads) {
        void endpoint.send(m.dst, p);
        payloadsSent++;
      }
      messagesSent++;
    }
    await sleep(options.lingerMs ?? 1000);
    endpoint.onFrame = () => {};
    return {
      payloadsSent,
      messagesSent,
      received,
      configurationResponses: received.filter((m) => m.kind === 'gasInitialResponse').length,
    };
  }
}
