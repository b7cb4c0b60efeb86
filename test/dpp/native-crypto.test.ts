import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createECDH } from 'node:crypto';
import fc from 'fast-check';
import { aessiv } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { ConfiguratorError, ErrorCode } from '../../protocol/errors.js';
import {
  nativeCrypto,
  nativeCryptoUnavailableReason,
  type NativeCrypto,
} from '../../protocol/dpp/crypto/native-backend.js';
import {
  activeEcBackendName,
  addPoints,
  addScalarsModN,
  ecdhX,
  nativeEcBackend,
  nobleEcBackend,
  nodeEcBackend,
  P256_ORDER,
  useEcBackend,
} from '../../protocol/dpp/crypto/p256.js';
import {
  activeAesSivBackendName,
  nativeAesSivBackend,
  nodeAesSivBackend,
} from '../../protocol/dpp/crypto/aes-siv.js';
import {
  activeHashBackendName,
  nativeHashBackend,
  nodeHashBackend,
} from '../../protocol/dpp/crypto/kdf.js';
import { appendixB } from '../vectors.js';

const P256_P = p256.Point.Fp.ORDER;

function scalarBytes(k: bigint): Uint8Array {
  return fromHex(k.toString(16).padStart(64, '0'));
}

const scalar = fc.bigInt({ min: 1n, max: P256_ORDER - 1n }).map(scalarBytes);

