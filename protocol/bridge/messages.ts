/**
 * The twelve messages of the bridge serial protocol, versions 1 and 2 (docs/bridge-serial.md#messages);
 * version 2 adds two STATS counters.
 * A message is its type byte followed by fixed little-endian fields and, for some types, a
 * variable tail (payload or UTF-8 text) that runs to the end of the message.
 *
 * MAC addresses are lowercase "aa:bb:cc:dd:ee:ff" strings (the encoder also accepts uppercase).
 *
 * The codec checks what the document bounds — payload sizes, text lengths, field widths — and
 * nothing that is the peer's decision to make: an out-of-range SET_CHANNEL channel, an unknown
 * TX_STATUS status or ERROR code, or HOST_HELLO versions that do not meet all decode, so the
 * receiver can answer them (CHANNEL status 1, ERROR 3) or still return a TX credit.
 */
import { concatBytes, u16le, readU16le } from '../bytes.js';
import { ErrorCode, fail, ok, type Result } from '../errors.js';

/** The highest version this side speaks, and the lowest it still accepts. */
export const BRIDGE_PROTOCOL_VERSION = 2;
export const BRIDGE_PROTOCOL_MIN_VERSION = 1;

export const BridgeMessageType = {
  HOST_HELLO: 0x81,
  HELLO: 0x01,
  RX: 0x02,
  TX: 0x83,
  TX_STATUS: 0x04,
  SET_CHANNEL: 0x85,
  CHANNEL: 0x06,
  PING: 0x87,
  PONG: 0x08,
  GET_STATS: 0x89,
  STATS: 0x0a,
  ERROR: 0x0b,
} as const;
export type BridgeMessageTypeName = keyof typeof BridgeMessageType;

/** Host→bridge types have bit 7 set; bridge→host types have it clear. */
export const HOST_TO_BRIDGE = 0x80;

/** Largest ESP-NOW payload (v2); RX and TX payloads are 1 … this many bytes. */
export const MAX_ESPNOW_PAYLOAD = 1470;
export const MAX_FIRMWARE_LEN = 32;
export const MAX_ERROR_DETAIL_LEN = 64;
export const MAC_LEN = 6;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export const TxStatus = {
  Acked: 0,
  NoAck: 1,
  NoCredit: 2,
  TooLarge: 3,
  Malformed: 4,
  RadioError: 5,
} as const;

export const ChannelStatus = { Ok: 0, InvalidChannel: 1 } as const;

export const BridgeErrorCode = {
  UnknownMessageType: 1,
  MalformedMessage: 2,
  UnsupportedVersion: 3,
  Internal: 4,
} as const;

/** RX flags bit 0: the frame was broadcast. */
export const RX_FLAG_BROADCAST = 0x01;

/** The STATS counters of version 1, in their order on the wire. */
export const STATS_V1_COUNTER_NAMES = [
  'rxFrames',
  'rxDropped',
  'txFrames',
  'txAcked',
  'txFailed',
  'serialBadCrc',
  'serialBadFraming',
  'serialOversize',
  'serialUnknownType',
  'rxQueueDepth',
  'txQueueDepth',
  'rxQueueHighWater',
] as const;
/** Version 2 appends these: the received frames dropped (rxDropped), by kind. */
export const STATS_V2_ADDED_COUNTER_NAMES = ['rxDroppedBroadcast', 'rxDroppedUnicast'] as const;
/** Every STATS counter, in wire order; a version-1 STATS carries the first twelve. */
export const STATS_COUNTER_NAMES = [...STATS_V1_COUNTER_NAMES, ...STATS_V2_ADDED_COUNTER_NAMES];
/** A STATS message's counters; the version-2 ones are absent when a version-1 bridge sent it. */
export type BridgeStats = Record<(typeof STATS_V1_COUNTER_NAMES)[number], number> &
  Partial<Record<(typeof STATS_V2_ADDED_COUNTER_NAMES)[number], number>>;

export interface HostHello {
  readonly type: 'HOST_HELLO';
  readonly maxVersion: number;
  readonly minVersion: number;
}
export interface Hello {
  readonly type: 'HELLO';
  readonly version: number;
  readonly minVersion: number;
  readonly mac: string;
  readonly channel: number;
  readonly maxPayload: number;
  readonly capabilities: number;
  readonly txQueue: number;
  readonly firmware: string;
}
export interface Rx {
  readonly type: 'RX';
  readonly src: string;
  readonly rssi: number;
  readonly channel: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}
