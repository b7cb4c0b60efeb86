/**
 * One frame of the bridge serial line (docs/bridge-serial.md#framing):
 *
 *   COBS( message ‖ CRC-32(message), little-endian ) ‖ 0x00
 *
 * `decodeFrame` undoes it for the bytes between two delimiters; the streaming side (counting,
 * resynchronising) is frame-reader.ts.
 */
import { ErrorCode, fail, ok, type Result } from '../errors.js';
import { cobsDecode, cobsEncodeInto, cobsMaxEncodedLength } from './cobs.js';
import { CRC32_LEN, crc32 } from './crc32.js';
import { encodeBridgeMessage, type BridgeMessage } from './messages.js';

export const FRAME_DELIMITER = 0x00;
/** A frame (its COBS bytes, without the delimiter) longer than this is dropped as oversize. */
export const MAX_FRAME_LEN = 2048;

/** The wire frame of message bytes, delimiter included. */
export function frameBytes(message: Uint8Array): Uint8Array {
  // message ‖ CRC in one array, then its encoding and the delimiter in another: every TX and
  // PING goes through here, so nothing more is allocated.
  const raw = new Uint8Array(message.length + CRC32_LEN);
  raw.set(message);
  const crc = crc32(message);
  raw[message.length] = crc & 0xff;
  raw[message.length + 1] = (crc >>> 8) & 0xff;
  raw[message.length + 2] = (crc >>> 16) & 0xff;
  raw[message.length + 3] = crc >>> 24;
  const out = new Uint8Array(cobsMaxEncodedLength(raw.length) + 1);
  const length = cobsEncodeInto(raw, out);
  out[length] = FRAME_DELIMITER;
  return out.subarray(0, length + 1);
}

/** The wire frame of a message, delimiter included, or the encoder's typed error. */
export function encodeFrame(message: BridgeMessage): Result<Uint8Array> {
  const bytes = encodeBridgeMessage(message);
  return bytes.ok ? ok(frameBytes(bytes.value)) : bytes;
}

/**
 * The message bytes of one frame (the bytes before a 0x00, without it), CRC checked.
 * Refusals: longer than MAX_FRAME_LEN (BridgeOversize), not COBS or too short to hold a type
 * byte and a CRC (BridgeBadFraming), CRC mismatch (BridgeBadCrc). With `scratch` (at least the
 * frame's length) the message is a view of it, valid until the scratch is used again.
 */
export function decodeFrame(frame: Uint8Array, scratch?: Uint8Array): Result<Uint8Array> {
  if (frame.length > MAX_FRAME_LEN)
    return fail(
      ErrorCode.BridgeOversize,
      `frame of ${frame.length} bytes exceeds ${MAX_FRAME_LEN}`,
    );
  const decoded = cobsDecode(frame, scratch);
  if (decoded === null) return fail(ErrorCode.BridgeBadFraming, 'not a valid COBS frame');
  if (decoded.length < 1 + CRC32_LEN) {
    return fail(
      ErrorCode.BridgeBadFraming,
      `frame decodes to ${decoded.length} bytes, too short for a message and its CRC`,
    );
  }
  const at = decoded.length - CRC32_LEN;
  const message = decoded.subarray(0, at);
  const crc =
    (decoded[at]! |
      (decoded[at + 1]! << 8) |
      (decoded[at + 2]! << 16) |
      (decoded[at + 3]! << 24)) >>>
    0;
  if (crc32(message) !== crc) return fail(ErrorCode.BridgeBadCrc, 'CRC-32 mismatch');
  return ok(message);
}
