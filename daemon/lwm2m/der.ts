/**
 * The little DER (X.690) a device certificate needs: writing the TLVs of an X.509 certificate,
 * and reading the few fields of a CA certificate that go into one (its subject, its subject key
 * identifier). Input to the reader comes from the operator's own files, already parsed once by
 * node:crypto; the reader still checks every length against the buffer.
 */
import { concatBytes } from '../../protocol/bytes.js';

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes(Uint8Array.from(header), content);
}

export const sequence = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, concatBytes(...parts));
export const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, concatBytes(...parts));
export const explicit = (n: number, content: Uint8Array): Uint8Array => tlv(0xa0 + n, content);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
export const bitString = (bytes: Uint8Array): Uint8Array =>
  tlv(0x03, concatBytes(Uint8Array.of(0), bytes));
export const utf8String = (text: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(text));
export const TRUE = Uint8Array.of(0x01, 0x01, 0xff);
export const NULL = Uint8Array.of(0x05, 0x00);

/** A non-negative INTEGER from big-endian bytes, minimal as DER wants it. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && bytes[i + 1]! < 0x80) i++;
  const body = bytes.subarray(i);
  return tlv(0x02, body[0]! >= 0x80 ? concatBytes(Uint8Array.of(0), body) : body);
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), to the second, in UTC. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // 2026-05-01T12:00:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  const text = year >= 1950 && year < 2050 ? `${digits.slice(2)}Z` : `${digits}Z`;
  return tlv(year >= 1950 && year < 2050 ? 0x17 : 0x18, new TextEncoder().encode(text));
}

export interface Element {
  readonly tag: number;
  /** The whole TLV. */
  readonly raw: Uint8Array;
  readonly content: Uint8Array;
}

/** The TLV at `offset`; throws on a length past the end (the caller reports it). */
export function readElement(bytes: Uint8Array, offset: number): Element {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER');
  let pos = offset + 2;
  let length = lengthByte;
  if (lengthByte >= 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 3) throw new Error('unsupported DER length');
    length = 0;
    for (let k = 0; k < count; k++) {
      lengthByte = bytes[pos++];
      if (lengthByte === undefined) throw new Error('truncated DER');
      length = length * 256 + lengthByte;
    }
  }
  if (pos + length > bytes.length) throw new Error('truncated DER');
  return {
    tag,
    raw: bytes.subarray(offset, pos + length),
    content: bytes.subarray(pos, pos + length),
  };
}

/** The elements inside a constructed element's content. */
export function children(content: Uint8Array): Element[] {
  const out: Element[] = [];
  for (let offset = 0; offset < content.length;) {
    const e = readElement(content, offset);
    out.push(e);
    offset += e.raw.length;
  }
  return out;
}

const SUBJECT_KEY_IDENTIFIER = oid('2.5.29.14');

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The subject Name (whole TLV) and subject key identifier of a DER certificate. */
export function certificateFields(der: Uint8Array): {
  subject: Uint8Array;
  subjectKeyId?: Uint8Array | undefined;
} {
  const tbs = children(readElement(readElement(der, 0).content, 0).content);
  const fields = tbs[0]?.tag === 0xa0 ? tbs.slice(1) : tbs;
  // serial, signature, issuer, validity, subject, subjectPublicKeyInfo, [1], [2], [3]
  const subject = fields[4];
  if (subject === undefined) throw new Error('not a certificate');
  let subjectKeyId: Uint8Array | undefined;
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions !== undefined) {
    for (const ext of children(readElement(extensions.content, 0).content)) {
      const parts = children(ext.content);
      if (parts[0] === undefined || !sameBytes(parts[0].raw, SUBJECT_KEY_IDENTIFIER)) continue;
      const value = parts[parts.length - 1]!;
      subjectKeyId = readElement(value.content, 0).content;
    }
  }
  return { subject: subject.raw, subjectKeyId };
}

/** The key bits of a SubjectPublicKeyInfo (the BIT STRING without its unused-bits byte). */
export function publicKeyBits(spki: Uint8Array): Uint8Array {
  const bits = children(readElement(spki, 0).content)[1];
  if (bits === undefined || bits.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  return bits.content.subarray(1);
}
