/**
 * The `lwm2m` template section: defaults, placeholders rendered into the bundle, and each kind of
 * configuration mistake refused with the key path that holds it.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { type Result } from '../../protocol/errors.js';
import { decodeBundle } from '../../protocol/lwm2m/bundle.js';
import { formatPath, type SenmlRecord } from '../../protocol/lwm2m/senml-cbor.js';
import { generateDeviceCredentials, renderBundle } from '../../daemon/lwm2m/credentials.js';
import { loadTemplateMaterial } from '../../daemon/lwm2m/material.js';
import { parsePattern } from '../../daemon/lwm2m/placeholders.js';
import {
  lwm2mTemplateSchema,
  parseTemplate,
  templateWarnings,
  type Lwm2mTemplate,
} from '../../daemon/lwm2m/template.js';
import { Lwm2mBundles } from '../../daemon/lwm2m/builder.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

const KEY_HASH = '0123456789abcdef'.repeat(4);
const DEVICE = { keyHash: KEY_HASH, mac: '02:AA:bb:cc:dd:0e', label: 'line-3', serial: 'SN-77' };

const PSK_SERVER = { uri: 'coaps://lwm2m.example:5684', shortServerId: 1, securityMode: 'psk' };

function template(raw: unknown): Lwm2mTemplate {
  const t = parseTemplate(raw);
  if (!t.ok) assert.fail(t.error.message);
  return t.value;
}

function refused(raw: unknown): string {
  const t = parseTemplate(raw);
  assert.equal(t.ok, false, 'the template should be refused');
  if (t.ok) return '';
  assert.equal(t.error.code, DaemonErrorCode.Lwm2mTemplateInvalid);
  return t.error.message;
}

function must<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function bundleOf(t: Lwm2mTemplate, device = DEVICE): Map<string, SenmlRecord['value']> {
  const material = must(loadTemplateMaterial(t, '/nonexistent'));
  const secrets = generateDeviceCredentials(t, device, material);
  const records = must(
    decodeBundle(must(renderBundle(t, device, secrets, material)), material.registry),
  );
  return new Map(records.map((r) => [formatPath(r.path), r.value]));
}

describe('LwM2M template', () => {
  it('fills in defaults', () => {
    const t = template({ servers: [PSK_SERVER] });
    assert.equal(t.endpoint, 'dpp-{keyHash16}');
    assert.equal(t.psk.identity, '{endpoint}');
    assert.equal(t.psk.keyLength, 16);
    assert.deepEqual(t.objects, []);
    const b = bundleOf(t);
    assert.deepEqual(b.get('/1/0/1'), { type: 'integer', value: 86400n });
    assert.deepEqual(b.get('/1/0/7'), { type: 'string', value: 'U' });
    assert.deepEqual(b.get('/1/0/6'), { type: 'boolean', value: false });
  });

  it('renders every placeholder, and {{ }} as literal braces', () => {
    const t = template({
      endpoint: 'ep-{keyHash16}-{macHex}',
      servers: [PSK_SERVER],
      psk: { identity: '{endpoint}|{mac}|{label}|{keyHash}' },
      device: { serial: '{serial}', model: '{{model}}', manufacturer: 'ACME {label}' },
    });
    const b = bundleOf(t);
    const endpoint = 'ep-0123456789abcdef-02aabbccdd0e';
    assert.deepEqual(b.get('/0/0/3'), {
      type: 'opaque',
      value: new TextEncoder().encode(`${endpoint}|02:aa:bb:cc:dd:0e|line-3|${KEY_HASH}`),
    });
    assert.deepEqual(b.get('/3/0/2'), { type: 'string', value: 'SN-77' });
    assert.deepEqual(b.get('/3/0/1'), { type: 'string', value: '{model}' });
    assert.deepEqual(b.get('/3/0/0'), { type: 'string', value: 'ACME line-3' });
  });

  it('renders {mac} and {label} empty for a device without them', () => {
    const t = template({
      servers: [PSK_SERVER],
      psk: { identity: 'id[{mac}][{macHex}][{label}]' },
    });
    const b = bundleOf(t, { keyHash: KEY_HASH, mac: '', label: '', serial: 'x' });
    assert.deepEqual(b.get('/0/0/3'), {
      type: 'opaque',
      value: new TextEncoder().encode('id[][][]'),
    });
  });

  it('refuses an unknown placeholder, naming the key', () => {
    const message = refused({ servers: [PSK_SERVER], device: { model: 'M-{model}' } });
    assert.match(message, /^lwm2m\.device\.model: unknown placeholder \{model\}/);
    assert.match(
      refused({ servers: [PSK_SERVER], psk: { identity: 'a}b' } }),
      /lwm2m\.psk\.identity: a lone "\}"/,
    );
    assert.match(
      refused({ endpoint: 'x{', servers: [PSK_SERVER] }),
      /lwm2m\.endpoint: an unclosed/,
    );
    assert.match(
      refused({ endpoint: 'x-{endpoint}', servers: [PSK_SERVER] }),
      /lwm2m\.endpoint: .*\{endpoint\}/,
    );
    assert.equal(parsePattern('ok-{serial}').ok, true);
  });

  it('refuses a device without the serial a template needs, naming the key', () => {
    const noSerial = { keyHash: KEY_HASH };
    const inEndpoint = template({ endpoint: 'sn-{serial}', servers: [PSK_SERVER] });
    assert.throws(
      () => generateDeviceCredentials(inEndpoint, noSerial),
      (e: unknown) =>
        e instanceof Error &&
        /^lwm2m\.endpoint: uses \{serial\}, but for device 0123456789abcdef the device reported no serial/.test(
          e.message,
        ),
    );

    const inDevice = template({ servers: [PSK_SERVER], device: { serial: '{serial}' } });
    const material = must(loadTemplateMaterial(inDevice, '/nonexistent'));
    const secrets = generateDeviceCredentials(inDevice, noSerial, material);
    const r = renderBundle(inDevice, noSerial, secrets, material);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, DaemonErrorCode.Lwm2mTemplateMissingValue);
    assert.match(r.error.message, /^lwm2m\.device\.serial: uses \{serial\}/);
    // Control: with the serial reported it renders.
    assert.equal(renderBundle(inDevice, DEVICE, secrets, material).ok, true);
  });

  it('refuses two bootstrap accounts, naming the second', () => {
    const bs = { uri: 'coaps://bs.example:5684', bootstrap: true, securityMode: 'psk' };
    assert.match(
      refused({ servers: [bs, PSK_SERVER, bs] }),
      /lwm2m\.servers\.2\.bootstrap: a second bootstrap account \(the first is servers\.0\)/,
    );
    template({ servers: [bs, PSK_SERVER] });
  });

  it('refuses a URI scheme that does not match the security mode', () => {
    assert.match(
      refused({ servers: [{ ...PSK_SERVER, uri: 'coap://lwm2m.example:5683' }] }),
      /lwm2m\.servers\.0\.uri: coap:\/\/ does not match securityMode psk/,
    );
    assert.match(
      refused({ servers: [{ ...PSK_SERVER, securityMode: 'nosec' }] }),
      /lwm2m\.servers\.0\.uri: coaps:\/\/ does not match securityMode nosec/,
    );
    assert.match(
      refused({ servers: [{ ...PSK_SERVER, uri: 'http://x.example' }] }),
      /lwm2m\.servers\.0\.uri: not a coap/,
    );
    template({ servers: [{ ...PSK_SERVER, uri: 'coap://x.example:5683', securityMode: 'nosec' }] });
  });

  it('refuses account mistakes, each at its key', () => {
    const noSsid = { uri: PSK_SERVER.uri, securityMode: 'psk' };
    assert.match(refused({ servers: [noSsid] }), /lwm2m\.servers\.0\.shortServerId: required/);
    assert.match(
      refused({ servers: [PSK_SERVER, { ...PSK_SERVER, uri: 'coaps://b.example' }] }),
      /lwm2m\.servers\.1\.shortServerId: Short Server ID 1 is already used by servers\.0/,
    );
    assert.match(
      refused({ servers: [{ ...PSK_SERVER, binding: 'UU' }] }),
      /lwm2m\.servers\.0\.binding: not an LwM2M binding/,
    );
    assert.match(
      refused({
        servers: [
          { uri: 'coaps://bs.example', bootstrap: true, securityMode: 'psk', lifetime: 60 },
        ],
      }),
      /lwm2m\.servers\.0\.lifetime: the bootstrap account has no Server instance/,
    );
    assert.match(
      refused({ servers: [{ ...PSK_SERVER, extra: 1 }] }),
      /lwm2m\.servers\.0: Unrecognized key/,
    );
    assert.match(refused({ servers: [] }), /lwm2m\.servers: /);
  });

  it('bounds the PSK key length to 16..64 bytes', () => {
    assert.match(
      refused({ servers: [PSK_SERVER], psk: { keyLength: 15 } }),
      /lwm2m\.psk\.keyLength/,
    );
    assert.match(
      refused({ servers: [PSK_SERVER], psk: { keyLength: 65 } }),
      /lwm2m\.psk\.keyLength/,
    );
    assert.equal(template({ servers: [PSK_SERVER], psk: { keyLength: 64 } }).psk.keyLength, 64);
  });

  it('needs certificate options for a certificate account', () => {
    const cert = { ...PSK_SERVER, securityMode: 'certificate' };
    assert.match(refused({ servers: [cert] }), /lwm2m\.certificate: required/);
    assert.match(
      refused({ servers: [cert], certificate: { caCertFile: 'ca.pem' } }),
      /lwm2m\.certificate\.caKeyFile: required with caCertFile/,
    );
    assert.match(
      refused({ servers: [cert], certificate: { selfSigned: true, caCertFile: 'ca.pem' } }),
      /lwm2m\.certificate\.selfSigned: give either/,
    );
    assert.match(
      refused({ servers: [{ ...PSK_SERVER, serverCertFile: 's.der' }] }),
      /lwm2m\.servers\.0\.serverCertFile: a server certificate is for certificate mode only/,
    );
    template({ servers: [cert], certificate: { selfSigned: true } });
  });

  it('puts declared extra objects into the bundle, and checks their values', () => {
    const site = {
      id: 33000,
      name: 'Site',
      resources: [
        { id: 0, name: 'Site Code', type: 'string', mandatory: true },
        { id: 1, name: 'Slot', type: 'integer', min: 0, max: 9 },
        { id: 2, name: 'Tag', type: 'opaque' },
      ],
      instances: [{ values: { '0': 'site-{label}', '1': 3, '2': { text: '{macHex}' } } }],
    };
    const b = bundleOf(template({ servers: [PSK_SERVER], objects: [site] }));
    assert.deepEqual(b.get('/33000/0/0'), { type: 'string', value: 'site-line-3' });
    assert.deepEqual(b.get('/33000/0/1'), { type: 'integer', value: 3n });
    assert.deepEqual(b.get('/33000/0/2'), {
      type: 'opaque',
      value: new TextEncoder().encode('02aabbccdd0e'),
    });

    const bad = (values: Record<string, unknown>) =>
      refused({ servers: [PSK_SERVER], objects: [{ ...site, instances: [{ values }] }] });
    assert.match(
      bad({ '0': 5 }),
      /lwm2m\.objects\.0\.instances\.0\.values\.0: Site Code is string/,
    );
    assert.match(bad({ '0': 'a', '7': 'b' }), /values\.7: object 33000 declares no resource 7/);
    assert.match(
      bad({ '1': 3 }),
      /lwm2m\.objects\.0\.instances\.0\.values: Site Code .* is mandatory/,
    );
    assert.match(bad({ '0': 'x{nope}' }), /values\.0: unknown placeholder \{nope\}/);
    assert.match(
      refused({ servers: [PSK_SERVER], objects: [{ ...site, id: 1 }] }),
      /lwm2m\.objects: object 1 is already declared/,
    );
    // A value outside the declared bounds is caught by the sample bundle rendered at load time.
    const outOfRange = template({
      servers: [PSK_SERVER],
      objects: [{ ...site, instances: [{ values: { '0': 'a', '1': 10 } }] }],
    });
    const loaded = loadTemplateMaterial(outOfRange, '/nonexistent');
    assert.equal(loaded.ok, false);
    if (!loaded.ok) assert.match(loaded.error.message, /\/33000\/0\/1: Slot 10 is outside 0\.\.9/);
  });

  it('names the whole key path when nested in the configuration schema', () => {
    const config = z.strictObject({
      profiles: z.record(z.string(), z.strictObject({ lwm2m: lwm2mTemplateSchema })),
    });
    const bs = { uri: 'coaps://bs.example', bootstrap: true, securityMode: 'psk' };
    const r = config.safeParse({ profiles: { factory: { lwm2m: { servers: [bs, bs] } } } });
    assert.equal(r.success, false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    assert.ok(paths.includes('profiles.factory.lwm2m.servers.1.bootstrap'), paths.join(', '));
  });

  it('warns at load that device values and extra objects risk the whole bundle on a client', () => {
    const site = {
      id: 33000,
      name: 'Site',
      resources: [{ id: 0, name: 'Site Code', type: 'string' }],
      instances: [{ values: { '0': 'hall' } }],
    };
    assert.deepEqual(templateWarnings(template({ servers: [PSK_SERVER] }), 'lwm2m'), []);
    const [device, objects, ...rest] = templateWarnings(
      template({ servers: [PSK_SERVER], device: { manufacturer: 'ACME' }, objects: [site] }),
      'profiles.plant.lwm2m',
    );
    assert.deepEqual(rest, []);
    assert.match(device!, /^profiles\.plant\.lwm2m\.device \(manufacturer\): .*all or nothing/);
    assert.match(device!, /Device object \(\/3\) refuses these writes/);
    assert.match(objects!, /^profiles\.plant\.lwm2m\.objects \(\/33000 Site\): .*all or nothing/);

    // What the daemon's start and the lwm2m commands print: the builder passes them on.
    const warnings: string[] = [];
    const loaded = Lwm2mBundles.load(
      [
        { name: 'plain', lwm2m: { servers: [PSK_SERVER] } },
        { name: 'labelled', lwm2m: { servers: [PSK_SERVER], device: { serial: '{serial}' } } },
      ],
      '/nonexistent',
      warnings,
    );
    assert.ok(loaded.ok);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^profiles\.labelled\.lwm2m\.device \(serial\)/);
  });
});
