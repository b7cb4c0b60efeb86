import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeBootstrapKey, parseBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { describeDppUri, formatDppUri, parseDppUri, type DppUri } from '../../protocol/dpp/uri.js';
import {
  ConfiguratorError,
  ErrorCode,
  isConfiguratorError,
  errorCodeName,
} from '../../protocol/errors.js';

// hostap test_dpp.py keys: KEY_A is also the field-notes key; KEY_C (KEY_A with "qa" for "q/") is
// still a valid point, so hostap's channel cases fail on C: alone.
const KEY_A = 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=';
const KEY_B = 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADURzxmttZoIRIPWGoQMV00XHWCAQIhXruVWOz0NjlkIA=';
const KEY_C = 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkqa24e0rsrfMP9K1Tm8gx+ovP0I=';
/** KEY_A with its x changed so that no point has it (as in bootstrap-key.test.ts). */
const KEY_OFF_CURVE = (() => {
  const der = Buffer.from(KEY_A, 'base64');
  der[der.length - 1]! ^= 0x01;
  der[der.length - 2]! ^= 0x40;
  return der.toString('base64');
})();

function parsed(text: string): DppUri {
  const r = parseDppUri(text);
  if (!r.ok) assert.fail(`${JSON.stringify(text)} refused: ${r.error.describe()}`);
  return r.value;
}

