/**
 * Placeholders in the string values of an LwM2M template: `{name}` is replaced by a value of the
 * device; `{{` and `}}` stand for literal braces. Any other brace, or an unknown name, is an
 * error, so a typo never reaches a device as text.
 *
 *   {keyHash}    SHA-256 of the device's bootstrapping key, 64 lowercase hex digits
 *   {keyHash16}  its first 16 hex digits
 *   {mac}        the device's MAC, aa:bb:cc:dd:ee:ff; empty when not known (DPP over TCP)
 *   {macHex}     the same without colons; empty when not known
 *   {label}      the whitelist entry's label; empty when it has none
 *   {serial}     the serial number the device reported in its Configuration Request; a device
 *                that reported none cannot be given a bundle that uses it (a clear error)
 *   {endpoint}   the device's rendered endpoint name (not inside the endpoint pattern itself)
 */
import { fail, ok, type Result } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';

export const PLACEHOLDERS = [
  'keyHash',
  'keyHash16',
  'mac',
  'macHex',
  'label',
  'serial',
  'endpoint',
] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];

export type PatternPart = { readonly text: string } | { readonly placeholder: Placeholder };

/** What the device is, as far as a template can use it. */
export interface DeviceContext {
  readonly keyHash: string;
  readonly mac?: string | undefined;
  readonly label?: string | undefined;
  readonly serial?: string | undefined;
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** The parts of a pattern, or why it is not one (the message names no key; the caller does). */
export function parsePattern(pattern: string): Result<PatternPart[]> {
  const parts: PatternPart[] = [];
  let text = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if ((c === '{' || c === '}') && pattern[i + 1] === c) {
      text += c;
      i += 2;
      continue;
    }
    if (c === '}')
      return fail(
        DaemonErrorCode.Lwm2mTemplateInvalid,
        `a lone "}" at offset ${i} (write "}}" for a literal brace)`,
      );
    if (c === '{') {
      const end = pattern.indexOf('}', i);
      const name = end < 0 ? '' : pattern.slice(i + 1, end);
      if (end < 0 || !/^[A-Za-z0-9]+$/.test(name))
        return fail(
          DaemonErrorCode.Lwm2mTemplateInvalid,
          `an unclosed or empty "{" at offset ${i} (write "{{" for a literal brace)`,
        );
      if (!isPlaceholder(name))
        return fail(
          DaemonErrorCode.Lwm2mTemplateInvalid,
          `unknown placeholder {${name}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        );
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ placeholder: name });
      i = end + 1;
      continue;
    }
    text += c;
    i++;
  }
  if (text !== '') parts.push({ text });
  return ok(parts);
}

/** The placeholders a pattern uses; for patterns already known to be valid. */
export function placeholdersOf(pattern: string): Placeholder[] {
  const parts = parsePattern(pattern);
  if (!parts.ok) return [];
  return parts.value.flatMap((p) => ('placeholder' in p ? [p.placeholder] : []));
}

const MAC_RE = /^[0-9a-f]{2}(?::?[0-9a-f]{2}){5}$/i;

/** The placeholder values of a device; `endpoint` is added once it is rendered. */
export function deviceValues(device: DeviceContext): Result<Map<Placeholder, string | undefined>> {
  const keyHash = device.keyHash.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(keyHash))
    return fail(DaemonErrorCode.Lwm2mTemplateInvalid, 'a device key hash is 64 hex digits');
  let mac = '';
  if (device.mac !== undefined && device.mac !== '') {
    if (!MAC_RE.test(device.mac))
      return fail(
        DaemonErrorCode.Lwm2mTemplateInvalid,
        `device ${keyHash.slice(0, 16)}: MAC ${JSON.stringify(device.mac)} is not aa:bb:cc:dd:ee:ff`,
      );
    mac = device.mac.toLowerCase().replace(/:/g, '');
  }
  return ok(
    new Map<Placeholder, string | undefined>([
      ['keyHash', keyHash],
      ['keyHash16', keyHash.slice(0, 16)],
      ['mac', mac.replace(/(..)(?!$)/g, '$1:')],
      ['macHex', mac],
      ['label', device.label ?? ''],
      ['serial', device.serial],
    ]),
  );
}

/**
 * A pattern with the device's values in. `where` is the template key the pattern came from and
 * names it in the error when the device lacks a value the pattern needs.
 */
export function renderPattern(
  pattern: string,
  values: ReadonlyMap<Placeholder, string | undefined>,
  where: string,
): Result<string> {
  const parts = parsePattern(pattern);
  if (!parts.ok) return fail(parts.error.code, `${where}: ${parts.error.message}`);
  let out = '';
  for (const part of parts.value) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const value = values.get(part.placeholder);
    if (value === undefined) {
      const why =
        part.placeholder === 'serial'
          ? 'the device reported no serial number in its Configuration Request (deviceInfo.serial)'
          : `{${part.placeholder}} has no value here`;
      const hash = values.get('keyHash')?.slice(0, 16) ?? '?';
      return fail(
        DaemonErrorCode.Lwm2mTemplateMissingValue,
        `${where}: uses {${part.placeholder}}, but for device ${hash} ${why}`,
      );
    }
    out += value;
  }
  return ok(out);
}

/** renderPattern for code that reports failures by throwing. */
export function renderOrThrow(
  pattern: string,
  values: ReadonlyMap<Placeholder, string | undefined>,
  where: string,
): string {
  const r = renderPattern(pattern, values, where);
  if (!r.ok) throw r.error;
  return r.value;
}
