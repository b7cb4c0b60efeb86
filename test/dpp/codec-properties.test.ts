/**
 * Property tests of the untrusted-input codecs: attribute TLVs, DPP/GAS messages and the JSON
 * Configuration Objects. Round trips must be exact; decoders must be total (a value or a typed
 * error, never a throw) on any input, including inputs just over the size limits.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeAttributes,
  encodeAttributes,
  MAX_ATTRIBUTES,
  type Attribute,
} from '../../protocol/dpp/attributes.js';
import {
  encodeConfigurationObject,
  encodeConfigurationRequest,
  encodeConnectionStatus,
  DEVICE_INFO_MEMBER,
  LWM2M_BUNDLE_MEMBER,
  MAX_JSON_LEN,
  MAX_LWM2M_BUNDLE_LEN,
  parseConfigurationObject,
  parseConfigurationRequest,
  parseConnectionStatus,
  type ConfigurationObject,
  type WifiCredential,
} from '../../protocol/dpp/config-object.js';
import {
  DPP_ADV_PROTO,
  decodeMessage,
  dppHeader,
  encodeMessage,
  makeDppFrame,
  MAX_MESSAGE_LEN,
  PublicAction,
  type DppMessage,
} from '../../protocol/dpp/frames.js';
import { ConfiguratorError, ErrorCode } from '../../protocol/errors.js';

const RUNS = 300;
const te = new TextEncoder();

/** Plain copies, so comparisons do not depend on views into a larger buffer. */
function plainAttrs(attrs: readonly Attribute[]): Attribute[] {
  return attrs.map((a) => ({ id: a.id, value: Uint8Array.from(a.value) }));
}

function isDecodeCode(code: number): boolean {
  return code >= 100 && code <= 199;
}

// ---- generators -------------------------------------------------------------------------------

/** Generated records compare with plain objects, so they need Object.prototype. */
const NO_NULL_PROTO = { noNullPrototype: true } as const;
const byte = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });

function attributeArb(maxValue: number): fc.Arbitrary<Attribute> {
  return fc.record({
    id: u16,
    value: fc.oneof(
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: maxValue, size: 'max' }),
    ),
  });
}

function attributeListArb(maxValue: number): fc.Arbitrary<Attribute[]> {
  return fc.oneof(
    fc.array(attributeArb(maxValue), { maxLength: 4 }),
    fc.array(attributeArb(maxValue), { maxLength: MAX_ATTRIBUTES, size: 'max' }),
    fc.array(attributeArb(8), { minLength: MAX_ATTRIBUTES, maxLength: MAX_ATTRIBUTES }),
  );
}

/**
 * DPP frames: any frame type, attribute bodies that fit a message. 64 × (4 + 250) + 7 bytes stays
 * under MAX_MESSAGE_LEN.
 */
const dppFrameArb: fc.Arbitrary<DppMessage> = fc
  .record({ frameType: byte, attrs: attributeListArb(250) })
  .map(({ frameType, attrs }) => makeDppFrame(frameType, encodeAttributes(attrs)));

/** Largest GAS overhead is the Comeback Response: 7 fixed bytes, the advertisement protocol, length. */
const MAX_QUERY = MAX_MESSAGE_LEN - (7 + DPP_ADV_PROTO.length + 2);
const queryArb = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ maxLength: MAX_QUERY, size: 'max' }),
  fc.constant(new Uint8Array(MAX_QUERY)),
);

const gasArb: fc.Arbitrary<DppMessage> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('gasInitialRequest' as const),
      dialogToken: byte,
      query: queryArb,
    },
    NO_NULL_PROTO,
  ),
  fc.record(
    {
      kind: fc.constant('gasInitialResponse' as const),
      dialogToken: byte,
      statusCode: u16,
      comebackDelay: u16,
      query: queryArb,
    },
    NO_NULL_PROTO,
  ),
  fc.record({ kind: fc.constant('gasComebackRequest' as const), dialogToken: byte }, NO_NULL_PROTO),
  fc.record(
    {
      kind: fc.constant('gasComebackResponse' as const),
      dialogToken: byte,
      statusCode: u16,
      fragmentId: byte,
      comebackDelay: u16,
      query: queryArb,
    },
    NO_NULL_PROTO,
  ),
);

const messageArb: fc.Arbitrary<DppMessage> = fc.oneof(dppFrameArb, gasArb);

