/**
 * The receiving side of the bridge serial line: bytes in (in chunks of any size, split anywhere),
 * decoded messages out. Bounded: at most MAX_FRAME_LEN bytes are held. What it drops it counts,
 * with the names and rules of docs/bridge-serial.md:
 *
 * - serialOversize: a frame longer than MAX_FRAME_LEN bytes; counted once, when its first byte
 *   past the bound arrives, after which bytes are dropped up to the next 0x00;
 * - serialBadFraming: not valid COBS, or too short to hold a type byte and a CRC;
 * - serialBadCrc: CRC-32 mismatch;
 * - serialUnknownType: a good frame whose type byte is none of the twelve.
 *
 * One more, not in the bridge's STATS: serialMalformed, a good frame of a known type whose fields
 * do not decode (wrong length, payload out of bounds, bad UTF-8). Empty frames (0x00 0x00) are
 * ignored, uncounted. Every 0x00 ends the current frame, so the reader resynchronises there.
 *
 * `accept` picks the direction a reader takes: a type of the other direction (an echo or a
 * loopback) counts as serialUnknownType, as in the C deframer. The default takes both.
 */
import { ConfiguratorError, ErrorCode } from '../errors.js';
import { decodeFrame, FRAME_DELIMITER, MAX_FRAME_LEN } from './frame.js';
import { decodeBridgeMessage, HOST_TO_BRIDGE, type BridgeMessage } from './messages.js';

export interface SerialCounters {
  serialBadCrc: number;
  serialBadFraming: number;
  serialOversize: number;
  serialUnknownType: number;
  serialMalformed: number;
}

export type SerialCounterName = keyof SerialCounters;

export interface FrameReaderOptions {
  /** 'toHost': the daemon's side (bridge→host types); 'toBridge': the bridge's side. */
  readonly accept?: 'all' | 'toHost' | 'toBridge';
  /** Hears every dropped frame's reason (for logs); the counters count them anyway. */
  readonly onRefused?: (error: ConfiguratorError) => void;
}

export class BridgeFrameReader {
  private readonly buffer = new Uint8Array(MAX_FRAME_LEN);
  /** Every frame is decoded into this; the messages decoded from it copy what they keep. */
  private readonly decoded = new Uint8Array(MAX_FRAME_LEN);
  private length = 0;
  /** Inside an oversize frame: drop everything up to the next delimiter. */
  private discarding = false;
  private readonly count: SerialCounters = {
    serialBadCrc: 0,
    serialBadFraming: 0,
    serialOversize: 0,
    serialUnknownType: 0,
    serialMalformed: 0,
  };

  constructor(private readonly options: FrameReaderOptions = {}) {}

  /** Feed received bytes; returns the messages completed by them, in order. Never throws. */
  push(chunk: Uint8Array): BridgeMessage[] {
    const messages: BridgeMessage[] = [];
    // Whole runs between delimiters at a time (indexOf and set are native; a frame is ~100 bytes).
    let i = 0;
    while (i < chunk.length) {
      const found = chunk.indexOf(FRAME_DELIMITER, i);
      const end = found === -1 ? chunk.length : found;
      if (!this.discarding && end > i) this.take(chunk.subarray(i, end));
      if (found === -1) break;
      if (!this.discarding && this.length > 0) this.endFrame(messages);
      this.discarding = false;
      this.length = 0;
      i = found + 1;
    }
    return messages;
  }

  /** Bytes of the current frame (no delimiter among them); past the bound it is dropped. */
  private take(run: Uint8Array): void {
    const room = MAX_FRAME_LEN - this.length;
    if (run.length <= room) {
      this.buffer.set(run, this.length);
      this.length += run.length;
      return;
    }
    this.discarding = true;
    this.length = 0;
    this.refuse(
      'serialOversize',
      new ConfiguratorError(ErrorCode.BridgeOversize, `frame longer than ${MAX_FRAME_LEN} bytes`),
    );
  }

  /** Drop any partial frame (e.g. after reopening the port). Counters are kept. */
  reset(): void {
    this.length = 0;
    this.discarding = false;
  }

  /** Bytes of an incomplete frame held (≤ MAX_FRAME_LEN). */
  get buffered(): number {
    return this.length;
  }

  get counters(): Readonly<SerialCounters> {
    return { ...this.count };
  }

  private endFrame(messages: BridgeMessage[]): void {
    const frame = decodeFrame(this.buffer.subarray(0, this.length), this.decoded);
    if (!frame.ok) {
      const counter =
        frame.error.code === ErrorCode.BridgeBadCrc ? 'serialBadCrc' : 'serialBadFraming';
      this.refuse(counter, frame.error);
      return;
    }
    const type = frame.value[0]!;
    const accept = this.options.accept ?? 'all';
    if (accept !== 'all' && ((type & HOST_TO_BRIDGE) !== 0) !== (accept === 'toBridge')) {
      const error = new ConfiguratorError(
        ErrorCode.BridgeUnknownType,
        `message type 0x${type.toString(16).padStart(2, '0')} travels the other way`,
      );
      this.refuse('serialUnknownType', error);
      return;
    }
    const message = decodeBridgeMessage(frame.value);
    if (!message.ok) {
      const counter =
        message.error.code === ErrorCode.BridgeUnknownType
          ? 'serialUnknownType'
          : 'serialMalformed';
      this.refuse(counter, message.error);
      return;
    }
    messages.push(message.value);
  }

  private refuse(counter: SerialCounterName, error: ConfiguratorError): void {
    this.count[counter]++;
    this.options.onRefused?.(error);
  }
}
