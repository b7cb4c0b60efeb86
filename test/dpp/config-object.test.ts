/**
 * Configuration Object, Configuration Request ("configAttrib") and Connection Status JSON:
 * hostap's encodings parse, ours match them byte for byte, the `lwm2m_bundle` and `deviceInfo`
 * extensions, and every refusal with its code.
 */
import assert from 'node:assert/strict';
import { utf8 } from '../../protocol/bytes.js';
import {
  encodeConfigurationObject,
  encodeConfigurationRequest,
  encodeConnectionStatus,
  MAX_JSON_LEN,
  MAX_LWM2M_BUNDLE_LEN,
  parseConfigurationObject,
  parseConfigurationRequest,
  parseConnectionStatus,
  type ConfigurationObject,
} from '../../protocol/dpp/config-object.js';
import { ErrorCode, errorCodeName } from '../../protocol/errors.js';
import { expectThrowsCode } from '../support/dpp-fixtures.js';

const td = new TextDecoder();
const PSK_HEX = '0123456789abcdef'.repeat(4);

function text(bytes: Uint8Array): string {
  return td.decode(bytes);
}

/** A Configuration Object as JSON text with the given members over a valid psk one. */
function objectJson(members: Record<string, unknown>): Uint8Array {
  return utf8(
    JSON.stringify({
      'wi-fi_tech': 'infra',
      discovery: { ssid: 'test' },
      cred: { akm: 'psk', pass: 'secret passphrase' },
      ...members,
    }),
  );
}

function bundleOf(length: number): string {
  return Buffer.from(new Uint8Array(length).map((_, i) => i & 0xff)).toString('base64url');
}

