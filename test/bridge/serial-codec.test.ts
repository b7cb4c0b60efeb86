/**
 * The bridge serial codec (docs/bridge-serial.md) against the shared vectors that the C codec in
 * firmware-bridge/ passes too, plus the refusal codes and properties of the streaming reader:
 * total on any byte stream, bounded to MAX_FRAME_LEN bytes, never inventing a message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { cobsDecode, cobsEncode } from '../../protocol/bridge/cobs.js';
import { crc32 } from '../../protocol/bridge/crc32.js';
import {
  decodeFrame,
  encodeFrame,
  frameBytes,
  MAX_FRAME_LEN,
} from '../../protocol/bridge/frame.js';
import { BridgeFrameReader, type SerialCounters } from '../../protocol/bridge/frame-reader.js';
import {
  decodeBridgeMessage,
  encodeBridgeMessage,
  MAX_ESPNOW_PAYLOAD,
  STATS_COUNTER_NAMES,
  type BridgeMessage,
  type BridgeStats,
} from '../../protocol/bridge/messages.js';
import { ErrorCode, type Result, errorCodeName } from '../../protocol/errors.js';
import { vectorPath } from '../vectors.js';

interface ValidVector {
  name: string;
  type: BridgeMessage['type'];
  fields: Record<string, unknown>;
  message: string;
  crc32: string;
  wire: string;
}
interface InvalidVector {
  name: string;
  wire: string;
  counter: keyof SerialCounters | null;
  thenValid?: number;
}

const vectors = JSON.parse(readFileSync(vectorPath('bridge-serial.json'), 'utf8')) as {
  valid: ValidVector[];
  invalid: InvalidVector[];
};

/** The vector's `fields` as a typed message: hex payloads to bytes, STATS counters by name. */
function messageOf(v: ValidVector): BridgeMessage {
  const fields: Record<string, unknown> = { type: v.type, ...v.fields };
  if (typeof fields.payload === 'string') fields.payload = fromHex(fields.payload);
  if (Array.isArray(fields.counters)) {
    const list = fields.counters as number[];
    fields.counters = countersOf(list);
  }
  return fields as unknown as BridgeMessage;
}

function value<T>(r: Result<T>): T {
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
  return r.value;
}

function refused<T>(r: Result<T>, code: ErrorCode): void {
  assert.ok(!r.ok, 'expected a refusal');
  assert.equal(
    r.error.code,
    code,
    `${errorCodeName(r.error.code)} instead of ${errorCodeName(code)}`,
  );
}

const ZERO_COUNTERS: SerialCounters = {
  serialBadCrc: 0,
  serialBadFraming: 0,
  serialOversize: 0,
  serialUnknownType: 0,
  serialMalformed: 0,
};

