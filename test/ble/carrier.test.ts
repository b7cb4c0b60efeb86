/**
 * The Bluetooth LE carrier's codec (protocol/ble/carrier.ts): the advertisement byte for byte as
 * docs/ble-discovery.md defines it, and every refusal of bad input with its own code.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../../protocol/bytes.js';
import {
  encodeAdvertisement,
  encodeServiceData,
  encodeUriValue,
  parseAdvertisement,
  parseServiceData,
  verifyUriValue,
  DPP_BLE_SERVICE_UUID,
  KEY_HASH_PREFIX_LENGTH,
} from '../../protocol/ble/carrier.js';
import { ErrorCode, errorCodeName, type Result } from '../../protocol/errors.js';
import { dppUriOfKey, parseDppUri } from '../../protocol/dpp/uri.js';
import { newIdentity } from '../support/dpp-fixtures.js';

/** The field notes' hostap key; its key hash starts bc4cbe2a7f4735f6. */
const KEY_A_URI =
  'DPP:K:MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=;;';
const KEY_A_PREFIX = fromHex('bc4cbe2a7f4735f6');

function refused<T>(r: Result<T>, code: number): string {
  assert.equal(r.ok, false, 'accepted');
  if (r.ok) throw new Error('unreachable');
  assert.equal(errorCodeName(r.error.code), errorCodeName(code), r.error.describe());
  return r.error.message;
}

function uriOf(identity = newIdentity(), info: string | null = null): string {
  return dppUriOfKey(identity.key, {
    channels: [{ opClass: 81, channel: 6 }],
    mac: fromHex('02aabbccddee'),
    info,
    version: 2,
  });
}

