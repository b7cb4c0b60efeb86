/**
 * The Presence Announcement with the optional Bootstrapping Key attribute (0x100F), as the
 * ESP-NOW binding defines it (docs/espnow-binding.md#the-bootstrapping-key-in-the-announcement):
 * the key must be P-256 and hash to the announced chirp hash; its key hash is the one a whitelist
 * built from DPP URIs holds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { concatBytes, fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import {
  AttributeId,
  decodeAttributes,
  encodeAttribute,
  encodeAttributes,
} from '../../protocol/dpp/attributes.js';
import {
  bootstrapKeyHash,
  chirpHash,
  parseBootstrapKey,
} from '../../protocol/dpp/bootstrap-key.js';
import {
  buildPresenceAnnouncement,
  parsePresenceAnnouncement,
  type PresenceAnnouncement,
} from '../../protocol/dpp/presence.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { FrameType, makeDppFrame } from '../../protocol/dpp/frames.js';
import { parseDppUri } from '../../protocol/dpp/uri.js';
import { fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import { ErrorCode, type Result } from '../../protocol/errors.js';
import { dppFrameOf, expectFailure, newIdentity } from '../support/dpp-fixtures.js';

// hostap test_dpp.py key, its key hash and chirp hash (as in bootstrap-key.test.ts)
const HOSTAP_KEY_B64 =
  'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=';
const HOSTAP_KEY_HASH = 'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302';
const HOSTAP_CHIRP_HASH = '826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3';
// P-384 key from hostap's test_dpp_qr_code_curve_*
const P384_KEY_B64 =
  'MEYwEAYHKoZIzj0CAQYFK4EEACIDMgAC703o1ALzgCW7SbOwNMIOdOUPEsMMHTNMfBHo6hy5Pb8UeODOBHYg8i5wwOzZsGy6';
const RSA_KEY_B64 = 'MCQwDQYJKoZIhvcNAQEBBQADEwAwEAIJAMBCM1kJWuZdAgMBAAE=';

function der(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function accepted(r: Result<PresenceAnnouncement>): PresenceAnnouncement {
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
  return r.value;
}

/** Parse the announcement as it would arrive: from bytes. */
function parse(bytes: Uint8Array): Result<PresenceAnnouncement> {
  return parsePresenceAnnouncement(dppFrameOf(bytes));
}

