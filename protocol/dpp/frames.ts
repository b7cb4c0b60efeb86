/**
 * DPP messages as DPP over TCP carries them: the 802.11 Public Action frame body without its
 * category byte (0x04), i.e. starting at the Public Action field. The same bytes travel in our
 * ESP-NOW binding. Two families share that first byte:
 *
 *   0x09 vendor specific: OUI 50 6f 9a, OUI type 0x1a, crypto suite, DPP frame type, attributes
 *   0x0a–0x0d GAS Initial/Comeback Request/Response, which carry the Configuration exchange
 *
 * Decoders are total: any byte string gives a message or a typed error.
 */
import { concatBytes, readU16le, u16le } from '../bytes.js';
import { ErrorCode, fail, ok, type Result } from '../errors.js';
import { AttributeId, decodeAttributes, type Attribute } from './attributes.js';

export const PublicAction = {
  VendorSpecific: 0x09,
  GasInitialRequest: 0x0a,
  GasInitialResponse: 0x0b,
  GasComebackRequest: 0x0c,
  GasComebackResponse: 0x0d,
} as const;

export const WFA_OUI = Uint8Array.of(0x50, 0x6f, 0x9a);
export const DPP_OUI_TYPE = 0x1a;
export const DPP_CRYPTO_SUITE = 0x01;