describe('bridge serial codec', () => {
  describe('CRC-32 and COBS', () => {
    it('CRC-32 is IEEE/zlib: check value of "123456789"', () => {
      assert.equal(crc32(utf8('123456789')), 0xcbf43926);
    });

    it('COBS encodes the classic examples', () => {
      const cases: Array<[string, string]> = [
        ['', '01'],
        ['00', '0101'],
        ['0000', '010101'],
        ['11220033', '0311220233'],
        ['11223344', '0511223344'],
        ['11000000', '0211010101'],
      ];
      for (const [raw, enc] of cases) {
        assert.equal(toHex(cobsEncode(fromHex(raw))), enc, raw);
        assert.equal(toHex(cobsDecode(fromHex(enc))!), raw, enc);
      }
    });

    it('a run of 254 non-zero bytes at the end is one 0xff block; the empty block after it is accepted', () => {
      const run = Uint8Array.from({ length: 254 }, (_, i) => i + 1);
      const enc = cobsEncode(run);
      assert.equal(enc.length, 255);
      assert.equal(enc[0], 0xff);
      assert.deepEqual(cobsDecode(enc), run);
      assert.deepEqual(cobsDecode(concatBytes(enc, Uint8Array.of(1))), run);
      const withZero = concatBytes(run, Uint8Array.of(0));
      assert.deepEqual(cobsDecode(cobsEncode(withZero)), withZero);
    });

    it('COBS decoding refuses a code past the end and a 0x00 inside', () => {
      assert.equal(cobsDecode(fromHex('05aabb')), null);
      assert.equal(cobsDecode(fromHex('03aa00')), null);
      assert.equal(cobsDecode(fromHex('00')), null);
    });

    it('COBS round-trips any bytes, without a 0x00, at most 1 byte per 254 longer', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
          const enc = cobsEncode(data);
          assert.ok(!enc.includes(0));
          assert.ok(enc.length <= data.length + Math.ceil(data.length / 254) + 1);
          assert.deepEqual(cobsDecode(enc), data);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('shared vectors: valid messages', () => {
    for (const v of vectors.valid) {
      it(`${v.name}: encodes to exactly its wire bytes and decodes back`, () => {
        const message = messageOf(v);
        assert.equal(toHex(value(encodeBridgeMessage(message))), v.message);
        assert.equal(crc32(fromHex(v.message)).toString(16).padStart(8, '0'), v.crc32);
        assert.equal(toHex(value(encodeFrame(message))), v.wire);
        const wire = fromHex(v.wire);
        const bytes = value(decodeFrame(wire.subarray(0, wire.length - 1)));
        assert.equal(toHex(bytes), v.message);
        assert.deepEqual(value(decodeBridgeMessage(bytes)), message);
        const reader = new BridgeFrameReader();
        assert.deepEqual(reader.push(wire), [message]);
        assert.deepEqual(reader.counters, ZERO_COUNTERS);
        assert.equal(reader.buffered, 0);
      });
    }

    it('all valid frames back to back, fed one byte at a time, decode in order', () => {
      const reader = new BridgeFrameReader();
      const out: BridgeMessage[] = [];
      for (const b of concatBytes(...vectors.valid.map((v) => fromHex(v.wire))))
        out.push(...reader.push(Uint8Array.of(b)));
      assert.deepEqual(out, vectors.valid.map(messageOf));
      assert.deepEqual(reader.counters, ZERO_COUNTERS);
    });
  });

  describe('shared vectors: invalid streams', () => {
    for (const v of vectors.invalid) {
      it(`${v.name}: counts ${v.counter ?? 'nothing'}${v.thenValid ? ', then decodes the valid frame' : ''}`, () => {
        const reader = new BridgeFrameReader();
        const messages = reader.push(fromHex(v.wire));
        const expected: SerialCounters = { ...ZERO_COUNTERS };
        if (v.counter) {
          assert.equal(reader.counters[v.counter], 1, `${v.counter} incremented once`);
          expected[v.counter] = 1;
        }
        assert.deepEqual(reader.counters, expected);
        assert.equal(messages.length, v.thenValid ?? 0);
        for (const m of messages) assert.deepEqual(m, { type: 'PING', nonce: 1 });
        assert.equal(reader.buffered, 0);
      });
    }
  });

  describe('frame reader bounds', () => {
    /** An unknown-type (0x7f) message of non-zero bytes whose frame is `frameLen` bytes + 0x00. */
    function frameOfLength(frameLen: number): Uint8Array {
      for (let n = frameLen - 40; n < frameLen; n++) {
        const body = Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x7f : 0x41));
        const f = frameBytes(body);
        if (f.length - 1 === frameLen) return f;
      }
      throw new Error(`no frame of ${frameLen} bytes`);
    }

    it(`a frame of exactly ${MAX_FRAME_LEN} bytes is decoded, one of ${MAX_FRAME_LEN + 1} is oversize`, () => {
      const reader = new BridgeFrameReader();
      reader.push(frameOfLength(MAX_FRAME_LEN));
      assert.deepEqual(reader.counters, { ...ZERO_COUNTERS, serialUnknownType: 1 });
      const f = frameOfLength(MAX_FRAME_LEN + 1);
      reader.push(f.subarray(0, MAX_FRAME_LEN));
      assert.equal(reader.buffered, MAX_FRAME_LEN);
      reader.push(f.subarray(MAX_FRAME_LEN));
      assert.deepEqual(reader.counters, {
        ...ZERO_COUNTERS,
        serialUnknownType: 1,
        serialOversize: 1,
      });
      assert.equal(reader.buffered, 0);
    });

    it('a long run without 0x00 is one oversize frame, whatever its length, then resynchronises', () => {
      const reader = new BridgeFrameReader();
      const run = new Uint8Array(10_000).fill(0x55);
      reader.push(run);
      reader.push(run);
      assert.equal(reader.buffered, 0);
      assert.deepEqual(reader.push(value(encodeFrame({ type: 'GET_STATS' }))), []);
      assert.deepEqual(reader.counters, { ...ZERO_COUNTERS, serialOversize: 1 });
      assert.deepEqual(reader.push(value(encodeFrame({ type: 'GET_STATS' }))), [
        { type: 'GET_STATS' },
      ]);
    });

    it('a good frame of a known type with bad fields counts serialMalformed and reports its code', () => {
      const seen: number[] = [];
      const reader = new BridgeFrameReader({ onRefused: (e) => seen.push(e.code) });
      reader.push(frameBytes(fromHex('8701')));
      reader.push(frameBytes(fromHex('7f')));
      reader.push(fromHex('05aabb00'));
      assert.deepEqual(reader.counters, {
        ...ZERO_COUNTERS,
        serialMalformed: 1,
        serialUnknownType: 1,
        serialBadFraming: 1,
      });
      assert.deepEqual(seen, [
        ErrorCode.BridgeTruncated,
        ErrorCode.BridgeUnknownType,
        ErrorCode.BridgeBadFraming,
      ]);
    });

    it('a reader for one direction counts the other direction as serialUnknownType', () => {
      const hostHello = value(encodeFrame({ type: 'HOST_HELLO', maxVersion: 1, minVersion: 1 }));
      const pong = value(encodeFrame({ type: 'PONG', nonce: 1, uptimeMs: 2 }));
      const host = new BridgeFrameReader({ accept: 'toHost' });
      assert.deepEqual(host.push(concatBytes(hostHello, pong)), [
        { type: 'PONG', nonce: 1, uptimeMs: 2 },
      ]);
      assert.deepEqual(host.counters, { ...ZERO_COUNTERS, serialUnknownType: 1 });
      const bridge = new BridgeFrameReader({ accept: 'toBridge' });
      assert.deepEqual(bridge.push(concatBytes(hostHello, pong)), [
        { type: 'HOST_HELLO', maxVersion: 1, minVersion: 1 },
      ]);
      assert.deepEqual(bridge.counters, { ...ZERO_COUNTERS, serialUnknownType: 1 });
    });

    it('payloads outlive the reader buffer', () => {
      const reader = new BridgeFrameReader();
      const rx: BridgeMessage = {
        type: 'RX',
        src: '7c:df:a1:00:00:01',
        rssi: -40,
        channel: 6,
        flags: 0,
        payload: Uint8Array.of(1, 2, 3),
      };
      const [got] = reader.push(value(encodeFrame(rx)));
      reader.push(value(encodeFrame({ ...rx, payload: Uint8Array.of(9, 9, 9) })));
      assert.deepEqual(got, rx);
    });
  });

  describe('message refusals', () => {
    const payload = (n: number): string => '11'.repeat(n);
    const decodeCases: Array<[string, string, ErrorCode]> = [
      ['empty message', '', ErrorCode.BridgeTruncated],
      ['unknown type 0x7f', '7f', ErrorCode.BridgeUnknownType],
      ['unknown host type 0x8b', '8b', ErrorCode.BridgeUnknownType],
      ['HOST_HELLO cut short', '8101', ErrorCode.BridgeTruncated],
      ['HELLO without txQueue', '010101246f28a1b2c306fa000200', ErrorCode.BridgeTruncated],
      [
        'HELLO firmware of 33 bytes',
        `010101246f28a1b2c306fa00020010${'61'.repeat(33)}`,
        ErrorCode.BridgeBadText,
      ],
      ['HELLO firmware not UTF-8', '010101246f28a1b2c306fa00020010c328', ErrorCode.BridgeBadText],
      ['RX without payload', '027cdfa1000001d10601', ErrorCode.BridgeBadPayloadLength],
      [
        'RX payload of 1471 bytes',
        `027cdfa1000001d10601${payload(1471)}`,
        ErrorCode.BridgeBadPayloadLength,
      ],
      ['TX without payload', '8301027cdfa1000001', ErrorCode.BridgeBadPayloadLength],
      [
        'TX payload of 1471 bytes',
        `8301027cdfa1000001${payload(1471)}`,
        ErrorCode.BridgeBadPayloadLength,
      ],
      ['TX_STATUS cut short', '040102', ErrorCode.BridgeTruncated],
      ['SET_CHANNEL without channel', '85', ErrorCode.BridgeTruncated],
      ['CHANNEL with a trailing byte', '060b0000', ErrorCode.BridgeTrailingBytes],
      ['PING with 3 nonce bytes', '87efbead', ErrorCode.BridgeTruncated],
      ['PONG with a trailing byte', '08efbeadde40e2010000', ErrorCode.BridgeTrailingBytes],
      ['GET_STATS with a byte', '8900', ErrorCode.BridgeTrailingBytes],
      ['STATS with 11 counters', `0a${'01000000'.repeat(11)}`, ErrorCode.BridgeTruncated],
      ['STATS with 13 counters', `0a${'01000000'.repeat(13)}`, ErrorCode.BridgeTrailingBytes],
      ['STATS with 15 counters', `0a${'01000000'.repeat(15)}`, ErrorCode.BridgeTrailingBytes],
      [
        'STATS with 12 counters and a byte',
        `0a${'01000000'.repeat(12)}00`,
        ErrorCode.BridgeTrailingBytes,
      ],
      ['ERROR without code', '0b', ErrorCode.BridgeTruncated],
      ['ERROR detail of 65 bytes', `0b01${'61'.repeat(65)}`, ErrorCode.BridgeBadText],
    ];
    for (const [name, hex, code] of decodeCases) {
      it(`decoding ${name} → ${errorCodeName(code)}`, () =>
        refused(decodeBridgeMessage(fromHex(hex)), code));
    }

    it('STATS of version 1 has twelve counters, of version 2 fourteen (the drops by kind)', () => {
      const v1 = value(decodeBridgeMessage(fromHex(`0a${'01000000'.repeat(12)}`)));
      assert.deepEqual(v1, { type: 'STATS', counters: countersOf(Array(12).fill(1)) });
      assert.ok(v1.type === 'STATS' && !('rxDroppedBroadcast' in v1.counters));
      const v2 = value(decodeBridgeMessage(fromHex(`0a${'01000000'.repeat(12)}0500000002000000`)));
      assert.ok(v2.type === 'STATS');
      assert.equal(v2.counters.rxDroppedBroadcast, 5);
      assert.equal(v2.counters.rxDroppedUnicast, 2);
      assert.equal(toHex(value(encodeBridgeMessage(v1))), `0a${'01000000'.repeat(12)}`);
    });

    it('the largest fields decode: 1470-byte payloads, 32-byte firmware, 64-byte detail', () => {
      assert.ok(decodeBridgeMessage(fromHex(`027cdfa1000001d10601${payload(1470)}`)).ok);
      assert.ok(decodeBridgeMessage(fromHex(`8301027cdfa1000001${payload(1470)}`)).ok);
      assert.ok(
        decodeBridgeMessage(fromHex(`010101246f28a1b2c306fa00020010${'61'.repeat(32)}`)).ok,
      );
      assert.ok(decodeBridgeMessage(fromHex(`0b01${'61'.repeat(64)}`)).ok);
      assert.ok(decodeBridgeMessage(fromHex('0b01')).ok, 'empty detail');
    });

    it('values that are the receiver’s to judge still decode', () => {
      assert.deepEqual(value(decodeBridgeMessage(fromHex('8500'))), {
        type: 'SET_CHANNEL',
        channel: 0,
      });
      assert.deepEqual(value(decodeBridgeMessage(fromHex('040100ff'))), {
        type: 'TX_STATUS',
        txId: 1,
        status: 255,
      });
      assert.deepEqual(value(decodeBridgeMessage(fromHex('810102'))), {
        type: 'HOST_HELLO',
        maxVersion: 1,
        minVersion: 2,
      });
      // fields a later version may append to HOST_HELLO are ignored
      assert.deepEqual(value(decodeBridgeMessage(fromHex('8102010000'))), {
        type: 'HOST_HELLO',
        maxVersion: 2,
        minVersion: 1,
      });
    });

    const rx = (patch: Partial<Extract<BridgeMessage, { type: 'RX' }>>): BridgeMessage => ({
      type: 'RX',
      src: '7c:df:a1:00:00:01',
      rssi: 0,
      channel: 1,
      flags: 0,
      payload: Uint8Array.of(1),
      ...patch,
    });
    const encodeCases: Array<[string, BridgeMessage, ErrorCode]> = [
      ['rssi 128', rx({ rssi: 128 }), ErrorCode.BridgeFieldRange],
      ['rssi -129', rx({ rssi: -129 }), ErrorCode.BridgeFieldRange],
      ['channel 1.5', rx({ channel: 1.5 }), ErrorCode.BridgeFieldRange],
      ['a MAC of 5 bytes', rx({ src: '7c:df:a1:00:00' }), ErrorCode.BridgeFieldRange],
      ['an empty payload', rx({ payload: new Uint8Array(0) }), ErrorCode.BridgeBadPayloadLength],
      [
        'a 1471-byte payload',
        rx({ payload: new Uint8Array(1471) }),
        ErrorCode.BridgeBadPayloadLength,
      ],
      [
        'a 34-byte firmware string',
        {
          type: 'HELLO',
          version: 1,
          minVersion: 1,
          mac: '24:6f:28:a1:b2:c3',
          channel: 1,
          maxPayload: 250,
          capabilities: 0,
          txQueue: 8,
          firmware: 'é'.repeat(17),
        },
        ErrorCode.BridgeBadText,
      ],
      [
        'a 65-byte detail',
        { type: 'ERROR', code: 4, detail: 'x'.repeat(65) },
        ErrorCode.BridgeBadText,
      ],
      ['a lone surrogate', { type: 'ERROR', code: 4, detail: '\ud800' }, ErrorCode.BridgeBadText],
      ['txId 65536', { type: 'TX_STATUS', txId: 65536, status: 0 }, ErrorCode.BridgeFieldRange],
      ['nonce 2^32', { type: 'PING', nonce: 2 ** 32 }, ErrorCode.BridgeFieldRange],
      [
        'a negative counter',
        { type: 'STATS', counters: { ...statsOf(0), txAcked: -1 } },
        ErrorCode.BridgeFieldRange,
      ],
      [
        'one of the two version-2 counters',
        { type: 'STATS', counters: { ...countersOf(Array(12).fill(0)), rxDroppedUnicast: 1 } },
        ErrorCode.BridgeFieldRange,
      ],
    ];
    for (const [name, m, code] of encodeCases) {
      it(`encoding ${m.type} with ${name} → ${errorCodeName(code)}`, () => {
        refused(encodeBridgeMessage(m), code);
        refused(encodeFrame(m), code);
      });
    }
  });

  describe('properties', () => {
    it('every message round-trips through bytes and through a frame', () => {
      fc.assert(
        fc.property(messageArb, (m) => {
          const bytes = value(encodeBridgeMessage(m));
          assert.deepEqual(value(decodeBridgeMessage(bytes)), m);
          assert.deepEqual(new BridgeFrameReader().push(value(encodeFrame(m))), [m]);
        }),
        { numRuns: 1000 },
      );
    });

    it('any byte stream, split anywhere: no throw, ≤ 2048 bytes held, no invented message', () => {
      fc.assert(
        fc.property(streamArb, fc.array(fc.nat(), { maxLength: 40 }), ({ stream }, cuts) => {
          const reader = new BridgeFrameReader();
          const out: BridgeMessage[] = [];
          for (const chunk of split(stream, cuts)) {
            out.push(...reader.push(chunk));
            assert.ok(reader.buffered <= MAX_FRAME_LEN);
          }
          const hay = Buffer.from(stream);
          for (const m of out) {
            const frame = value(encodeFrame(m));
            assert.ok(hay.includes(Buffer.from(frame)), `decoded ${m.type} is not in the stream`);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('after a 0x00, every frame is decoded whatever garbage came before', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 5000 }),
          fc.array(messageArb, { minLength: 1, maxLength: 5 }),
          fc.array(fc.nat(), { maxLength: 20 }),
          (garbage, messages, cuts) => {
            const stream = concatBytes(
              garbage,
              Uint8Array.of(0),
              ...messages.map((m) => value(encodeFrame(m))),
            );
            const reader = new BridgeFrameReader();
            const out: BridgeMessage[] = [];
            for (const chunk of split(stream, cuts)) out.push(...reader.push(chunk));
            // Garbage may by chance be a frame of its own; the messages are the last ones out.
            assert.deepEqual(out.slice(out.length - messages.length), messages);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

// ---- generators -------------------------------------------------------------------------------

function statsOf(n: number): BridgeStats {
  return Object.fromEntries(STATS_COUNTER_NAMES.map((name) => [name, n])) as BridgeStats;
}

/** STATS counters from a list in wire order: 12 of them (version 1) or 14 (version 2). */
function countersOf(list: readonly number[]): BridgeStats {
  return Object.fromEntries(list.map((v, i) => [STATS_COUNTER_NAMES[i]!, v])) as BridgeStats;
}

const NO_NULL_PROTO = { noNullPrototype: true } as const;
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const macArb = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
const payloadArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.uint8Array({ minLength: 1, maxLength: MAX_ESPNOW_PAYLOAD }),
);
function textArb(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: 'grapheme', maxLength: maxBytes })
    .filter((s) => utf8(s).length <= maxBytes);
}

const messageArb: fc.Arbitrary<BridgeMessage> = fc.oneof(
  fc.record(
    { type: fc.constant('HOST_HELLO' as const), maxVersion: u8, minVersion: u8 },
    NO_NULL_PROTO,
  ),
  fc.record(
    {
      type: fc.constant('HELLO' as const),
      version: u8,
      minVersion: u8,
      mac: macArb,
      channel: u8,
      maxPayload: u16,
      capabilities: u16,
      txQueue: u8,
      firmware: textArb(32),
    },
    NO_NULL_PROTO,
  ),
  fc.record(
    {
      type: fc.constant('RX' as const),
      src: macArb,
      rssi: fc.integer({ min: -128, max: 127 }),
      channel: u8,
      flags: u8,
      payload: payloadArb,
    },
    NO_NULL_PROTO,
  ),
  fc.record(
    { type: fc.constant('TX' as const), txId: u16, dst: macArb, payload: payloadArb },
    NO_NULL_PROTO,
  ),
  fc.record({ type: fc.constant('TX_STATUS' as const), txId: u16, status: u8 }, NO_NULL_PROTO),
  fc.record({ type: fc.constant('SET_CHANNEL' as const), channel: u8 }, NO_NULL_PROTO),
  fc.record({ type: fc.constant('CHANNEL' as const), channel: u8, status: u8 }, NO_NULL_PROTO),
  fc.record({ type: fc.constant('PING' as const), nonce: u32 }, NO_NULL_PROTO),
  fc.record({ type: fc.constant('PONG' as const), nonce: u32, uptimeMs: u32 }, NO_NULL_PROTO),
  fc.record({ type: fc.constant('GET_STATS' as const) }, NO_NULL_PROTO),
  fc.record(
    {
      type: fc.constant('STATS' as const),
      counters: fc
        .oneof(
          fc.array(u32, { minLength: 12, maxLength: 12 }),
          fc.array(u32, { minLength: 14, maxLength: 14 }),
        )
        .map(countersOf),
    },
    NO_NULL_PROTO,
  ),
  fc.record({ type: fc.constant('ERROR' as const), code: u8, detail: textArb(64) }, NO_NULL_PROTO),
);

/** Streams of valid frames, damaged frames, random bytes, zero-free runs and lone delimiters. */
const pieceArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  messageArb.map((m) => value(encodeFrame(m))),
  fc.tuple(messageArb, fc.nat(), u8).map(([m, at, x]) => {
    const f = value(encodeFrame(m));
    const out = new Uint8Array(f);
    out[at % out.length] = x;
    return out;
  }),
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 1, max: 4000 }).map((n) => new Uint8Array(n).fill(0x01)),
  fc.constant(Uint8Array.of(0)),
);
const streamArb = fc
  .array(pieceArb, { maxLength: 12 })
  .map((pieces) => ({ stream: concatBytes(...pieces) }));

/** `bytes` cut at the given offsets (taken modulo its length). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const c of at) {
    chunks.push(bytes.subarray(start, c));
    start = c;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}
