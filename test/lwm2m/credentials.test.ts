/**
 * Per-device credentials: PSKs unique across a batch, device certificates that verify against
 * the configured CA (made here), self-signed certificates, the files a template names checked at
 * load time, the rendered bundle carrying each credential at its path, and stored secrets that
 * round-trip and never leak into error messages.
 */
import assert from 'node:assert/strict';
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type Result } from '../../protocol/errors.js';
import { decodeBundle } from '../../protocol/lwm2m/bundle.js';
import { formatPath, type SenmlRecord } from '../../protocol/lwm2m/senml-cbor.js';
import { ECDSA_WITH_SHA256 } from '../../daemon/lwm2m/certificate.js';
import {
  generateDeviceCredentials,
  parseDeviceSecrets,
  renderBundle,
  serializeDeviceSecrets,
  type DeviceLwm2mSecrets,
} from '../../daemon/lwm2m/credentials.js';
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
  TRUE,
  unsignedInteger,
  utf8String,
} from '../../daemon/lwm2m/der.js';
import { loadTemplateMaterial, type LoadedMaterial } from '../../daemon/lwm2m/material.js';
import { parseTemplate, type Lwm2mTemplate } from '../../daemon/lwm2m/template.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

const DAY = 24 * 60 * 60 * 1000;

function must<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function template(raw: unknown): Lwm2mTemplate {
  return must(parseTemplate(raw));
}

function randomHash(): string {
  return randomBytes(32).toString('hex');
}

/** A CA certificate (CA:TRUE, keyCertSign) for `key`, self-signed, PEM. */
function makeCa(cn: string, key: { privateKey: KeyObject; publicKey: KeyObject }): string {
  const rsa = key.privateKey.asymmetricKeyType === 'rsa';
  const algorithm = rsa ? sequence(oid('1.2.840.113549.1.1.11'), NULL) : ECDSA_WITH_SHA256;
  const spki = new Uint8Array(key.publicKey.export({ format: 'der', type: 'spki' }));
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(cn))));
  const keyId = createHash('sha1').update(publicKeyBits(spki)).digest();
  const tbs = sequence(
    explicit(0, unsignedInteger(Uint8Array.of(2))),
    unsignedInteger(Uint8Array.of(0x42)),
    algorithm,
    name,
    sequence(time(new Date(Date.now() - DAY)), time(new Date(Date.now() + 3650 * DAY))),
    name,
    spki,
    explicit(
      3,
      sequence(
        sequence(oid('2.5.29.19'), TRUE, octetString(sequence(TRUE))),
        // keyCertSign and cRLSign (bits 5 and 6), one unused bit.
        sequence(oid('2.5.29.15'), TRUE, octetString(Uint8Array.of(0x03, 0x02, 0x01, 0x06))),
        sequence(oid('2.5.29.14'), octetString(octetString(keyId))),
      ),
    ),
  );
  const signature = sign('sha256', tbs, key.privateKey);
  const der = sequence(tbs, algorithm, bitString(new Uint8Array(signature)));
  return new X509Certificate(der).toString();
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const CERT_SERVER = {
  uri: 'coaps://lwm2m.example:5684',
  shortServerId: 1,
  securityMode: 'certificate',
};
const PSK_SERVER = { uri: 'coaps://lwm2m.example:5684', shortServerId: 1, securityMode: 'psk' };

function records(bytes: Uint8Array): Map<string, SenmlRecord['value']> {
  return new Map(must(decodeBundle(bytes)).map((r) => [formatPath(r.path), r.value]));
}

function opaqueAt(map: Map<string, SenmlRecord['value']>, path: string): Uint8Array {
  const v = map.get(path);
  assert.ok(v !== undefined && v.type === 'opaque', `${path} is opaque`);
  return v.value;
}