export const FrameType = {
  AuthenticationRequest: 0,
  AuthenticationResponse: 1,
  AuthenticationConfirm: 2,
  PeerDiscoveryRequest: 5,
  PeerDiscoveryResponse: 6,
  PkexExchangeRequest: 7,
  PkexExchangeResponse: 8,
  PkexCommitRevealRequest: 9,
  PkexCommitRevealResponse: 10,
  ConfigurationResult: 11,
  ConnectionStatusResult: 12,
  PresenceAnnouncement: 13,
  ReconfigAnnouncement: 14,
  ReconfigAuthRequest: 15,
  ReconfigAuthResponse: 16,
  ReconfigAuthConfirm: 17,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export function frameTypeName(type: number): string {
  for (const [name, value] of Object.entries(FrameType)) if (value === type) return name;
  return `frame type ${type}`;
}

/** Largest message we accept from a peer. A Configuration Response with a certificate bundle stays well below. */
export const MAX_MESSAGE_LEN = 16384;

/** The 6 bytes OUI ‖ OUI type ‖ crypto suite ‖ frame type: the first AES-SIV AD component of DPP frames. */
export const DPP_HEADER_LEN = 6;

export interface DppFrame {
  readonly kind: 'dpp';
  readonly frameType: number;
  /** OUI ‖ OUI type ‖ crypto suite ‖ frame type, as received. */
  readonly header: Uint8Array;
  /** The raw attribute bytes. */
  readonly body: Uint8Array;
  readonly attributes: readonly Attribute[];
}

/** Advertisement Protocol element announcing DPP: id 108, len 8, query response info 0x7f, vendor-specific WFA DPP v1. */
export const DPP_ADV_PROTO = Uint8Array.of(
  0x6c,
  0x08,
  0x7f,
  0xdd,
  0x05,
  0x50,
  0x6f,
  0x9a,
  0x1a,
  0x01,
);

export interface GasInitialRequest {
  readonly kind: 'gasInitialRequest';
  readonly dialogToken: number;
  readonly query: Uint8Array;
}
export interface GasInitialResponse {
  readonly kind: 'gasInitialResponse';
  readonly dialogToken: number;
  readonly statusCode: number;
  readonly comebackDelay: number;
  readonly query: Uint8Array;
}
export interface GasComebackRequest {
  readonly kind: 'gasComebackRequest';
  readonly dialogToken: number;
}
export interface GasComebackResponse {
  readonly kind: 'gasComebackResponse';
  readonly dialogToken: number;
  readonly statusCode: number;
  /** Bit 7: more fragments follow; bits 0–6: fragment id. */
  readonly fragmentId: number;
  readonly comebackDelay: number;
  readonly query: Uint8Array;
}

export type GasMessage =
  GasInitialRequest | GasInitialResponse | GasComebackRequest | GasComebackResponse;
export type DppMessage = DppFrame | GasMessage;

export function dppHeader(frameType: number): Uint8Array {
  return concatBytes(WFA_OUI, Uint8Array.of(DPP_OUI_TYPE, DPP_CRYPTO_SUITE, frameType));
}

/** Encode our own DPP frame straight from its type and attribute bytes. */
export function encodeDppFrame(frameType: number, body: Uint8Array): Uint8Array {
  checkField(frameType, 0xff, 'frame type');
  return concatBytes(Uint8Array.of(PublicAction.VendorSpecific), dppHeader(frameType), body);
}

/** A DPP frame from its type and attribute bytes, decoded (for tests and crafted frames). */
export function makeDppFrame(frameType: number, body: Uint8Array): DppFrame {
  const attrs = decodeAttributes(body);
  if (!attrs.ok) throw attrs.error;
  return { kind: 'dpp', frameType, header: dppHeader(frameType), body, attributes: attrs.value };
}

function checkField(value: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${name} ${value} is outside 0..${max}`);
}

/** Encode our own message; field values out of range are a programming error (RangeError). */
export function encodeMessage(msg: DppMessage): Uint8Array {
  if (msg.kind === 'dpp') checkField(msg.frameType, 0xff, 'frame type');
  else {
    checkField(msg.dialogToken, 0xff, 'dialog token');
    if (msg.kind !== 'gasComebackRequest') checkField(msg.query.length, 0xffff, 'GAS query length');
    if (msg.kind === 'gasInitialResponse' || msg.kind === 'gasComebackResponse') {
      checkField(msg.statusCode, 0xffff, 'GAS status code');
      checkField(msg.comebackDelay, 0xffff, 'GAS comeback delay');
    }
    if (msg.kind === 'gasComebackResponse') checkField(msg.fragmentId, 0xff, 'GAS fragment id');
  }
  switch (msg.kind) {
    case 'dpp':
      return concatBytes(Uint8Array.of(PublicAction.VendorSpecific), msg.header, msg.body);
    case 'gasInitialRequest':
      return concatBytes(
        Uint8Array.of(PublicAction.GasInitialRequest, msg.dialogToken),
        DPP_ADV_PROTO,
        u16le(msg.query.length),
        msg.query,
      );
    case 'gasInitialResponse':
      return concatBytes(
        Uint8Array.of(PublicAction.GasInitialResponse, msg.dialogToken),
        u16le(msg.statusCode),
        u16le(msg.comebackDelay),
        DPP_ADV_PROTO,
        u16le(msg.query.length),
        msg.query,
      );
    case 'gasComebackRequest':
      return Uint8Array.of(PublicAction.GasComebackRequest, msg.dialogToken);
    case 'gasComebackResponse':
      return concatBytes(
        Uint8Array.of(PublicAction.GasComebackResponse, msg.dialogToken),
        u16le(msg.statusCode),
        Uint8Array.of(msg.fragmentId),
        u16le(msg.comebackDelay),
        DPP_ADV_PROTO,
        u16le(msg.query.length),
        msg.query,
      );
  }
}

/** Decode one message (bytes from the Public Action field on). Total and bounded. */
export function decodeMessage(bytes: Uint8Array): Result<DppMessage> {
  if (bytes.length === 0) return fail(ErrorCode.DecodeTruncated, 'empty message');
  if (bytes.length > MAX_MESSAGE_LEN) {
    return fail(
      ErrorCode.DecodeOversized,
      `message of ${bytes.length} bytes exceeds ${MAX_MESSAGE_LEN}`,
    );
  }
  const action = bytes[0]!;
  switch (action) {
    case PublicAction.VendorSpecific:
      return decodeDppFrame(bytes.subarray(1));
    case PublicAction.GasInitialRequest: {
      if (bytes.length < 2) return fail(ErrorCode.DecodeTruncated, 'GAS Initial Request truncated');
      const q = readAdvProtoAndQuery(bytes, 2, 'GAS Initial Request');
      if (!q.ok) return q;
      return ok({ kind: 'gasInitialRequest', dialogToken: bytes[1]!, query: q.value });
    }
    case PublicAction.GasInitialResponse: {
      if (bytes.length < 6)
        return fail(ErrorCode.DecodeTruncated, 'GAS Initial Response truncated');
      const q = readAdvProtoAndQuery(bytes, 6, 'GAS Initial Response');
      if (!q.ok) return q;
      return ok({
        kind: 'gasInitialResponse',
        dialogToken: bytes[1]!,
        statusCode: readU16le(bytes, 2),
        comebackDelay: readU16le(bytes, 4),
        query: q.value,
      });
    }
    case PublicAction.GasComebackRequest:
      if (bytes.length !== 2)
        return fail(
          ErrorCode.DecodeBadGas,
          `GAS Comeback Request must be 2 bytes, got ${bytes.length}`,
        );
      return ok({ kind: 'gasComebackRequest', dialogToken: bytes[1]! });
    case PublicAction.GasComebackResponse: {
      if (bytes.length < 7)
        return fail(ErrorCode.DecodeTruncated, 'GAS Comeback Response truncated');
      const q = readAdvProtoAndQuery(bytes, 7, 'GAS Comeback Response');
      if (!q.ok) return q;
      return ok({
        kind: 'gasComebackResponse',
        dialogToken: bytes[1]!,
        statusCode: readU16le(bytes, 2),
        fragmentId: bytes[4]!,
        comebackDelay: readU16le(bytes, 5),
        query: q.value,
      });
    }
    default:
      return fail(
        ErrorCode.DecodeBadHeader,
        `public action 0x${action.toString(16)} is neither DPP nor GAS`,
      );
  }
}

function readAdvProtoAndQuery(bytes: Uint8Array, offset: number, what: string): Result<Uint8Array> {
  const advEnd = offset + DPP_ADV_PROTO.length;
  if (bytes.length < advEnd + 2)
    return fail(ErrorCode.DecodeTruncated, `${what}: truncated before the query`);
  // Only the DPP advertisement protocol is acceptable here; compare everything but the
  // query-response-info byte, which peers set differently (hostap 0x7f, others 0x00).
  for (let i = 0; i < DPP_ADV_PROTO.length; i++) {
    if (i === 2) continue;
    if (bytes[offset + i] !== DPP_ADV_PROTO[i]) {
      return fail(ErrorCode.DecodeBadGas, `${what}: advertisement protocol is not DPP`);
    }
  }
  const queryLen = readU16le(bytes, advEnd);
  const start = advEnd + 2;
  if (start + queryLen > bytes.length) {
    return fail(
      ErrorCode.DecodeAttributeOverrun,
      `${what}: query claims ${queryLen} bytes, only ${bytes.length - start} remain`,
    );
  }
  if (start + queryLen !== bytes.length) {
    return fail(
      ErrorCode.DecodeTrailingBytes,
      `${what}: ${bytes.length - start - queryLen} bytes after the query`,
    );
  }
  return ok(bytes.subarray(start, start + queryLen));
}

function decodeDppFrame(rest: Uint8Array): Result<DppFrame> {
  if (rest.length < DPP_HEADER_LEN)
    return fail(ErrorCode.DecodeTruncated, 'DPP frame header truncated');
  if (
    rest[0] !== WFA_OUI[0] ||
    rest[1] !== WFA_OUI[1] ||
    rest[2] !== WFA_OUI[2] ||
    rest[3] !== DPP_OUI_TYPE
  ) {
    return fail(ErrorCode.DecodeBadHeader, 'vendor frame is not a Wi-Fi Alliance DPP frame');
  }
  if (rest[4] !== DPP_CRYPTO_SUITE) {
    return fail(ErrorCode.DecodeBadHeader, `unsupported DPP crypto suite ${rest[4]}`);
  }
  const frameType = rest[5]!;
  const body = rest.subarray(DPP_HEADER_LEN);
  const attrs = decodeAttributes(body);
  if (!attrs.ok) return attrs;
  return ok({
    kind: 'dpp',
    frameType,
    header: rest.subarray(0, DPP_HEADER_LEN),
    body,
    attributes: attrs.value,
  });
}

/**
 * The attribute bytes that precede Wrapped Data (the second AD component), and the wrapped
 * data itself. Wrapped Data must be the last attribute, as the specification requires.
 */
export function splitAtWrappedData(
  body: Uint8Array,
  attributes: readonly Attribute[],
  what: string,
): Result<{ before: Uint8Array; wrapped: Uint8Array }> {
  let offset = 0;
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!;
    if (a.id === AttributeId.WrappedData) {
      if (i !== attributes.length - 1) {
        return fail(ErrorCode.DecodeAttributeOrder, `${what}: attributes after Wrapped Data`);
      }
      return ok({ before: body.subarray(0, offset), wrapped: a.value });
    }
    offset += 4 + a.value.length;
  }
  return fail(ErrorCode.DecodeMissingAttribute, `${what}: missing WrappedData attribute`);
}
