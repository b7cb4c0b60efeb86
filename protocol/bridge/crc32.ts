/**
 * CRC-32 as the bridge serial protocol uses it (docs/bridge-serial.md#framing): IEEE 802.3 / zlib,
 * reflected, polynomial 0xEDB88320, init 0xFFFFFFFF, final XOR 0xFFFFFFFF. Node 20.15+ computes it
 * natively in node:zlib; the frame carries it little-endian.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

export const CRC32_LEN = 4;

/** CRC-32 of `bytes` as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

/** The CRC-32 of `bytes` as the 4 little-endian bytes that follow a message on the wire. */
export function crc32le(bytes: Uint8Array): Uint8Array {
  const c = crc32(bytes);
  return Uint8Array.of(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, (c >>> 24) & 0xff);
}
