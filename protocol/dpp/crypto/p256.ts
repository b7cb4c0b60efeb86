/**
 * P-256 primitives for DPP. Points travel as x‖y (64 bytes, no 0x04 prefix) exactly as the
 * Initiator/Responder Protocol Key attributes carry them; private keys are 32-byte scalars.
 *
 * Backend for key generation and ECDH: OpenSSL, through the native addon when it is built
 * (native-backend.ts), else through node:crypto, which costs about twice as much per ECDH; both
 * are 10× or more faster than the pure-JS @noble/curves here (docs/benchmarks.md, "Crypto
 * backend"). activeEcBackendName() says which one runs.
 */
import { createECDH, ECDH, randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { concatBytes } from '../../bytes.js';
import { ConfiguratorError, ErrorCode } from '../../errors.js';
import { nativeCrypto } from './native-backend.js';

export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
export const P256_COORD_LEN = 32;
export const P256_POINT_LEN = 64;

/**
 * The elliptic-curve operations DPP needs. The native addon or node:crypto serves them in
 * production; the benchmark swaps in the others to compare them on the real code path
 * (useEcBackend).
 */
export interface EcBackend {
  readonly name: string;
  generateKeyPair(): KeyPair;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  isOnCurve(point: Uint8Array): boolean;
  /** x-coordinate of privateKey·point; throws on a point not on the curve. */
  ecdhX(privateKey: Uint8Array, point: Uint8Array): Uint8Array;
  /** x‖y of a SEC1 point, compressed or not; throws when it is not on the curve. */
  decodeSec1Point(sec1: Uint8Array): Uint8Array;
}

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

/**
 * OpenSSL ECDH contexts by private-key array: setPrivateKey costs a scalar multiplication, and a
 * protocol key is used twice and a bootstrapping key once per exchange. Weak, so keys that are
 * dropped take their contexts with them. Callers never mutate key arrays.
 */
const ecdhByPrivateKey = new WeakMap<Uint8Array, ECDH>();

export const nodeEcBackend: EcBackend = {
  name: 'node:crypto',
  generateKeyPair(): KeyPair {
    const ecdh = createECDH('prime256v1');
    const pub = ecdh.generateKeys();
    const privateKey = leftPad32(ecdh.getPrivateKey());
    ecdhByPrivateKey.set(privateKey, ecdh);
    return { privateKey, publicKey: new Uint8Array(pub.subarray(1)) };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(privateKey));
    return new Uint8Array(ecdh.getPublicKey().subarray(1));
  },
  isOnCurve(point: Uint8Array): boolean {
    try {
      ECDH.convertKey(withPrefix(point), 'prime256v1', undefined, undefined, 'uncompressed');
      return true;
    } catch {
      return false;
    }
  },
  ecdhX(privateKey: Uint8Array, point: Uint8Array): Uint8Array {
    let ecdh = ecdhByPrivateKey.get(privateKey);
    if (!ecdh) {
      ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(Buffer.from(privateKey));
      ecdhByPrivateKey.set(privateKey, ecdh);
    }
    return leftPad32(ecdh.computeSecret(withPrefix(point)));
  },
  decodeSec1Point(sec1: Uint8Array): Uint8Array {
    const full = ECDH.convertKey(
      Buffer.from(sec1),
      'prime256v1',
      undefined,
      undefined,
      'uncompressed',
    ) as Buffer;
    return new Uint8Array(full.subarray(1));
  },
};

export const nobleEcBackend: EcBackend = {
  name: '@noble/curves',
  generateKeyPair(): KeyPair {
    const { secretKey, publicKey } = p256.keygen();
    return {
      privateKey: secretKey,
      publicKey: p256.Point.fromBytes(publicKey).toBytes(false).subarray(1),
    };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    return p256.getPublicKey(privateKey, false).subarray(1);
  },
  isOnCurve(point: Uint8Array): boolean {
    try {
      p256.Point.fromBytes(withPrefix(point)).assertValidity();
      return true;
    } catch {
      return false;
    }
  },
  ecdhX(privateKey: Uint8Array, point: Uint8Array): Uint8Array {
    return p256.getSharedSecret(privateKey, withPrefix(point), true).subarray(1);
  },
  decodeSec1Point(sec1: Uint8Array): Uint8Array {
    const point = p256.Point.fromBytes(sec1);
    point.assertValidity();
    return point.toBytes(false).subarray(1);
  },
};

/**
 * OpenSSL's EC_POINT_mul without node:crypto's per-call check of our own key pair; undefined
 * when the addon is not loaded (native-backend.ts says why).
 */
