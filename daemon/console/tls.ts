/**
 * The console's HTTPS certificate: the admin's own (certFile/keyFile), or one made at first start
 * and kept in the data dir (`console-cert.pem`, `console-key.pem` 0600), self-signed for this
 * host's names and addresses. Browsers warn about a self-signed certificate once; its SHA-256
 * fingerprint, logged at start and shown by `configurator console token`, is what to compare.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfiguratorError } from '../../protocol/errors.js';
import { PRIVATE_FILE_MODE, requirePrivate } from '../../whitelist/private-files.js';
import { issueCertificate, signerFor } from '../lwm2m/certificate.js';
import { DaemonErrorCode } from '../errors.js';

export const CERT_FILE = 'console-cert.pem';
export const KEY_FILE = 'console-key.pem';
const VALID_DAYS = 825;

export interface ConsoleTlsSettings {
  readonly host: string;
  readonly tls: 'auto' | 'on' | 'off';
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

export interface ConsoleTls {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the certificate (DER), as browsers show it: AB:CD:… */
  readonly fingerprint: string;
  /** Made here (self-signed) rather than given. */
  readonly selfSigned: boolean;
  /** Where the certificate is (absolute): what a client of this host pins. */
  readonly certFile: string;
}

function invalid(message: string): ConfiguratorError {
  return new ConfiguratorError(DaemonErrorCode.ConsoleTlsInvalid, message);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\./.test(host) || host === '::1';
}

/** Whether the console serves HTTPS with these settings. */
export function usesTls(settings: ConsoleTlsSettings): boolean {
  if (settings.tls === 'off') return false;
  return settings.tls === 'on' || settings.certFile !== undefined || !isLoopback(settings.host);
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** The certificate to serve, or undefined for plain HTTP. */
export function consoleTls(
  settings: ConsoleTlsSettings,
  dataDir: string,
  baseDir: string,
): ConsoleTls | undefined {
  if (!usesTls(settings)) return undefined;
  if (settings.certFile !== undefined && settings.keyFile !== undefined) {
    const certPath = resolve(baseDir, settings.certFile);
    const keyPath = resolve(baseDir, settings.keyFile);
    requirePrivate([{ path: keyPath, kind: 'file' }]);
    const read = (path: string, what: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        throw invalid(`console.${what}: cannot read ${path}: ${(e as Error).message}`);
      }
    };
    const cert = read(certPath, 'certFile');
    const key = read(keyPath, 'keyFile');
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(cert);
      if (!parsed.checkPrivateKey(createPrivateKey(key)))
        throw invalid(
          `console.keyFile (${keyPath}) is not the key of console.certFile (${certPath})`,
        );
    } catch (e) {
      if (e instanceof ConfiguratorError) throw e;
      throw invalid(`console.certFile/keyFile: ${(e as Error).message}`);
    }
    return { cert, key, fingerprint: parsed.fingerprint256, selfSigned: false, certFile: certPath };
  }
  return selfSigned(settings.host, dataDir);
}

function selfSigned(host: string, dataDir: string): ConsoleTls {
  const certPath = resolve(dataDir, CERT_FILE);
  const keyPath = join(dataDir, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    requirePrivate([{ path: keyPath, kind: 'file' }]);
    const cert = readFileSync(certPath, 'utf8');
    const parsed = new X509Certificate(cert);
    // Made again once expired; a new name or address needs the files removed (docs/console.md).
    if (Date.parse(parsed.validTo) > Date.now())
      return {
        cert,
        key: readFileSync(keyPath, 'utf8'),
        fingerprint: parsed.fingerprint256,
        selfSigned: true,
        certFile: certPath,
      };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signer = signerFor(privateKey);
  if (typeof signer === 'string') throw invalid(signer);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const der = issueCertificate({
    commonName: `dpp-configurator console on ${hostname()}`,
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    serial,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + VALID_DAYS * 86400_000),
    signer,
    usage: 'server',
    altNames: altNamesFor(host),
  });
  const cert = new X509Certificate(der).toString();
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writePrivate(keyPath, key);
  writePrivate(certPath, cert);
  return { cert, key, fingerprint: fingerprintOf(cert), selfSigned: true, certFile: certPath };
}

function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: PRIVATE_FILE_MODE });
  renameSync(tmp, path);
}

/** The names a browser may reach this host by: its host name, localhost, and its addresses. */
function altNamesFor(host: string): { dns: string[]; ip: Uint8Array[] } {
  const dns = new Set(['localhost', hostname(), `${hostname()}.local`]);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  if (isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::') ips.add(host);
  else if (isIP(host) === 0) dns.add(host);
  else
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (!a.internal) ips.add(a.address.replace(/%.*$/, ''));
  return { dns: [...dns], ip: [...ips].map(ipBytes) };
}

function ipBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  // IPv6: expand "::" and write the eight groups.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head === '' || head === undefined ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}
