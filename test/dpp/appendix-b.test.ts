import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { addPoints, addScalarsModN, ecdhX, publicKeyOf } from '../../protocol/dpp/crypto/p256.js';
import {
  computeIAuth,
  computeRAuth,
  deriveK1,
  deriveK2,
  deriveKe,
} from '../../protocol/dpp/crypto/kdf.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { appendixB } from '../vectors.js';

function x(point: string): Uint8Array {
  return fromHex(point).subarray(0, 32);
}

const vectors = appendixB();
for (const [name, v] of [
  ['mutual', vectors.mutual],
  ['responder-only', vectors.responder_only],
] as const) {
  const mutual = v.i_boot_private !== undefined;
  describe(`Appendix B P-256 vectors (${name})`, () => {
    it('every private key matches its public key', () => {
      assert.equal(toHex(publicKeyOf(fromHex(v.i_proto_private))), v.i_proto_public);
      assert.equal(toHex(publicKeyOf(fromHex(v.r_proto_private))), v.r_proto_public);
      assert.equal(toHex(publicKeyOf(fromHex(v.r_boot_private))), v.r_boot_public);
      if (mutual) assert.equal(toHex(publicKeyOf(fromHex(v.i_boot_private!))), v.i_boot_public);
    });

    it('bootstrapping keys encode to the published DER', () => {
      assert.equal(toHex(encodeBootstrapKey(fromHex(v.r_boot_public)).der), v.r_asn1);
      if (mutual) assert.equal(toHex(encodeBootstrapKey(fromHex(v.i_boot_public!)).der), v.i_asn1);
    });

    it('M.x and k1 agree from both sides', () => {
      const mxInitiator = ecdhX(fromHex(v.i_proto_private), fromHex(v.r_boot_public));
      const mxResponder = ecdhX(fromHex(v.r_boot_private), fromHex(v.i_proto_public));
      assert.equal(toHex(mxInitiator), v.mx);
      assert.equal(toHex(mxResponder), v.mx);
      assert.equal(toHex(deriveK1(mxInitiator)), v.k1);
    });

    it('N.x and k2 agree from both sides', () => {
      const nxInitiator = ecdhX(fromHex(v.i_proto_private), fromHex(v.r_proto_public));
      const nxResponder = ecdhX(fromHex(v.r_proto_private), fromHex(v.i_proto_public));
      assert.equal(toHex(nxInitiator), v.nx);
      assert.equal(toHex(nxResponder), v.nx);
      assert.equal(toHex(deriveK2(nxInitiator)), v.k2);
    });

    if (mutual) {
      it('L.x agrees: bI·(BR + PR) = ((bR + pR) mod q)·BI', () => {
        const lxInitiator = ecdhX(
          fromHex(v.i_boot_private!),
          addPoints(fromHex(v.r_boot_public), fromHex(v.r_proto_public)),
        );
        const lxResponder = ecdhX(
          addScalarsModN(fromHex(v.r_boot_private), fromHex(v.r_proto_private)),
          fromHex(v.i_boot_public!),
        );
        assert.equal(toHex(lxInitiator), v.lx);
        assert.equal(toHex(lxResponder), v.lx);
      });
    }

    it('ke', () => {
      const ke = deriveKe(
        fromHex(v.i_nonce),
        fromHex(v.r_nonce),
        fromHex(v.mx),
        fromHex(v.nx),
        v.lx ? fromHex(v.lx) : undefined,
      );
      assert.equal(toHex(ke), v.ke);
    });

    const tags = {
      iNonce: fromHex(v.i_nonce),
      rNonce: fromHex(v.r_nonce),
      piX: x(v.i_proto_public),
      prX: x(v.r_proto_public),
      brX: x(v.r_boot_public),
      biX: mutual ? x(v.i_boot_public!) : undefined,
    };
    it('R-auth', () => assert.equal(toHex(computeRAuth(tags)), v.r_auth));
    it('I-auth', () => assert.equal(toHex(computeIAuth(tags)), v.i_auth));
  });
}