export const nativeEcBackend: EcBackend | undefined = nativeCrypto && {
  name: 'native',
  // the addon's functions do not use `this`
  generateKeyPair: nativeCrypto.generateKeyPair,
  publicKeyOf: nativeCrypto.publicKeyOf,
  isOnCurve: nativeCrypto.isOnCurve,
  ecdhX: nativeCrypto.ecdhX,
  decodeSec1Point: nativeCrypto.decodeSec1Point,
};

/** The backend in use unless useEcBackend says otherwise. */
export const defaultEcBackend: EcBackend = nativeEcBackend ?? nodeEcBackend;

let backend: EcBackend = defaultEcBackend;

/** Benchmarks and tests: run the protocol code on another backend. Returns the previous one. */
export function useEcBackend(next: EcBackend): EcBackend {
  const previous = backend;
  backend = next;
  return previous;
}

/** "native", "node:crypto" or "@noble/curves": for the log line at startup. */
export function activeEcBackendName(): string {
  return backend.name;
}

export function generateKeyPair(): KeyPair {
  return backend.generateKeyPair();
}

/** The public key of a scalar. Throws KeyBadEncoding for 0 or a scalar ≥ n. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  assertScalar(privateKey);
  return backend.publicKeyOf(privateKey);
}

/** True when `point` (x‖y) is a valid point on P-256 other than infinity. */
export function isOnCurve(point: Uint8Array): boolean {
  return point.length === P256_POINT_LEN && backend.isOnCurve(point);
}

/** x-coordinate of privateKey·point. Throws CryptoBadPoint when the point is not on the curve. */
export function ecdhX(privateKey: Uint8Array, point: Uint8Array, what = 'peer point'): Uint8Array {
  assertScalar(privateKey);
  if (point.length !== P256_POINT_LEN) {
    throw new ConfiguratorError(
      ErrorCode.CryptoBadPoint,
      `${what} must be 64 bytes, got ${point.length}`,
    );
  }
  try {
    return backend.ecdhX(privateKey, point);
  } catch {
    throw new ConfiguratorError(ErrorCode.CryptoBadPoint, `${what} is not on P-256`);
  }
}

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;

/** a⁻¹ mod p by the extended Euclidean algorithm (inputs are public points: no secret timing). */
function invertModP(a: bigint): bigint {
  let r0 = P256_P;
  let r1 = ((a % P256_P) + P256_P) % P256_P;
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return ((t0 % P256_P) + P256_P) % P256_P;
}

function modP(v: bigint): bigint {
  const r = v % P256_P;
  return r < 0n ? r + P256_P : r;
}

/**
 * a + b on the curve (x‖y), for mutual authentication's L = bI·(BR + PR). Affine addition in
 * BigInt: both inputs are public keys already validated as curve points. Twice as fast as
 * @noble/curves' projective add + toAffine here; checked against it in the tests.
 * Equal x-coordinates (a = ±b) cannot happen between honest keys and are refused.
 */
export function addPoints(a: Uint8Array, b: Uint8Array): Uint8Array {
  const C = P256_COORD_LEN;
  const x1 = toBigInt(a.subarray(0, C));
  const y1 = toBigInt(a.subarray(C, 2 * C));
  const x2 = toBigInt(b.subarray(0, C));
  const y2 = toBigInt(b.subarray(C, 2 * C));
  if (x1 === x2)
    throw new ConfiguratorError(ErrorCode.CryptoBadPoint, 'point addition of P and ±P refused');
  const lambda = modP((y2 - y1) * invertModP(x2 - x1));
  const x3 = modP(lambda * lambda - x1 - x2);
  const y3 = modP(lambda * (x1 - x3) - y1);
  return concatBytes(fromBigInt(x3), fromBigInt(y3));
}

/** (a + b) mod n as a 32-byte scalar. */
export function addScalarsModN(a: Uint8Array, b: Uint8Array): Uint8Array {
  const sum = (toBigInt(a) + toBigInt(b)) % P256_ORDER;
  if (sum === 0n) throw new ConfiguratorError(ErrorCode.CryptoBadPoint, 'scalar sum is zero');
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
    return backend.decodeSec1Point(sec1);
  } catch {
    throw new ConfiguratorError(ErrorCode.KeyNotOnCurve, 'public key is not a point on P-256');
  }
}

export function randomNonce(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

function assertScalar(k: Uint8Array): void {
  const v = k.length === P256_COORD_LEN ? toBigInt(k) : 0n;
  if (v === 0n || v >= P256_ORDER)
    throw new ConfiguratorError(
      ErrorCode.KeyBadEncoding,
      'private key is not a valid P-256 scalar',
    );
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function fromBigInt(v: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}

function leftPad32(b: Uint8Array): Uint8Array {
  if (b.length === P256_COORD_LEN) return new Uint8Array(b);
  const out = new Uint8Array(P256_COORD_LEN);
  out.set(b, P256_COORD_LEN - b.length);
  return out;
}
