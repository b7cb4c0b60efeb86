/**
 * The SenML CBOR decoder is total and bounded: random bytes, truncations and bit flips of valid
 * bundles give records or a ConfiguratorError of the LwM2M block (800–899), never another throw; lengths
 * larger than the remaining input are refused before anything is allocated; an accepted input is
 * the one canonical encoding of what it decodes to. Valid random bundles round-trip through the
 * bytes and through the JSON description.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../../protocol/bytes.js';
import { MAX_LWM2M_BUNDLE_LEN } from '../../protocol/dpp/config-object.js';
import { ConfiguratorError, ErrorCode, type Result, errorCodeName } from '../../protocol/errors.js';
import {
  buildBundle,
  decodeBundle,
  encodeBundle,
  formatBundleDescription,
} from '../../protocol/lwm2m/bundle.js';
import {
  decodeSenmlCbor,
  encodeSenmlCbor,
  INT64_MAX,
  INT64_MIN,
  type Lwm2mValue,
  type SenmlRecord,
} from '../../protocol/lwm2m/senml-cbor.js';
import { comparePaths } from '../../protocol/lwm2m/validate.js';

const RUNS = 400;
const NO_NULL_PROTO = { noNullPrototype: true } as const;

function isLwm2mCode(code: number): boolean {
  return code >= 800 && code <= 899;
}

/** Decodes, asserting totality; returns the result for further checks. */
function decodeTotal(bytes: Uint8Array): Result<SenmlRecord[]> {
  let r: Result<SenmlRecord[]>;
  try {
    r = decodeSenmlCbor(bytes);
  } catch (e) {
    assert.fail(`decodeSenmlCbor threw ${String(e)} on ${toHex(bytes)}`);
  }
  if (!r.ok) {
    assert.ok(r.error instanceof ConfiguratorError);
    assert.ok(isLwm2mCode(r.error.code), r.error.describe());
  }
  let v: Result<SenmlRecord[]>;
  try {
    v = decodeBundle(bytes);
  } catch (e) {
    assert.fail(`decodeBundle threw ${String(e)} on ${toHex(bytes)}`);
  }
  if (!v.ok) assert.ok(isLwm2mCode(v.error.code), v.error.describe());
  return r;
}

/** Bytes the records hold: what a decoder may allocate for them, at most the input's size. */
function payloadBytes(records: readonly SenmlRecord[]): number {
  const te = new TextEncoder();
  let n = 0;
  for (const { value } of records) {
    if (value.type === 'opaque') n += value.value.length;
    else if (value.type === 'string') n += te.encode(value.value).length;
  }
  return n;
}

/** Accepted bytes are canonical: re-encoding what they decode to gives them back. */
function assertCanonicalIfAccepted(bytes: Uint8Array): void {
  const r = decodeTotal(bytes);
  if (!r.ok) return;
  assert.equal(toHex(encodeSenmlCbor(r.value)), toHex(bytes));
  assert.ok(payloadBytes(r.value) <= bytes.length);
}

// ---- generators -------------------------------------------------------------------------------