/** Byte strings that get past the first checks often: valid prefixes, mutations, near the limit. */
const untrustedBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 32 }),
  fc.uint8Array({ maxLength: MAX_MESSAGE_LEN + 10, size: 'max' }),
  fc
    .tuple(fc.constantFrom(...Object.values(PublicAction)), fc.uint8Array({ maxLength: 64 }))
    .map(([action, rest]) => Uint8Array.of(action, ...rest)),
  fc
    .tuple(byte, fc.uint8Array({ maxLength: 300 }))
    .map(([type, rest]) => Uint8Array.of(PublicAction.VendorSpecific, ...dppHeader(type), ...rest)),
  fc
    .tuple(
      fc.constantFrom(
        PublicAction.GasInitialRequest,
        PublicAction.GasInitialResponse,
        PublicAction.GasComebackResponse,
      ),
      fc.uint8Array({ minLength: 0, maxLength: 5 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([action, fixed, rest]) => Uint8Array.of(action, ...fixed, ...DPP_ADV_PROTO, ...rest)),
  messageArb.map(encodeMessage),
  fc.tuple(messageArb, fc.nat(), byte).map(([m, at, mask]) => {
    const out = encodeMessage(m);
    out[at % out.length]! ^= mask;
    return out;
  }),
  fc.tuple(messageArb, fc.nat()).map(([m, at]) => {
    const bytes = encodeMessage(m);
    return bytes.subarray(0, at % bytes.length);
  }),
  fc
    .tuple(messageArb, fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([m, extra]) => Uint8Array.of(...encodeMessage(m), ...extra)),
  fc
    .integer({ min: MAX_MESSAGE_LEN - 10, max: MAX_MESSAGE_LEN + 10 })
    .chain((n) => fc.tuple(fc.constant(n), fc.constantFrom(...Object.values(PublicAction))))
    .map(([n, action]) => {
      const out = new Uint8Array(n);
      out[0] = action;
      return out;
    }),
);

// ---- Configuration Objects ---------------------------------------------------------------------

const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const passphraseArb = fc.string({ unit: printableAscii, minLength: 8, maxLength: 63 });
const saePasswordArb = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 64 })
  .filter((s) => te.encode(s).length <= 128);
const pskHexArb = fc.string({
  unit: fc.constantFrom(...'0123456789abcdef'),
  minLength: 64,
  maxLength: 64,
});

const credentialArb: fc.Arbitrary<WifiCredential> = fc.oneof(
  passphraseArb.map((pass) => ({ akm: 'psk' as const, pass })),
  pskHexArb.map((pskHex) => ({ akm: 'psk' as const, pskHex })),
  saePasswordArb.map((pass) => ({ akm: 'sae' as const, pass })),
  passphraseArb.map((pass) => ({ akm: 'psk+sae' as const, pass })),
);

/**
 * SSIDs of 1–32 bytes: text (with characters JSON must escape, multi-byte UTF-8, a leading byte
 * order mark) and raw bytes, which are mostly not UTF-8.
 */
const ssidArb: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    fc
      .string({
        unit: fc.constantFrom(
          'a',
          'Z',
          '0',
          ' ',
          '"',
          '\\',
          '/',
          '\n',
          '\u0000',
          '\u007f',
          'é',
          '中',
          '😀',
        ),
        minLength: 1,
        maxLength: 32,
      })
      .map((s) => te.encode(s)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => te.encode(s)),
    fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map((s) => te.encode('\ufeff' + s)),
    fc.uint8Array({ minLength: 1, maxLength: 32 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
  )
  .filter((b) => b.length >= 1 && b.length <= 32);

const bundleArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.uint8Array({ minLength: 1, maxLength: MAX_LWM2M_BUNDLE_LEN, size: 'max' }),
  fc.uint8Array({ minLength: MAX_LWM2M_BUNDLE_LEN, maxLength: MAX_LWM2M_BUNDLE_LEN }),
);

const configObjectArb: fc.Arbitrary<ConfigurationObject> = fc
  .record({ ssid: ssidArb, credential: credentialArb, bundle: fc.option(bundleArb) })
  .map(({ ssid, credential, bundle }) => ({
    ssid,
    credential,
    ...(bundle !== null && { lwm2mBundle: bundle }),
  }));