describe('Configuration Object', () => {
  describe("hostap's encodings", () => {
    const forms: Array<{ name: string; json: string; value: ConfigurationObject }> = [
      {
        name: 'psk passphrase',
        json: '{"wi-fi_tech":"infra","discovery":{"ssid":"test"},"cred":{"akm":"psk","pass":"secret passphrase"}}',
        value: { ssid: utf8('test'), credential: { akm: 'psk', pass: 'secret passphrase' } },
      },
      {
        name: 'psk_hex',
        json: `{"wi-fi_tech":"infra","discovery":{"ssid":"test"},"cred":{"akm":"psk","psk_hex":"${PSK_HEX}"}}`,
        value: { ssid: utf8('test'), credential: { akm: 'psk', pskHex: PSK_HEX } },
      },
      {
        name: 'sae',
        json: '{"wi-fi_tech":"infra","discovery":{"ssid":"test"},"cred":{"akm":"sae","pass":"secret passphrase"}}',
        value: { ssid: utf8('test'), credential: { akm: 'sae', pass: 'secret passphrase' } },
      },
      {
        name: 'psk+sae',
        json: '{"wi-fi_tech":"infra","discovery":{"ssid":"test"},"cred":{"akm":"psk+sae","pass":"secret passphrase"}}',
        value: { ssid: utf8('test'), credential: { akm: 'psk+sae', pass: 'secret passphrase' } },
      },
      {
        name: 'ssid64 for a non-UTF-8 SSID',
        json: '{"wi-fi_tech":"infra","discovery":{"ssid64":"_-7_AA"},"cred":{"akm":"psk","pass":"secret passphrase"}}',
        value: {
          ssid: Uint8Array.of(0xff, 0xee, 0xff, 0x00),
          credential: { akm: 'psk', pass: 'secret passphrase' },
        },
      },
    ];
    for (const f of forms) {
      it(`parses hostap's ${f.name} form`, () => {
        assert.deepStrictEqual(parseConfigurationObject(utf8(f.json)), f.value);
      });
      it(`encodes ${f.name} exactly as hostap does`, () => {
        assert.equal(text(encodeConfigurationObject(f.value)), f.json);
      });
    }

    it('parses a UTF-8 SSID with characters JSON escapes', () => {
      const o = parseConfigurationObject(
        utf8(
          '{"wi-fi_tech":"infra","discovery":{"ssid":"caf\u00e9 \\"5G\\""},"cred":{"akm":"psk","pass":"secret passphrase"}}',
        ),
      );
      assert.deepStrictEqual(o.ssid, utf8('café "5G"'));
    });

    it('round-trips SSIDs that are UTF-8 but not ASCII, and ASCII with JSON escapes', () => {
      for (const name of ['café "5G"', 'back\\slash', 'Ünïcödé-网络', 'tab\there', '😀']) {
        const obj: ConfigurationObject = {
          ssid: utf8(name),
          credential: { akm: 'psk', pass: 'secret passphrase' },
        };
        assert.deepStrictEqual(parseConfigurationObject(encodeConfigurationObject(obj)), obj);
      }
    });

    it('accepts ssid64 with base64 padding, as some implementations send it', () => {
      const o = parseConfigurationObject(objectJson({ discovery: { ssid64: 'dGVzdA==' } }));
      assert.deepStrictEqual(o.ssid, utf8('test'));
    });

    it('writes psk_hex in lower case', () => {
      const json = encodeConfigurationObject({
        ssid: utf8('test'),
        credential: { akm: 'psk', pskHex: PSK_HEX.toUpperCase() },
      });
      assert.match(text(json), new RegExp(`"psk_hex":"${PSK_HEX}"`));
    });

    it('ignores unknown members at every level', () => {
      const o = parseConfigurationObject(
        utf8(
          JSON.stringify({
            'wi-fi_tech': 'infra',
            discovery: { ssid: 'test', 'x-vendor': [1, 2] },
            cred: { akm: 'psk', pass: 'secret passphrase', signedConnector: 'ignored' },
            mudurl: 'https://example.com/mud',
            csrAttrs: 'MAA',
            extra: { nested: true },
          }),
        ),
      );
      assert.deepStrictEqual(o, {
        ssid: utf8('test'),
        credential: { akm: 'psk', pass: 'secret passphrase' },
      });
    });

    it('keeps an SSID that begins with a UTF-8 byte order mark (EF BB BF) intact', () => {
      // SSIDs are bytes; a leading EF BB BF is part of the name, not a text marker.
      const ssid = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
      const obj: ConfigurationObject = { ssid, credential: { akm: 'psk', pass: '12345678' } };
      assert.deepStrictEqual(parseConfigurationObject(encodeConfigurationObject(obj)).ssid, ssid);
      const onlyBom: ConfigurationObject = { ...obj, ssid: Uint8Array.of(0xef, 0xbb, 0xbf) };
      assert.deepStrictEqual(
        parseConfigurationObject(encodeConfigurationObject(onlyBom)).ssid,
        onlyBom.ssid,
      );
    });

    it('carries 1- and 32-byte SSIDs', () => {
      for (const ssid of [utf8('x'), utf8('y'.repeat(32)), new Uint8Array(32).fill(0xff)]) {
        const obj: ConfigurationObject = { ssid, credential: { akm: 'psk', pass: '12345678' } };
        assert.deepStrictEqual(parseConfigurationObject(encodeConfigurationObject(obj)), obj);
      }
    });
  });

  describe('lwm2m_bundle extension', () => {
    it('is base64url without padding, after the standard members', () => {
      const obj: ConfigurationObject = {
        ssid: utf8('test'),
        credential: { akm: 'psk', pass: 'secret passphrase' },
        lwm2mBundle: Uint8Array.of(0xfb, 0xff, 0xfe, 0x81),
      };
      const json = text(encodeConfigurationObject(obj));
      assert.equal(
        json,
        '{"wi-fi_tech":"infra","discovery":{"ssid":"test"},"cred":{"akm":"psk","pass":"secret passphrase"},"lwm2m_bundle":"-__-gQ"}',
      );
      assert.deepStrictEqual(parseConfigurationObject(utf8(json)), obj);
    });

    it(`accepts a bundle of exactly ${MAX_LWM2M_BUNDLE_LEN} bytes`, () => {
      const o = parseConfigurationObject(
        objectJson({ lwm2m_bundle: bundleOf(MAX_LWM2M_BUNDLE_LEN) }),
      );
      assert.equal(o.lwm2mBundle?.length, MAX_LWM2M_BUNDLE_LEN);
    });

    it('accepts a padded bundle', () => {
      const o = parseConfigurationObject(objectJson({ lwm2m_bundle: 'AAE=' }));
      assert.deepStrictEqual(o.lwm2mBundle, Uint8Array.of(0, 1));
    });

    for (const extra of [1, 2, 3, 100]) {
      it(`refuses a bundle of ${MAX_LWM2M_BUNDLE_LEN} + ${extra} bytes (ConfigTooLarge)`, () => {
        expectThrowsCode(
          () =>
            parseConfigurationObject(
              objectJson({ lwm2m_bundle: bundleOf(MAX_LWM2M_BUNDLE_LEN + extra) }),
            ),
          ErrorCode.ConfigTooLarge,
        );
      });
    }

    it('refuses to encode a bundle over the limit (ConfigTooLarge)', () => {
      expectThrowsCode(
        () =>
          encodeConfigurationObject({
            ssid: utf8('test'),
            credential: { akm: 'psk', pass: 'secret passphrase' },
            lwm2mBundle: new Uint8Array(MAX_LWM2M_BUNDLE_LEN + 1),
          }),
        ErrorCode.ConfigTooLarge,
      );
    });

    it('refuses an empty bundle (ConfigBadObject)', () => {
      expectThrowsCode(
        () => parseConfigurationObject(objectJson({ lwm2m_bundle: '' })),
        ErrorCode.ConfigBadObject,
      );
    });

    it('does not encode an empty bundle that its own parser would refuse', () => {
      const obj: ConfigurationObject = {
        ssid: utf8('test'),
        credential: { akm: 'psk', pass: 'secret passphrase' },
        lwm2mBundle: new Uint8Array(0),
      };
      // Either refused at encoding or left out; never a member the parser refuses.
      let json: Uint8Array | undefined;
      try {
        json = encodeConfigurationObject(obj);
      } catch {
        return;
      }
      assert.doesNotThrow(() => parseConfigurationObject(json));
    });

    for (const [name, value] of [
      ['standard base64 characters', 'ab+/'],
      ['a length of 4n+1', 'AAAAA'],
      ['a number', 42],
    ] as const) {
      it(`refuses a bundle with ${name} (ConfigBadObject)`, () => {
        expectThrowsCode(
          () => parseConfigurationObject(objectJson({ lwm2m_bundle: value })),
          ErrorCode.ConfigBadObject,
        );
      });
    }
  });

  describe('refusals', () => {
    const tooLarge = utf8(
      JSON.stringify({
        'wi-fi_tech': 'infra',
        discovery: { ssid: 'test' },
        cred: { akm: 'psk', pass: 'secret passphrase' },
        pad: 'x'.repeat(MAX_JSON_LEN),
      }),
    );
    const cases: Array<{ name: string; json: Uint8Array; code: ErrorCode }> = [
      {
        name: 'wi-fi_tech "map"',
        json: objectJson({ 'wi-fi_tech': 'map' }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'wi-fi_tech missing',
        json: objectJson({ 'wi-fi_tech': undefined }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'wi-fi_tech not a string',
        json: objectJson({ 'wi-fi_tech': 1 }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'discovery missing',
        json: objectJson({ discovery: undefined }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'discovery an array',
        json: objectJson({ discovery: [] }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'both ssid and ssid64',
        json: objectJson({ discovery: { ssid: 'test', ssid64: 'dGVzdA' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'neither ssid nor ssid64',
        json: objectJson({ discovery: {} }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'empty ssid',
        json: objectJson({ discovery: { ssid: '' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'ssid of 33 bytes',
        json: objectJson({ discovery: { ssid: 'x'.repeat(33) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'ssid of 11 characters but 33 UTF-8 bytes',
        json: objectJson({ discovery: { ssid: '中'.repeat(11) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'ssid64 of 33 bytes',
        json: objectJson({ discovery: { ssid64: bundleOf(33) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'ssid64 not base64url',
        json: objectJson({ discovery: { ssid64: 'a b' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'ssid not a string',
        json: objectJson({ discovery: { ssid: 7 } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'cred missing',
        json: objectJson({ cred: undefined }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'akm missing',
        json: objectJson({ cred: { pass: 'secret passphrase' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'passphrase of 7 characters',
        json: objectJson({ cred: { akm: 'psk', pass: '1234567' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'passphrase of 64 characters',
        json: objectJson({ cred: { akm: 'psk', pass: 'p'.repeat(64) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'non-ASCII passphrase',
        json: objectJson({ cred: { akm: 'psk', pass: 'pässwörter' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'passphrase with a control character',
        json: objectJson({ cred: { akm: 'psk', pass: 'secret\tpassphrase' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'psk+sae passphrase of 7 characters',
        json: objectJson({ cred: { akm: 'psk+sae', pass: '1234567' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'empty SAE password',
        json: objectJson({ cred: { akm: 'sae', pass: '' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'SAE password of 129 bytes',
        json: objectJson({ cred: { akm: 'sae', pass: 's'.repeat(129) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'psk_hex of 63 digits',
        json: objectJson({ cred: { akm: 'psk', psk_hex: PSK_HEX.slice(1) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'psk_hex with a non-hex digit',
        json: objectJson({ cred: { akm: 'psk', psk_hex: 'g' + PSK_HEX.slice(1) } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'psk_hex with akm sae',
        json: objectJson({ cred: { akm: 'sae', psk_hex: PSK_HEX } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'both pass and psk_hex',
        json: objectJson({ cred: { akm: 'psk', pass: 'secret passphrase', psk_hex: PSK_HEX } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'psk without pass or psk_hex',
        json: objectJson({ cred: { akm: 'psk' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'akm dpp',
        json: objectJson({ cred: { akm: 'dpp', signedConnector: 'x' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'akm dpp+psk+sae',
        json: objectJson({ cred: { akm: 'dpp+psk+sae', pass: 'secret passphrase' } }),
        code: ErrorCode.ConfigBadObject,
      },
      {
        name: 'unknown akm "owe"',
        json: objectJson({ cred: { akm: 'owe', pass: 'secret passphrase' } }),
        code: ErrorCode.ConfigBadObject,
      },
      { name: 'not JSON', json: utf8('{"wi-fi_tech":"infra",'), code: ErrorCode.DecodeBadJson },
      { name: 'not UTF-8', json: Uint8Array.of(0x7b, 0xff, 0x7d), code: ErrorCode.DecodeBadJson },
      { name: 'empty text', json: new Uint8Array(0), code: ErrorCode.DecodeBadJson },
      { name: 'a JSON array', json: utf8('[]'), code: ErrorCode.DecodeBadJson },
      { name: 'a JSON string', json: utf8('"infra"'), code: ErrorCode.DecodeBadJson },
      { name: 'JSON null', json: utf8('null'), code: ErrorCode.DecodeBadJson },
      { name: `JSON over ${MAX_JSON_LEN} bytes`, json: tooLarge, code: ErrorCode.ConfigTooLarge },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} (${errorCodeName(c.code)})`, () => {
        expectThrowsCode(() => parseConfigurationObject(c.json), c.code);
      });
    }

    it('refuses to encode what it would refuse to parse', () => {
      const bad: ConfigurationObject[] = [
        { ssid: new Uint8Array(0), credential: { akm: 'psk', pass: 'secret passphrase' } },
        { ssid: new Uint8Array(33), credential: { akm: 'psk', pass: 'secret passphrase' } },
        { ssid: utf8('test'), credential: { akm: 'psk', pass: 'short' } },
        { ssid: utf8('test'), credential: { akm: 'sae', pskHex: PSK_HEX } },
        { ssid: utf8('test'), credential: { akm: 'psk' } },
      ];
      for (const obj of bad)
        expectThrowsCode(() => encodeConfigurationObject(obj), ErrorCode.ConfigBadObject);
    });
  });
});

describe('Configuration Request (configAttrib)', () => {
  it("parses hostap's form and ignores its other members", () => {
    const req = parseConfigurationRequest(
      utf8(
        '{"name":"Test","wi-fi_tech":"infra","netRole":"sta","mudurl":"https://example.com/mud","bandSupport":[81,115],"pkcs10":"MIIB"}',
      ),
    );
    assert.deepStrictEqual(req, {
      name: 'Test',
      wifiTech: 'infra',
      netRole: 'sta',
      deviceInfo: undefined,
    });
  });

  it('encodes name, wi-fi_tech, netRole and deviceInfo, and parses them back', () => {
    const req = {
      name: 'sensor-17',
      wifiTech: 'infra',
      netRole: 'sta',
      deviceInfo: { manufacturer: 'Acme', model: 'TH-2', serial: 'SN0017', firmware: '1.4.2' },
    };
    const json = encodeConfigurationRequest(req);
    assert.equal(
      text(json),
      '{"name":"sensor-17","wi-fi_tech":"infra","netRole":"sta","deviceInfo":{"manufacturer":"Acme","model":"TH-2","serial":"SN0017","firmware":"1.4.2"}}',
    );
    assert.deepStrictEqual(parseConfigurationRequest(json), req);
  });

  it('keeps only the known deviceInfo members', () => {
    const req = parseConfigurationRequest(
      utf8(
        '{"name":"n","wi-fi_tech":"infra","netRole":"sta","deviceInfo":{"model":"TH-2","color":"red"}}',
      ),
    );
    assert.deepStrictEqual(req.deviceInfo, { model: 'TH-2' });
  });

  it('accepts strings of exactly 64 characters, and printable non-ASCII', () => {
    const req = parseConfigurationRequest(
      utf8(
        JSON.stringify({
          name: 'n'.repeat(64),
          'wi-fi_tech': 'infra',
          netRole: 'sta',
          deviceInfo: { serial: 's'.repeat(64), manufacturer: 'Müller Gerätebau' },
        }),
      ),
    );
    assert.equal(req.name.length, 64);
    assert.equal(req.deviceInfo?.manufacturer, 'Müller Gerätebau');
  });

  const base = { name: 'n', 'wi-fi_tech': 'infra', netRole: 'sta' };
  const cases: Array<{ name: string; json: Uint8Array }> = [
    { name: 'name missing', json: utf8(JSON.stringify({ ...base, name: undefined })) },
    {
      name: 'wi-fi_tech missing',
      json: utf8(JSON.stringify({ ...base, 'wi-fi_tech': undefined })),
    },
    { name: 'netRole missing', json: utf8(JSON.stringify({ ...base, netRole: undefined })) },
    { name: 'name not a string', json: utf8(JSON.stringify({ ...base, name: 17 })) },
    {
      name: 'name of 65 characters',
      json: utf8(JSON.stringify({ ...base, name: 'n'.repeat(65) })),
    },
    { name: 'name with a newline', json: utf8(JSON.stringify({ ...base, name: 'a\nb' })) },
    { name: 'netRole with NUL', json: utf8(JSON.stringify({ ...base, netRole: 'sta\u0000' })) },
    {
      name: 'deviceInfo not an object',
      json: utf8(JSON.stringify({ ...base, deviceInfo: 'TH-2' })),
    },
    { name: 'deviceInfo an array', json: utf8(JSON.stringify({ ...base, deviceInfo: ['TH-2'] })) },
    {
      name: 'deviceInfo.serial not a string',
      json: utf8(JSON.stringify({ ...base, deviceInfo: { serial: 17 } })),
    },
    {
      name: 'deviceInfo.model of 65 characters',
      json: utf8(JSON.stringify({ ...base, deviceInfo: { model: 'm'.repeat(65) } })),
    },
    {
      name: 'deviceInfo.manufacturer with an ANSI escape',
      json: utf8(JSON.stringify({ ...base, deviceInfo: { manufacturer: '\u001b[31mAcme' } })),
    },
    {
      name: 'deviceInfo.firmware with DEL',
      json: utf8(JSON.stringify({ ...base, deviceInfo: { firmware: '1.0\u007f' } })),
    },
    {
      name: 'deviceInfo.serial with a C1 control (U+0085)',
      json: utf8(JSON.stringify({ ...base, deviceInfo: { serial: 'SN\u0085' } })),
    },
    { name: 'not JSON', json: utf8('{"name":') },
    { name: 'not an object', json: utf8('["n","infra","sta"]') },
    { name: 'not UTF-8', json: Uint8Array.of(0x7b, 0xc3, 0x7d) },
    {
      name: `JSON over ${MAX_JSON_LEN} bytes`,
      json: utf8(JSON.stringify({ ...base, pad: 'x'.repeat(MAX_JSON_LEN) })),
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} (ConfigBadRequest)`, () => {
      expectThrowsCode(() => parseConfigurationRequest(c.json), ErrorCode.ConfigBadRequest);
    });
  }
});

describe('Connection Status', () => {
  it("parses hostap's form", () => {
    assert.deepStrictEqual(
      parseConnectionStatus(utf8('{"result":0,"ssid64":"dGVzdA","channelList":"81/1,6,11"}')),
      { result: 0, ssid: utf8('test'), channelList: '81/1,6,11' },
    );
  });

  it('parses a bare result (NO_AP) and ignores unknown members', () => {
    assert.deepStrictEqual(parseConnectionStatus(utf8('{"result":10,"vendor":{"x":1}}')), {
      result: 10,
      ssid: undefined,
      channelList: undefined,
    });
  });

  it('encodes result, ssid64 and channelList in that order', () => {
    const s = { result: 8, ssid: Uint8Array.of(0xff, 0x00), channelList: '81/1,6,11' };
    const json = encodeConnectionStatus(s);
    assert.equal(text(json), '{"result":8,"ssid64":"_wA","channelList":"81/1,6,11"}');
    assert.deepStrictEqual(parseConnectionStatus(json), s);
  });

  const cases: Array<{ name: string; json: string; code: ErrorCode }> = [
    { name: 'result missing', json: '{"ssid64":"dGVzdA"}', code: ErrorCode.ConfigBadObject },
    { name: 'result negative', json: '{"result":-1}', code: ErrorCode.ConfigBadObject },
    { name: 'result 256', json: '{"result":256}', code: ErrorCode.ConfigBadObject },
    { name: 'result fractional', json: '{"result":0.5}', code: ErrorCode.ConfigBadObject },
    { name: 'result a string', json: '{"result":"0"}', code: ErrorCode.ConfigBadObject },
    {
      name: 'ssid64 not base64url',
      json: '{"result":0,"ssid64":"*"}',
      code: ErrorCode.ConfigBadObject,
    },
    {
      name: 'channelList not a string',
      json: '{"result":0,"channelList":[81]}',
      code: ErrorCode.ConfigBadObject,
    },
    {
      name: 'channelList over 256 characters',
      json: JSON.stringify({ result: 0, channelList: '1,'.repeat(129) }),
      code: ErrorCode.ConfigBadObject,
    },
    {
      name: 'channelList with control characters',
      json: '{"result":0,"channelList":"81/1\\r\\n"}',
      code: ErrorCode.ConfigBadObject,
    },
    {
      name: 'ssid64 longer than 32 bytes',
      json: JSON.stringify({ result: 0, ssid64: Buffer.alloc(33).toString('base64url') }),
      code: ErrorCode.ConfigBadObject,
    },
    {
      name: 'ssid64 with non-zero trailing bits',
      json: '{"result":0,"ssid64":"YR"}',
      code: ErrorCode.ConfigBadObject,
    },
    { name: 'not JSON', json: 'result=0', code: ErrorCode.DecodeBadJson },
    { name: 'not an object', json: '0', code: ErrorCode.DecodeBadJson },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} (${errorCodeName(c.code)})`, () => {
      expectThrowsCode(() => parseConnectionStatus(utf8(c.json)), c.code);
    });
  }
});
