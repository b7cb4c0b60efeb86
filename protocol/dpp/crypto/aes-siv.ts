/**
 * AES-SIV (RFC 5297). DPP wraps every message with it, several times per exchange.
 *
 * Two backends: OpenSSL's own AES-SIV through the native addon when it is built
 * (native-backend.ts), else RFC 5297 written here on node:crypto's AES, which creates Cipher
 * objects per operation and costs several times more (docs/benchmarks.md, "Crypto backend").
 * @noble/ciphers' `aessiv` (pure JS) was slower still; it stays the reference both are checked
 * against in the tests, and the node:crypto path is what the native one is compared with.
 *
 * Key: 32, 48 or 64 bytes = K1 (S2V, CMAC) ‖ K2 (CTR). Output: V (16-byte synthetic IV) ‖ C.
 */
import { createCipheriv, timingSafeEqual, type Cipher } from 'node:crypto';
import { nativeCrypto, type NativeCrypto } from './native-backend.js';

const BLOCK = 16;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

function cipherName(keyLen: number, mode: 'ecb' | 'cbc' | 'ctr'): string {
  return `aes-${keyLen * 8}-${mode}`;
}

/** Doubling in GF(2^128) (RFC 5297 "dbl"), in place. */
function dbl(block: Buffer): void {
  const carry = block[0]! & 0x80;
  for (let i = 0; i < BLOCK - 1; i++) block[i] = ((block[i]! << 1) | (block[i + 1]! >>> 7)) & 0xff;
  block[BLOCK - 1] = ((block[BLOCK - 1]! << 1) & 0xff) ^ (carry ? 0x87 : 0);
}

function xorInto(target: Buffer, offset: number, source: Uint8Array): void {
  for (let i = 0; i < source.length; i++) target[offset + i]! ^= source[i]!;
}

/**
 * Per-key state: an ECB context for single-block CMACs (reused, so no cipher is created for the
 * short AD components DPP uses) plus the CMAC subkeys and CMAC(0^128), which depend on the key
 * only. Cached weakly by key array: ke wraps several messages of one exchange.
 */
class SivKey {
  readonly macKey: Buffer;
  readonly ctrKey: Buffer;
  private readonly ecb: Cipher;
  private readonly k1: Buffer;
  private readonly k2: Buffer;
  readonly macOfZero: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32 && key.length !== 48 && key.length !== 64) {
      throw new RangeError(`AES-SIV key must be 32, 48 or 64 bytes, got ${key.length}`);
    }
    const half = key.length / 2;
    this.macKey = Buffer.from(key.subarray(0, half));
    this.ctrKey = Buffer.from(key.subarray(half));
    this.ecb = createCipheriv(cipherName(half, 'ecb'), this.macKey, null).setAutoPadding(false);
    this.k1 = Buffer.from(this.ecb.update(ZERO_BLOCK));
    dbl(this.k1);
    this.k2 = Buffer.from(this.k1);
    dbl(this.k2);
    this.macOfZero = this.mac(ZERO_BLOCK);
  }

  /** AES-CMAC (RFC 4493). */
  mac(message: Uint8Array): Buffer {
    const complete = message.length > 0 && message.length % BLOCK === 0;
    const padded = Buffer.alloc(
      complete ? message.length : (Math.floor(message.length / BLOCK) + 1) * BLOCK,
    );
    padded.set(message);
    if (!complete) padded[message.length] = 0x80;
    xorInto(padded, padded.length - BLOCK, complete ? this.k1 : this.k2);
    if (padded.length === BLOCK) return Buffer.from(this.ecb.update(padded));
    const cbc = createCipheriv(cipherName(this.macKey.length, 'cbc'), this.macKey, ZERO_BLOCK)
      .setAutoPadding(false)
      .update(padded);
    return cbc.subarray(cbc.length - BLOCK);
  }
}

const sivKeys = new WeakMap<Uint8Array, SivKey>();

function sivKey(key: Uint8Array): SivKey {
  let k = sivKeys.get(key);
  if (!k) {
    k = new SivKey(key);
    sivKeys.set(key, k);
  }
  return k;
}

