/**
 * Private bootstrapping keys on disk. We write PKCS#8 PEM, mode 0600, never over an existing file.
 * We read PKCS#8 PEM, SEC1 PEM ("EC PRIVATE KEY") and hostap's format: the ECPrivateKey DER as
 * one hex string (DPP_BOOTSTRAP_GEN key=…, dpp_configurator_key), so keys move between the two.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { bytesEqual, concatBytes } from '../../protocol/bytes.js';
import { ConfiguratorError, ErrorCode } from '../../protocol/errors.js';
import { publicKeyOf, type KeyPair } from '../../protocol/dpp/crypto/p256.js';
import { PRIVATE_FILE_MODE } from '../../whitelist/private-files.js';

/** Key files are small; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Write `keyPair`'s private key as PKCS#8 PEM. Creation is exclusive (O_EXCL, so an existing file
 * or symlink is refused with the fs error EEXIST) and the mode is forced to 0600 whatever the umask.
 */
export function writePrivateKeyFile(path: string, keyPair: KeyPair): void {
  const pem = toKeyObject(keyPair).export({ type: 'pkcs8', format: 'pem' }) as string;
  const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Read a P-256 private key file (PKCS#8 PEM, SEC1 PEM or hostap hex DER). */
export function readPrivateKeyFile(path: string): KeyPair {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, `${path}: too large for a key file`);
  }
  return parsePrivateKey(bytes.toString('latin1'), path);
}

/** The same, from the file's text; `where` names the source in error messages. */
export function parsePrivateKey(text: string, where = 'key'): KeyPair {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
      throw new ConfiguratorError(
        ErrorCode.KeyBadEncoding,
        `${where}: encrypted keys are not supported`,
      );
    }
    if (trimmed.startsWith('-----BEGIN')) {
      key = createPrivateKey({ key: trimmed, format: 'pem' });
    } else if (/^(?:[0-9a-fA-F]{2})+$/.test(trimmed)) {
      const der = Buffer.from(trimmed, 'hex');
      key = createPrivateKey({ key: der, format: 'der', type: derType(der) });
    } else {
      throw new ConfiguratorError(
        ErrorCode.KeyBadEncoding,
        `${where}: not a PEM private key or a hex ECPrivateKey (hostap format)`,
      );
    }
  } catch (e) {
    if (e instanceof ConfiguratorError) throw e;
    throw new ConfiguratorError(
      ErrorCode.KeyBadEncoding,
      `${where}: cannot read the private key (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    const what =
      key.asymmetricKeyType === 'ec'
        ? `curve ${details?.namedCurve ?? 'unknown'}`
        : key.asymmetricKeyType;
    throw new ConfiguratorError(
      ErrorCode.UriUnsupportedCurve,
      `${where}: ${what ?? 'unknown'} key; a P-256 (prime256v1) key is required`,
    );
  }
  const jwk = key.export({ format: 'jwk' });
  const privateKey = fromBase64Url(jwk.d, 32);
  const stored = concatBytes(fromBase64Url(jwk.x, 32), fromBase64Url(jwk.y, 32));
  // The file's public key may be stale or forged; the scalar decides.
  const publicKey = publicKeyOf(privateKey);
  if (!bytesEqual(publicKey, stored)) {
    throw new ConfiguratorError(
      ErrorCode.CryptoKeyMismatch,
      `${where}: the stored public key does not belong to the private key`,
    );
  }
  return { privateKey, publicKey };
}

/** PKCS#8 starts SEQUENCE { INTEGER 0, SEQUENCE …}; ECPrivateKey SEQUENCE { INTEGER 1, OCTET STRING … }. */
function derType(der: Uint8Array): 'pkcs8' | 'sec1' {
  let pos = 1;
  const len = der[pos];
  if (len !== undefined && len & 0x80) pos += len & 0x7f;
  pos += 1;
  return der[pos] === 0x02 && der[pos + 1] === 0x01 && der[pos + 2] === 0x00 ? 'pkcs8' : 'sec1';
}

function toKeyObject(keyPair: KeyPair): KeyObject {
  const jwk: JsonWebKey = {
    kty: 'EC',
    crv: 'P-256',
    d: toBase64Url(keyPair.privateKey),
    x: toBase64Url(keyPair.publicKey.subarray(0, 32)),
    y: toBase64Url(keyPair.publicKey.subarray(32, 64)),
  };
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromBase64Url(text: string | undefined, length: number): Uint8Array {
  const bytes = Buffer.from(text ?? '', 'base64url');
  if (bytes.length > length) {
    throw new ConfiguratorError(ErrorCode.KeyBadEncoding, 'key component longer than 32 bytes');
  }
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}
