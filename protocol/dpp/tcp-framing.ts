/**
 * DPP over TCP framing (Wi-Fi Easy Connect §5.3, as hostap's dpp_tcp.c): each message — a Public
 * Action frame body from the action field on, see frames.ts — is preceded by its length as a
 * 4-byte big-endian integer. The reader is bounded: a length above MAX_MESSAGE_LEN is an error,
 * after which the stream cannot be resynchronised and the connection must be closed.
 */
import { concatBytes, readU32be, u32be } from '../bytes.js';
import { ConfiguratorError, ErrorCode } from '../errors.js';
import { MAX_MESSAGE_LEN } from './frames.js';

export const DPP_TCP_PORT = 8908;
const PREFIX_LEN = 4;

export function frameForTcp(message: Uint8Array): Uint8Array {
  if (message.length === 0 || message.length > MAX_MESSAGE_LEN) {
    throw new ConfiguratorError(
      ErrorCode.TransportFrameTooLarge,
      `cannot frame a message of ${message.length} bytes`,
    );
  }
  return concatBytes(u32be(message.length), message);
}

export class TcpFrameReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private broken: ConfiguratorError | undefined;

  /** Feed received bytes; returns the complete messages, or throws once the stream is broken. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.broken) throw this.broken;
    this.buffer = this.buffer.length === 0 ? chunk : concatBytes(this.buffer, chunk);
    const messages: Uint8Array[] = [];
    while (this.buffer.length >= PREFIX_LEN) {
      const length = readU32be(this.buffer, 0);
      if (length === 0 || length > MAX_MESSAGE_LEN) {
        this.broken = new ConfiguratorError(
          ErrorCode.DecodeOversized,
          `DPP/TCP length prefix ${length} is outside 1..${MAX_MESSAGE_LEN}`,
        );
        this.buffer = new Uint8Array(0);
        throw this.broken;
      }
      if (this.buffer.length < PREFIX_LEN + length) break;
      messages.push(this.buffer.slice(PREFIX_LEN, PREFIX_LEN + length));
      this.buffer = this.buffer.subarray(PREFIX_LEN + length);
    }
    return messages;
  }

  /** Bytes of an incomplete message held back (bounded by MAX_MESSAGE_LEN + 4). */
  get pending(): number {
    return this.buffer.length;
  }
}
