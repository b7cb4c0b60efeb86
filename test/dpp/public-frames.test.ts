/**
 * Complete authentication frames from ESP-IDF's DPP test data (produced by hostap's code),
 * decoded and verified by our responder, which must reproduce the Authentication Response
 * byte for byte from the same keys and nonce.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { AttributeId } from '../../protocol/dpp/attributes.js';
import { makeIdentity } from '../../protocol/dpp/auth-common.js';
import {
  processAuthConfirm,
  processAuthRequest,
  peekAuthRequest,
} from '../../protocol/dpp/auth-responder.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { publicKeyOf } from '../../protocol/dpp/crypto/p256.js';
import { decodeMessage, FrameType, type DppFrame } from '../../protocol/dpp/frames.js';
import { ErrorCode } from '../../protocol/errors.js';
import { appendixB, vectorPath } from '../vectors.js';

interface EspIdfVectors {
  auth_request: string;
  auth_response: string;
  auth_confirm: string;
}
const frames = JSON.parse(
  readFileSync(vectorPath('esp-idf-dpp-auth-p256.json'), 'utf8'),
) as EspIdfVectors;
const v = appendixB().responder_only;

/** Strip the 24-byte 802.11 header and the category byte: what DPP over TCP carries. */
function publicActionBody(hex: string): Uint8Array {
  const frame = fromHex(hex);
  assert.equal(frame[24], 0x04, 'category is Public Action');
  return frame.subarray(25);
}

function dppFrame(hex: string): DppFrame {
  const r = decodeMessage(publicActionBody(hex));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.kind, 'dpp');
  return r.value as DppFrame;
}

function responderParams() {
  const rBootPriv = fromHex(v.r_boot_private);
  return {
    role: 'enrollee' as const,
    own: makeIdentity(encodeBootstrapKey(publicKeyOf(rBootPriv)), rBootPriv),
    requireMutual: false,
    protocolKey: { privateKey: fromHex(v.r_proto_private), publicKey: fromHex(v.r_proto_public) },
    nonce: fromHex(v.r_nonce),
  };
}

describe('public DPP frames (ESP-IDF / hostap test data)', () => {
  it('decodes the Authentication Request attributes', () => {
    const f = dppFrame(frames.auth_request);
    assert.equal(f.frameType, FrameType.AuthenticationRequest);
    assert.deepEqual(
      f.attributes.map((a) => a.id),
      [
        AttributeId.ResponderBootstrappingKeyHash,
        AttributeId.InitiatorBootstrappingKeyHash,
        AttributeId.InitiatorProtocolKey,
        AttributeId.Channel,
        AttributeId.WrappedData,
      ],
    );
    const peek = peekAuthRequest(f);
    assert.ok(peek.ok);
    assert.equal(toHex(peek.value.responderHash), toHex(responderParams().own.hash));
    assert.equal(toHex(f.attributes[2]!.value), v.i_proto_public);
  });

  it('our responder reproduces the Authentication Response byte for byte', () => {
    const r = processAuthRequest(responderParams(), dppFrame(frames.auth_request));
    assert.ok(r.ok, r.ok ? '' : r.error.describe());
    assert.equal(toHex(r.value.response), toHex(publicActionBody(frames.auth_response)));
    assert.equal(toHex(r.value.ke), v.ke);
    assert.equal(toHex(r.value.iNonce), v.i_nonce);
  });

  it('verifies the Authentication Confirm (I-auth) and ends authenticated', () => {
    const r = processAuthRequest(responderParams(), dppFrame(frames.auth_request));
    assert.ok(r.ok);
    const done = processAuthConfirm(r.value, dppFrame(frames.auth_confirm));
    assert.ok(done.ok, done.ok ? '' : done.error.describe());
    assert.equal(done.value.mutual, false);
    assert.equal(done.value.peerVersion, 1);
    assert.equal(toHex(done.value.ke), v.ke);
  });

  it('refuses the same Confirm when one byte of its wrapped data is flipped', () => {
    const r = processAuthRequest(responderParams(), dppFrame(frames.auth_request));
    assert.ok(r.ok);
    const tampered = fromHex(frames.auth_confirm);
    tampered[tampered.length - 5]! ^= 0x01;
    const done = processAuthConfirm(r.value, dppFrame(toHex(tampered)));
    assert.equal(done.ok, false);
    assert.equal(!done.ok && done.error.code, ErrorCode.CryptoUnwrapFailed);
  });

  it('refuses the Request with a different bootstrapping key (not for us)', () => {
    const params = responderParams();
    const otherPriv = fromHex(v.i_proto_private);
    const other = {
      ...params,
      own: makeIdentity(encodeBootstrapKey(publicKeyOf(otherPriv)), otherPriv),
    };
    const r = processAuthRequest(other, dppFrame(frames.auth_request));
    assert.equal(!r.ok && r.error.code, ErrorCode.AuthNotForUs);
  });
});