export interface Tx {
  readonly type: 'TX';
  readonly txId: number;
  readonly dst: string;
  readonly payload: Uint8Array;
}
export interface TxStatusMessage {
  readonly type: 'TX_STATUS';
  readonly txId: number;
  readonly status: number;
}
export interface SetChannel {
  readonly type: 'SET_CHANNEL';
  readonly channel: number;
}
export interface Channel {
  readonly type: 'CHANNEL';
  readonly channel: number;
  readonly status: number;
}
export interface Ping {
  readonly type: 'PING';
  readonly nonce: number;
}
export interface Pong {
  readonly type: 'PONG';
  readonly nonce: number;
  readonly uptimeMs: number;
}
export interface GetStats {
  readonly type: 'GET_STATS';
}
export interface Stats {
  readonly type: 'STATS';
  readonly counters: BridgeStats;
}
export interface BridgeError {
  readonly type: 'ERROR';
  readonly code: number;
  readonly detail: string;
}

export type BridgeMessage =
  | HostHello
  | Hello
  | Rx
  | Tx
  | TxStatusMessage
  | SetChannel
  | Channel
  | Ping
  | Pong
  | GetStats
  | Stats
  | BridgeError;

// ---- MAC addresses ----------------------------------------------------------------------------

const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

export function isMac(mac: string): boolean {
  return MAC_RE.test(mac);
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

// Every frame to or from the radio names a MAC: these two run a few times per frame.
export function formatMac(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i === 0 ? '' : ':') + HEX_BYTE[bytes[i]!]!;
  return out;
}

/** The 6 bytes of a MAC string, or undefined if it is not "xx:xx:xx:xx:xx:xx". */
export function parseMac(mac: string): Uint8Array | undefined {
  if (!isMac(mac)) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(mac.slice(i * 3, i * 3 + 2), 16);
  return out;
}

// ---- encoding ---------------------------------------------------------------------------------

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class FieldError {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}

function intField(value: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new FieldError(ErrorCode.BridgeFieldRange, `${name} ${value} is outside ${min}..${max}`);
}

function u8(value: number, name: string): Uint8Array {
  intField(value, 0, 0xff, name);
  return Uint8Array.of(value);
}

function i8(value: number, name: string): Uint8Array {
  intField(value, -128, 127, name);
  return Uint8Array.of(value & 0xff);
}

function u16(value: number, name: string): Uint8Array {
  intField(value, 0, 0xffff, name);
  return u16le(value);
}

function u32(value: number, name: string): Uint8Array {
  intField(value, 0, 0xffffffff, name);
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
}

function mac(value: string, name: string): Uint8Array {
  const bytes = parseMac(value);
  if (!bytes) throw new FieldError(ErrorCode.BridgeFieldRange, `${name} is not a MAC address`);
  return bytes;
}

function payload(value: Uint8Array, name: string): Uint8Array {
  if (value.length < 1 || value.length > MAX_ESPNOW_PAYLOAD) {
    throw new FieldError(
      ErrorCode.BridgeBadPayloadLength,
      `${name} of ${value.length} bytes is outside 1..${MAX_ESPNOW_PAYLOAD}`,
    );
  }
  return value;
}

function text(value: string, max: number, name: string): Uint8Array {
  const bytes = textEncoder.encode(value);
  if (bytes.length > max)
    throw new FieldError(ErrorCode.BridgeBadText, `${name} is ${bytes.length} bytes, max ${max}`);
  // A lone surrogate would be sent as U+FFFD and not come back as given.
  if (textDecoder.decode(bytes) !== value)
    throw new FieldError(ErrorCode.BridgeBadText, `${name} is not well-formed Unicode`);
  return bytes;
}

function typeByte(type: BridgeMessageTypeName): Uint8Array {
  return Uint8Array.of(BridgeMessageType[type]);
}

