/**
 * P-256 primitives for DPP. Points travel as x‖y (64 bytes, no 0x04 prefix) exactly as the
 * Initiator/Responder Protocol Key attributes carry them; private keys are 32-byte scalars.
 *
 * Backend: node:crypto (OpenSSL) for key generation and ECDH, which is ~30× faster than the
 * pure-JS @noble/curves here (docs/benchmarks.md, "Crypto backend"). @noble/curves is used only
 * for the one operation OpenSSL does not expose: adding two points (mutual authentication's L).
 */
import { createECDH, ECDH, randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { concatBytes } from '../../bytes.js';
import { DppError, ErrorCode } from '../../errors.js';

export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
export const P256_COORD_LEN = 32;
export const P256_POINT_LEN = 64;

export interface KeyPair {
  /** 32-byte scalar. */
  readonly privateKey: Uint8Array;
  /** x‖y, 64 bytes. */
  readonly publicKey: Uint8Array;
}

const UNCOMPRESSED_PREFIX = Uint8Array.of(0x04);

function withPrefix(point: Uint8Array): Buffer {
  return Buffer.from(concatBytes(UNCOMPRESSED_PREFIX, point));
}

export function generateKeyPair(): KeyPair {
  const ecdh = createECDH('prime256v1');
  const pub = ecdh.generateKeys();
  return {
    privateKey: leftPad32(ecdh.getPrivateKey()),
    publicKey: new Uint8Array(pub.subarray(1)),
  };
}

/** The public key of a scalar. Throws KeyBadEncoding for 0 or a scalar ≥ n. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  assertScalar(privateKey);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey));
  return new Uint8Array(ecdh.getPublicKey().subarray(1));
}

/** True when `point` (x‖y) is a valid point on P-256 other than infinity. */
export function isOnCurve(point: Uint8Array): boolean {
  if (point.length !== P256_POINT_LEN) return false;
  try {
    ECDH.convertKey(withPrefix(point), 'prime256v1', undefined, undefined, 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

/** x-coordinate of privateKey·point. Throws CryptoBadPoint when the point is not on the curve. */
export function ecdhX(privateKey: Uint8Array, point: Uint8Array): Uint8Array {
  assertScalar(privateKey);
  if (point.length !== P256_POINT_LEN) {
    throw new DppError(ErrorCode.CryptoBadPoint, `point must be 64 bytes, got ${point.length}`);
  }
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey));
  try {
    return leftPad32(ecdh.computeSecret(withPrefix(point)));
  } catch {
    throw new DppError(ErrorCode.CryptoBadPoint, 'peer point is not on P-256');
  }
}

/** a + b on the curve (x‖y). Inputs must already be validated points. */
export function addPoints(a: Uint8Array, b: Uint8Array): Uint8Array {
  try {
    const sum = p256.Point.fromBytes(withPrefix(a)).add(p256.Point.fromBytes(withPrefix(b)));
    return sum.toBytes(false).subarray(1);
  } catch {
    throw new DppError(
      ErrorCode.CryptoBadPoint,
      'point addition gave the point at infinity or a bad point',
    );
  }
}

/** (a + b) mod n as a 32-byte scalar. */
export function addScalarsModN(a: Uint8Array, b: Uint8Array): Uint8Array {
  const sum = (toBigInt(a) + toBigInt(b)) % P256_ORDER;
  if (sum === 0n) throw new DppError(ErrorCode.CryptoBadPoint, 'scalar sum is zero');
  return fromBigInt(sum);
}

/** 33-byte SEC1 compressed form of x‖y. */
export function compressPoint(point: Uint8Array): Uint8Array {
  return new Uint8Array(
    ECDH.convertKey(withPrefix(point), 'prime256v1', undefined, undefined, 'compressed') as Buffer,
  );
}

/** x‖y from a SEC1 point (compressed 33 bytes or uncompressed 65 bytes). Throws KeyNotOnCurve. */
export function decodeSec1Point(sec1: Uint8Array): Uint8Array {
  try {
    const full = ECDH.convertKey(
      Buffer.from(sec1),
      'prime256v1',
      undefined,
      undefined,
      'uncompressed',
    ) as Buffer;
    return new Uint8Array(full.subarray(1));
  } catch {
    throw new DppError(ErrorCode.KeyNotOnCurve, 'public key is not a point on P-256');
  }
}

export function randomNonce(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

function assertScalar(k: Uint8Array): void {
  const v = k.length === 32 ? toBigInt(k) : 0n;
  if (v === 0n || v >= P256_ORDER)
    throw new DppError(ErrorCode.KeyBadEncoding, 'private key is not a valid P-256 scalar');
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function fromBigInt(v: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}

function leftPad32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return new Uint8Array(b);
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}
