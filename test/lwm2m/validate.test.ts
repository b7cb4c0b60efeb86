/**
 * Every rejection case of the field notes (§4) and every bundle rule of validate.ts, each from a
 * valid bundle changed in one place, refused with its own ErrorCode and a message that names the
 * path. Each group has a control: unchanged, the bundle is accepted.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import {
  ConfiguratorError,
  ErrorCode,
  isConfiguratorError,
  type Result,
  errorCodeName,
} from '../../protocol/errors.js';
import {
  buildBundle,
  decodeBundle,
  encodeBundle,
  parseBundleDescription,
} from '../../protocol/lwm2m/bundle.js';
import { declareObjects, DEFAULT_REGISTRY } from '../../protocol/lwm2m/registry.js';
import {
  decodeSenmlCbor,
  encodeSenmlCbor,
  parsePath,
  type Lwm2mValue,
  type SenmlRecord,
} from '../../protocol/lwm2m/senml-cbor.js';
import { isValidBinding, validateBundle } from '../../protocol/lwm2m/validate.js';

const te = new TextEncoder();

type Desc = Record<string, unknown>;

/** Anjay's sample PSK configuration as a JSON description. */
const PSK: Desc = {
  '/0/1/0': 'coaps://eu.iot.avsystem.cloud:5684',
  '/0/1/1': false,
  '/0/1/2': 0,
  '/0/1/3': { text: 'reg-test-psk-identity' },
  '/0/1/5': { text: '3x@mpl3P5K53cr3tK3y' },
  '/0/1/10': 1,
  '/1/1/0': 1,
  '/1/1/1': 86400,
  '/1/1/6': false,
  '/1/1/7': 'U',
};

const BOOTSTRAP: Desc = {
  '/0/0/0': 'coaps://bootstrap.example:5684',
  '/0/0/1': true,
  '/0/0/2': 0,
  '/0/0/3': { text: 'bs-identity' },
  '/0/0/5': { hex: '00112233445566778899aabbccddeeff' },
};

const NOSEC: Desc = {
  ...PSK,
  '/0/1/0': 'coap://eu.iot.avsystem.cloud:5683',
  '/0/1/2': 3,
  '/0/1/3': undefined,
  '/0/1/5': undefined,
};

const CERT: Desc = {
  ...PSK,
  '/0/1/2': 2,
  '/0/1/3': { hex: '3082' + 'ab'.repeat(200) },
  '/0/1/4': { hex: '3082' + 'cd'.repeat(200) },
  '/0/1/5': { hex: '3081' + 'ef'.repeat(60) },
};

/** A description with some members replaced (undefined removes one). */
function edit(base: Desc, changes: Desc): string {
  const out: Desc = {};
  for (const [k, v] of Object.entries({ ...base, ...changes })) if (v !== undefined) out[k] = v;
  return JSON.stringify(out);
}

function build(base: Desc, changes: Desc = {}): Result<Uint8Array> {
  return buildBundle(edit(base, changes));
}

function assertAccepted(r: Result<unknown>): void {
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
}

/** Refused with `code`, and the message names `path` (it starts with it). */
function assertRefused(r: Result<unknown>, code: ErrorCode, path: string): void {
  assert.ok(!r.ok, `accepted; expected E${code} ${errorCodeName(code)} at ${path}`);
  assert.equal(
    r.error.code,
    code,
    `expected E${code} ${errorCodeName(code)}, got ${r.error.describe()}`,
  );
  assert.ok(
    r.error.message.startsWith(`${path}:`),
    `message should start with "${path}:": ${r.error.message}`,
  );
}

function path(text: string): SenmlRecord['path'] {
  const p = parsePath(text);
  assert.ok(p.ok);
  return p.value;
}

function records(desc: Desc): SenmlRecord[] {
  const r = parseBundleDescription(edit(desc, {}));
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
  return r.value;
}

/** The records of a description with one value replaced by a raw typed value (any type). */
function withValue(desc: Desc, at: string, value: Lwm2mValue): SenmlRecord[] {
  const recs = records(desc).filter((r) => toPathText(r) !== at);
  return [...recs, { path: path(at), value }];
}

function toPathText(r: SenmlRecord): string {
  return `/${r.path.objectId}/${r.path.instanceId}/${r.path.resourceId}`;
}

/** CBOR text string head + bytes, for hand-made records. */
function cborText(s: string): number[] {
  const b = te.encode(s);
  assert.ok(b.length < 24);
  return [0x60 | b.length, ...b];
}