/** JSON values that are likely to reach deep into the parsers: right keys, wrong or right types. */
const jsonishArb = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    'infra',
    'psk',
    'sae',
    'psk+sae',
    'dpp',
    'sta',
    'AAAA',
    'YQ',
    'a===',
    '',
    'x'.repeat(70),
    'bad\u0007text',
    '\ufeff',
    '\ud800',
  ),
  fc.string({ maxLength: 80 }),
  fc.integer(),
);

function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}

/**
 * A valid JSON document with one or two members deleted or replaced (at any depth): gets past
 * the first checks far more often than random JSON does.
 */
function editedJsonArb(
  validArb: fc.Arbitrary<Uint8Array>,
  paths: readonly (readonly string[])[],
): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.constantFrom(...paths), maybe(jsonishArb));
  return fc
    .tuple(validArb, fc.array(edit, { minLength: 0, maxLength: 2 }))
    .map(([bytes, edits]) => {
      const doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      for (const [path, value] of edits) {
        let parent: unknown = doc;
        for (const key of path.slice(0, -1)) {
          parent =
            typeof parent === 'object' && parent !== null
              ? (parent as Record<string, unknown>)[key]
              : undefined;
        }
        if (typeof parent !== 'object' || parent === null) continue;
        const last = path[path.length - 1]!;
        if (value === undefined) Reflect.deleteProperty(parent, last);
        else (parent as Record<string, unknown>)[last] = value;
      }
      return JSON.stringify(doc);
    });
}

const configObjectJsonArb = fc.oneof(
  editedJsonArb(configObjectArb.map(encodeConfigurationObject), [
    ['wi-fi_tech'],
    ['discovery'],
    ['discovery', 'ssid'],
    ['discovery', 'ssid64'],
    ['cred'],
    ['cred', 'akm'],
    ['cred', 'pass'],
    ['cred', 'psk_hex'],
    [LWM2M_BUNDLE_MEMBER],
    ['unknown'],
  ]),
  fc
    .record({
      'wi-fi_tech': maybe(fc.oneof(fc.constant('infra'), jsonishArb)),
      discovery: maybe(
        fc.oneof(fc.record({ ssid: maybe(jsonishArb), ssid64: maybe(jsonishArb) }), jsonishArb),
      ),
      cred: maybe(
        fc.oneof(
          fc.record({
            akm: maybe(fc.oneof(fc.constantFrom('psk', 'sae', 'psk+sae', 'dpp'), jsonishArb)),
            pass: maybe(fc.oneof(passphraseArb, jsonishArb)),
            psk_hex: maybe(fc.oneof(pskHexArb, jsonishArb)),
          }),
          jsonishArb,
        ),
      ),
      lwm2m_bundle: maybe(jsonishArb),
    })
    .map((o) => JSON.stringify(o)),
);

/** Printable text of up to 64 characters, as the Configuration Request allows. */
const textArb = fc
  .string({ unit: 'grapheme', maxLength: 64 })
  .filter((s) => s.length <= 64 && !/\p{Cc}/u.test(s));

const configRequestArb = fc.record(
  {
    name: textArb,
    wifiTech: textArb,
    netRole: textArb,
    deviceInfo: maybe(
      fc.record(
        { manufacturer: textArb, model: textArb, serial: textArb, firmware: textArb },
        { requiredKeys: [], noNullPrototype: true },
      ),
    ),
  },
  NO_NULL_PROTO,
);

const configRequestJsonArb = editedJsonArb(configRequestArb.map(encodeConfigurationRequest), [
  ['name'],
  ['wi-fi_tech'],
  ['netRole'],
  [DEVICE_INFO_MEMBER],
  [DEVICE_INFO_MEMBER, 'manufacturer'],
  [DEVICE_INFO_MEMBER, 'model'],
  [DEVICE_INFO_MEMBER, 'serial'],
  [DEVICE_INFO_MEMBER, 'firmware'],
  ['bandSupport'],
]);

const connStatusArb = fc.record(
  {
    result: byte,
    ssid: maybe(fc.uint8Array({ minLength: 1, maxLength: 32 })),
    channelList: maybe(fc.constantFrom('81/1,6,11', '115/36,40,44,48', '81/1')),
  },
  NO_NULL_PROTO,
);

