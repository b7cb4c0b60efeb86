/**
 * One frame of the bridge serial line (docs/bridge-serial.md#framing):
 *
 *   COBS( message ‖ CRC-32(message), little-endian ) ‖ 0x00
 *
 * `decodeFrame` undoes it for the bytes between two delimiters; the streaming side (counting,
 * resynchronising) is frame-reader.ts.
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import { ErrorCode, fail, ok, type Result } from '../errors.js';
import { cobsDecode, cobsEncode } from './cobs.js';
import { CRC32_LEN, crc32le } from './crc32.js';
import { encodeBridgeMessage, type BridgeMessage } from './messages.js';

export const FRAME_DELIMITER = 0x00;
/** A frame (its COBS bytes, without the delimiter) longer than this is dropped as oversize. */
export const MAX_FRAME_LEN = 2048;

/** The wire frame of message bytes, delimiter included. */
export function frameBytes(message: Uint8Array): Uint8Array {
  return concatBytes(
    cobsEncode(concatBytes(message, crc32le(message))),
    Uint8Array.of(FRAME_DELIMITER),
  );
}

/** The wire frame of a message, delimiter included, or the encoder's typed error. */
export function encodeFrame(message: BridgeMessage): Result<Uint8Array> {
  const bytes = encodeBridgeMessage(message);
  return bytes.ok ? ok(frameBytes(bytes.value)) : bytes;
}

/**
 * The message bytes of one frame (the bytes before a 0x00, without it), CRC checked.
 * Refusals: longer than MAX_FRAME_LEN (BridgeOversize), not COBS or too short to hold a type
 * byte and a CRC (BridgeBadFraming), CRC mismatch (BridgeBadCrc).
 */
export function decodeFrame(frame: Uint8Array): Result<Uint8Array> {
  if (frame.length > MAX_FRAME_LEN)
    return fail(
      ErrorCode.BridgeOversize,
      `frame of ${frame.length} bytes exceeds ${MAX_FRAME_LEN}`,
    );
  const decoded = cobsDecode(frame);
  if (decoded === null) return fail(ErrorCode.BridgeBadFraming, 'not a valid COBS frame');
  if (decoded.length < 1 + CRC32_LEN) {
    return fail(
      ErrorCode.BridgeBadFraming,
      `frame decodes to ${decoded.length} bytes, too short for a message and its CRC`,
    );
  }
  const message = decoded.subarray(0, decoded.length - CRC32_LEN);
  if (!bytesEqual(crc32le(message), decoded.subarray(decoded.length - CRC32_LEN)))
    return fail(ErrorCode.BridgeBadCrc, 'CRC-32 mismatch');
  return ok(message);
}