describe('LwM2M bundle validation', () => {
  it('a description that is not JSON is refused with where, never with the text (it holds keys)', () => {
    const r = parseBundleDescription(
      '{"/0/0/3": {"text": "id"},\n "/0/0/5": {"hex": deadbeefcafef00d1122}}',
    );
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.Lwm2mBadDescription);
    assert.match(r.error.message, /line 2, column 20/);
    assert.doesNotMatch(r.error.message, /dead|beef|cafe|f00d/);
  });

  describe('controls: valid bundles are accepted', () => {
    for (const [name, desc] of [
      ['PSK (the golden vector)', PSK],
      ['NoSec', NOSEC],
      ['Certificate', CERT],
      [
        'Certificate with EST, no credentials',
        { ...PSK, '/0/1/2': 4, '/0/1/3': undefined, '/0/1/5': undefined },
      ],
      [
        'PSK over coaps+tcp with binding T',
        { ...PSK, '/0/1/0': 'coaps+tcp://[2001:db8::1]:5684', '/1/1/7': 'T' },
      ],
      ['NoSec over coap+tcp', { ...NOSEC, '/0/1/0': 'coap+tcp://10.0.0.1' }],
      ['a bootstrap account alone', BOOTSTRAP],
      ['a bootstrap account beside a server account', { ...PSK, ...BOOTSTRAP }],
      [
        'a bootstrap account with its own Short Server ID',
        { ...PSK, ...BOOTSTRAP, '/0/0/10': 100 },
      ],
      [
        'device information',
        { ...PSK, '/3/0/0': 'Acme', '/3/0/1': 'TH-2', '/3/0/2': 'SN1', '/3/0/3': '1.0.4' },
      ],
      [
        'optional resources and object links',
        {
          ...PSK,
          '/1/1/2': 0,
          '/1/1/3': 3600,
          '/1/1/10': { objlnk: '11:0' },
          '/0/1/17': { objlnk: '21:0' },
        },
      ],
    ] as const) {
      it(name, () => assertAccepted(build(desc as Desc)));
    }
  });

  describe('field notes §4: what Anjay rejects', () => {
    it('a text string where opaque is expected (JSON, records and bytes)', () => {
      assertRefused(
        build(PSK, { '/0/1/3': 'reg-test-psk-identity' }),
        ErrorCode.Lwm2mWrongType,
        '/0/1/3',
      );
      const recs = withValue(PSK, '/0/1/3', { type: 'string', value: 'reg-test-psk-identity' });
      assertRefused(validateBundle(recs), ErrorCode.Lwm2mWrongType, '/0/1/3');
      // The same bundle as bytes: decodes, then fails validation.
      assertRefused(decodeBundle(encodeSenmlCbor(recs)), ErrorCode.Lwm2mWrongType, '/0/1/3');
    });

    it('a bool sent as an integer (JSON, records and bytes)', () => {
      assertRefused(build(PSK, { '/0/1/1': 0 }), ErrorCode.Lwm2mWrongType, '/0/1/1');
      assertRefused(build(PSK, { '/1/1/6': 1 }), ErrorCode.Lwm2mWrongType, '/1/1/6');
      const recs = withValue(PSK, '/0/1/1', { type: 'integer', value: 0n });
      assertRefused(validateBundle(recs), ErrorCode.Lwm2mWrongType, '/0/1/1');
      assertRefused(decodeBundle(encodeSenmlCbor(recs)), ErrorCode.Lwm2mWrongType, '/0/1/1');
    });

    it('RPK mode (1)', () => {
      assertRefused(build(CERT, { '/0/1/2': 1 }), ErrorCode.Lwm2mUnsupportedSecurityMode, '/0/1/2');
    });

    it('PSK without a key (absent or empty), and without an identity', () => {
      assertRefused(
        build(PSK, { '/0/1/5': undefined }),
        ErrorCode.Lwm2mMissingCredential,
        '/0/1/5',
      );
      assertRefused(
        build(PSK, { '/0/1/5': { hex: '' } }),
        ErrorCode.Lwm2mMissingCredential,
        '/0/1/5',
      );
      assertRefused(
        build(PSK, { '/0/1/3': undefined }),
        ErrorCode.Lwm2mMissingCredential,
        '/0/1/3',
      );
    });

    it('coap:// with PSK, coaps:// with NoSec', () => {
      assertRefused(
        build(PSK, { '/0/1/0': 'coap://eu.iot.avsystem.cloud:5683' }),
        ErrorCode.Lwm2mUriSchemeMismatch,
        '/0/1/0',
      );
      assertRefused(
        build(NOSEC, { '/0/1/0': 'coaps://eu.iot.avsystem.cloud:5684' }),
        ErrorCode.Lwm2mUriSchemeMismatch,
        '/0/1/0',
      );
    });

    for (const [name, at] of [
      ['Binding', '/1/1/7'],
      ['Notification Storing', '/1/1/6'],
      ['Server Short Server ID', '/1/1/0'],
      ['Security Short Server ID', '/0/1/10'],
    ] as const) {
      it(`a missing ${name} (${at})`, () => {
        assertRefused(build(PSK, { [at]: undefined }), ErrorCode.Lwm2mMissingResource, at);
      });
    }

    it('two bootstrap accounts', () => {
      const second = {
        '/0/7/0': 'coaps://bootstrap2.example:5684',
        '/0/7/1': true,
        '/0/7/2': 0,
        '/0/7/3': { text: 'bs2' },
        '/0/7/5': { text: 'key2' },
      };
      assertRefused(
        build({ ...PSK, ...BOOTSTRAP }, second),
        ErrorCode.Lwm2mMultipleBootstrap,
        '/0/7/1',
      );
    });

    it('unknown labels', () => {
      // [{-2 (bn): "/0/1/", 0: "0", 3: "…"}] — a base name, and a time label 6 in place of a value.
      const bn = Uint8Array.of(0x81, 0xa2, 0x21, ...cborText('/0/1/'), 0x00, ...cborText('0'));
      const r = decodeSenmlCbor(bn);
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.Lwm2mUnknownLabel);
      assert.match(r.error.message, /label -2 bn/);
      const t = Uint8Array.of(0x81, 0xa2, 0x00, ...cborText('/1/1/1'), 0x06, 0x00);
      const r2 = decodeBundle(t);
      assert.ok(!r2.ok);
      assert.equal(r2.error.code, ErrorCode.Lwm2mUnknownLabel);
      const vx = Uint8Array.of(
        0x81,
        0xa2,
        0x00,
        ...cborText('/1/1/7'),
        ...cborText('vx'),
        ...cborText('U'),
      );
      const r3 = decodeBundle(vx);
      assert.ok(!r3.ok);
      assert.equal(r3.error.code, ErrorCode.Lwm2mUnknownLabel);
      assert.match(r3.error.message, /"vx"/);
    });

    it('trailing bytes', () => {
      const good = build(PSK);
      assert.ok(good.ok);
      for (const tail of [[0x00], [0x80], [0xa2, 0x00]]) {
        const r = decodeBundle(Uint8Array.of(...good.value, ...tail));
        assert.ok(!r.ok);
        assert.equal(r.error.code, ErrorCode.Lwm2mTrailingBytes);
      }
    });

    for (const binding of ['X', '', 'UU', 'u', 'Q', 'UQT', 'TQ', 'U ']) {
      it(`an unknown binding ${JSON.stringify(binding)}`, () => {
        assertRefused(build(PSK, { '/1/1/7': binding }), ErrorCode.Lwm2mBadBinding, '/1/1/7');
      });
    }
  });

  describe('field notes §4: what Anjay accepts but is never sent', () => {
    it('an empty bundle (JSON, records and bytes)', () => {
      assertRefused(buildBundle('{}'), ErrorCode.Lwm2mEmptyBundle, '/');
      assertRefused(validateBundle([]), ErrorCode.Lwm2mEmptyBundle, '/');
      assertRefused(decodeBundle(Uint8Array.of(0x80)), ErrorCode.Lwm2mEmptyBundle, '/');
      assert.throws(
        () => encodeBundle([]),
        (e: unknown) => isConfiguratorError(e, ErrorCode.Lwm2mEmptyBundle),
      );
    });

    it('Security Short Server ID ≠ Server Short Server ID', () => {
      assertRefused(build(PSK, { '/1/1/0': 2 }), ErrorCode.Lwm2mShortServerIdMismatch, '/1/1/0');
      assertRefused(build(PSK, { '/0/1/10': 2 }), ErrorCode.Lwm2mShortServerIdMismatch, '/1/1/0');
    });

    it('a Security instance without a Server instance', () => {
      const noServer = {
        ...PSK,
        '/1/1/0': undefined,
        '/1/1/1': undefined,
        '/1/1/6': undefined,
        '/1/1/7': undefined,
      };
      assertRefused(build(noServer), ErrorCode.Lwm2mOrphanSecurity, '/0/1/10');
    });

    it('duplicate paths (JSON text, records and bytes)', () => {
      const text = JSON.stringify(PSK).replace('"/1/1/7":"U"', '"/1/1/7":"U","/1/1/7":"T"');
      assertRefused(buildBundle(text), ErrorCode.Lwm2mDuplicatePath, '/1/1/7');
      const recs = [
        ...records(PSK),
        { path: path('/1/1/1'), value: { type: 'integer', value: 60n } } as const,
      ];
      assertRefused(validateBundle(recs), ErrorCode.Lwm2mDuplicatePath, '/1/1/1');
      assertRefused(decodeBundle(encodeSenmlCbor(recs)), ErrorCode.Lwm2mDuplicatePath, '/1/1/1');
    });

    for (const at of ['/1/1/4', '/1/1/8', '/1/1/9', '/3/0/4', '/3/0/5', '/3/0/12']) {
      it(`an executable resource ${at}`, () => {
        assertRefused(build(PSK, { [at]: 1 }), ErrorCode.Lwm2mExecutableResource, at);
        const recs = withValue(PSK, at, { type: 'integer', value: 1n });
        assertRefused(validateBundle(recs), ErrorCode.Lwm2mExecutableResource, at);
      });
    }

    for (const at of ['/0/1/16', '/1/1/11', '/1/1/12', '/3/0/9', '/3/0/13']) {
      it(`an unsupported resource ${at}`, () => {
        assertRefused(build(PSK, { [at]: 1 }), ErrorCode.Lwm2mUnsupportedResource, at);
      });
    }

    for (const at of ['/0/1/99', '/1/1/24', '/5/0/1', '/3303/0/5700']) {
      it(`an unknown resource ${at}`, () => {
        assertRefused(build(PSK, { [at]: 1 }), ErrorCode.Lwm2mUnknownResource, at);
        const recs = withValue(PSK, at, { type: 'integer', value: 1n });
        assertRefused(decodeBundle(encodeSenmlCbor(recs)), ErrorCode.Lwm2mUnknownResource, at);
      });
    }
  });

  describe('security modes, URIs and credentials', () => {
    for (const [mode, uri] of [
      ['PSK', 'coap+tcp://eu.iot.avsystem.cloud'],
      ['Certificate', 'coap://eu.iot.avsystem.cloud'],
    ] as const) {
      it(`${mode} over a plain-text scheme (${uri})`, () => {
        assertRefused(
          build(mode === 'PSK' ? PSK : CERT, { '/0/1/0': uri }),
          ErrorCode.Lwm2mUriSchemeMismatch,
          '/0/1/0',
        );
      });
    }

    it('EST over coap://, NoSec over coaps+tcp://', () => {
      const est = { ...PSK, '/0/1/2': 4, '/0/1/3': undefined, '/0/1/5': undefined };
      assertRefused(
        build(est, { '/0/1/0': 'coap://x.example' }),
        ErrorCode.Lwm2mUriSchemeMismatch,
        '/0/1/0',
      );
      assertRefused(
        build(NOSEC, { '/0/1/0': 'coaps+tcp://x.example' }),
        ErrorCode.Lwm2mUriSchemeMismatch,
        '/0/1/0',
      );
    });

    for (const uri of [
      'coaps://',
      'https://eu.iot.avsystem.cloud',
      'COAPS://eu.iot.avsystem.cloud',
      'coaps://user@host.example',
      'coaps://host.example:0',
      'coaps://host.example:65536',
      'eu.iot.avsystem.cloud:5684',
      'coaps://host.example/path?query',
      '',
    ]) {
      it(`a Server URI that is not a CoAP URI with a host: ${JSON.stringify(uri)}`, () => {
        assertRefused(build(PSK, { '/0/1/0': uri }), ErrorCode.Lwm2mBadUri, '/0/1/0');
      });
    }

    it('Certificate mode needs the certificate and the private key, not the server certificate', () => {
      assertRefused(
        build(CERT, { '/0/1/3': undefined }),
        ErrorCode.Lwm2mMissingCredential,
        '/0/1/3',
      );
      assertRefused(
        build(CERT, { '/0/1/5': { hex: '' } }),
        ErrorCode.Lwm2mMissingCredential,
        '/0/1/5',
      );
      assertAccepted(build(CERT, { '/0/1/4': undefined }));
    });

    for (const at of ['/0/1/3', '/0/1/4', '/0/1/5']) {
      it(`NoSec with key material at ${at}`, () => {
        assertRefused(
          build(NOSEC, { [at]: { text: 'secret' } }),
          ErrorCode.Lwm2mUnexpectedCredential,
          at,
        );
      });
    }

    it('NoSec with empty opaque credentials is accepted', () => {
      assertAccepted(build(NOSEC, { '/0/1/3': { hex: '' }, '/0/1/5': { text: '' } }));
    });

    for (const at of ['/0/1/0', '/0/1/1', '/0/1/2']) {
      it(`a Security instance without ${at}`, () => {
        assertRefused(build(PSK, { [at]: undefined }), ErrorCode.Lwm2mMissingResource, at);
      });
    }

    it('Server instances need Lifetime', () => {
      assertRefused(build(PSK, { '/1/1/1': undefined }), ErrorCode.Lwm2mMissingResource, '/1/1/1');
    });

    it('a bundle without any Security instance', () => {
      assertRefused(build({ '/3/0/2': 'SN1' }), ErrorCode.Lwm2mMissingResource, '/0');
      const serverOnly = { '/1/1/0': 1, '/1/1/1': 60, '/1/1/6': false, '/1/1/7': 'U' };
      assertRefused(build(serverOnly), ErrorCode.Lwm2mMissingResource, '/0');
    });
  });

  describe('Short Server IDs and the bootstrap account', () => {
    const second = {
      '/0/2/0': 'coaps://second.example',
      '/0/2/1': false,
      '/0/2/2': 0,
      '/0/2/3': { text: 'id2' },
      '/0/2/5': { text: 'key2' },
      '/0/2/10': 2,
      '/1/2/0': 2,
      '/1/2/1': 300,
      '/1/2/6': true,
      '/1/2/7': 'UQ',
    };

    it('two server accounts (control)', () => assertAccepted(build({ ...PSK, ...second })));

    it('two Security instances with one Short Server ID', () => {
      assertRefused(
        build({ ...PSK, ...second }, { '/0/2/10': 1 }),
        ErrorCode.Lwm2mDuplicateShortServerId,
        '/0/2/10',
      );
    });

    it('two Server instances with one Short Server ID', () => {
      assertRefused(
        build({ ...PSK, ...second }, { '/1/2/0': 1 }),
        ErrorCode.Lwm2mDuplicateShortServerId,
        '/1/2/0',
      );
    });

    it('a Server instance for the bootstrap account', () => {
      const r = build({
        ...BOOTSTRAP,
        '/0/0/10': 5,
        '/1/0/0': 5,
        '/1/0/1': 60,
        '/1/0/6': false,
        '/1/0/7': 'U',
      });
      assertRefused(r, ErrorCode.Lwm2mShortServerIdMismatch, '/1/0/0');
      assert.ok(!r.ok);
      assert.match(r.error.message, /bootstrap account/);
    });

    it('a bootstrap Short Server ID that a server account uses', () => {
      assertRefused(
        build({ ...PSK, ...BOOTSTRAP, '/0/0/10': 1 }),
        ErrorCode.Lwm2mDuplicateShortServerId,
        '/0/0/10',
      );
    });

    it('the bootstrap account needs no Short Server ID but a server account does', () => {
      assertAccepted(build(BOOTSTRAP));
      assertRefused(
        build(BOOTSTRAP, { '/0/0/1': false }),
        ErrorCode.Lwm2mMissingResource,
        '/0/0/10',
      );
    });

    it('the bootstrap account follows the URI and credential rules too', () => {
      assertRefused(
        build(BOOTSTRAP, { '/0/0/0': 'coap://bootstrap.example' }),
        ErrorCode.Lwm2mUriSchemeMismatch,
        '/0/0/0',
      );
      assertRefused(
        build(BOOTSTRAP, { '/0/0/5': undefined }),
        ErrorCode.Lwm2mMissingCredential,
        '/0/0/5',
      );
    });
  });

  describe('bindings', () => {
    const accepted = [
      'U',
      'UQ',
      'S',
      'SQ',
      'US',
      'UQS',
      'T',
      'N',
      'UT',
      'TU',
      'SU',
      'UTSN',
      'NSTU',
    ];
    it(`accepts the LwM2M 1.0 modes and 1.1 transport sets: ${accepted.join(' ')}`, () => {
      for (const b of accepted) {
        assert.ok(isValidBinding(b), b);
        assertAccepted(build(PSK, { '/1/1/7': b }));
      }
    });
  });

  describe('values and paths', () => {
    for (const [name, changes, code, at] of [
      ['Security Mode 5', { '/0/1/2': 5 }, ErrorCode.Lwm2mBadValue, '/0/1/2'],
      ['Security Mode -1', { '/0/1/2': -1 }, ErrorCode.Lwm2mBadValue, '/0/1/2'],
      ['Short Server ID 0', { '/0/1/10': 0, '/1/1/0': 0 }, ErrorCode.Lwm2mBadValue, '/0/1/10'],
      ['Short Server ID 65535', { '/1/1/0': 65535 }, ErrorCode.Lwm2mBadValue, '/1/1/0'],
      ['Lifetime 0', { '/1/1/1': 0 }, ErrorCode.Lwm2mBadValue, '/1/1/1'],
      ['Lifetime 2^31', { '/1/1/1': 2 ** 31 }, ErrorCode.Lwm2mBadValue, '/1/1/1'],
      ['a fractional integer', { '/1/1/1': 1.5 }, ErrorCode.Lwm2mWrongType, '/1/1/1'],
      ['an integer JSON cannot carry', { '/1/1/1': 2 ** 60 }, ErrorCode.Lwm2mBadValue, '/1/1/1'],
      ['a number for a string', { '/1/1/7': 1 }, ErrorCode.Lwm2mWrongType, '/1/1/7'],
      ['a string for an integer', { '/1/1/1': '86400' }, ErrorCode.Lwm2mWrongType, '/1/1/1'],
      ['a string for a boolean', { '/0/1/1': 'false' }, ErrorCode.Lwm2mWrongType, '/0/1/1'],
      ['null', { '/0/1/1': null }, ErrorCode.Lwm2mWrongType, '/0/1/1'],
      ['opaque as base64', { '/0/1/5': { base64: 'AAAA' } }, ErrorCode.Lwm2mWrongType, '/0/1/5'],
      [
        'opaque with two forms',
        { '/0/1/5': { text: 'a', hex: '00' } },
        ErrorCode.Lwm2mWrongType,
        '/0/1/5',
      ],
      ['opaque with odd hex', { '/0/1/5': { hex: 'abc' } }, ErrorCode.Lwm2mBadValue, '/0/1/5'],
      ['opaque with non-hex', { '/0/1/5': { hex: 'zz' } }, ErrorCode.Lwm2mBadValue, '/0/1/5'],
      [
        'an object link as a plain string',
        { '/1/1/10': '11:0' },
        ErrorCode.Lwm2mWrongType,
        '/1/1/10',
      ],
      [
        'an object link out of range',
        { '/1/1/10': { objlnk: '65536:0' } },
        ErrorCode.Lwm2mBadValue,
        '/1/1/10',
      ],
      [
        'an object link with a leading zero',
        { '/1/1/10': { objlnk: '011:0' } },
        ErrorCode.Lwm2mBadValue,
        '/1/1/10',
      ],
      ['a NUL in a string', { '/3/0/2': 'SN\u00001' }, ErrorCode.Lwm2mBadValue, '/3/0/2'],
      [
        'a lone surrogate in a string',
        { '/3/0/2': 'SN\ud8001' },
        ErrorCode.Lwm2mBadValue,
        '/3/0/2',
      ],
      ['a second Device instance', { '/3/1/0': 'Acme' }, ErrorCode.Lwm2mBadPath, '/3/1/0'],
    ] as const) {
      it(`${name} at ${at}`, () => assertRefused(build(PSK, changes as Desc), code, at));
    }

    for (const key of [
      '0/1/0',
      '/0/1',
      '/0/1/0/0',
      '/00/1/0',
      '/0/1/+1',
      '/0/65535/0',
      '/0/1/0 ',
    ]) {
      it(`a description key that is not an absolute /O/I/R path: ${JSON.stringify(key)}`, () => {
        const r = build(PSK, { [key]: 1 });
        assert.ok(!r.ok);
        assert.equal(r.error.code, ErrorCode.Lwm2mBadPath, r.error.describe());
        assert.ok(r.error.message.includes(key.trim()), r.error.message);
      });
    }

    it('a description that is not a JSON object, or too long', () => {
      for (const text of ['', '[]', '"x"', 'null', '{"/0/1/0": }']) {
        const r = buildBundle(text);
        assert.ok(!r.ok);
        assert.equal(r.error.code, ErrorCode.Lwm2mBadDescription, text);
      }
      const r = buildBundle(' '.repeat(65537));
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.Lwm2mBadDescription);
    });

    it('a byte-order mark before the description is ignored', () => {
      const plain = build(PSK);
      const bom = buildBundle(`\ufeff${edit(PSK, {})}`);
      assert.ok(plain.ok && bom.ok);
      assert.equal(toHex(bom.value), toHex(plain.value));
    });

    it('nested members with duplicate names are not mistaken for duplicate paths', () => {
      const text = `{"/0/1/3": {"text": "{\\"a\\":1}"}, ${edit(PSK, { '/0/1/3': undefined }).slice(1)}`;
      assertAccepted(buildBundle(text));
    });
  });

  describe('declared objects', () => {
    const registry = declareObjects(DEFAULT_REGISTRY, [
      {
        id: 33000,
        name: 'Site',
        multiInstance: false,
        resources: [
          { id: 0, name: 'Site Code', type: 'string', mandatory: true },
          { id: 1, name: 'Floor', type: 'integer', min: 0n, max: 200n },
          { id: 2, name: 'Calibration', type: 'opaque' },
        ],
      },
    ]);
    const site = { ...PSK, '/33000/0/0': 'AMS-1', '/33000/0/1': 3, '/33000/0/2': { hex: '0102' } };

    it('a declared object is accepted with its types', () => {
      assertAccepted(buildBundle(edit(site, {}), registry));
      assertRefused(buildBundle(edit(site, {})), ErrorCode.Lwm2mUnknownResource, '/33000/0/0');
    });

    it('its mandatory resources, types, ranges and instance rule apply', () => {
      assertRefused(
        buildBundle(edit(site, { '/33000/0/0': undefined }), registry),
        ErrorCode.Lwm2mMissingResource,
        '/33000/0/0',
      );
      assertRefused(
        buildBundle(edit(site, { '/33000/0/1': 'three' }), registry),
        ErrorCode.Lwm2mWrongType,
        '/33000/0/1',
      );
      assertRefused(
        buildBundle(edit(site, { '/33000/0/1': 201 }), registry),
        ErrorCode.Lwm2mBadValue,
        '/33000/0/1',
      );
      assertRefused(
        buildBundle(edit(site, { '/33000/1/0': 'X' }), registry),
        ErrorCode.Lwm2mBadPath,
        '/33000/1/0',
      );
      assertRefused(
        buildBundle(edit(site, { '/33000/0/3': 1 }), registry),
        ErrorCode.Lwm2mUnknownResource,
        '/33000/0/3',
      );
    });

    for (const [name, decl] of [
      ['redefining Device', { id: 3, name: 'Device', multiInstance: false, resources: [] }],
      ['an object ID of 65535', { id: 65535, name: 'X', multiInstance: true, resources: [] }],
      [
        'a resource declared twice',
        {
          id: 40000,
          name: 'X',
          multiInstance: true,
          resources: [
            { id: 1, name: 'a', type: 'string' },
            { id: 1, name: 'b', type: 'string' },
          ],
        },
      ],
      [
        'bounds on a string',
        {
          id: 40000,
          name: 'X',
          multiInstance: true,
          resources: [{ id: 1, name: 'a', type: 'string', min: 0n }],
        },
      ],
    ] as const) {
      it(`refuses ${name}`, () => {
        assert.throws(
          () =>
            declareObjects(DEFAULT_REGISTRY, [
              decl as Parameters<typeof declareObjects>[1][number],
            ]),
          (e: unknown) =>
            e instanceof ConfiguratorError && e.code === ErrorCode.Lwm2mBadDeclaration,
        );
      });
    }
  });

  describe('size', () => {
    it('a bundle over 4096 bytes is refused, naming the limit', () => {
      const r = build(CERT, { '/0/1/4': { hex: 'ab'.repeat(4000) } });
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.Lwm2mTooLarge);
      assert.match(r.error.message, /4096/);
    });
  });
});