const connStatusJsonArb = editedJsonArb(connStatusArb.map(encodeConnectionStatus), [
  ['result'],
  ['ssid64'],
  ['channelList'],
]);

/** Arbitrary text for a JSON parser: JSON-shaped or not, valid UTF-8 or not, over the size limit or not. */
function untrustedJsonArb(structured: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: structured.map((s) => te.encode(s)), weight: 8 },
    structured.chain((s) =>
      fc.tuple(fc.constant(te.encode(s)), fc.nat(), byte).map(([b, at, mask]) => {
        const out = new Uint8Array(b);
        if (out.length > 0) out[at % out.length]! ^= mask;
        return out.subarray(0, (at >> 3) % (out.length + 1));
      }),
    ),
    fc.json().map((s) => te.encode(s)),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => te.encode(s)),
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom(MAX_JSON_LEN, MAX_JSON_LEN + 1).map((n) => te.encode(' '.repeat(n - 2) + '{}')),
  );
}

/** Calls `parse` and requires success or a ConfiguratorError whose code is one of `codes`. */
function assertOnlyConfiguratorErrors(parse: () => unknown, codes: readonly number[]): void {
  try {
    parse();
  } catch (e) {
    if (!(e instanceof ConfiguratorError))
      throw new Error(`threw a non-ConfiguratorError: ${String(e)}`);
    if (!codes.includes(e.code)) throw new Error(`unexpected code: ${e.describe()}`);
  }
}

// ---- properties ----------------------------------------------------------------------------------