describe('Bluetooth LE carrier', () => {
  it('the advertisement is the 31 bytes the document defines (the C enrollee sends the same)', () => {
    assert.equal(
      toHex(encodeAdvertisement(KEY_A_PREFIX)),
      '020106' +
        '1b21' +
        // 8f42633b-b4e6-4d5d-8032-4eacfd0eaab7, little-endian
        'b7aa0efdac4e32805d4de6b43b63428f' +
        '0100' +
        'bc4cbe2a7f4735f6',
    );
    const back = parseAdvertisement(encodeAdvertisement(KEY_A_PREFIX, 0x80));
    assert.ok(back.ok);
    assert.equal(back.value.version, 1);
    assert.equal(back.value.flags, 0x80, 'unknown flags are kept, not refused');
    assert.deepEqual(back.value.keyHashPrefix, KEY_A_PREFIX);
  });

  it("the hostap key's URI is verified against its advertised prefix", () => {
    const r = verifyUriValue(encodeUriValue(KEY_A_URI), KEY_A_PREFIX);
    assert.ok(r.ok, r.ok ? '' : r.error.describe());
    assert.equal(
      toHex(r.value.keyHash),
      'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302',
    );
    assert.equal(r.value.uri, KEY_A_URI);
  });

  it('service data of another length or version is refused with its reason', () => {
    const good = encodeServiceData(KEY_A_PREFIX);
    assert.equal(good.length, 10);
    assert.match(
      refused(parseServiceData(good.subarray(0, 9)), ErrorCode.BleBadServiceData),
      /9 bytes, not 10/,
    );
    refused(parseServiceData(new Uint8Array([...good, 0])), ErrorCode.BleBadServiceData);
    refused(parseServiceData(new Uint8Array(0)), ErrorCode.BleBadServiceData);
    const v2 = Uint8Array.from(good);
    v2[0] = 2;
    assert.match(refused(parseServiceData(v2), ErrorCode.BleUnsupportedVersion), /version 2/);
  });

  it('an advertisement without our service data, overrunning, or too long for legacy, is refused', () => {
    const adv = encodeAdvertisement(KEY_A_PREFIX);
    const otherUuid = Uint8Array.from(adv);
    otherUuid[5] = otherUuid[5]! ^ 0xff;
    refused(parseAdvertisement(otherUuid), ErrorCode.BleNoServiceData);
    refused(parseAdvertisement(adv.subarray(0, 3)), ErrorCode.BleNoServiceData);
    refused(parseAdvertisement(adv.subarray(0, 20)), ErrorCode.BleBadAdvertisement);
    refused(parseAdvertisement(new Uint8Array([...adv, 0])), ErrorCode.BleBadAdvertisement);
    // A zero length ends the significant part: what follows it (here, an overrun) is not read.
    refused(parseAdvertisement(Uint8Array.of(2, 1, 6, 0, 0xff, 0x21)), ErrorCode.BleNoServiceData);
  });

  it('a URI value that is empty, over 255 bytes, or not printable ASCII is refused before parsing', () => {
    refused(verifyUriValue(new Uint8Array(0), KEY_A_PREFIX), ErrorCode.BleUriEmpty);
    const long = uriOf(newIdentity(), 'x'.repeat(200));
    assert.ok(long.length > 255);
    assert.ok(parseDppUri(long).ok, 'a valid URI, only too long for the carrier');
    assert.match(
      refused(verifyUriValue(Buffer.from(long, 'latin1'), KEY_A_PREFIX), ErrorCode.BleUriTooLong),
      /holds \d+ bytes; at most 255/,
    );
    const withNul = Buffer.from(KEY_A_URI, 'latin1');
    withNul[10] = 0;
    assert.match(
      refused(verifyUriValue(withNul, KEY_A_PREFIX), ErrorCode.BleUriNotAscii),
      /byte 0x00 at offset 10/,
    );
    const utf8 = Buffer.from(KEY_A_URI.replace(';;', ';I:é;;'), 'utf8');
    refused(verifyUriValue(utf8, KEY_A_PREFIX), ErrorCode.BleUriNotAscii);
    assert.throws(() => encodeUriValue('DPP:I:é;;'), RangeError);
  });

  it("a URI that does not parse keeps the parser's code; one whose key does not match the prefix is refused", () => {
    refused(verifyUriValue(Buffer.from('DPP:C:81/1;;'), KEY_A_PREFIX), ErrorCode.UriMissingKey);
    refused(verifyUriValue(Buffer.from('hello'), KEY_A_PREFIX), ErrorCode.UriSyntax);
    const other = uriOf();
    assert.match(
      refused(verifyUriValue(encodeUriValue(other), KEY_A_PREFIX), ErrorCode.BleUriKeyMismatch),
      /the advertisement said bc4cbe2a7f4735f6/,
    );
  });

  it('property: any key, advertised and served, round-trips; any other prefix is a mismatch', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: KEY_HASH_PREFIX_LENGTH, maxLength: KEY_HASH_PREFIX_LENGTH }),
        (flags, otherPrefix) => {
          const identity = newIdentity();
          const prefix = identity.hash.subarray(0, KEY_HASH_PREFIX_LENGTH);
          const sd = parseAdvertisement(encodeAdvertisement(prefix, flags));
          assert.ok(sd.ok);
          assert.deepEqual(sd.value.keyHashPrefix, prefix);
          const uri = uriOf(identity);
          const verified = verifyUriValue(encodeUriValue(uri), sd.value.keyHashPrefix);
          assert.ok(verified.ok);
          assert.deepEqual(verified.value.keyHash, identity.hash);
          const mismatch = verifyUriValue(encodeUriValue(uri), otherPrefix);
          assert.equal(mismatch.ok, toHex(otherPrefix) === toHex(prefix));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('property: arbitrary bytes never throw, and give a value or a carrier or URI refusal', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        (adv, value) => {
          const a = parseAdvertisement(adv);
          if (!a.ok) assert.match(errorCodeName(a.error.code), /^Ble/);
          const v = verifyUriValue(value, KEY_A_PREFIX);
          if (!v.ok) assert.match(errorCodeName(v.error.code), /^(Ble|Uri|Key)/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the service by the UUID the document gives', () => {
    assert.equal(DPP_BLE_SERVICE_UUID, '8f42633b-b4e6-4d5d-8032-4eacfd0eaab7');
  });
});