describe('LwM2M per-device credentials', () => {
  let dir: string;
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecCa = makeCa('Factory CA', ecKey);
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serverCert = makeCa('lwm2m.example', serverKey);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lwm2m-cred-'));
    writeFileSync(join(dir, 'ca.pem'), ecCa);
    writeFileSync(join(dir, 'ca-key.pem'), pem(ecKey.privateKey), { mode: 0o600 });
    writeFileSync(join(dir, 'server.der'), new X509Certificate(serverCert).raw);
    writeFileSync(join(dir, 'other-key.pem'), pem(serverKey.privateKey), { mode: 0o600 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const caTemplate = (extra: Record<string, unknown> = {}): Lwm2mTemplate =>
    template({
      endpoint: 'urn:dev:{keyHash16}',
      servers: [CERT_SERVER],
      certificate: {
        caCertFile: 'ca.pem',
        caKeyFile: 'ca-key.pem',
        serverCertFile: 'server.der',
        validityDays: 365,
        ...extra,
      },
    });

  it('gives 10,000 devices 10,000 different PSKs and identities of the configured length', () => {
    const t = template({
      endpoint: 'dev-{keyHash16}',
      servers: [PSK_SERVER],
      psk: { identity: 'id-{keyHash}', keyLength: 32 },
    });
    const keys = new Set<string>();
    const identities = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const s = generateDeviceCredentials(t, { keyHash: randomHash() });
      const account = s.accounts[0]!;
      assert.equal(account.mode, 'psk');
      if (account.mode !== 'psk') return;
      assert.match(account.key, /^[0-9a-f]{64}$/);
      assert.match(account.identity, /^id-[0-9a-f]{64}$/);
      keys.add(account.key);
      identities.add(account.identity);
    }
    assert.equal(keys.size, 10_000);
    assert.equal(identities.size, 10_000);
  });

  it('gives each PSK account of a device its own key', () => {
    const t = template({
      servers: [
        { uri: 'coaps://bs.example', bootstrap: true, securityMode: 'psk' },
        PSK_SERVER,
        { ...PSK_SERVER, uri: 'coaps://b.example', shortServerId: 2 },
      ],
    });
    const s = generateDeviceCredentials(t, { keyHash: randomHash() });
    assert.deepEqual(
      s.accounts.map((a) => a.account),
      ['bootstrap', 'server:1', 'server:2'],
    );
    const keys = s.accounts.map((a) => (a.mode === 'psk' ? a.key : ''));
    assert.equal(new Set(keys).size, 3);
    assert.ok(keys.every((k) => k.length === 32));
  });

  it('issues a device certificate that verifies against the CA, CN = endpoint', () => {
    const t = caTemplate();
    const material = must(loadTemplateMaterial(t, dir));
    const hash = randomHash();
    const s = generateDeviceCredentials(t, { keyHash: hash }, material);
    assert.ok(s.certificate !== undefined);
    assert.equal(s.certificate.selfSigned, false);
    const cert = new X509Certificate(Buffer.from(s.certificate.certificate, 'base64'));
    const ca = new X509Certificate(ecCa);
    assert.equal(cert.verify(ca.publicKey), true);
    assert.equal(cert.checkIssued(ca), true);
    assert.equal(cert.subject, `CN=urn:dev:${hash.slice(0, 16)}`);
    assert.equal(s.endpoint, `urn:dev:${hash.slice(0, 16)}`);
    assert.equal(cert.issuer, 'CN=Factory CA');
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.serialNumber.length, 32);
    assert.ok(parseInt(cert.serialNumber[0]!, 16) < 8, 'serial is positive');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
    assert.equal(Math.round(days), 365);
    assert.ok(Date.parse(cert.validFrom) <= Date.now());

    const privateKey = createPrivateKey({
      key: Buffer.from(s.certificate.privateKey, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    assert.equal(cert.checkPrivateKey(privateKey), true);
    assert.equal(privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    // Controls: another CA and another key do not match.
    const other = new X509Certificate(serverCert);
    assert.equal(cert.verify(other.publicKey), false);
    assert.equal(cert.checkPrivateKey(serverKey.privateKey), false);

    // Two devices never share a key pair or a serial.
    const s2 = generateDeviceCredentials(t, { keyHash: randomHash() }, material);
    const cert2 = new X509Certificate(Buffer.from(s2.certificate!.certificate, 'base64'));
    assert.notEqual(cert2.serialNumber, cert.serialNumber);
    assert.notEqual(s2.certificate!.privateKey, s.certificate.privateKey);
  });

  it('signs with an RSA CA too', () => {
    const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaCa = makeCa('RSA CA', rsaKey);
    writeFileSync(join(dir, 'rsa-ca.pem'), rsaCa);
    writeFileSync(join(dir, 'rsa-key.pem'), pem(rsaKey.privateKey), { mode: 0o600 });
    const t = caTemplate({ caCertFile: 'rsa-ca.pem', caKeyFile: 'rsa-key.pem' });
    const material = must(loadTemplateMaterial(t, dir));
    const s = generateDeviceCredentials(t, { keyHash: randomHash() }, material);
    const cert = new X509Certificate(Buffer.from(s.certificate!.certificate, 'base64'));
    assert.equal(cert.verify(new X509Certificate(rsaCa).publicKey), true);
    assert.equal(cert.checkIssued(new X509Certificate(rsaCa)), true);
  });

  it('makes a self-signed certificate that verifies against itself', () => {
    const t = template({ servers: [CERT_SERVER], certificate: { selfSigned: true } });
    const material = must(loadTemplateMaterial(t, dir));
    const hash = randomHash();
    const s = generateDeviceCredentials(t, { keyHash: hash }, material);
    assert.equal(s.certificate?.selfSigned, true);
    const cert = new X509Certificate(Buffer.from(s.certificate.certificate, 'base64'));
    assert.equal(cert.verify(cert.publicKey), true);
    assert.equal(cert.subject, `CN=dpp-${hash.slice(0, 16)}`);
    assert.equal(cert.issuer, cert.subject);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
    assert.equal(Math.round(days), 3650);
  });

  it('puts certificate, server certificate and PKCS#8 key at /0/x/3, 4 and 5', () => {
    const t = caTemplate();
    const material = must(loadTemplateMaterial(t, dir));
    const device = { keyHash: randomHash() };
    const s = generateDeviceCredentials(t, device, material);
    const map = records(must(renderBundle(t, device, s, material)));
    assert.deepEqual(
      opaqueAt(map, '/0/0/3'),
      new Uint8Array(Buffer.from(s.certificate!.certificate, 'base64')),
    );
    assert.deepEqual(opaqueAt(map, '/0/0/4'), new Uint8Array(new X509Certificate(serverCert).raw));
    assert.deepEqual(
      opaqueAt(map, '/0/0/5'),
      new Uint8Array(Buffer.from(s.certificate!.privateKey, 'base64')),
    );
    assert.deepEqual(map.get('/0/0/2'), { type: 'integer', value: 2n });
  });

  it('puts the PSK identity and key at /0/x/3 and /0/x/5', () => {
    const t = template({ servers: [PSK_SERVER], psk: { identity: 'psk-{keyHash16}' } });
    const material = must(loadTemplateMaterial(t, dir));
    const device = { keyHash: randomHash() };
    const s = generateDeviceCredentials(t, device, material);
    const account = s.accounts[0]!;
    assert.ok(account.mode === 'psk');
    const map = records(must(renderBundle(t, device, s, material)));
    assert.deepEqual(
      opaqueAt(map, '/0/0/3'),
      new TextEncoder().encode(`psk-${device.keyHash.slice(0, 16)}`),
    );
    assert.deepEqual(opaqueAt(map, '/0/0/5'), new Uint8Array(Buffer.from(account.key, 'hex')));
    assert.deepEqual(map.get('/0/0/10'), { type: 'integer', value: 1n });
    assert.deepEqual(map.get('/1/0/0'), { type: 'integer', value: 1n });
    // The same secrets give the same bytes: a device provisioned again gets the same bundle.
    assert.deepEqual(
      renderBundle(t, device, s, material),
      renderBundle(t, device, must(parseDeviceSecrets(serializeDeviceSecrets(s))), material),
    );
  });

  it('refuses a bundle over 4096 bytes', () => {
    const t = template({
      servers: [PSK_SERVER],
      device: { model: '{label}' },
    });
    const material = must(loadTemplateMaterial(t, dir));
    const device = { keyHash: randomHash(), label: 'x'.repeat(4000) };
    const s = generateDeviceCredentials(t, device, material);
    const r = renderBundle(t, device, s, material);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, ErrorCode.Lwm2mTooLarge);
    assert.match(r.error.message, /limit is 4096/);
    assert.equal(renderBundle(t, { ...device, label: 'short' }, s, material).ok, true);
  });

  it('checks the CA files at load time, naming the key', () => {
    const load = (extra: Record<string, unknown>): string => {
      const r = loadTemplateMaterial(caTemplate(extra), dir, 'profiles.p.lwm2m');
      assert.equal(r.ok, false);
      if (r.ok) return '';
      assert.equal(r.error.code, DaemonErrorCode.Lwm2mMaterialInvalid);
      return r.error.message;
    };
    assert.match(
      load({ caKeyFile: 'other-key.pem' }),
      /^profiles\.p\.lwm2m\.certificate\.caKeyFile: .*other-key\.pem is not the key of the CA certificate/,
    );
    assert.match(
      load({ caCertFile: 'missing.pem' }),
      /certificate\.caCertFile: cannot read .*missing\.pem \(ENOENT\)/,
    );
    assert.match(load({ caKeyFile: 'ca.pem' }), /certificate\.caKeyFile: .*is not a private key/);
    assert.match(
      load({ serverCertFile: 'ca-key.pem' }),
      /certificate\.serverCertFile: .*is not an X\.509 certificate/,
    );
    // A key of another kind is named as unsupported, with no key material in the message.
    const ed = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'ed.pem'), pem(ed.privateKey), { mode: 0o600 });
    const message = load({ caKeyFile: 'ed.pem' });
    assert.match(message, /a ed25519 key is not supported/);
    assert.doesNotMatch(message, /BEGIN|PRIVATE/);
  });

  it('refuses a CA certificate that is not a CA', () => {
    const t = template({ servers: [CERT_SERVER], certificate: { selfSigned: true } });
    const s = generateDeviceCredentials(
      t,
      { keyHash: randomHash() },
      must(loadTemplateMaterial(t, dir)),
    );
    writeFileSync(join(dir, 'leaf.der'), Buffer.from(s.certificate!.certificate, 'base64'));
    writeFileSync(join(dir, 'leaf-key.der'), Buffer.from(s.certificate!.privateKey, 'base64'), {
      mode: 0o600,
    });
    const r = loadTemplateMaterial(
      caTemplate({ caCertFile: 'leaf.der', caKeyFile: 'leaf-key.der' }),
      dir,
    );
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, /leaf\.der is not a CA certificate/);
  });

  it('warns about a CA key file others can read', () => {
    chmodSync(join(dir, 'ca-key.pem'), 0o644);
    try {
      const m: LoadedMaterial = must(loadTemplateMaterial(caTemplate(), dir));
      assert.equal(m.warnings.length, 1);
      assert.match(m.warnings[0]!, /caKeyFile: .*ca-key\.pem is readable by others/);
    } finally {
      chmodSync(join(dir, 'ca-key.pem'), 0o600);
    }
    assert.deepEqual(must(loadTemplateMaterial(caTemplate(), dir)).warnings, []);
  });

  it('round-trips stored secrets and refuses bad ones without quoting them', () => {
    const t = template({ servers: [PSK_SERVER] });
    const s = generateDeviceCredentials(t, { keyHash: randomHash() });
    assert.deepEqual(must(parseDeviceSecrets(serializeDeviceSecrets(s))), s);

    const key = s.accounts[0]!.mode === 'psk' ? s.accounts[0]!.key : '';
    const broken = serializeDeviceSecrets(s).slice(0, -3);
    const r1 = parseDeviceSecrets(broken);
    assert.equal(r1.ok, false);
    if (!r1.ok) {
      assert.equal(r1.error.code, DaemonErrorCode.Lwm2mSecretsInvalid);
      assert.doesNotMatch(r1.error.message, new RegExp(key));
    }
    const upper: DeviceLwm2mSecrets = {
      ...s,
      accounts: [{ account: 'server:1', mode: 'psk', identity: 'x', key: key.toUpperCase() }],
    };
    const r2 = parseDeviceSecrets(JSON.stringify(upper));
    assert.equal(r2.ok, false);
    if (!r2.ok) {
      assert.match(r2.error.message, /accounts\.0\.key/);
      assert.doesNotMatch(r2.error.message, new RegExp(key, 'i'));
    }
  });

  it('refuses secrets made for an earlier version of the template', () => {
    const t = template({ servers: [PSK_SERVER] });
    const device = { keyHash: randomHash() };
    const s = generateDeviceCredentials(t, device);
    const changed = template({ servers: [{ ...PSK_SERVER, shortServerId: 2 }] });
    const r = renderBundle(changed, device, s, must(loadTemplateMaterial(changed, dir)));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, DaemonErrorCode.Lwm2mSecretsInvalid);
    assert.match(r.error.message, /no account server:2/);
  });
});