describe('codec properties (fast-check)', () => {
  describe('attributes', () => {
    it('(a) encode → decode round-trips any list of up to MAX_ATTRIBUTES attributes exactly', () => {
      fc.assert(
        fc.property(attributeListArb(300), (attrs) => {
          const bytes = encodeAttributes(attrs);
          assert.equal(
            bytes.length,
            attrs.reduce((n, a) => n + 4 + a.value.length, 0),
          );
          const r = decodeAttributes(bytes);
          assert.ok(r.ok, r.ok ? '' : r.error.describe());
          assert.deepStrictEqual(plainAttrs(r.value), plainAttrs(attrs));
        }),
        { numRuns: RUNS },
      );
    });

    it('(c) decodeAttributes is total, and what it accepts re-encodes to the input', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            untrustedBytesArb,
            attributeListArb(40).chain((attrs) =>
              fc
                .tuple(fc.constant(encodeAttributes(attrs)), fc.nat(), byte)
                .map(([b, at, mask]) => {
                  const out = new Uint8Array(b);
                  if (out.length > 0) out[at % out.length]! ^= mask;
                  return out;
                }),
            ),
          ),
          (bytes) => {
            const r = decodeAttributes(bytes);
            if (r.ok) {
              assert.ok(r.value.length <= MAX_ATTRIBUTES);
              assert.deepStrictEqual(encodeAttributes(r.value), Uint8Array.from(bytes));
            } else {
              assert.ok(r.error instanceof ConfiguratorError);
              assert.ok(isDecodeCode(r.error.code), r.error.describe());
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('messages', () => {
    it('(b) encode → decodeMessage round-trips DPP frames and all four GAS messages', () => {
      const kinds = new Set<string>();
      fc.assert(
        fc.property(messageArb, (msg) => {
          kinds.add(msg.kind);
          const bytes = encodeMessage(msg);
          assert.ok(bytes.length <= MAX_MESSAGE_LEN);
          const r = decodeMessage(bytes);
          assert.ok(r.ok, r.ok ? '' : r.error.describe());
          if (msg.kind === 'dpp' && r.value.kind === 'dpp') {
            assert.deepStrictEqual(
              { ...r.value, attributes: plainAttrs(r.value.attributes) },
              { ...msg, attributes: plainAttrs(msg.attributes) },
            );
          } else {
            assert.deepStrictEqual(r.value, msg);
          }
          assert.deepStrictEqual(encodeMessage(r.value), bytes);
        }),
        { numRuns: RUNS },
      );
      assert.equal(kinds.size, 5, `kinds generated: ${[...kinds].join(', ')}`);
    });

    it('(c) decodeMessage is total up to MAX_MESSAGE_LEN + 10 bytes; errors are decode errors', () => {
      fc.assert(
        fc.property(untrustedBytesArb, (bytes) => {
          const r = decodeMessage(bytes);
          if (r.ok) {
            assert.ok(bytes.length <= MAX_MESSAGE_LEN);
            // Everything is carried over except GAS's query-response-info byte, which we rewrite.
            const again = encodeMessage(r.value);
            assert.equal(again.length, bytes.length);
            if (r.value.kind === 'dpp' || r.value.kind === 'gasComebackRequest')
              assert.deepStrictEqual(again, Uint8Array.from(bytes));
          } else {
            assert.ok(r.error instanceof ConfiguratorError);
            assert.ok(isDecodeCode(r.error.code), r.error.describe());
            if (bytes.length > MAX_MESSAGE_LEN)
              assert.equal(r.error.code, ErrorCode.DecodeOversized);
          }
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('Configuration Objects', () => {
    it('(d) encode → parse round-trips any valid Configuration Object', () => {
      fc.assert(
        fc.property(configObjectArb, (obj) => {
          const json = encodeConfigurationObject(obj);
          assert.ok(json.length <= MAX_JSON_LEN);
          assert.deepStrictEqual(parseConfigurationObject(json), obj);
        }),
        { numRuns: RUNS },
      );
    });

    it('(d) the Configuration Request and Connection Status round-trip too', () => {
      fc.assert(
        fc.property(configRequestArb, connStatusArb, (req, status) => {
          assert.deepStrictEqual(parseConfigurationRequest(encodeConfigurationRequest(req)), req);
          assert.deepStrictEqual(parseConnectionStatus(encodeConnectionStatus(status)), status);
        }),
        { numRuns: RUNS },
      );
    });

    it('(d) parseConfigurationObject throws nothing but ConfiguratorError, and what it accepts re-encodes', () => {
      fc.assert(
        fc.property(untrustedJsonArb(configObjectJsonArb), (bytes) => {
          let parsed: ConfigurationObject | undefined;
          assertOnlyConfiguratorErrors(
            () => (parsed = parseConfigurationObject(bytes)),
            [ErrorCode.ConfigBadObject, ErrorCode.ConfigTooLarge, ErrorCode.DecodeBadJson],
          );
          if (parsed) {
            // Accepted objects are valid ones: the encoder takes them and they parse back the same
            // (psk_hex is normalised to lower case by the encoder).
            const expected: ConfigurationObject = {
              ...parsed,
              credential:
                parsed.credential.pskHex !== undefined
                  ? { ...parsed.credential, pskHex: parsed.credential.pskHex.toLowerCase() }
                  : parsed.credential,
            };
            assert.deepStrictEqual(
              parseConfigurationObject(encodeConfigurationObject(parsed)),
              expected,
            );
          }
        }),
        { numRuns: RUNS },
      );
    });

    it('(d) parseConfigurationRequest and parseConnectionStatus throw nothing but ConfiguratorError', () => {
      fc.assert(
        fc.property(untrustedJsonArb(configRequestJsonArb), (bytes) => {
          assertOnlyConfiguratorErrors(
            () => parseConfigurationRequest(bytes),
            [ErrorCode.ConfigBadRequest],
          );
        }),
        { numRuns: RUNS },
      );
      fc.assert(
        fc.property(untrustedJsonArb(connStatusJsonArb), (bytes) => {
          assertOnlyConfiguratorErrors(
            () => parseConnectionStatus(bytes),
            [
              ErrorCode.ConfigBadObject,
              ErrorCode.ConfigTooLarge,
              ErrorCode.DecodeBadJson,
              ErrorCode.ConfigBadRequest,
            ],
          );
        }),
        { numRuns: RUNS },
      );
    });
  });
});

describe('message encoder field ranges', () => {
  it('refuses out-of-range fields instead of truncating them', () => {
    const query = new Uint8Array(4);
    assert.throws(
      () => encodeMessage({ kind: 'gasInitialRequest', dialogToken: 300, query }),
      RangeError,
    );
    assert.throws(
      () =>
        encodeMessage({ kind: 'gasInitialRequest', dialogToken: 1, query: new Uint8Array(70000) }),
      RangeError,
    );
    assert.throws(
      () =>
        encodeMessage({
          kind: 'gasComebackResponse',
          dialogToken: 1,
          statusCode: 0,
          fragmentId: 256,
          comebackDelay: 0,
          query,
        }),
      RangeError,
    );
  });
});