describe('Presence Announcement with a Bootstrapping Key', () => {
  it('without a key: the chirp hash only, as before', () => {
    const key = newIdentity().key;
    const bytes = buildPresenceAnnouncement(chirpHash(key));
    assert.equal(bytes.length, 7 + 36);
    const a = accepted(parse(bytes));
    assert.deepEqual(a, { chirpHash: chirpHash(key) });
    assert.equal(a.key, undefined);
    assert.equal(a.keyHash, undefined);
  });

  it("with hostap's key: key hash and chirp hash are hostap's, and the URI's key hash", () => {
    const keyDer = der(HOSTAP_KEY_B64);
    const bytes = buildPresenceAnnouncement(fromHex(HOSTAP_CHIRP_HASH), keyDer);
    const a = accepted(parse(bytes));
    assert.equal(toHex(a.chirpHash), HOSTAP_CHIRP_HASH);
    assert.deepEqual(a.key!.der, keyDer);
    assert.equal(toHex(a.keyHash!), HOSTAP_KEY_HASH);
    const uri = parseDppUri(`DPP:C:81/1;K:${HOSTAP_KEY_B64};;`);
    assert.ok(uri.ok);
    assert.deepEqual(a.keyHash, bootstrapKeyHash(uri.value.key), 'the whitelist hash');
  });

  it('the key hash is SHA-256(DER), the chirp hash SHA-256("chirp" ‖ DER), for fresh keys', () => {
    for (let i = 0; i < 5; i++) {
      const key = newIdentity().key;
      const a = accepted(parse(buildPresenceAnnouncement(chirpHash(key), key.der)));
      assert.deepEqual(a.keyHash, sha256(key.der));
      assert.deepEqual(a.chirpHash, sha256(utf8('chirp'), key.der));
      assert.deepEqual(a.key!.point, key.point);
    }
  });

  it('the attribute follows the chirp hash and the whole fits one 250-byte ESP-NOW payload (112 bytes)', () => {
    const key = newIdentity().key;
    const bytes = buildPresenceAnnouncement(chirpHash(key), key.der);
    const attrs = decodeAttributes(dppFrameOf(bytes).body);
    assert.ok(attrs.ok);
    assert.deepEqual(
      attrs.value.map((x) => x.id),
      [AttributeId.ResponderBootstrappingKeyHash, AttributeId.BootstrappingKey],
    );
    const payloads = fragmentDppMessage(bytes, 0, 250);
    assert.equal(payloads.length, 1);
    assert.equal(payloads[0]!.length, 112);
  });

  it('an uncompressed key is hashed as sent', () => {
    const pair = generateKeyPair();
    const prefix = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200');
    const keyDer = concatBytes(prefix, Uint8Array.of(4), pair.publicKey);
    const key = parseBootstrapKey(keyDer);
    const a = accepted(parse(buildPresenceAnnouncement(chirpHash(key), keyDer)));
    assert.deepEqual(a.keyHash, sha256(keyDer));
  });

  describe('refusals', () => {
    const enrollee = newIdentity();
    const other = newIdentity();
    const chirp = chirpHash(enrollee.key);

    it("another device's key under this chirp hash → KeyChirpMismatch", () => {
      expectFailure(
        parse(buildPresenceAnnouncement(chirp, other.key.der)),
        ErrorCode.KeyChirpMismatch,
      );
    });

    it('the right key with one chirp byte changed → KeyChirpMismatch', () => {
      const bad = Uint8Array.from(chirp);
      bad[31]! ^= 1;
      expectFailure(
        parse(buildPresenceAnnouncement(bad, enrollee.key.der)),
        ErrorCode.KeyChirpMismatch,
      );
    });

    it('the key hash instead of the chirp hash → KeyChirpMismatch', () => {
      expectFailure(
        parse(buildPresenceAnnouncement(bootstrapKeyHash(enrollee.key), enrollee.key.der)),
        ErrorCode.KeyChirpMismatch,
      );
    });

    for (const [name, b64] of [
      ['P-384', P384_KEY_B64],
      ['RSA', RSA_KEY_B64],
    ] as const) {
      it(`a ${name} key, even with its own chirp hash → UriUnsupportedCurve`, () => {
        const keyDer = der(b64);
        const ownChirp = sha256(utf8('chirp'), keyDer);
        expectFailure(
          parse(buildPresenceAnnouncement(ownChirp, keyDer)),
          ErrorCode.UriUnsupportedCurve,
        );
      });
    }

    it('a key that is not DER → KeyBadEncoding', () => {
      const junk = enrollee.key.der.subarray(0, 40);
      expectFailure(
        parse(buildPresenceAnnouncement(sha256(utf8('chirp'), junk), junk)),
        ErrorCode.KeyBadEncoding,
      );
    });

    it('an empty key attribute → KeyBadEncoding', () => {
      const empty = new Uint8Array(0);
      expectFailure(
        parse(buildPresenceAnnouncement(sha256(utf8('chirp'), empty), empty)),
        ErrorCode.KeyBadEncoding,
      );
    });

    it('an x-coordinate with no point on P-256 → KeyNotOnCurve', () => {
      // hostap's key with x changed so that no point has it (as in bootstrap-key.test.ts)
      const keyDer = der(HOSTAP_KEY_B64);
      keyDer[keyDer.length - 1]! ^= 0x01;
      keyDer[keyDer.length - 2]! ^= 0x40;
      expectFailure(
        parse(buildPresenceAnnouncement(sha256(utf8('chirp'), keyDer), keyDer)),
        ErrorCode.KeyNotOnCurve,
      );
    });

    it('two Bootstrapping Key attributes → DecodeDuplicateAttribute', () => {
      const body = encodeAttributes([
        { id: AttributeId.ResponderBootstrappingKeyHash, value: chirp },
        { id: AttributeId.BootstrappingKey, value: enrollee.key.der },
        { id: AttributeId.BootstrappingKey, value: enrollee.key.der },
      ]);
      expectFailure(
        parsePresenceAnnouncement(makeDppFrame(FrameType.PresenceAnnouncement, body)),
        ErrorCode.DecodeDuplicateAttribute,
      );
    });

    it('a key without a chirp hash → DecodeMissingAttribute', () => {
      const body = encodeAttribute(AttributeId.BootstrappingKey, enrollee.key.der);
      expectFailure(
        parsePresenceAnnouncement(makeDppFrame(FrameType.PresenceAnnouncement, body)),
        ErrorCode.DecodeMissingAttribute,
      );
    });
  });
});