const id = fc.integer({ min: 0, max: 65534 });
const pathArb = fc.record({ objectId: id, instanceId: id, resourceId: id }, NO_NULL_PROTO);
/** Strings without lone surrogates (the encoder refuses those). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const valueArb: fc.Arbitrary<Lwm2mValue> = fc.oneof(
  fc.record({ type: fc.constant('string' as const), value: text }, NO_NULL_PROTO),
  fc.record(
    { type: fc.constant('opaque' as const), value: fc.uint8Array({ maxLength: 300 }) },
    NO_NULL_PROTO,
  ),
  fc.record(
    {
      type: fc.constant('integer' as const),
      value: fc.oneof(
        fc.bigInt({ min: -300n, max: 300n }),
        fc.constantFrom(23n, 24n, 255n, 256n, 65535n, 65536n, 2n ** 32n - 1n, 2n ** 32n, -25n),
        fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
      ),
    },
    NO_NULL_PROTO,
  ),
  fc.record({ type: fc.constant('boolean' as const), value: fc.boolean() }, NO_NULL_PROTO),
  fc.record(
    {
      type: fc.constant('objlnk' as const),
      value: fc.record(
        {
          objectId: fc.integer({ min: 0, max: 65535 }),
          instanceId: fc.integer({ min: 0, max: 65535 }),
        },
        NO_NULL_PROTO,
      ),
    },
    NO_NULL_PROTO,
  ),
);
const recordsArb = fc.array(fc.record({ path: pathArb, value: valueArb }, NO_NULL_PROTO), {
  maxLength: 12,
});

const host = fc.constantFrom('lwm2m.example', 'eu.iot.avsystem.cloud', '10.0.0.7', '[2001:db8::1]');
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const bindings = fc.constantFrom('U', 'UQ', 'S', 'SQ', 'US', 'UQS', 'T', 'UT', 'TU', 'N', 'UTSN');

type Desc = Map<string, Lwm2mValue>;

interface Account {
  mode: 0 | 2 | 3 | 4;
  tcp: boolean;
  host: string;
  port: number | undefined;
  identity: Uint8Array;
  key: Uint8Array;
  serverKey: Uint8Array | undefined;
}

const accountArb: fc.Arbitrary<Account> = fc.record(
  {
    mode: fc.constantFrom(0 as const, 2 as const, 3 as const, 4 as const),
    tcp: fc.boolean(),
    host,
    port,
    identity: bytes(1, 64),
    key: bytes(1, 150),
    serverKey: fc.option(bytes(1, 200), { nil: undefined }),
  },
  NO_NULL_PROTO,
);

function security(d: Desc, iid: number, a: Account, bootstrap: boolean, ssid?: number): void {
  const at = (r: number): string => `/0/${iid}/${r}`;
  const secure = a.mode !== 3;
  const scheme = `coap${secure ? 's' : ''}${a.tcp ? '+tcp' : ''}`;
  d.set(at(0), {
    type: 'string',
    value: `${scheme}://${a.host}${a.port === undefined ? '' : `:${a.port}`}`,
  });
  d.set(at(1), { type: 'boolean', value: bootstrap });
  d.set(at(2), { type: 'integer', value: BigInt(a.mode) });
  if (a.mode === 0 || a.mode === 2) {
    d.set(at(3), { type: 'opaque', value: a.identity });
    d.set(at(5), { type: 'opaque', value: a.key });
    if (a.serverKey) d.set(at(4), { type: 'opaque', value: a.serverKey });
  }
  if (ssid !== undefined) d.set(at(10), { type: 'integer', value: BigInt(ssid) });
}

/** Random bundles that obey every rule: server accounts, an optional bootstrap account, device info. */
const validBundleArb: fc.Arbitrary<SenmlRecord[]> = fc
  .record(
    {
      accounts: fc.uniqueArray(
        fc.record(
          {
            ssid: fc.integer({ min: 1, max: 65534 }),
            account: accountArb,
            lifetime: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
            storing: fc.boolean(),
            binding: bindings,
            minPeriod: fc.option(fc.integer({ min: 0, max: 86400 }), { nil: undefined }),
          },
          NO_NULL_PROTO,
        ),
        { maxLength: 3, selector: (a) => a.ssid },
      ),
      bootstrap: fc.option(accountArb, { nil: undefined }),
      instanceIds: fc.uniqueArray(fc.integer({ min: 0, max: 65534 }), {
        minLength: 8,
        maxLength: 8,
      }),
      device: fc.array(fc.tuple(fc.constantFrom(0, 1, 2, 3, 17, 18, 19), text), { maxLength: 4 }),
    },
    NO_NULL_PROTO,
  )
  .filter((b) => b.accounts.length > 0 || b.bootstrap !== undefined)
  .chain((b) => {
    const d: Desc = new Map();
    b.accounts.forEach((acc, i) => {
      const sid = b.instanceIds[i]!;
      const vid = b.instanceIds[4 + i]!;
      security(d, sid, acc.account, false, acc.ssid);
      d.set(`/1/${vid}/0`, { type: 'integer', value: BigInt(acc.ssid) });
      d.set(`/1/${vid}/1`, { type: 'integer', value: BigInt(acc.lifetime) });
      d.set(`/1/${vid}/6`, { type: 'boolean', value: acc.storing });
      d.set(`/1/${vid}/7`, { type: 'string', value: acc.binding });
      if (acc.minPeriod !== undefined)
        d.set(`/1/${vid}/2`, { type: 'integer', value: BigInt(acc.minPeriod) });
    });
    if (b.bootstrap) security(d, b.instanceIds[3]!, b.bootstrap, true);
    for (const [rid, value] of b.device)
      if (!value.includes('\0')) d.set(`/3/0/${rid}`, { type: 'string', value });
    const records: SenmlRecord[] = [...d].map(([p, value]) => {
      const [objectId, instanceId, resourceId] = p.split('/').slice(1).map(Number) as [
        number,
        number,
        number,
      ];
      return { path: { objectId, instanceId, resourceId }, value };
    });
    return fc.shuffledSubarray(records, { minLength: records.length });
  });

