/**
 * Per-device LwM2M credentials, made once per device (the store's getOrCreate keeps the first
 * set made and hands it out ever after), so breaking into one device gives away no other:
 *   - endpoint name: the template's pattern with the device's values;
 *   - psk accounts: the identity pattern rendered, and a fresh random key of psk.keyLength bytes
 *     per account;
 *   - certificate accounts (one key pair per device for all of them): a P-256 key pair and an
 *     X.509 certificate with CN = endpoint name, a random positive 16-byte serial, validity from
 *     five minutes ago (device clocks drift) for certificate.validityDays but never past the
 *     CA's own expiry, keyUsage digitalSignature, extKeyUsage clientAuth, signed by the
 *     configured CA (ECDSA P-256 / P-384 or RSA, material.ts) or by the device key itself.
 *
 * Nothing here logs or puts a secret in an error message.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfiguratorError } from '../../protocol/errors.js';
import { ECDSA_WITH_SHA256, issueCertificate, type Signer } from './certificate.js';
import type { LoadedMaterial } from './material.js';
import {
  deviceValues,
  renderOrThrow,
  type DeviceContext,
  type Placeholder,
} from './placeholders.js';
import { accountName, type AccountSecrets, type DeviceLwm2mSecrets } from './secrets.js';
import type { Lwm2mTemplate } from './template.js';
import { DaemonErrorCode } from '../errors.js';

export { renderBundle } from './render.js';
export { parseDeviceSecrets, serializeDeviceSecrets, type DeviceLwm2mSecrets } from './secrets.js';
export type { DeviceContext } from './placeholders.js';

/** X.520 ub-common-name: a longer endpoint name cannot be a certificate's CN. */
export const MAX_CN_LENGTH = 64;
const MAX_ENDPOINT_LENGTH = 255;
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** 16 random bytes, as a positive DER INTEGER needs them: high bit clear, first byte non-zero. */
function randomSerial(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return new Uint8Array(bytes);
}

function fail(code: number, message: string): never {
  throw new ConfiguratorError(code, message);
}

function makeCertificate(
  endpoint: string,
  template: Lwm2mTemplate,
  material: LoadedMaterial | undefined,
): NonNullable<DeviceLwm2mSecrets['certificate']> {
  const options =
    template.certificate ??
    fail(DaemonErrorCode.Lwm2mTemplateInvalid, 'lwm2m.certificate: required');
  const ca = options.selfSigned ? undefined : material?.ca;
  if (!options.selfSigned && ca === undefined)
    fail(DaemonErrorCode.Lwm2mMaterialInvalid, 'lwm2m.certificate: the CA was not loaded');
  if (endpoint.length > MAX_CN_LENGTH)
    fail(
      DaemonErrorCode.Lwm2mTemplateInvalid,
      `lwm2m.endpoint: the endpoint name has ${endpoint.length} characters; as a certificate's CN it may have ${MAX_CN_LENGTH}`,
    );

  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(Math.floor((Date.now() - CLOCK_SKEW_MS) / 1000) * 1000);
  let notAfter = new Date(notBefore.getTime() + options.validityDays * DAY_MS);
  if (ca !== undefined && notAfter > ca.notAfter) notAfter = ca.notAfter;
  const signer: Signer = ca?.signer ?? {
    key: keys.privateKey,
    hash: 'sha256',
    algorithm: ECDSA_WITH_SHA256,
  };
  const certificate = issueCertificate({
    commonName: endpoint,
    publicKey: new Uint8Array(keys.publicKey.export({ format: 'der', type: 'spki' })),
    serial: randomSerial(),
    notBefore,
    notAfter,
    issuer: ca === undefined ? undefined : { name: ca.subject, keyId: ca.keyId },
    signer,
  });
  const privateKey = keys.privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    certificate: Buffer.from(certificate).toString('base64'),
    privateKey: privateKey.toString('base64'),
    selfSigned: ca === undefined,
  };
}

/**
 * New credentials for one device. Throws ConfiguratorError when the template needs a value the
 * device did not report (`{serial}`), or renders an empty endpoint name or PSK identity.
 * `material` is required for certificate accounts signed by a CA.
 */
export function generateDeviceCredentials(
  template: Lwm2mTemplate,
  device: DeviceContext,
  material?: LoadedMaterial,
): DeviceLwm2mSecrets {
  const base = deviceValues(device);
  if (!base.ok) throw base.error;
  const values = new Map<Placeholder, string | undefined>(base.value);
  const hash = values.get('keyHash')!.slice(0, 16);
  const endpoint = renderOrThrow(template.endpoint, values, 'lwm2m.endpoint');
  if (endpoint === '' || endpoint.length > MAX_ENDPOINT_LENGTH)
    fail(
      DaemonErrorCode.Lwm2mTemplateMissingValue,
      `lwm2m.endpoint: renders ${endpoint === '' ? 'empty' : `${endpoint.length} characters (at most ${MAX_ENDPOINT_LENGTH})`} for device ${hash}`,
    );
  values.set('endpoint', endpoint);

  const accounts: AccountSecrets[] = template.servers.map((s) => {
    const account = accountName(s);
    if (s.securityMode !== 'psk') return { account, mode: s.securityMode };
    const identity = renderOrThrow(template.psk.identity, values, 'lwm2m.psk.identity');
    if (identity === '')
      fail(
        DaemonErrorCode.Lwm2mTemplateMissingValue,
        `lwm2m.psk.identity: renders empty for device ${hash}`,
      );
    return {
      account,
      mode: 'psk',
      identity,
      key: randomBytes(template.psk.keyLength).toString('hex'),
    };
  });

  const needsCertificate = template.servers.some((s) => s.securityMode === 'certificate');
  const certificate = needsCertificate ? makeCertificate(endpoint, template, material) : undefined;
  return { version: 1, endpoint, accounts, ...(certificate === undefined ? {} : { certificate }) };
}
