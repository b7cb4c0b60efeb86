/**
 * Bootstrapping keys as DPP carries them: the DER SubjectPublicKeyInfo from a URI's K: token.
 * The key hash and chirp hash are computed over the DER bytes exactly as received, so a peer that
 * encodes its key uncompressed still matches its own hash.
 */
import { createHash } from 'node:crypto';
import { concatBytes, bytesEqual, fromHex, utf8 } from '../bytes.js';
import { ConfiguratorError, ErrorCode } from '../errors.js';
import { compressPoint, decodeSec1Point } from './crypto/p256.js';

export interface BootstrapKey {
  /** DER SubjectPublicKeyInfo as given (hash input). */
  readonly der: Uint8Array;
  /** The public key, x‖y. */
  readonly point: Uint8Array;
}

const OID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01); // 1.2.840.10045.2.1
const OID_PRIME256V1 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07); // 1.2.840.10045.3.1.7

/** Named curves and algorithms we recognise only to refuse them with a precise reason. */
const KNOWN_REFUSED_OIDS: ReadonlyArray<[string, string]> = [
  ['2b81040022', 'P-384 (secp384r1)'],
  ['2b81040023', 'P-521 (secp521r1)'],
  ['2b8104000a', 'secp256k1'],
  ['2b2403030208010107', 'brainpoolP256r1'],
  ['2b240303020801010b', 'brainpoolP384r1'],
  ['2b240303020801010d', 'brainpoolP512r1'],
  ['2a864886f70d010101', 'RSA (rsaEncryption)'],
  ['2b6570', 'Ed25519'],
  ['2b656e', 'X25519'],
];

interface Tlv {
  tag: number;
  value: Uint8Array;
  end: number;
}

/** One DER TLV at `offset`, bounded by `limit`. Definite short/long lengths only (DER). */
function readTlv(buf: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'DER truncated');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || pos + n > limit)
      throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'DER length invalid');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[pos + i]!;
    pos += n;
  }
  if (pos + len > limit)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'DER value overruns its container');
  return { tag, value: buf.subarray(pos, pos + len), end: pos + len };
}

/**
 * Parse a DER SubjectPublicKeyInfo and require a named-curve P-256 key.
 * Refusals: other curves, RSA and other algorithms, explicit curve parameters, bad points.
 */
export function parseBootstrapKey(der: Uint8Array): BootstrapKey {
  const spki = readTlv(der, 0, der.length);
  if (spki.tag !== 0x30)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'key is not a DER SEQUENCE');
  if (spki.end !== der.length)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'trailing bytes after the key');
  const body = spki.value;
  const algorithm = readTlv(body, 0, body.length);
  if (algorithm.tag !== 0x30)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'AlgorithmIdentifier missing');
  const algOid = readTlv(algorithm.value, 0, algorithm.value.length);
  if (algOid.tag !== 0x06)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'algorithm OID missing');
  if (!bytesEqual(algOid.value, OID_EC_PUBLIC_KEY)) {
    throw new ConfiguratorError(
      ErrorCode.UriUnsupportedCurve,
      `unsupported key algorithm ${describeOid(algOid.value)}: DPP here requires P-256`,
    );
  }
  if (algOid.end >= algorithm.value.length) {
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'EC key has no curve parameters');
  }
  const params = readTlv(algorithm.value, algOid.end, algorithm.value.length);
  if (params.tag === 0x30) {
    throw new ConfiguratorError(
      ErrorCode.UriUnsupportedCurve,
      'explicit curve parameters are not accepted: use the named curve P-256',
    );
  }
  if (params.tag !== 0x06)
    throw new ConfiguratorError(
      ErrorCode.KeyBadEncoding,
      'curve parameters are not a named curve OID',
    );
  if (!bytesEqual(params.value, OID_PRIME256V1)) {
    throw new ConfiguratorError(
      ErrorCode.UriUnsupportedCurve,
      `unsupported curve ${describeOid(params.value)}: only P-256 (prime256v1) is accepted`,
    );
  }
  if (params.end !== algorithm.value.length)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'trailing bytes in AlgorithmIdentifier');
  const bitString = readTlv(body, algorithm.end, body.length);
  if (bitString.tag !== 0x03)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'subjectPublicKey BIT STRING missing');
  if (bitString.end !== body.length)
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'trailing bytes in SubjectPublicKeyInfo');
  if (bitString.value.length < 1 || bitString.value[0] !== 0) {
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'BIT STRING has unused bits');
  }
  const sec1 = bitString.value.subarray(1);
  if (!(
    (sec1.length === 33 && (sec1[0] === 2 || sec1[0] === 3)) ||
    (sec1.length === 65 && sec1[0] === 4)
  )) {
    throw new ConfiguratorError(
      ErrorCode.KeyBadEncoding,
      `public key is not a SEC1 P-256 point (${sec1.length} bytes)`,
    );
  }
  return { der: new Uint8Array(der), point: decodeSec1Point(sec1) };
}

function describeOid(oid: Uint8Array): string {
  const hex = Buffer.from(oid).toString('hex');
  const known = KNOWN_REFUSED_OIDS.find(([h]) => h === hex);
  return known ? known[1] : `OID ${hex}`;
}

const SPKI_P256_COMPRESSED_PREFIX = fromHex('3039301306072a8648ce3d020106082a8648ce3d030107032200');

/** The canonical (compressed, 59-byte) DER form we publish for our own keys, as hostap does. */
export function encodeBootstrapKey(point: Uint8Array): BootstrapKey {
  return {
    der: concatBytes(SPKI_P256_COMPRESSED_PREFIX, compressPoint(point)),
    point: new Uint8Array(point),
  };
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Bootstrapping key hash: SHA-256(DER). Carried in Auth Request/Response/Confirm. */
export function bootstrapKeyHash(key: BootstrapKey): Uint8Array {
  return keyHashOfDer(key.der);
}

/** Chirp hash: SHA-256("chirp" ‖ DER). Carried in the Presence Announcement. */
export function chirpHash(key: BootstrapKey): Uint8Array {
  return chirpHashOfDer(key.der);
}

/**
 * The same two hashes from DER bytes not yet parsed: a whitelist lookup costs a hash, not the
 * curve arithmetic of validating the key (parseBootstrapKey does that, for admitted keys only).
 */
export function keyHashOfDer(der: Uint8Array): Uint8Array {
  return sha256(der);
}

export function chirpHashOfDer(der: Uint8Array): Uint8Array {
  return sha256(utf8('chirp'), der);
}