function refusedWith(text: string, code: ErrorCode): ConfiguratorError {
  const r = parseDppUri(text);
  assert.equal(r.ok, false, `${JSON.stringify(text)} was accepted`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(
    errorCodeName(r.error.code),
    errorCodeName(code),
    `${JSON.stringify(text)}: ${r.error.describe()}`,
  );
  assert.doesNotMatch(r.error.message, /[\r\n]/);
  return r.error;
}

/** Format, parse back, compare. Unknown tokens are ignored on parse and not written back. */
function assertRoundTrip(uri: DppUri): string {
  const text = formatDppUri(uri);
  assert.deepEqual(parsed(text), { ...uri, unknownTokens: [] }, text);
  return text;
}

describe('DPP URI', () => {
  describe('valid URIs round-trip (parse, format, parse equal)', () => {
    const valid: string[] = [
      // hostap tests/hwsim/test_dpp.py test_dpp_qr_code_parsing
      `DPP:C:81/1,115/36;K:${KEY_A};;`,
      `DPP:C:81/1,81/2,81/3,81/4,81/5,81/6,81/7,81/8,81/9,81/10,81/11,81/12,81/13,82/14,83/1,83/2,83/3,83/4,83/5,83/6,83/7,83/8,83/9,84/5,84/6,84/7,84/8,84/9,84/10,84/11,84/12,84/13,115/36;K:${KEY_A};;`,
      `DPP:C:81/1,2,3,4,5,6,7,8,9,10,11,12,13,82/14,83/1,2,3,4,5,6,7,8,9,84/5,6,7,8,9,10,11,12,13,115/36;K:${KEY_A};;`,
      `DPP:C:81/1,2,3;K:${KEY_A};;`,
      `DPP:H:192.168.1.1;M:010203040506;K:${KEY_B};;`,
      `DPP:H:192.168.1.1:12345;M:010203040506;K:${KEY_B};;`,
      `DPP:H:fe80::1234:5678:9abc:def0;M:010203040506;K:${KEY_B};;`,
      `DPP:H:[fe80::1234:5678:9abc:def0]:12345;M:010203040506;K:${KEY_B};;`,
      `DPP:I:SN=4774LH2b4044;M:010203040506;K:${KEY_B};;`,
      `DPP:I:;M:010203040506;K:${KEY_B};;`,
      // hostap dpp_bootstrap_gen(chan="81/1,115/36", mac="010203040506", info="foo"), V:2 build
      `DPP:C:81/1,115/36;M:010203040506;I:foo;V:2;K:${KEY_B};;`,
      // hostap test_dpp_uri_supported_curves output forms
      `DPP:V:3;B:f3;K:${KEY_A};;`,
      `DPP:V:3;B:01;K:${KEY_A};;`,
      // iwd unit/test-dpp.c all_values
      `DPP:C:81/1,115/36;I:SN=4774LH2b4044;M:5254005828e5;V:2;K:${KEY_B};;`,
      // field notes
      `DPP:K:${KEY_A};;`,
      // the key of hostap's invalid channel cases, on its own
      `DPP:K:${KEY_C};;`,
    ];
    for (const text of valid) {
      it(text.length > 90 ? `${text.slice(0, 90)}…` : text, () => {
        assertRoundTrip(parsed(text));
      });
    }

    it('reads every field of a URI with all tokens', () => {
      const uri = parsed(
        `DPP:C:81/1,6,115/36;M:5254005828E5;I:SN=4774LH2b4044;V:2;B:12;H:[fe80::1]:8908;K:${KEY_A};;`,
      );
      assert.deepEqual(uri.channels, [
        { opClass: 81, channel: 1 },
        { opClass: 81, channel: 6 },
        { opClass: 115, channel: 36 },
      ]);
      assert.deepEqual(uri.mac, Uint8Array.of(0x52, 0x54, 0x00, 0x58, 0x28, 0xe5));
      assert.equal(uri.info, 'SN=4774LH2b4044');
      assert.equal(uri.version, 2);
      assert.equal(uri.supportedCurves, 0x21);
      assert.equal(uri.host, '[fe80::1]:8908');
      assert.deepEqual(uri.unknownTokens, []);
      assert.deepEqual(uri.key, parseBootstrapKey(new Uint8Array(Buffer.from(KEY_A, 'base64'))));
    });

    it("formats in hostap's token order C, M, I, V, B, H, K with explicit class/channel pairs", () => {
      const uri = parsed(`DPP:K:${KEY_A};H:10.0.0.1:7000;B:1;V:2;I:foo;M:0A0B0C0D0E0F;C:81/1,6;;`);
      assert.equal(
        formatDppUri(uri),
        `DPP:C:81/1,81/6;M:0a0b0c0d0e0f;I:foo;V:2;B:1;H:10.0.0.1:7000;K:${KEY_A};;`,
      );
    });

    it("reads and writes B: with hostap's nibble order (test_dpp_uri_supported_curves)", () => {
      const table: Array<[string, number]> = [
        ['1', 0x01], // P-256
        ['2', 0x02], // P-384
        ['4', 0x04], // P-521
        ['8', 0x08], // BP-256
        ['01', 0x10], // BP-384
        ['02', 0x20], // BP-512
        ['7', 0x07],
        ['12', 0x21], // P-256 + BP-512
        ['31', 0x13],
        ['f3', 0x3f],
      ];
      for (const [text, bitmap] of table) {
        const uri = parsed(`DPP:B:${text};K:${KEY_A};;`);
        assert.equal(uri.supportedCurves, bitmap, text);
        assert.equal(formatDppUri(uri), `DPP:B:${text};K:${KEY_A};;`);
      }
      assert.equal(parsed(`DPP:B:F3;K:${KEY_A};;`).supportedCurves, 0x3f);
      assert.equal(parsed(`DPP:B:0;K:${KEY_A};;`).supportedCurves, 0);
    });

    it('accepts the host forms of hostap test_dpp_uri_host and DNS names', () => {
      for (const host of [
        '192.168.1.1',
        '192.168.1.1:12345',
        'fe80::1234:5678:9abc:def0',
        '[fe80::1234:5678:9abc:def0]:12345',
        '[::ffff:192.0.2.1]',
        'configurator.example.com',
        'configurator.example.com:8908',
        'localhost:1',
      ]) {
        assert.equal(parsed(`DPP:H:${host};K:${KEY_A};;`).host, host);
      }
    });

    it('keeps an uncompressed DER key byte for byte', () => {
      const pair = generateKeyPair();
      const der = Buffer.concat([
        Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
        Buffer.from([4]),
        pair.publicKey,
      ]);
      const uri = parsed(`DPP:K:${der.toString('base64')};;`);
      assert.deepEqual(uri.key.der, new Uint8Array(der));
      assertRoundTrip(uri);
    });
  });

  describe('refuses the invalid URIs of hostap and iwd with their codes', () => {
    const invalid: Array<[string, string, ErrorCode]> = [
      // hostap test_dpp_qr_code_parsing
      ['hostap: not a URI', 'foo', ErrorCode.UriSyntax],
      ['hostap: prefix only', 'DPP:', ErrorCode.UriSyntax],
      ['hostap: no tokens', 'DPP:;;', ErrorCode.UriMissingKey],
      ['hostap: K without ":"', 'DPP:C:1/2;M:;K;;', ErrorCode.UriSyntax],
      ['hostap: 11-digit MAC', `DPP:I:;M:01020304050;K:${KEY_B};;`, ErrorCode.UriBadMac],
      [
        'hostap: key is base64 of "hello"',
        `DPP:K:${Buffer.from('hello').toString('base64')};;`,
        ErrorCode.KeyBadEncoding,
      ],
      [
        'hostap: P-192 key',
        'DPP:K:MEkwEwYHKoZIzj0CAQYIKoZIzj0DAQEDMgAEXiJuIWt1Q/CPCkuULechh37UsXPmbUANOeN5U9sOQROE4o/NEFeFEejROHYwwehF;;',
        ErrorCode.UriUnsupportedCurve,
      ],
      [
        'hostap: RSA key',
        'DPP:K:MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANNZaZA4T/kRDjnmpI1ACOJhAuTIIEk2KFOpS6XPpGF+EVr/ao3XemkE0/nzXmGaLzLqTUCJknSdxTnVPeWfCVsCAwEAAQ==;;',
        ErrorCode.UriUnsupportedCurve,
      ],
      [
        'hostap: explicit curve parameters',
        'DPP:K:MIIBCjCB0wYHKoZIzj0CATCBxwIBATAkBgcqhkjOPQEBAhkA/////////////////////v//////////MEsEGP////////////////////7//////////AQYZCEFGeWcgOcPp+mrciQwSf643uzBRrmxAxUAMEWub8hCL2TtV5Uo04Eg6uEhltUEMQQYjagOsDCQ9ny/IOtDoYgA9P8K/YL/EBIHGSuV/8jaeGMQEe1rJM3Vc/l3oR55SBECGQD///////////////+Z3vg2FGvJsbTSKDECAQEDMgAEXiJuIWt1Q/CPCkuULechh37UsXPmbUANOeN5U9sOQROE4o/NEFeFEejROHYwwehF;;',
        ErrorCode.UriUnsupportedCurve,
      ],
      ['hostap: tab in I:', `DPP:I:foo\tbar;M:010203040506;K:${KEY_B};;`, ErrorCode.UriBadInfo],
      ['hostap: channel without class', `DPP:C:1;K:${KEY_C};;`, ErrorCode.UriBadChannel],
      ['hostap: letter after channel', `DPP:C:81/1a;K:${KEY_C};;`, ErrorCode.UriBadChannel],
      ['hostap: channel 2000, -1', `DPP:C:1/2000,81/-1;K:${KEY_C};;`, ErrorCode.UriBadChannel],
      ['hostap: class -1', `DPP:C:-1/1;K:${KEY_C};;`, ErrorCode.UriBadChannel],
      // iwd unit/test-dpp.c
      ['iwd no_type', 'C:81/1;K:shouldnotmatter;;', ErrorCode.UriSyntax],
      ['iwd empty', 'DPP:', ErrorCode.UriSyntax],
      [
        'iwd no_key',
        'DPP:C:81/1,115/36;I:SN=4774LH2b4044;M:5254005828e5;V:2;;',
        ErrorCode.UriMissingKey,
      ],
      ['iwd data_after_terminator', `DPP:K:${KEY_B};;C:81/1;;`, ErrorCode.UriSyntax],
      ['iwd single_terminator', `DPP:K:${KEY_B};`, ErrorCode.UriSyntax],
      ['iwd no_terminator', `DPP:K:${KEY_B}`, ErrorCode.UriSyntax],
      ['iwd bad_key (truncated base64)', `DPP:K:${KEY_B.slice(0, 73)};;`, ErrorCode.UriBadKey],
      ['iwd bad_channels "C:"', `DPP:C:;K:${KEY_B};;`, ErrorCode.UriBadChannel],
      ['iwd bad_channels "C:81"', `DPP:C:81;K:${KEY_B};;`, ErrorCode.UriBadChannel],
      ['iwd bad_channels "C:81/"', `DPP:C:81/;K:${KEY_B};;`, ErrorCode.UriBadChannel],
      ['iwd bad_channels "C:81/1,81/"', `DPP:C:81/1,81/;K:${KEY_B};;`, ErrorCode.UriBadChannel],
      ['iwd bad_channels "C:81/1,/"', `DPP:C:81/1,/;K:${KEY_B};;`, ErrorCode.UriBadChannel],
      ['iwd duplicate K', `DPP:K:${KEY_B};K:${KEY_B};;`, ErrorCode.UriDuplicateToken],
      ['iwd duplicate C', 'DPP:C:81/1,115/36;C:81/1,115/36;;', ErrorCode.UriDuplicateToken],
      ['iwd duplicate M', 'DPP:M:5254005828e5;M:5254005828e5;;', ErrorCode.UriDuplicateToken],
      ['iwd duplicate V', 'DPP:V:2;V:2;;', ErrorCode.UriDuplicateToken],
    ];
    for (const [name, text, code] of invalid) {
      it(`${name}: ${errorCodeName(code)}`, () => {
        refusedWith(text, code);
      });
    }
  });

  describe('policy', () => {
    it('unknown single-letter token: accepted, ignored, its name listed', () => {
      // iwd's unexpected_id case; iwd refuses it, hostap ignores it, and so do we.
      const uri = parsed(`DPP:Z:somedata;K:${KEY_B};;`);
      assert.deepEqual(uri.unknownTokens, ['Z']);
      assert.deepEqual(parsed(`DPP:Q:;C:81/1;Z:x y;K:${KEY_B};;`).unknownTokens, ['Q', 'Z']);
      assert.doesNotMatch(assertRoundTrip(uri), /Z:/, 'not written back');
    });

    it('unknown token with a non-printable value: UriSyntax', () => {
      refusedWith(`DPP:Z:a\u0001b;K:${KEY_B};;`, ErrorCode.UriSyntax);
    });

    it('malformed token (no ":", lowercase, two letters, digit, empty): UriSyntax', () => {
      for (const token of ['K', 'k:x', 'KK:x', '1:x', ':x', '']) {
        const e = refusedWith(`DPP:${token};K:${KEY_A};;`, ErrorCode.UriSyntax);
        if (token !== '') assert.match(e.message, new RegExp(JSON.stringify(token)));
      }
    });

    it('duplicate token, known or unknown: UriDuplicateToken', () => {
      for (const dup of ['C:81/1;C:81/6', 'I:a;I:a', 'H:1.2.3.4;H:1.2.3.4', 'B:1;B:1', 'Z:1;Z:2']) {
        const e = refusedWith(`DPP:${dup};K:${KEY_A};;`, ErrorCode.UriDuplicateToken);
        assert.match(e.message, new RegExp(`${dup[0]}:`));
      }
    });

    it('prefix is case-sensitive and mandatory: UriSyntax', () => {
      refusedWith(`dpp:K:${KEY_A};;`, ErrorCode.UriSyntax);
      refusedWith(`K:${KEY_A};;`, ErrorCode.UriSyntax);
      refusedWith(` DPP:K:${KEY_A};;`, ErrorCode.UriSyntax);
    });

    it('missing ";;": UriSyntax', () => {
      refusedWith(`DPP:K:${KEY_A};`, ErrorCode.UriSyntax);
      refusedWith(`DPP:K:${KEY_A}`, ErrorCode.UriSyntax);
    });

    it('data after ";;", even whitespace: UriSyntax', () => {
      for (const after of ['\n', ' ', ';', 'C:81/1;;', '\r\n']) {
        const e = refusedWith(`DPP:K:${KEY_A};;${after}`, ErrorCode.UriSyntax);
        assert.match(e.message, /after/);
      }
    });

    it('stray ";" inside the URI: UriSyntax', () => {
      refusedWith(`DPP:;K:${KEY_A};;`, ErrorCode.UriSyntax);
      refusedWith(`DPP:C:81/1;;K:${KEY_A};;`, ErrorCode.UriSyntax);
    });

    it('trailing comma in C: accepted, the empty element ignored', () => {
      const uri = parsed(`DPP:C:81/1,115/36,;K:${KEY_A};;`);
      assert.deepEqual(uri.channels, [
        { opClass: 81, channel: 1 },
        { opClass: 115, channel: 36 },
      ]);
      assertRoundTrip(uri);
    });

    it('other empty C: elements and malformed pairs: UriBadChannel', () => {
      for (const list of [
        '81/1,,115/36',
        ',81/1',
        ',',
        '81/1,,',
        '81/0',
        '0/1',
        '256/1',
        '81/256',
        '81/0001',
        '81//1',
        '81/1/2',
        '81/ 1',
        '+81/1',
        '81/0x1',
      ]) {
        const e = refusedWith(`DPP:C:${list};K:${KEY_A};;`, ErrorCode.UriBadChannel);
        assert.match(e.message, /^C: /);
      }
    });

    it('missing K: UriMissingKey', () => {
      refusedWith('DPP:C:81/1;M:010203040506;;', ErrorCode.UriMissingKey);
    });

    it('bad base64 in K: UriBadKey', () => {
      for (const b64 of [
        '',
        `${KEY_A.slice(0, -1)}`, // padding missing
        `${KEY_A}=`, // too much padding
        KEY_A.replace('+', '-'), // base64url alphabet
        KEY_A.replace('/', '_'),
        `${KEY_A.slice(0, 20)} ${KEY_A.slice(20)}`,
        `${KEY_A.slice(0, 20)}=${KEY_A.slice(21)}`, // "=" inside
        'QR==', // non-zero pad bits
      ]) {
        const e = refusedWith(`DPP:K:${b64};;`, ErrorCode.UriBadKey);
        assert.match(e.message, /^K: /);
      }
    });

    it('key errors keep the codes of parseBootstrapKey', () => {
      const p384 =
        'MEYwEAYHKoZIzj0CAQYFK4EEACIDMgAC703o1ALzgCW7SbOwNMIOdOUPEsMMHTNMfBHo6hy5Pb8UeODOBHYg8i5wwOzZsGy6';
      refusedWith(`DPP:K:${p384};;`, ErrorCode.UriUnsupportedCurve);
      refusedWith(
        `DPP:K:${Buffer.from([0x30, 0x00]).toString('base64')};;`,
        ErrorCode.KeyBadEncoding,
      );
      refusedWith(`DPP:K:${KEY_OFF_CURVE};;`, ErrorCode.KeyNotOnCurve);
    });
  });

  describe('token values', () => {
    it('M: 12 hex digits, either case, nothing else', () => {
      assert.deepEqual(
        parsed(`DPP:M:aAbBcCdDeEfF;K:${KEY_A};;`).mac,
        Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff),
      );
      for (const mac of ['', 'aabbccddeef', 'aabbccddeeff0', 'aa:bb:cc:dd:ee:ff', 'gabbccddeeff']) {
        refusedWith(`DPP:M:${mac};K:${KEY_A};;`, ErrorCode.UriBadMac);
      }
    });

    it('I: printable ASCII, possibly empty', () => {
      const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))
        .join('')
        .replace(';', '');
      assert.equal(parsed(`DPP:I:${all};K:${KEY_A};;`).info, all);
      assert.equal(parsed(`DPP:I:;K:${KEY_A};;`).info, '');
      for (const bad of ['\u007f', 'caf\u00e9', '\u0000', 'a\nb']) {
        refusedWith(`DPP:I:${bad};K:${KEY_A};;`, ErrorCode.UriBadInfo);
      }
    });

    it('V: decimal 1..255', () => {
      assert.equal(parsed(`DPP:V:255;K:${KEY_A};;`).version, 255);
      for (const v of ['', '0', '256', '2a', '-1', '1000', ' 2']) {
        refusedWith(`DPP:V:${v};K:${KEY_A};;`, ErrorCode.UriBadVersion);
      }
    });

    it('B: 1 to 8 hex digits', () => {
      assert.equal(parsed(`DPP:B:ffffffff;K:${KEY_A};;`).supportedCurves, 0xffffffff);
      for (const b of ['', 'g', '1 ', '123456789', '0x1']) {
        refusedWith(`DPP:B:${b};K:${KEY_A};;`, ErrorCode.UriBadSupportedCurves);
      }
    });

    it('H: refuses what is not IPv4, [IPv6] or a DNS name with a valid port', () => {
      for (const host of [
        '',
        '1.2.3',
        '256.1.1.1',
        '01.2.3.4',
        '1.2.3.4:0',
        '1.2.3.4:65536',
        '1.2.3.4:',
        '[fe80::1',
        '[fe80::1]x',
        '[fe80::1]:',
        '[example.com]',
        'fe80::1::2',
        'fe80::1%eth0',
        '-bad.example.com',
        'under_score.example.com',
        'example..com',
        'example.com.',
        'a'.repeat(64) + '.com',
        'host name',
        ':8908',
      ]) {
        refusedWith(`DPP:H:${host};K:${KEY_A};;`, ErrorCode.UriBadHost);
      }
    });

    it('checks values in the order C, M, I, V, B, H, K', () => {
      refusedWith(`DPP:K:${KEY_OFF_CURVE};H:x_y;B:g;V:0;I:\t;M:1;C:0/0;;`, ErrorCode.UriBadChannel);
      refusedWith(`DPP:K:${KEY_OFF_CURVE};H:x_y;B:g;V:0;I:\t;M:1;;`, ErrorCode.UriBadMac);
      refusedWith(`DPP:K:${KEY_OFF_CURVE};H:x_y;B:g;V:0;I:\t;;`, ErrorCode.UriBadInfo);
      refusedWith(`DPP:K:${KEY_OFF_CURVE};H:x_y;B:g;V:0;;`, ErrorCode.UriBadVersion);
      refusedWith(`DPP:K:${KEY_OFF_CURVE};H:x_y;B:g;;`, ErrorCode.UriBadSupportedCurves);
      refusedWith(`DPP:K:${KEY_OFF_CURVE};H:x_y;;`, ErrorCode.UriBadHost);
    });

    it('messages are one line and escape what they echo', () => {
      const e = refusedWith(
        `DPP:C:81/1\u2028\n${'9'.repeat(500)};K:${KEY_A};;`,
        ErrorCode.UriBadChannel,
      );
      assert.match(e.message, /\\u2028\\n/);
      assert.ok(e.message.length < 200, e.message);
    });
  });

  describe('formatDppUri', () => {
    const base = parsed(`DPP:K:${KEY_A};;`);
    const refusals: Array<[string, Partial<DppUri>, ErrorCode]> = [
      ['channel 0', { channels: [{ opClass: 81, channel: 0 }] }, ErrorCode.UriBadChannel],
      ['class 256', { channels: [{ opClass: 256, channel: 1 }] }, ErrorCode.UriBadChannel],
      ['5-byte MAC', { mac: new Uint8Array(5) }, ErrorCode.UriBadMac],
      ['";" in info', { info: 'a;K:x' }, ErrorCode.UriBadInfo],
      ['version 0', { version: 0 }, ErrorCode.UriBadVersion],
      ['bitmap -1', { supportedCurves: -1 }, ErrorCode.UriBadSupportedCurves],
      ['host with ";"', { host: 'a;b' }, ErrorCode.UriBadHost],
    ];
    for (const [name, change, code] of refusals) {
      it(`refuses to write ${name}: ${errorCodeName(code)}`, () => {
        assert.throws(
          () => formatDppUri({ ...base, ...change }),
          (e: unknown) => isConfiguratorError(e, code),
        );
      });
    }

    it('refuses a key whose point does not match its DER', () => {
      const other = encodeBootstrapKey(generateKeyPair().publicKey);
      assert.throws(
        () => formatDppUri({ ...base, key: { der: base.key.der, point: other.point } }),
        (e: unknown) => isConfiguratorError(e, ErrorCode.KeyBadEncoding),
      );
    });
  });

  it('describeDppUri gives the CLI object', () => {
    const uri = parsed(`DPP:C:81/1;M:5254005828E5;I:x;V:2;H:h.example;K:${KEY_A};;`);
    assert.deepEqual(describeDppUri(uri), {
      keyHash: 'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302',
      chirpHash: '826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3',
      curve: 'P-256',
      channels: [{ opClass: 81, channel: 1 }],
      mac: '52:54:00:58:28:e5',
      info: 'x',
      version: 2,
      host: 'h.example',
    });
  });

  describe('properties', () => {
    const keys = Array.from({ length: 4 }, () => encodeBootstrapKey(generateKeyPair().publicKey));
    const uncompressed = generateKeyPair();
    keys.push(
      parseBootstrapKey(
        new Uint8Array(
          Buffer.concat([
            Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
            Buffer.from([4]),
            uncompressed.publicKey,
          ]),
        ),
      ),
    );
    const byte = fc.integer({ min: 1, max: 255 });
    const port = fc.integer({ min: 1, max: 65535 });
    const withPort = (host: fc.Arbitrary<string>): fc.Arbitrary<string> =>
      fc.tuple(host, port).map(([h, p]) => `${h}:${p}`);
    const host = fc.oneof(
      fc.ipV4(),
      withPort(fc.ipV4()),
      fc.ipV6(),
      fc.ipV6().map((a) => `[${a}]`),
      withPort(fc.ipV6().map((a) => `[${a}]`)),
      fc.domain(),
      withPort(fc.domain()),
    );
    const printable = fc
      .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
      .map((s) => s.replaceAll(';', ''));
    const unknownName = fc.constantFrom(...'ADEFGJLNOPQRSTUWXYZ'.split(''));
    const uriArb: fc.Arbitrary<DppUri> = fc
      .record({
        key: fc.constantFrom(...keys),
        channels: fc.array(fc.record({ opClass: byte, channel: byte }), { maxLength: 8 }),
        mac: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 }), { nil: null }),
        info: fc.option(printable, { nil: null }),
        version: fc.option(byte, { nil: null }),
        host: fc.option(host, { nil: null }),
        supportedCurves: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }),
        unknownTokens: fc.uniqueArray(unknownName, { maxLength: 3 }),
      })
      .map((r) => ({ ...r, channels: r.channels.map((ch) => ({ ...ch })) })); // plain prototypes for deepEqual

    it('random valid DppUri values format and parse back equal (unknown tokens are not written)', () => {
      fc.assert(
        fc.property(uriArb, (uri) => {
          assert.deepEqual(parsed(formatDppUri(uri)), { ...uri, unknownTokens: [] });
        }),
        { numRuns: 500 },
      );
    });

    const fragments = fc.constantFrom(
      'DPP:',
      ';',
      ';;',
      ':',
      ',',
      '/',
      'C:',
      'M:',
      'I:',
      'K:',
      'V:',
      'B:',
      'H:',
      'Z:',
      '81/1',
      '115/36',
      '5254005828e5',
      '[fe80::1]:80',
      '1.2.3.4',
      KEY_A,
      KEY_B,
      KEY_C,
      KEY_OFF_CURVE,
      '=',
      '\u0000',
      '\n',
      'é',
    );
    const uriish = fc.array(fragments, { maxLength: 12 }).map((parts) => parts.join(''));

    it('random strings never throw, and give a one-line URI error or a URI that round-trips', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), uriish), (text) => {
          const r = parseDppUri(text);
          if (r.ok) {
            assertRoundTrip(r.value);
          } else {
            assert.ok(r.error instanceof ConfiguratorError);
            assert.ok(r.error.code >= 200 && r.error.code < 300, r.error.describe());
            assert.doesNotMatch(r.error.message, /[\r\n]/);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
