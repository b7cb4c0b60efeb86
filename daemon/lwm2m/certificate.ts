/**
 * A device's X.509 client certificate (RFC 5280), built and signed synchronously with
 * node:crypto, so a device's secrets can be made inside the store's write lock:
 *
 *   version 3, serial (random, positive), subject CN = endpoint name, the device's P-256 key,
 *   basicConstraints CA:FALSE (critical), keyUsage digitalSignature (critical),
 *   extKeyUsage clientAuth, subjectKeyIdentifier, authorityKeyIdentifier when the CA has one.
 *
 * Signers: ECDSA P-256 (ecdsa-with-SHA256), ECDSA P-384 (ecdsa-with-SHA384), RSA of 2048 bits or
 * more (sha256WithRSAEncryption). Anything else is refused when the CA key is loaded.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  explicit,
  NULL,
  octetString,
  oid,
  publicKeyBits,
  sequence,
  set,
  time,
  tlv,
  TRUE,
  unsignedInteger,
  utf8String,
} from './der.js';

export interface Signer {
  readonly key: KeyObject;
  readonly hash: 'sha256' | 'sha384';
  /** The AlgorithmIdentifier of the signature, DER. */
  readonly algorithm: Uint8Array;
}

export const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/** How a private key signs a certificate, or why it cannot. */
export function signerFor(key: KeyObject): Signer | string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1')
      return { key, hash: 'sha256', algorithm: ECDSA_WITH_SHA256 };
    if (details.namedCurve === 'secp384r1')
      return { key, hash: 'sha384', algorithm: sequence(oid('1.2.840.10045.4.3.3')) };
    return `an EC key on ${details.namedCurve ?? 'an unknown curve'} is not supported (P-256, P-384 or RSA)`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) return 'an RSA key needs at least 2048 bits';
    return { key, hash: 'sha256', algorithm: sequence(oid('1.2.840.113549.1.1.11'), NULL) };
  }
  return `a ${key.asymmetricKeyType ?? 'unknown'} key is not supported (P-256, P-384 or RSA)`;
}

export interface CertificateRequest {
  readonly commonName: string;
  /** The device's SubjectPublicKeyInfo, DER. */
  readonly publicKey: Uint8Array;
  /** Big-endian, positive (high bit clear). */
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The issuer's subject Name (DER) and key identifier; the subject itself when self-signed. */
  readonly issuer?: { readonly name: Uint8Array; readonly keyId?: Uint8Array | undefined };
  readonly signer: Signer;
  /** What the key is for: a TLS client (an LwM2M device, the default) or a TLS server. */
  readonly usage?: 'client' | 'server' | undefined;
  /** subjectAltName: host names and IP addresses (a TLS server needs them). */
  readonly altNames?: { readonly dns?: readonly string[]; readonly ip?: readonly Uint8Array[] };
}

/** GeneralNames: dNSName [2] IA5String, iPAddress [7] OCTET STRING, both implicitly tagged. */
function generalNames(names: NonNullable<CertificateRequest['altNames']>): Uint8Array {
  return sequence(
    ...(names.dns ?? []).map((n) => tlv(0x82, new TextEncoder().encode(n))),
    ...(names.ip ?? []).map((ip) => tlv(0x87, ip)),
  );
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(id), TRUE, octetString(value))
    : sequence(oid(id), octetString(value));
}

/** The certificate, DER. */
export function issueCertificate(req: CertificateRequest): Uint8Array {
  const subject = sequence(set(sequence(oid('2.5.4.3'), utf8String(req.commonName))));
  const keyId = createHash('sha1').update(publicKeyBits(req.publicKey)).digest();
  const extensions = [
    extension('2.5.29.19', true, sequence()),
    // keyUsage: BIT STRING with bit 0 (digitalSignature) set, 7 unused bits.
    extension('2.5.29.15', true, Uint8Array.of(0x03, 0x02, 0x07, 0x80)),
    extension(
      '2.5.29.37',
      false,
      sequence(oid(req.usage === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2')),
    ),
    extension('2.5.29.14', false, octetString(keyId)),
  ];
  if (req.altNames !== undefined)
    extensions.push(extension('2.5.29.17', false, generalNames(req.altNames)));
  if (req.issuer?.keyId !== undefined)
    extensions.push(extension('2.5.29.35', false, sequence(tlv(0x80, req.issuer.keyId))));
  const tbs = sequence(
    explicit(0, unsignedInteger(Uint8Array.of(2))),
    unsignedInteger(req.serial),
    req.signer.algorithm,
    req.issuer?.name ?? subject,
    sequence(time(req.notBefore), time(req.notAfter)),
    subject,
    req.publicKey,
    explicit(3, sequence(...extensions)),
  );
  // ECDSA signatures come out DER-encoded (node's default), as X.509 wants them.
  const signature = sign(req.signer.hash, tbs, req.signer.key);
  return sequence(tbs, req.signer.algorithm, bitString(new Uint8Array(signature)));
}