function sorted(records: readonly SenmlRecord[]): SenmlRecord[] {
  return [...records].sort((a, b) => comparePaths(a.path, b.path));
}

// ---- properties -------------------------------------------------------------------------------

describe('LwM2M SenML CBOR decoder: totality and bounds', () => {
  it('random bytes never throw, and anything accepted is canonical', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => assertCanonicalIfAccepted(b)),
      { numRuns: RUNS * 5 },
    );
  });

  it('random bytes behind an array head reach the record decoder and never throw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x80, max: 0x9b }),
        fc.uint8Array({ maxLength: 200 }),
        (head, rest) => assertCanonicalIfAccepted(Uint8Array.of(head, ...rest)),
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('random record soup (valid fragments glued at random) never throws', () => {
    const pieces = [
      [0xa2],
      [0x00],
      [0x02],
      [0x03],
      [0x04],
      [0x08],
      [0x63, 0x76, 0x6c, 0x6f],
      [0x66, ...new TextEncoder().encode('/0/1/0')],
      [0x61, 0x55],
      [0xf4],
      [0xf5],
      [0x1a, 0, 1, 0x51, 0x80],
      [0x43, 1, 2, 3],
      [0x63, 0x31, 0x3a, 0x30],
      [0x9f],
      [0xff],
      [0xc0],
      [0xfb],
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0x80, max: 0x8f }),
        fc.array(fc.constantFrom(...pieces), { maxLength: 40 }),
        (head, parts) => assertCanonicalIfAccepted(Uint8Array.of(head, ...parts.flat())),
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('every truncation of a valid bundle is refused as truncated', () => {
    fc.assert(
      fc.property(validBundleArb, (records) => {
        const full = encodeBundle(records);
        for (let n = 0; n < full.length; n++) {
          const r = decodeTotal(full.subarray(0, n));
          assert.ok(!r.ok, `prefix of ${n} bytes accepted`);
          assert.equal(r.error.code, ErrorCode.Lwm2mTruncated, r.error.describe());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('bit flips of valid bundles never throw; what still decodes is canonical', () => {
    fc.assert(
      fc.property(
        validBundleArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        (records, flips) => {
          const b = Uint8Array.from(encodeBundle(records));
          for (const f of flips) {
            const i = (f >> 3) % b.length;
            b[i] = b[i]! ^ (1 << (f & 7));
          }
          assertCanonicalIfAccepted(b);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('byte insertions and deletions in valid bundles never throw', () => {
    fc.assert(
      fc.property(validBundleArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (records, at, x) => {
        const b = encodeBundle(records);
        const i = at % b.length;
        assertCanonicalIfAccepted(Uint8Array.of(...b.subarray(0, i), x, ...b.subarray(i)));
        assertCanonicalIfAccepted(Uint8Array.of(...b.subarray(0, i), ...b.subarray(i + 1)));
      }),
      { numRuns: RUNS },
    );
  });

  describe('declared lengths beyond the input are refused before allocating', () => {
    const heads: [string, number[]][] = [];
    for (const [name, major] of [
      ['array', 4],
      ['map', 5],
      ['text', 3],
      ['bytes', 2],
    ] as const) {
      heads.push([`${name}, 1-byte length 255`, [(major << 5) | 24, 0xff]]);
      heads.push([`${name}, 2-byte length 65535`, [(major << 5) | 25, 0xff, 0xff]]);
      heads.push([`${name}, 4-byte length 2^32 − 1`, [(major << 5) | 26, 0xff, 0xff, 0xff, 0xff]]);
      heads.push([`${name}, 8-byte length 2^64 − 1`, [(major << 5) | 27, ...Array(8).fill(0xff)]]);
    }
    /** Where each kind of head is read: top level, a record, a record's value. */
    const prefix: Record<string, number[]> = {
      array: [],
      map: [0x81],
      text: [0x81, 0xa2, 0x00],
      bytes: [0x81, 0xa2, 0x00, 0x66, ...new TextEncoder().encode('/0/1/3'), 0x08],
    };
    for (const [name, head] of heads) {
      it(name, () => {
        const kind = name.split(',')[0]!;
        const input = Uint8Array.of(...prefix[kind]!, ...head, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        const r = decodeTotal(input);
        assert.ok(!r.ok);
        // A map is always 2 entries, so a larger one is malformed rather than truncated.
        const expected = kind === 'map' ? ErrorCode.Lwm2mMalformed : ErrorCode.Lwm2mTruncated;
        assert.equal(r.error.code, expected, r.error.describe());
      });
    }

    it('an array of 2^32 − 1 records is refused before any record is read', () => {
      const started = process.hrtime.bigint();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 1000; i++) {
        const r = decodeSenmlCbor(Uint8Array.of(0x9a, 0xff, 0xff, 0xff, 0xff, 0xa2));
        assert.ok(!r.ok && r.error.code === ErrorCode.Lwm2mTruncated);
      }
      assert.ok(process.hrtime.bigint() - started < 2_000_000_000n);
      assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
    });

    it('inputs over MAX_LWM2M_BUNDLE_LEN are refused unread', () => {
      const r = decodeSenmlCbor(new Uint8Array(MAX_LWM2M_BUNDLE_LEN + 1));
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.Lwm2mTooLarge);
    });
  });

  describe('strict forms', () => {
    const name = [0x66, ...new TextEncoder().encode('/1/1/1')];
    for (const [what, input, code] of [
      ['empty input', [], ErrorCode.Lwm2mTruncated],
      ['a map at the top', [0xa0], ErrorCode.Lwm2mMalformed],
      ['an indefinite-length array', [0x9f, 0xff], ErrorCode.Lwm2mIndefiniteLength],
      ['an indefinite-length map', [0x81, 0xbf, 0xff], ErrorCode.Lwm2mIndefiniteLength],
      [
        'an indefinite-length name',
        [0x81, 0xa2, 0x00, 0x7f, 0xff, 0x02, 0x00],
        ErrorCode.Lwm2mIndefiniteLength,
      ],
      [
        'an indefinite-length byte string',
        [0x81, 0xa2, 0x00, ...name, 0x08, 0x5f, 0xff],
        ErrorCode.Lwm2mIndefiniteLength,
      ],
      [
        'a non-shortest array length',
        [0x98, 0x01, 0xa2, 0x00, ...name, 0x02, 0x00],
        ErrorCode.Lwm2mNonCanonical,
      ],
      [
        'a non-shortest integer',
        [0x81, 0xa2, 0x00, ...name, 0x02, 0x19, 0x00, 0x10],
        ErrorCode.Lwm2mNonCanonical,
      ],
      [
        'a non-shortest label',
        [0x81, 0xa2, 0x18, 0x00, ...name, 0x02, 0x00],
        ErrorCode.Lwm2mNonCanonical,
      ],
      [
        'a reserved additional information',
        [0x81, 0xa2, 0x00, ...name, 0x02, 0x1c],
        ErrorCode.Lwm2mMalformed,
      ],
      ['a tag', [0xc0, 0x81], ErrorCode.Lwm2mMalformed],
      ['a map of one entry', [0x81, 0xa1, 0x00, ...name, 0, 0], ErrorCode.Lwm2mMalformed],
      [
        'a map of three entries',
        [0x81, 0xa3, 0x00, ...name, 0x02, 0x00, 0x04, 0xf4],
        ErrorCode.Lwm2mMalformed,
      ],
      [
        'the value before the name',
        [0x81, 0xa2, 0x02, 0x00, 0x00, ...name],
        ErrorCode.Lwm2mMalformed,
      ],
      ['two names', [0x81, 0xa2, 0x00, ...name, 0x00, ...name], ErrorCode.Lwm2mMalformed],
      [
        'a name that is not text',
        [0x81, 0xa2, 0x00, 0x01, 0x02, 0x00, 0, 0, 0, 0, 0],
        ErrorCode.Lwm2mMalformed,
      ],
      [
        'a relative name',
        [0x81, 0xa2, 0x00, 0x65, ...new TextEncoder().encode('1/1/1'), 0x02, 0x00],
        ErrorCode.Lwm2mBadPath,
      ],
      [
        'a name that is not UTF-8',
        [0x81, 0xa2, 0x00, 0x66, 0x2f, 0x31, 0x2f, 0x31, 0x2f, 0xff, 0x02, 0x00],
        ErrorCode.Lwm2mMalformed,
      ],
      [
        'a float value',
        [0x81, 0xa2, 0x00, ...name, 0x02, 0xf9, 0x3c, 0x00],
        ErrorCode.Lwm2mWrongType,
      ],
      ['null as a boolean', [0x81, 0xa2, 0x00, ...name, 0x04, 0xf6], ErrorCode.Lwm2mWrongType],
      [
        'an integer as a boolean',
        [0x81, 0xa2, 0x00, ...name, 0x04, 0x01],
        ErrorCode.Lwm2mWrongType,
      ],
      ['text as opaque', [0x81, 0xa2, 0x00, ...name, 0x08, 0x61, 0x41], ErrorCode.Lwm2mWrongType],
      [
        'bytes as a string',
        [0x81, 0xa2, 0x00, ...name, 0x03, 0x41, 0x41],
        ErrorCode.Lwm2mWrongType,
      ],
      [
        'an integer above int64',
        [0x81, 0xa2, 0x00, ...name, 0x02, 0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0],
        ErrorCode.Lwm2mBadValue,
      ],
      [
        'an object link without a colon',
        [0x81, 0xa2, 0x00, ...name, 0x63, 0x76, 0x6c, 0x6f, 0x62, 0x31, 0x30],
        ErrorCode.Lwm2mBadValue,
      ],
      [
        'an unknown text label',
        [0x81, 0xa2, 0x00, ...name, 0x62, 0x62, 0x6e, 0x00],
        ErrorCode.Lwm2mUnknownLabel,
      ],
    ] as const) {
      it(`refuses ${what} (${errorCodeName(code)})`, () => {
        // Zeros after the offending item keep the declared record count plausible, so the
        // decoder reaches the item instead of refusing the input as too short for its count.
        const padded = input.length === 0 ? [] : [...input, ...Array<number>(12).fill(0)];
        const r = decodeTotal(Uint8Array.from(padded));
        assert.ok(!r.ok, 'accepted');
        assert.equal(r.error.code, code, r.error.describe());
      });
    }

    it('refusals after the name name the path', () => {
      for (const tail of [
        [0x06, 0x00],
        [0x04, 0x01],
        [0x02, 0x19, 0x00, 0x10],
        [0x08, 0x5f],
      ]) {
        const r = decodeTotal(
          Uint8Array.of(0x81, 0xa2, 0x00, ...name, ...tail, ...Array(12).fill(0)),
        );
        assert.ok(!r.ok);
        assert.ok(r.error.message.startsWith('/1/1/1: '), r.error.message);
      }
    });

    it('keeps a byte-order mark in a string (no silent stripping)', () => {
      const value = [0x63, 0xef, 0xbb, 0xbf];
      const r = decodeTotal(Uint8Array.of(0x81, 0xa2, 0x00, ...name, 0x03, ...value));
      assert.ok(r.ok);
      assert.deepEqual(r.value[0]!.value, { type: 'string', value: '\ufeff' });
    });
  });
});

describe('LwM2M SenML CBOR round trips', () => {
  it('any records encode and decode back exactly, in order', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const bytes = encodeSenmlCbor(records);
        if (bytes.length > MAX_LWM2M_BUNDLE_LEN) return;
        const r = decodeTotal(bytes);
        assert.ok(r.ok, r.ok ? '' : r.error.describe());
        assert.deepEqual(r.value, records);
      }),
      { numRuns: RUNS },
    );
  });

  it('valid random bundles encode sorted, decode and validate back', () => {
    fc.assert(
      fc.property(validBundleArb, (records) => {
        const bytes = encodeBundle(records);
        const back = decodeBundle(bytes);
        assert.ok(back.ok, back.ok ? '' : back.error.describe());
        assert.deepEqual(back.value, sorted(records));
        assert.equal(toHex(encodeBundle(back.value)), toHex(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it('valid random bundles survive the JSON description', () => {
    fc.assert(
      fc.property(validBundleArb, (records) => {
        const built = buildBundle(formatBundleDescription(records));
        assert.ok(built.ok, built.ok ? '' : built.error.describe());
        assert.equal(toHex(built.value), toHex(encodeBundle(records)));
      }),
      { numRuns: RUNS },
    );
  });
});
