import assert from 'node:assert/strict';
import {
  bootstrapKeyHash,
  chirpHash,
  encodeBootstrapKey,
  parseBootstrapKey,
} from '../../protocol/dpp/bootstrap-key.js';
import { toHex } from '../../protocol/bytes.js';
import { ErrorCode, isConfiguratorError, errorCodeName } from '../../protocol/errors.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';

const HOSTAP_KEY_B64 =
  'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=';

function der(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

describe('bootstrapping key', () => {
  it("computes the key hash and chirp hash of hostap's test key", () => {
    const key = parseBootstrapKey(der(HOSTAP_KEY_B64));
    assert.equal(
      toHex(bootstrapKeyHash(key)),
      'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302',
    );
    assert.equal(
      toHex(chirpHash(key)),
      '826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3',
    );
  });

  it('re-encodes a parsed compressed key to the same 59 DER bytes', () => {
    const key = parseBootstrapKey(der(HOSTAP_KEY_B64));
    assert.deepEqual(encodeBootstrapKey(key.point).der, key.der);
    assert.equal(key.der.length, 59);
  });

  it('accepts an uncompressed key and hashes it as given', () => {
    const pair = generateKeyPair();
    const prefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
    const uncompressed = new Uint8Array(Buffer.concat([prefix, Buffer.from([4]), pair.publicKey]));
    const key = parseBootstrapKey(uncompressed);
    assert.deepEqual(key.point, pair.publicKey);
    assert.notDeepEqual(
      bootstrapKeyHash(key),
      bootstrapKeyHash(encodeBootstrapKey(pair.publicKey)),
    );
  });

  const refusals: Array<[string, string, ErrorCode]> = [
    // P-384 key from hostap's test_dpp_qr_code_curve_*
    [
      'P-384',
      'MEYwEAYHKoZIzj0CAQYFK4EEACIDMgAC703o1ALzgCW7SbOwNMIOdOUPEsMMHTNMfBHo6hy5Pb8UeODOBHYg8i5wwOzZsGy6',
      ErrorCode.UriUnsupportedCurve,
    ],
    // RSA-2048 SubjectPublicKeyInfo header with a short modulus: refused by algorithm before the key body matters
    ['RSA', 'MCQwDQYJKoZIhvcNAQEBBQADEwAwEAIJAMBCM1kJWuZdAgMBAAE=', ErrorCode.UriUnsupportedCurve],
    ['truncated', HOSTAP_KEY_B64.slice(0, 40), ErrorCode.KeyBadEncoding],
  ];
  for (const [name, b64, code] of refusals) {
    it(`refuses a ${name} key with code ${errorCodeName(code)}`, () => {
      assert.throws(
        () => parseBootstrapKey(der(b64)),
        (e: unknown) => isConfiguratorError(e, code),
      );
    });
  }

  it('refuses explicit curve parameters', () => {
    // SEQ { SEQ { OID ecPublicKey, SEQ { INTEGER 1 } }, BIT STRING 00 ‖ compressed point }
    const point = der(HOSTAP_KEY_B64).subarray(26);
    const algorithm = Buffer.concat([
      Buffer.from('06072a8648ce3d0201', 'hex'),
      Buffer.from('3003020101', 'hex'),
    ]);
    const algSeq = Buffer.concat([Buffer.from([0x30, algorithm.length]), algorithm]);
    const bits = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
    const body = Buffer.concat([algSeq, bits]);
    const spki = new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
    assert.throws(
      () => parseBootstrapKey(spki),
      (e: unknown) =>
        isConfiguratorError(e, ErrorCode.UriUnsupportedCurve) &&
        /explicit curve parameters/.test(e.message),
    );
  });

  it('refuses a point that is not on the curve', () => {
    const bytes = der(HOSTAP_KEY_B64);
    bytes[bytes.length - 1]! ^= 0x01;
    bytes[bytes.length - 2]! ^= 0x40;
    assert.throws(
      () => parseBootstrapKey(bytes),
      (e: unknown) => isConfiguratorError(e, ErrorCode.KeyNotOnCurve),
    );
  });
});
