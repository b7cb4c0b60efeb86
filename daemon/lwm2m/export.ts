/**
 * What the LwM2M servers must know about each device, from its stored secrets, as CSV: one row
 * per device and account (RFC 4180, CRLF, header first):
 *
 *   key_hash, label, endpoint, account, mode, identity, psk_hex, cert_sha256, cert_der_base64
 *
 * psk rows carry the identity and the key in hex; certificate rows the SHA-256 fingerprint of
 * the device certificate (hex, what servers pin) and the certificate itself as base64 DER (a PEM
 * body on one line, for servers that must be given self-signed certificates); nosec rows only
 * the endpoint. Text cells a spreadsheet would run as a formula get a leading apostrophe, as in
 * the whitelist export. The text holds every device's keys: write it to a 0600 file.
 */
import { createHash } from 'node:crypto';
import { formatCsvRecord } from '../../whitelist/csv.js';
import { escapeFormula } from '../../whitelist/spreadsheet.js';
import type { DeviceContext } from './placeholders.js';
import type { DeviceLwm2mSecrets } from './secrets.js';

export interface ExportEntry {
  readonly device: DeviceContext;
  readonly secrets: DeviceLwm2mSecrets;
}

export const CSV_COLUMNS = [
  'key_hash',
  'label',
  'endpoint',
  'account',
  'mode',
  'identity',
  'psk_hex',
  'cert_sha256',
  'cert_der_base64',
] as const;

/** The SHA-256 fingerprint of a device's certificate, hex; undefined when it has none. */
export function certificateFingerprint(secrets: DeviceLwm2mSecrets): string | undefined {
  const cert = secrets.certificate;
  if (cert === undefined) return undefined;
  return createHash('sha256').update(Buffer.from(cert.certificate, 'base64')).digest('hex');
}

export function exportCsv(entries: readonly ExportEntry[]): string {
  let out = formatCsvRecord(CSV_COLUMNS);
  for (const { device, secrets } of entries) {
    const fingerprint = certificateFingerprint(secrets) ?? '';
    for (const a of secrets.accounts) {
      const cert = a.mode === 'certificate';
      out += formatCsvRecord([
        device.keyHash.toLowerCase(),
        escapeFormula(device.label ?? ''),
        escapeFormula(secrets.endpoint),
        a.account,
        a.mode,
        a.mode === 'psk' ? escapeFormula(a.identity) : '',
        a.mode === 'psk' ? a.key : '',
        cert ? fingerprint : '',
        cert ? (secrets.certificate?.certificate ?? '') : '',
      ]);
    }
  }
  return out;
}
