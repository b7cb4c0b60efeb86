/**
 * The CSV export for LwM2M servers: one row per device and account, PSK identity and key,
 * certificate fingerprint and DER, and cells a spreadsheet would run as formulas escaped.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { generateDeviceCredentials } from '../../daemon/lwm2m/credentials.js';
import { certificateFingerprint, CSV_COLUMNS, exportCsv } from '../../daemon/lwm2m/export.js';
import { loadTemplateMaterial } from '../../daemon/lwm2m/material.js';
import { parseTemplate, type Lwm2mTemplate } from '../../daemon/lwm2m/template.js';
import { parseCsv } from '../../whitelist/csv.js';

function template(raw: unknown): Lwm2mTemplate {
  const t = parseTemplate(raw);
  if (!t.ok) assert.fail(t.error.message);
  return t.value;
}

function rows(text: string): string[][] {
  const r = parseCsv(text);
  if (!r.ok) assert.fail(r.error.message);
  return r.value.map((rec) => [...rec.fields]);
}

describe('LwM2M CSV export', () => {
  const keyHash = randomBytes(32).toString('hex');

  it('has one row per device and account with the PSK identity and key', () => {
    const t = template({
      servers: [
        { uri: 'coaps://bs.example', bootstrap: true, securityMode: 'psk' },
        { uri: 'coap://dm.example', shortServerId: 3, securityMode: 'nosec' },
      ],
      psk: { identity: 'id-{label}' },
    });
    const device = { keyHash: keyHash.toUpperCase(), label: 'desk' };
    const secrets = generateDeviceCredentials(t, device);
    const psk = secrets.accounts[0]!;
    assert.ok(psk.mode === 'psk');
    const out = rows(exportCsv([{ device, secrets }]));
    assert.deepEqual(out, [
      [...CSV_COLUMNS],
      [
        keyHash,
        'desk',
        `dpp-${keyHash.slice(0, 16)}`,
        'bootstrap',
        'psk',
        'id-desk',
        psk.key,
        '',
        '',
      ],
      [keyHash, 'desk', `dpp-${keyHash.slice(0, 16)}`, 'server:3', 'nosec', '', '', '', ''],
    ]);
    assert.match(exportCsv([]), /^key_hash,.*\r\n$/);
  });

  it('gives a certificate account its fingerprint and DER', () => {
    const t = template({
      servers: [{ uri: 'coaps://dm.example', shortServerId: 1, securityMode: 'certificate' }],
      certificate: { selfSigned: true },
    });
    const material = loadTemplateMaterial(t, '/nonexistent');
    assert.ok(material.ok);
    const secrets = generateDeviceCredentials(t, { keyHash }, material.value);
    const der = Buffer.from(secrets.certificate!.certificate, 'base64');
    const fingerprint = createHash('sha256').update(der).digest('hex');
    assert.equal(certificateFingerprint(secrets), fingerprint);
    const [, row] = rows(exportCsv([{ device: { keyHash }, secrets }]));
    assert.deepEqual(row!.slice(3), [
      'server:1',
      'certificate',
      '',
      '',
      fingerprint,
      secrets.certificate!.certificate,
    ]);
    // The private key never goes into the export.
    const text = exportCsv([{ device: { keyHash }, secrets }]);
    assert.equal(text.includes(secrets.certificate!.privateKey), false);
    assert.equal(text.includes(secrets.certificate!.certificate), true);
  });

  it('escapes cells a spreadsheet would run as formulas, and quotes commas', () => {
    const t = template({
      endpoint: '{label}',
      servers: [{ uri: 'coaps://dm.example', shortServerId: 1, securityMode: 'psk' }],
    });
    const device = { keyHash, label: '=HYPERLINK("x"),y' };
    const secrets = generateDeviceCredentials(t, device);
    const text = exportCsv([{ device, secrets }]);
    const [, row] = rows(text);
    assert.equal(row![1], `'=HYPERLINK("x"),y`);
    assert.equal(row![2], `'=HYPERLINK("x"),y`);
    assert.equal(row![5], `'=HYPERLINK("x"),y`);
  });
});
