import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aessiv } from '@noble/ciphers/aes.js';
import { fromHex, toHex } from '../../protocol/bytes.js';
import {
  nativeAesSivBackend,
  nodeAesSivBackend,
  type AesSivBackend,
} from '../../protocol/dpp/crypto/aes-siv.js';

const backends = [nodeAesSivBackend, nativeAesSivBackend].filter(
  (b): b is AesSivBackend => b !== undefined,
);

for (const { name, encrypt: aesSivEncrypt, decrypt: aesSivDecrypt } of backends) {
  describe(`AES-SIV (RFC 5297), ${name} backend`, () => {
    it('reproduces RFC 5297 A.1 (deterministic authenticated encryption)', () => {
      const key = fromHex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
      const ad = fromHex('101112131415161718191a1b1c1d1e1f2021222324252627');
      const pt = fromHex('112233445566778899aabbccddee');
      const out = aesSivEncrypt(key, pt, [ad]);
      assert.equal(toHex(out), '85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c');
      assert.deepEqual(aesSivDecrypt(key, out, [ad]), pt);
    });

    it('reproduces RFC 5297 A.2 (nonce-based, three AD components)', () => {
      const key = fromHex('7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f');
      const ad1 = fromHex(
        '00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100',
      );
      const ad2 = fromHex('102030405060708090a0');
      const nonce = fromHex('09f911029d74e35bd84156c5635688c0');
      const pt = fromHex(
        '7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553',
      );
      const out = aesSivEncrypt(key, pt, [ad1, ad2, nonce]);
      assert.equal(
        toHex(out),
        '7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d',
      );
    });

    it('agrees with @noble/ciphers on random keys, AD lists (empty components included) and plaintexts', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 3 }),
          fc.uint8Array({ maxLength: 200 }),
          (key, ad, pt) => {
            const ours = aesSivEncrypt(key, pt, ad);
            assert.deepEqual(ours, aessiv(key, ...ad).encrypt(pt));
            assert.deepEqual(aesSivDecrypt(key, ours, ad), pt);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('refuses any single-bit change to the sealed bytes or the AD', () => {
      const key = new Uint8Array(32).fill(7);
      const ad = [Uint8Array.of(1, 2, 3), new Uint8Array(0)];
      const sealed = aesSivEncrypt(key, new TextEncoder().encode('passphrase material'), ad);
      for (let i = 0; i < sealed.length * 8; i += 5) {
        const t = new Uint8Array(sealed);
        t[i >> 3]! ^= 1 << (i & 7);
        assert.equal(aesSivDecrypt(key, t, ad), null, `bit ${i}`);
      }
      assert.equal(
        aesSivDecrypt(key, sealed, [Uint8Array.of(1, 2, 3)]),
        null,
        'missing empty component',
      );
      assert.equal(aesSivDecrypt(key, sealed.subarray(0, 15), ad), null, 'shorter than the IV');
    });
  });
}
