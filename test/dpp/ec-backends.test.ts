import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../protocol/bytes.js';
import {
  nativeEcBackend,
  nobleEcBackend,
  nodeEcBackend,
  type EcBackend,
} from '../../protocol/dpp/crypto/p256.js';
import { appendixB } from '../vectors.js';

const v = appendixB().mutual;

const backends: EcBackend[] = [nodeEcBackend, nobleEcBackend];
if (nativeEcBackend !== undefined) backends.unshift(nativeEcBackend);

for (const backend of backends) {
  describe(`P-256 backend ${backend.name}`, () => {
    it('derives the Appendix B public keys', () => {
      assert.equal(toHex(backend.publicKeyOf(fromHex(v.r_boot_private))), v.r_boot_public);
      assert.equal(toHex(backend.publicKeyOf(fromHex(v.i_proto_private))), v.i_proto_public);
    });

    it('computes the Appendix B M.x and N.x', () => {
      assert.equal(
        toHex(backend.ecdhX(fromHex(v.i_proto_private), fromHex(v.r_boot_public))),
        v.mx,
      );
      assert.equal(
        toHex(backend.ecdhX(fromHex(v.r_proto_private), fromHex(v.i_proto_public))),
        v.nx,
      );
    });

    it('tells points on the curve from points off it', () => {
      const good = fromHex(v.r_proto_public);
      const bad = new Uint8Array(good);
      bad[63]! ^= 1;
      assert.equal(backend.isOnCurve(good), true);
      assert.equal(backend.isOnCurve(bad), false);
      assert.throws(() => backend.ecdhX(fromHex(v.r_boot_private), bad));
    });

    it('decodes SEC1 points, compressed and not, and refuses what is not a point', () => {
      for (let i = 0; i < 8; i++) {
        const point = nodeEcBackend.generateKeyPair().publicKey;
        const x = point.subarray(0, 32);
        const odd = point[63]! & 1;
        const compressed = Uint8Array.of(odd ? 0x03 : 0x02, ...x);
        assert.equal(toHex(backend.decodeSec1Point(compressed)), toHex(point));
        assert.equal(toHex(backend.decodeSec1Point(Uint8Array.of(0x04, ...point))), toHex(point));
        // The other sign is the negated point: same x, y' = p − y.
        const negated = backend.decodeSec1Point(Uint8Array.of(odd ? 0x02 : 0x03, ...x));
        assert.equal(toHex(negated.subarray(0, 32)), toHex(x));
        assert.notEqual(toHex(negated), toHex(point));
      }
      const good = fromHex(v.r_proto_public);
      const offCurve = Uint8Array.of(0x04, ...good);
      offCurve[64]! ^= 1;
      assert.throws(() => backend.decodeSec1Point(offCurve));
      // x = 1: 1 − 3 + b is not a square mod p, so no point on P-256 has it.
      const xOne = new Uint8Array(33);
      xOne[0] = 0x02;
      xOne[32] = 1;
      assert.throws(() => backend.decodeSec1Point(xOne));
      assert.throws(() => backend.decodeSec1Point(good));
      assert.throws(() => backend.decodeSec1Point(new Uint8Array(0)));
    });

    it('generates key pairs whose halves match', () => {
      const pair = backend.generateKeyPair();
      assert.equal(pair.privateKey.length, 32);
      assert.equal(toHex(backend.publicKeyOf(pair.privateKey)), toHex(pair.publicKey));
    });
  });
}

describe('P-256 point addition', () => {
  it('agrees with @noble/curves on random points', async () => {
    const { p256 } = await import('@noble/curves/nist.js');
    const { addPoints, generateKeyPair } = await import('../../protocol/dpp/crypto/p256.js');
    for (let i = 0; i < 50; i++) {
      const a = generateKeyPair().publicKey;
      const b = generateKeyPair().publicKey;
      const expected = p256.Point.fromBytes(Uint8Array.of(4, ...a))
        .add(p256.Point.fromBytes(Uint8Array.of(4, ...b)))
        .toBytes(false)
        .subarray(1);
      assert.equal(toHex(addPoints(a, b)), toHex(expected));
    }
  });

  it('refuses P + P and P + (−P)', async () => {
    const { addPoints } = await import('../../protocol/dpp/crypto/p256.js');
    const p = fromHex(v.r_proto_public);
    assert.throws(() => addPoints(p, p));
  });
});