function encodeFields(m: BridgeMessage): Uint8Array {
  switch (m.type) {
    case 'HOST_HELLO':
      return concatBytes(u8(m.maxVersion, 'maxVersion'), u8(m.minVersion, 'minVersion'));
    case 'HELLO':
      return concatBytes(
        u8(m.version, 'version'),
        u8(m.minVersion, 'minVersion'),
        mac(m.mac, 'mac'),
        u8(m.channel, 'channel'),
        u16(m.maxPayload, 'maxPayload'),
        u16(m.capabilities, 'capabilities'),
        u8(m.txQueue, 'txQueue'),
        text(m.firmware, MAX_FIRMWARE_LEN, 'firmware'),
      );
    case 'RX':
      return concatBytes(
        mac(m.src, 'src'),
        i8(m.rssi, 'rssi'),
        u8(m.channel, 'channel'),
        u8(m.flags, 'flags'),
        payload(m.payload, 'RX payload'),
      );
    case 'TX':
      return concatBytes(u16(m.txId, 'txId'), mac(m.dst, 'dst'), payload(m.payload, 'TX payload'));
    case 'TX_STATUS':
      return concatBytes(u16(m.txId, 'txId'), u8(m.status, 'status'));
    case 'SET_CHANNEL':
      return u8(m.channel, 'channel');
    case 'CHANNEL':
      return concatBytes(u8(m.channel, 'channel'), u8(m.status, 'status'));
    case 'PING':
      return u32(m.nonce, 'nonce');
    case 'PONG':
      return concatBytes(u32(m.nonce, 'nonce'), u32(m.uptimeMs, 'uptimeMs'));
    case 'GET_STATS':
      return new Uint8Array(0);
    case 'STATS': {
      const added = STATS_V2_ADDED_COUNTER_NAMES.filter((n) => m.counters[n] !== undefined);
      if (added.length !== 0 && added.length !== STATS_V2_ADDED_COUNTER_NAMES.length)
        throw new FieldError(
          ErrorCode.BridgeFieldRange,
          `${added.join(', ')} without the other version-2 counters`,
        );
      const names = added.length === 0 ? STATS_V1_COUNTER_NAMES : STATS_COUNTER_NAMES;
      return concatBytes(...names.map((n) => u32(m.counters[n] ?? 0, n)));
    }
    case 'ERROR':
      return concatBytes(u8(m.code, 'code'), text(m.detail, MAX_ERROR_DETAIL_LEN, 'detail'));
  }
}

/** TX, the daemon's most frequent message, written into one array. */
function encodeTx(m: Tx): Uint8Array {
  intField(m.txId, 0, 0xffff, 'txId');
  const dst = mac(m.dst, 'dst');
  const p = payload(m.payload, 'TX payload');
  const out = new Uint8Array(1 + 2 + MAC_LEN + p.length);
  out[0] = BridgeMessageType.TX;
  out[1] = m.txId & 0xff;
  out[2] = m.txId >>> 8;
  out.set(dst, 3);
  out.set(p, 3 + MAC_LEN);
  return out;
}

/** The bytes of a message (type byte and fields), or a typed error for a field out of range. */
export function encodeBridgeMessage(m: BridgeMessage): Result<Uint8Array> {
  try {
    if (m.type === 'TX') return ok(encodeTx(m));
    return ok(concatBytes(typeByte(m.type), encodeFields(m)));
  } catch (e) {
    if (e instanceof FieldError) return fail(e.code, `${m.type}: ${e.message}`);
    throw e;
  }
}

// ---- decoding ---------------------------------------------------------------------------------

/**
 * Fixed bytes after the type byte, and whether a variable tail (payload or text) follows. The
 * tail of HOST_HELLO is ignored: a later host version may append fields there and must still be
 * answered (HELLO or ERROR 3), as the C bridge does. The tail of STATS is either empty (version 1)
 * or the counters version 2 added, nothing else.
 */
const LAYOUT: Readonly<Record<BridgeMessageTypeName, { fixed: number; tail: boolean }>> = {
  HOST_HELLO: { fixed: 2, tail: true },
  HELLO: { fixed: 14, tail: true },
  RX: { fixed: 9, tail: true },
  TX: { fixed: 8, tail: true },
  TX_STATUS: { fixed: 3, tail: false },
  SET_CHANNEL: { fixed: 1, tail: false },
  CHANNEL: { fixed: 2, tail: false },
  PING: { fixed: 4, tail: false },
  PONG: { fixed: 8, tail: false },
  GET_STATS: { fixed: 0, tail: false },
  STATS: { fixed: 4 * STATS_V1_COUNTER_NAMES.length, tail: true },
  ERROR: { fixed: 1, tail: true },
};

const TYPE_NAMES: ReadonlyMap<number, BridgeMessageTypeName> = new Map(
  Object.entries(BridgeMessageType).map(([name, value]) => [value, name as BridgeMessageTypeName]),
);

