/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): rewrites bytes so that no 0x00
 * remains, at a cost of at most one byte per 254, so 0x00 can delimit frames on the serial line.
 *
 * Each block is a code byte n (1…255) followed by n − 1 non-zero bytes; a block with n < 255
 * stands for its bytes followed by a 0x00, except the last block of the frame. The encoder is
 * the canonical one: a run of 254 non-zero bytes that ends the data is not followed by an empty
 * 0x01 block. The decoder accepts that block too (it decodes to nothing).
 */

/** Largest encoded size of `length` bytes: one code byte per started run of 254, plus one. */
export function cobsMaxEncodedLength(length: number): number {
  return length + Math.floor(length / 254) + 1;
}

/** COBS-encode `data` (the result contains no 0x00; the 0x00 delimiter is not appended). */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(data.length));
  return out.subarray(0, cobsEncodeInto(data, out));
}

/**
 * COBS-encode `data` into `out` (at least cobsMaxEncodedLength(data.length) bytes); returns the
 * encoded length. Lets a caller put the encoding where it wants it, with nothing allocated.
 */
export function cobsEncodeInto(data: Uint8Array, out: Uint8Array): number {
  let codeAt = 0;
  let pos = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b !== 0) {
      out[pos++] = b;
      code++;
    }
    if (b === 0 || code === 0xff) {
      out[codeAt] = code;
      code = 1;
      codeAt = pos;
      // A full block at the very end of the data needs no further (empty) block.
      if (b === 0 || i < data.length - 1) pos++;
    }
  }
  if (codeAt < pos) out[codeAt] = code;
  return pos;
}

/**
 * Decode one COBS frame (without its 0x00 delimiter). Total: returns null for a frame that
 * contains 0x00 or whose code byte points past its end; never throws. The result is a view of
 * `out` when given (at least `frame.length` bytes: a reader decodes every frame into one buffer),
 * else of a new array.
 */
export function cobsDecode(
  frame: Uint8Array,
  out: Uint8Array = new Uint8Array(frame.length),
): Uint8Array | null {
  let length = 0;
  let pos = 0;
  while (pos < frame.length) {
    const code = frame[pos]!;
    if (code === 0 || pos + code > frame.length) return null;
    for (let j = 1; j < code; j++) {
      const b = frame[pos + j]!;
      if (b === 0) return null;
      out[length++] = b;
    }
    pos += code;
    if (code < 0xff && pos < frame.length) out[length++] = 0;
  }
  return out.subarray(0, length);
}
