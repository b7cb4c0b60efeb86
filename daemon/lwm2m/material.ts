/**
 * The files a template names, read and checked once when the configuration is loaded: the CA
 * certificate and key that sign device certificates (the key must match the certificate), and
 * the LwM2M servers' certificates. Then one bundle is rendered for a sample device with sample
 * credentials, so a template the bundle rules refuse fails at start, not at the first device.
 *
 * CA keys: those certificate.ts signs with, in PEM (PKCS#8, SEC1 or PKCS#1) or DER (PKCS#8),
 * unencrypted. Messages name the key and the file, never key material.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { bytesEqual } from '../../protocol/bytes.js';
import { fail, isConfiguratorError, ok, type Result } from '../../protocol/errors.js';
import { declareObjects, DEFAULT_REGISTRY, type Registry } from '../../protocol/lwm2m/registry.js';
import { signerFor, type Signer } from './certificate.js';
import { certificateFields } from './der.js';
import { renderBundle } from './render.js';
import { accountName, type DeviceLwm2mSecrets } from './secrets.js';
import { objectDecls, type Lwm2mTemplate } from './template.js';
import { DaemonErrorCode } from '../errors.js';
import { openToOthers } from '../../whitelist/private-files.js';

const MAX_FILE_BYTES = 64 * 1024;

export interface LoadedCa {
  /** The CA certificate, DER. */
  readonly certificate: Uint8Array;
  /** Its subject Name (DER), the issuer of every device certificate, and its key identifier. */
  readonly subject: Uint8Array;
  readonly keyId?: Uint8Array | undefined;
  readonly signer: Signer;
  readonly notAfter: Date;
}

export interface LoadedMaterial {
  /** Security, Server, Device and the template's extra objects. */
  readonly registry: Registry;
  readonly ca?: LoadedCa | undefined;
  /** Server certificates (DER) by index in `servers`, for certificate accounts that have one. */
  readonly serverCertificates: ReadonlyMap<number, Uint8Array>;
  /** Worth a warning at start (a CA key file others can read …). */
  readonly warnings: readonly string[];
}

class MaterialError extends Error {}

function readSmallFile(path: string, key: string): Buffer {
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) throw new MaterialError(`${key}: ${path} is larger than 64 KiB`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof MaterialError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new MaterialError(`${key}: cannot read ${path} (${code})`);
  }
}

function readCertificate(path: string, key: string): X509Certificate {
  const bytes = readSmallFile(path, key);
  try {
    return new X509Certificate(bytes);
  } catch {
    throw new MaterialError(`${key}: ${path} is not an X.509 certificate (PEM or DER)`);
  }
}

function readPrivateKey(path: string, key: string): KeyObject {
  const bytes = readSmallFile(path, key);
  const isPem = bytes.includes('-----BEGIN');
  if (isPem && bytes.includes('ENCRYPTED'))
    throw new MaterialError(`${key}: ${path} is encrypted; give an unencrypted key (mode 0600)`);
  try {
    return isPem
      ? createPrivateKey({ key: bytes, format: 'pem' })
      : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch {
    throw new MaterialError(
      `${key}: ${path} is not a private key (PEM, or PKCS#8 DER, unencrypted)`,
    );
  }
}

function spki(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}

function loadCa(
  template: Lwm2mTemplate,
  baseDir: string,
  where: string,
  warnings: string[],
): LoadedCa | undefined {
  const c = template.certificate;
  if (c === undefined || c.selfSigned || c.caCertFile === undefined || c.caKeyFile === undefined)
    return undefined;
  const certKey = `${where}.certificate.caCertFile`;
  const keyKey = `${where}.certificate.caKeyFile`;
  const certPath = resolve(baseDir, c.caCertFile);
  const keyPath = resolve(baseDir, c.caKeyFile);
  const cert = readCertificate(certPath, certKey);
  const key = readPrivateKey(keyPath, keyKey);
  const signer = signerFor(key);
  if (typeof signer === 'string') throw new MaterialError(`${keyKey}: ${signer}`);
  if (!bytesEqual(spki(createPublicKey(key)), spki(cert.publicKey)))
    throw new MaterialError(
      `${keyKey}: ${keyPath} is not the key of the CA certificate ${certPath}`,
    );
  if (!cert.ca)
    throw new MaterialError(
      `${certKey}: ${certPath} is not a CA certificate (basicConstraints CA:TRUE)`,
    );
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= Date.now())
    throw new MaterialError(`${certKey}: ${certPath} expired on ${notAfter.toISOString()}`);
  if (openToOthers(statSync(keyPath).mode))
    warnings.push(`${keyKey}: ${keyPath} is readable by others: chmod 600 it`);
  const der = new Uint8Array(cert.raw);
  let fields: ReturnType<typeof certificateFields>;
  try {
    fields = certificateFields(der);
  } catch {
    throw new MaterialError(`${certKey}: ${certPath}: cannot read the certificate's subject`);
  }
  return {
    certificate: der,
    subject: fields.subject,
    keyId: fields.subjectKeyId,
    signer,
    notAfter,
  };
}