function hex8(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function readU32(b: Uint8Array, offset: number): number {
  return (
    (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0
  );
}

function readI8(b: Uint8Array, offset: number): number {
  const v = b[offset]!;
  return v >= 0x80 ? v - 0x100 : v;
}

function decodeText(bytes: Uint8Array, max: number, what: string): Result<string> {
  if (bytes.length > max)
    return fail(ErrorCode.BridgeBadText, `${what} is ${bytes.length} bytes, max ${max}`);
  try {
    return ok(textDecoder.decode(bytes));
  } catch {
    return fail(ErrorCode.BridgeBadText, `${what} is not valid UTF-8`);
  }
}

function checkPayload(p: Uint8Array, what: string): Result<Uint8Array> {
  if (p.length < 1 || p.length > MAX_ESPNOW_PAYLOAD) {
    return fail(
      ErrorCode.BridgeBadPayloadLength,
      `${what} of ${p.length} bytes is outside 1..${MAX_ESPNOW_PAYLOAD}`,
    );
  }
  return ok(p);
}

/**
 * Decode one message (the bytes a frame carries, without its CRC). Total: any input gives a
 * message or a typed error. Payloads are copies, so they outlive the caller's buffer.
 */
export function decodeBridgeMessage(bytes: Uint8Array): Result<BridgeMessage> {
  if (bytes.length === 0) return fail(ErrorCode.BridgeTruncated, 'empty message');
  const type = TYPE_NAMES.get(bytes[0]!);
  if (type === undefined)
    return fail(ErrorCode.BridgeUnknownType, `unknown message type ${hex8(bytes[0]!)}`);
  const layout = LAYOUT[type];
  const have = bytes.length - 1;
  if (have < layout.fixed) {
    return fail(
      ErrorCode.BridgeTruncated,
      `${type}: ${have} bytes after the type, needs ${layout.fixed}`,
    );
  }
  if (!layout.tail && have > layout.fixed) {
    return fail(
      ErrorCode.BridgeTrailingBytes,
      `${type}: ${have - layout.fixed} bytes after its ${layout.fixed} bytes of fields`,
    );
  }
  const b = bytes.subarray(1);
  const tail = b.slice(layout.fixed);
  switch (type) {
    case 'HOST_HELLO':
      return ok({ type, maxVersion: b[0]!, minVersion: b[1]! });
    case 'HELLO': {
      const firmware = decodeText(tail, MAX_FIRMWARE_LEN, 'HELLO firmware');
      if (!firmware.ok) return firmware;
      return ok({
        type,
        version: b[0]!,
        minVersion: b[1]!,
        mac: formatMac(b.subarray(2, 8)),
        channel: b[8]!,
        maxPayload: readU16le(b, 9),
        capabilities: readU16le(b, 11),
        txQueue: b[13]!,
        firmware: firmware.value,
      });
    }
    case 'RX': {
      const p = checkPayload(tail, 'RX payload');
      if (!p.ok) return p;
      return ok({
        type,
        src: formatMac(b.subarray(0, MAC_LEN)),
        rssi: readI8(b, MAC_LEN),
        channel: b[7]!,
        flags: b[8]!,
        payload: p.value,
      });
    }
    case 'TX': {
      const p = checkPayload(tail, 'TX payload');
      if (!p.ok) return p;
      return ok({
        type,
        txId: readU16le(b, 0),
        dst: formatMac(b.subarray(2, 8)),
        payload: p.value,
      });
    }
    case 'TX_STATUS':
      return ok({ type, txId: readU16le(b, 0), status: b[2]! });
    case 'SET_CHANNEL':
      return ok({ type, channel: b[0]! });
    case 'CHANNEL':
      return ok({ type, channel: b[0]!, status: b[1]! });
    case 'PING':
      return ok({ type, nonce: readU32(b, 0) });
    case 'PONG':
      return ok({ type, nonce: readU32(b, 0), uptimeMs: readU32(b, 4) });
    case 'GET_STATS':
      return ok({ type });
    case 'STATS': {
      const names =
        tail.length === 0
          ? STATS_V1_COUNTER_NAMES
          : tail.length === 4 * STATS_V2_ADDED_COUNTER_NAMES.length
            ? STATS_COUNTER_NAMES
            : undefined;
      if (names === undefined)
        return fail(
          ErrorCode.BridgeTrailingBytes,
          `STATS: ${b.length} bytes of counters, neither ${4 * STATS_V1_COUNTER_NAMES.length} (version 1) nor ${4 * STATS_COUNTER_NAMES.length} (version 2)`,
        );
      const counters = {} as Record<string, number>;
      names.forEach((name, i) => (counters[name] = readU32(b, 4 * i)));
      return ok({ type, counters: counters as BridgeStats });
    }
    case 'ERROR': {
      const detail = decodeText(tail, MAX_ERROR_DETAIL_LEN, 'ERROR detail');
      if (!detail.ok) return detail;
      return ok({ type, code: b[0]!, detail: detail.value });
    }
  }
}