function s2v(k: SivKey, ad: readonly Uint8Array[], plaintext: Uint8Array): Buffer {
  const d = Buffer.from(k.macOfZero);
  for (const component of ad) {
    dbl(d);
    xorInto(d, 0, k.mac(component));
  }
  if (plaintext.length >= BLOCK) {
    const t = Buffer.from(plaintext);
    xorInto(t, t.length - BLOCK, d);
    return k.mac(t);
  }
  dbl(d);
  const padded = Buffer.alloc(BLOCK);
  padded.set(plaintext);
  padded[plaintext.length] = 0x80;
  xorInto(d, 0, padded);
  return k.mac(d);
}

function ctr(key: Buffer, v: Uint8Array, data: Uint8Array): Buffer {
  const q = Buffer.from(v);
  q[8]! &= 0x7f;
  q[12]! &= 0x7f;
  return createCipheriv(cipherName(key.length, 'ctr'), key, q).update(data);
}

function nodeEncrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  ad: readonly Uint8Array[],
): Uint8Array {
  const k = sivKey(key);
  const v = s2v(k, ad, plaintext);
  const out = new Uint8Array(BLOCK + plaintext.length);
  out.set(v);
  out.set(ctr(k.ctrKey, v, plaintext), BLOCK);
  return out;
}

function nodeDecrypt(
  key: Uint8Array,
  sealed: Uint8Array,
  ad: readonly Uint8Array[],
): Uint8Array | null {
  if (sealed.length < BLOCK) return null;
  const k = sivKey(key);
  const v = sealed.subarray(0, BLOCK);
  const plaintext = ctr(k.ctrKey, v, sealed.subarray(BLOCK));
  const expected = s2v(k, ad, plaintext);
  if (!timingSafeEqual(expected, v)) {
    plaintext.fill(0);
    return null;
  }
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length);
}

export interface AesSivBackend {
  readonly name: string;
  encrypt(key: Uint8Array, plaintext: Uint8Array, ad: readonly Uint8Array[]): Uint8Array;
  decrypt(key: Uint8Array, sealed: Uint8Array, ad: readonly Uint8Array[]): Uint8Array | null;
}

export const nodeAesSivBackend: AesSivBackend = {
  name: 'node:crypto',
  encrypt: nodeEncrypt,
  decrypt: nodeDecrypt,
};

/**
 * OpenSSL's AES-SIV; undefined when the addon is not loaded or its OpenSSL lacks AES-SIV. OpenSSL
 * refuses an empty plaintext, which DPP never wraps: that case takes the node:crypto path.
 */
export const nativeAesSivBackend: AesSivBackend | undefined = nativeCrypto?.aesSiv
  ? nativeBackend(nativeCrypto)
  : undefined;

function nativeBackend(native: NativeCrypto): AesSivBackend {
  return {
    name: 'native',
    encrypt: (key, plaintext, ad) =>
      plaintext.length === 0
        ? nodeEncrypt(key, plaintext, ad)
        : native.aesSivEncrypt(key, plaintext, ad),
    decrypt: (key, sealed, ad) =>
      sealed.length === BLOCK
        ? nodeDecrypt(key, sealed, ad)
        : native.aesSivDecrypt(key, sealed, ad),
  };
}

/** The backend in use unless useAesSivBackend says otherwise. */
export const defaultAesSivBackend: AesSivBackend = nativeAesSivBackend ?? nodeAesSivBackend;

let backend: AesSivBackend = defaultAesSivBackend;

/** Benchmarks and tests: switch backends. Returns the previous one. */
export function useAesSivBackend(next: AesSivBackend): AesSivBackend {
  const previous = backend;
  backend = next;
  return previous;
}

/** "native" or "node:crypto": for the log line at startup. */
export function activeAesSivBackendName(): string {
  return backend.name;
}

export function aesSivEncrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  ad: readonly Uint8Array[],
): Uint8Array {
  return backend.encrypt(key, plaintext, ad);
}

/** The plaintext, or null when the synthetic IV does not verify. */
export function aesSivDecrypt(
  key: Uint8Array,
  sealed: Uint8Array,
  ad: readonly Uint8Array[],
): Uint8Array | null {
  return backend.decrypt(key, sealed, ad);
}