describe('crypto backend selection', () => {
  it('uses the native backend exactly when it is loaded', () => {
    assert.equal(activeEcBackendName(), nativeCrypto ? 'native' : 'node:crypto');
    assert.equal(activeAesSivBackendName(), nativeCrypto?.aesSiv ? 'native' : 'node:crypto');
    assert.equal(activeHashBackendName(), nativeCrypto ? 'native' : 'node:crypto');
    assert.equal(nativeCryptoUnavailableReason === undefined, nativeCrypto !== undefined);
  });

  it('DPP_CRYPTO_BACKEND=node keeps the addon out', () => {
    const backend = new URL('../../protocol/dpp/crypto/native-backend.js', import.meta.url);
    const script = `const m = await import(${JSON.stringify(backend.href)});
      console.log(JSON.stringify([m.nativeCrypto === undefined, m.nativeCryptoUnavailableReason]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DPP_CRYPTO_BACKEND: 'node' },
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), [true, 'disabled by DPP_CRYPTO_BACKEND=node']);
  });
});

const title = nativeCrypto
  ? 'native crypto backend (OpenSSL via N-API)'
  : `native crypto backend (OpenSSL via N-API) — not available: ${nativeCryptoUnavailableReason}`;

describe(title, () => {
  let native: NativeCrypto;
  before(function () {
    if (!nativeCrypto) this.skip();
    native = nativeCrypto;
  });

  describe('SHA-256 and HKDF-SHA256', () => {
    const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

    it('agree with node:crypto on random input, keys longer than a block too', () => {
      const hashes = nativeHashBackend!;
      fc.assert(
        fc.property(fc.array(bytes(200), { maxLength: 16 }), (parts) => {
          assert.deepEqual(hashes.sha256(parts), nodeHashBackend.sha256(parts));
        }),
        { numRuns: 200 },
      );
      fc.assert(
        fc.property(bytes(150), bytes(100), bytes(40), (salt, ikm, info) => {
          assert.deepEqual(hashes.hkdf(salt, ikm, info), nodeHashBackend.hkdf(salt, ikm, info));
        }),
        { numRuns: 200 },
      );
    });

    it('RFC 5869 test case 3 (empty salt and info), first block', () => {
      const ikm = new Uint8Array(22).fill(0x0b);
      assert.equal(
        toHex(native.hkdfSha256(new Uint8Array(0), ikm, new Uint8Array(0))),
        '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d',
      );
    });

    it('refuses what is not bytes, and more than 16 parts', () => {
      assert.throws(() => native.sha256(['x' as unknown as Uint8Array]), TypeError);
      assert.throws(() => native.sha256(new Array(17).fill(new Uint8Array(1))), RangeError);
      assert.throws(
        () =>
          native.hkdfSha256(new Uint8Array(0), 'ikm' as unknown as Uint8Array, new Uint8Array(0)),
        TypeError,
      );
    });
  });

  describe('P-256', () => {
    it('publicKeyOf, ecdhX and isOnCurve agree with node:crypto and @noble/curves on random keys', () => {
      fc.assert(
        fc.property(scalar, scalar, (a, b) => {
          const pubA = native.publicKeyOf(a);
          const pubB = native.publicKeyOf(b);
          assert.deepEqual(pubA, nodeEcBackend.publicKeyOf(a));
          assert.deepEqual(pubA, nobleEcBackend.publicKeyOf(a));
          const shared = native.ecdhX(a, pubB);
          assert.deepEqual(shared, nodeEcBackend.ecdhX(a, pubB));
          assert.deepEqual(shared, nobleEcBackend.ecdhX(a, pubB));
          assert.deepEqual(shared, native.ecdhX(b, pubA));
          assert.equal(native.isOnCurve(pubA), true);
          const off = new Uint8Array(pubA);
          off[63]! ^= 1;
          assert.equal(native.isOnCurve(off), false);
          assert.equal(nodeEcBackend.isOnCurve(off), false);
        }),
        { numRuns: 100 },
      );
    });

    it('handles the extreme scalars 1 and n − 1', () => {
      const g = nobleEcBackend.publicKeyOf(scalarBytes(1n));
      assert.deepEqual(native.publicKeyOf(scalarBytes(1n)), g);
      const minusG = native.publicKeyOf(scalarBytes(P256_ORDER - 1n));
      assert.deepEqual(minusG.subarray(0, 32), g.subarray(0, 32));
      assert.notDeepEqual(minusG, g);
      const peer = native.generateKeyPair().publicKey;
      assert.deepEqual(native.ecdhX(scalarBytes(1n), peer), peer.subarray(0, 32));
      assert.deepEqual(native.ecdhX(scalarBytes(P256_ORDER - 1n), peer), peer.subarray(0, 32));
    });

    it('generates distinct key pairs whose halves match', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const pair = native.generateKeyPair();
        assert.ok(pair.privateKey instanceof Uint8Array && pair.privateKey.length === 32);
        assert.ok(pair.publicKey instanceof Uint8Array && pair.publicKey.length === 64);
        const k = BigInt('0x' + toHex(pair.privateKey));
        assert.ok(k > 0n && k < P256_ORDER);
        assert.deepEqual(pair.publicKey, nodeEcBackend.publicKeyOf(pair.privateKey));
        seen.add(toHex(pair.privateKey));
      }
      assert.equal(seen.size, 50);
    });

    const vectors = appendixB();
    for (const [name, v] of [
      ['mutual', vectors.mutual],
      ['responder-only', vectors.responder_only],
    ] as const) {
      it(`reproduces the Appendix B ${name} keys, M.x, N.x${v.lx ? ' and L.x' : ''}`, () => {
        const pub = (priv: string) => toHex(native.publicKeyOf(fromHex(priv)));
        assert.equal(pub(v.i_proto_private), v.i_proto_public);
        assert.equal(pub(v.r_proto_private), v.r_proto_public);
        assert.equal(pub(v.r_boot_private), v.r_boot_public);
        const x = (priv: string, point: string) =>
          toHex(native.ecdhX(fromHex(priv), fromHex(point)));
        assert.equal(x(v.i_proto_private, v.r_boot_public), v.mx);
        assert.equal(x(v.r_boot_private, v.i_proto_public), v.mx);
        assert.equal(x(v.i_proto_private, v.r_proto_public), v.nx);
        assert.equal(x(v.r_proto_private, v.i_proto_public), v.nx);
        if (v.i_boot_private && v.i_boot_public && v.lx) {
          assert.equal(pub(v.i_boot_private), v.i_boot_public);
          const sum = addPoints(fromHex(v.r_boot_public), fromHex(v.r_proto_public));
          assert.equal(toHex(native.ecdhX(fromHex(v.i_boot_private), sum)), v.lx);
          const scalarSum = addScalarsModN(fromHex(v.r_boot_private), fromHex(v.r_proto_private));
          assert.equal(toHex(native.ecdhX(scalarSum, fromHex(v.i_boot_public))), v.lx);
        }
      });
    }

    it('refuses points off the curve, of the wrong length, all zeros or not reduced mod p', () => {
      const k = native.generateKeyPair().privateKey;
      const good = native.generateKeyPair().publicKey;
      const offCurve = new Uint8Array(good);
      offCurve[10]! ^= 0x40;
      // (0, y) is on P-256; (p, y) is the same point with x not reduced, which SEC1 forbids
      const y0 = p256.Point.Fp.sqrt(p256.Point.CURVE().b);
      const xZero = new Uint8Array([...scalarBytes(0n), ...scalarBytes(y0)]);
      const xIsP = new Uint8Array([...scalarBytes(P256_P), ...scalarBytes(y0)]);
      assert.equal(native.isOnCurve(xZero), true);
      assert.deepEqual(native.ecdhX(k, xZero), nobleEcBackend.ecdhX(k, xZero));
      for (const [what, point] of [
        ['off the curve', offCurve],
        ['all zeros', new Uint8Array(64)],
        ['x = p', xIsP],
      ] as const) {
        assert.equal(native.isOnCurve(point), false, what);
        assert.equal(nodeEcBackend.isOnCurve(point), false, what);
        assert.throws(() => native.ecdhX(k, point), /not on P-256/, what);
      }
      for (const length of [0, 32, 63, 65]) {
        const point = new Uint8Array(length);
        point.set(good.subarray(0, Math.min(length, 64)));
        assert.equal(native.isOnCurve(point), false, `${length} bytes`);
        assert.throws(() => native.ecdhX(k, point), RangeError, `${length} bytes`);
      }
    });

    it('refuses scalars 0, n, beyond n or of the wrong length', () => {
      const peer = native.generateKeyPair().publicKey;
      for (const [what, k] of [
        ['0', scalarBytes(0n)],
        ['n', scalarBytes(P256_ORDER)],
        ['n + 1', scalarBytes(P256_ORDER + 1n)],
        ['2^256 − 1', new Uint8Array(32).fill(0xff)],
        ['31 bytes', new Uint8Array(31).fill(1)],
        ['33 bytes', new Uint8Array(33).fill(1)],
      ] as const) {
        assert.throws(() => native.ecdhX(k, peer), RangeError, what);
        assert.throws(() => native.publicKeyOf(k), RangeError, what);
      }
    });

    it('refuses arguments that are not Uint8Arrays', () => {
      const { privateKey, publicKey } = native.generateKeyPair();
      const call =
        (f: (...args: unknown[]) => unknown, ...args: unknown[]) =>
        () =>
          f(...args);
      const ecdh = native.ecdhX as (...args: unknown[]) => unknown;
      const onCurve = native.isOnCurve as (...args: unknown[]) => unknown;
      assert.throws(call(ecdh, [...privateKey], publicKey), TypeError);
      assert.throws(call(ecdh, privateKey, new Uint16Array(32)), TypeError);
      assert.throws(call(ecdh, privateKey, toHex(publicKey)), TypeError);
      assert.throws(call(ecdh, privateKey), TypeError);
      assert.throws(call(onCurve, publicKey.buffer), TypeError);
      assert.throws(call(onCurve, null), TypeError);
    });

    it('through the protocol wrappers, reports ConfiguratorError codes as with node:crypto', () => {
      const previous = useEcBackend(nativeEcBackend!);
      try {
        const k = native.generateKeyPair().privateKey;
        const bad = new Uint8Array(64);
        assert.throws(
          () => ecdhX(k, bad),
          (e: unknown) => e instanceof ConfiguratorError && e.code === ErrorCode.CryptoBadPoint,
        );
        assert.throws(
          () => ecdhX(new Uint8Array(32), native.generateKeyPair().publicKey),
          (e: unknown) => e instanceof ConfiguratorError && e.code === ErrorCode.KeyBadEncoding,
        );
      } finally {
        useEcBackend(previous);
      }
    });

    it('leaves no error behind for node:crypto after a refusal', () => {
      assert.throws(() => native.ecdhX(scalarBytes(5n), new Uint8Array(64)));
      const a = createECDH('prime256v1');
      const b = createECDH('prime256v1');
      const [pubA, pubB] = [a.generateKeys(), b.generateKeys()];
      assert.deepEqual(a.computeSecret(pubB), b.computeSecret(pubA));
    });
  });

  describe('AES-SIV', () => {
    before(function () {
      if (!nativeCrypto?.aesSiv) this.skip(); // this OpenSSL has no AES-SIV
    });

    it('reproduces RFC 5297 A.1 and A.2', () => {
      const key1 = fromHex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
      const ad1 = fromHex('101112131415161718191a1b1c1d1e1f2021222324252627');
      const pt1 = fromHex('112233445566778899aabbccddee');
      const sealed1 = native.aesSivEncrypt(key1, pt1, [ad1]);
      assert.equal(toHex(sealed1), '85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c');
      assert.deepEqual(native.aesSivDecrypt(key1, sealed1, [ad1]), pt1);
      const key2 = fromHex('7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f');
      const ad2 = [
        fromHex('00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100'),
        fromHex('102030405060708090a0'),
        fromHex('09f911029d74e35bd84156c5635688c0'),
      ];
      const pt2 = fromHex(
        '7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553',
      );
      assert.equal(
        toHex(native.aesSivEncrypt(key2, pt2, ad2)),
        '7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d',
      );
    });

    it('equals the node:crypto path and @noble/ciphers for random keys, AD vectors and plaintexts (empty included)', () => {
      const backend = nativeAesSivBackend!;
      fc.assert(
        fc.property(
          fc.constantFrom(32, 48, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 4 }),
          fc.uint8Array({ maxLength: 200 }),
          (key, ad, pt) => {
            const sealed = backend.encrypt(key, pt, ad);
            assert.deepEqual(sealed, nodeAesSivBackend.encrypt(key, pt, ad));
            assert.deepEqual(sealed, aessiv(key, ...ad).encrypt(pt));
            assert.deepEqual(backend.decrypt(key, sealed, ad), pt);
            if (pt.length > 0) assert.deepEqual(native.aesSivEncrypt(key, pt, ad), sealed);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('returns null for any single-bit change to the sealed bytes or the AD', () => {
      const key = new Uint8Array(48).fill(9);
      const ad = [Uint8Array.of(1, 2, 3), new Uint8Array(0)];
      const sealed = native.aesSivEncrypt(key, new TextEncoder().encode('passphrase material'), ad);
      for (let i = 0; i < sealed.length * 8; i++) {
        const t = new Uint8Array(sealed);
        t[i >> 3]! ^= 1 << (i & 7);
        assert.equal(native.aesSivDecrypt(key, t, ad), null, `bit ${i}`);
      }
      assert.equal(native.aesSivDecrypt(key, sealed, [Uint8Array.of(1, 2, 3)]), null);
      assert.equal(native.aesSivDecrypt(key, sealed, [Uint8Array.of(1, 2, 4), ad[1]!]), null);
      assert.equal(native.aesSivDecrypt(key, sealed, [...ad, new Uint8Array(0)]), null);
      assert.equal(native.aesSivDecrypt(key, sealed.subarray(0, 15), ad), null);
    });

    it('refuses wrong key lengths, non-Uint8Array arguments, more than 126 AD components and, itself, an empty plaintext', () => {
      const encrypt = native.aesSivEncrypt as (...args: unknown[]) => unknown;
      const pt = Uint8Array.of(1);
      assert.throws(() => encrypt(new Uint8Array(16), pt, []), RangeError);
      assert.throws(() => encrypt(new Uint8Array(33), pt, []), RangeError);
      assert.throws(() => encrypt(new Uint8Array(32), [1], []), TypeError);
      assert.throws(() => encrypt(new Uint8Array(32), pt, Uint8Array.of(1)), TypeError);
      assert.throws(() => encrypt(new Uint8Array(32), pt, [Uint8Array.of(1), 'ad']), TypeError);
      assert.throws(() => encrypt(new Uint8Array(32), new Uint8Array(0), []), RangeError);
      const ad126 = Array.from({ length: 126 }, (_, i) => Uint8Array.of(i));
      assert.deepEqual(
        native.aesSivEncrypt(new Uint8Array(32), pt, ad126),
        aessiv(new Uint8Array(32), ...ad126).encrypt(pt),
      );
      assert.throws(() => encrypt(new Uint8Array(32), pt, [...ad126, pt]), RangeError);
      assert.throws(
        () => native.aesSivDecrypt(new Uint8Array(32), new Uint8Array(16), []),
        RangeError,
      );
    });
  });
});