/** Sample credentials the size of real ones, for the check at load time. */
function sampleSecrets(template: Lwm2mTemplate): DeviceLwm2mSecrets {
  const certificate = template.servers.some((s) => s.securityMode === 'certificate')
    ? { certificate: 'A'.repeat(800), privateKey: 'A'.repeat(184), selfSigned: false }
    : undefined;
  return {
    version: 1,
    endpoint: 'sample-endpoint',
    accounts: template.servers.map((s) => {
      const account = accountName(s);
      return s.securityMode === 'psk'
        ? {
            account,
            mode: 'psk' as const,
            identity: 'sample-identity',
            key: '00'.repeat(template.psk.keyLength),
          }
        : { account, mode: s.securityMode };
    }),
    certificate,
  };
}

/**
 * Reads and checks the template's files (paths relative to `baseDir`, the configuration file's
 * folder) and renders a sample bundle. `where` prefixes every key in errors.
 */
export function loadTemplateMaterial(
  template: Lwm2mTemplate,
  baseDir: string,
  where = 'lwm2m',
): Result<LoadedMaterial> {
  const warnings: string[] = [];
  let material: LoadedMaterial;
  try {
    const registry = declareObjects(DEFAULT_REGISTRY, objectDecls(template.objects));
    const ca = loadCa(template, baseDir, where, warnings);
    const serverCertificates = new Map<number, Uint8Array>();
    template.servers.forEach((s, i) => {
      if (s.securityMode !== 'certificate') return;
      const own = s.serverCertFile;
      const file = own ?? template.certificate?.serverCertFile;
      if (file === undefined) return;
      const key =
        own === undefined
          ? `${where}.certificate.serverCertFile`
          : `${where}.servers.${i}.serverCertFile`;
      serverCertificates.set(i, new Uint8Array(readCertificate(resolve(baseDir, file), key).raw));
    });
    material = { registry, ca, serverCertificates, warnings };
  } catch (e) {
    if (e instanceof MaterialError) return fail(DaemonErrorCode.Lwm2mMaterialInvalid, e.message);
    if (isConfiguratorError(e))
      return fail(DaemonErrorCode.Lwm2mTemplateInvalid, `${where}.objects: ${e.message}`);
    throw e;
  }

  const sample = renderBundle(
    template,
    { keyHash: '0'.repeat(64), mac: '02:00:00:00:00:01', label: 'label', serial: 'serial' },
    sampleSecrets(template),
    material,
  );
  if (!sample.ok)
    return fail(
      DaemonErrorCode.Lwm2mTemplateInvalid,
      `${where}: the bundle this template makes is refused: ${sample.error.message}`,
    );
  return ok(material);
}
