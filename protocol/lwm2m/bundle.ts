/**
 * LwM2M factory bundles end to end: a JSON description → typed records → validated → the
 * canonical SenML CBOR bytes, and bytes → records → validated → readable lines.
 *
 * The JSON description (the CLI's input) is one object whose members are absolute paths, with
 * values whose type comes from the registry:
 *
 *   { "/0/1/0": "coaps://eu.iot.avsystem.cloud:5684",   String: a JSON string
 *     "/0/1/1": false,                                  Boolean: true / false
 *     "/0/1/2": 0,                                      Integer: a JSON integer (±2^53 − 1)
 *     "/0/1/3": {"text": "reg-test-psk-identity"},      Opaque: {"text": UTF-8} or {"hex": …}
 *     "/0/1/5": {"hex": "3378406d…"},
 *     "/1/1/10": {"objlnk": "11:0"},                    Objlnk: {"objlnk": "OID:IID"}
 *     "/3/0/2": "SN1" }
 *
 * Opaque values are never plain strings (a text string where opaque is expected is exactly the
 * mistake Anjay refuses), booleans are never 0 / 1. A path given twice is refused, although
 * JSON.parse alone would keep the last one. The order of members does not matter: the bundle is
 * encoded sorted by path.
 *
 * Pure code, no I/O.
 */
import { fromHex, isHex, toHex } from '../bytes.js';
import { MAX_LWM2M_BUNDLE_LEN } from '../dpp/config-object.js';
import { ConfiguratorError, ErrorCode, fail, ok, type Result } from '../errors.js';
import { DEFAULT_REGISTRY, type Registry, type ResourceDef } from './registry.js';
import {
  decodeSenmlCbor,
  encodeSenmlCbor,
  formatObjectLink,
  formatPath,
  parseObjectLink,
  parsePath,
  type Lwm2mValue,
  type SenmlRecord,
} from './senml-cbor.js';
import { resolveResource, validateBundle } from './validate.js';
import { describeJsonError } from '../json-error.js';

/** Limit on a JSON description before it is parsed; a 4096-byte bundle needs far less. */
export const MAX_DESCRIPTION_LEN = 65536;

const te = new TextEncoder();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The one member of an {"text": …} / {"hex": …} / {"objlnk": …} form, if it is one of `keys`. */
function singleMember(raw: unknown, keys: readonly string[]): [string, string] | undefined {
  if (!isPlainObject(raw)) return undefined;
  const entries = Object.entries(raw);
  if (entries.length !== 1) return undefined;
  const [key, value] = entries[0]!;
  return keys.includes(key) && typeof value === 'string' ? [key, value] : undefined;
}

function jsonKind(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'an array';
  if (typeof raw === 'object') return `an object with ${JSON.stringify(Object.keys(raw))}`;
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'an integer' : 'a fractional number';
  return `a ${typeof raw}`;
}

function toValue(p: string, resource: ResourceDef, raw: unknown): Result<Lwm2mValue> {
  const wrong = (expected: string): Result<Lwm2mValue> =>
    fail(ErrorCode.Lwm2mWrongType, `${p}: ${resource.name} is ${expected}, got ${jsonKind(raw)}`);
  switch (resource.type) {
    case 'string':
      return typeof raw === 'string' ? ok({ type: 'string', value: raw }) : wrong('a string');
    case 'boolean':
      return typeof raw === 'boolean'
        ? ok({ type: 'boolean', value: raw })
        : wrong('a boolean (true or false)');
    case 'integer':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return wrong('an integer');
      if (!Number.isSafeInteger(raw))
        return fail(
          ErrorCode.Lwm2mBadValue,
          `${p}: ${raw} is beyond ±(2^53 − 1), which JSON numbers do not carry exactly`,
        );
      return ok({ type: 'integer', value: BigInt(raw) });
    case 'opaque': {
      const m = singleMember(raw, ['text', 'hex']);
      if (!m) return wrong('opaque: write {"text": "…"} or {"hex": "…"}');
      if (m[0] === 'text') return ok({ type: 'opaque', value: te.encode(m[1]) });
      if (!isHex(m[1]))
        return fail(ErrorCode.Lwm2mBadValue, `${p}: "hex" needs an even number of hex digits`);
      return ok({ type: 'opaque', value: fromHex(m[1]) });
    }
    case 'objlnk': {
      const m = singleMember(raw, ['objlnk']);
      if (!m) return wrong('an object link: write {"objlnk": "OID:IID"}');
      const link = parseObjectLink(m[1]);
      if (!link.ok) return fail(ErrorCode.Lwm2mBadValue, `${p}: ${link.error.message}`);
      return ok({ type: 'objlnk', value: link.value });
    }
    case 'none':
      return fail(ErrorCode.Lwm2mExecutableResource, `${p}: ${resource.name} has no value`);
  }
}

/**
 * The member names of a top-level JSON object in text order, duplicates included. `text` must
 * already be known to be valid JSON with an object at the top.
 */
function topLevelKeys(text: string): string[] {
  let i = 0;
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const skipValue = (): void => {
    space();
    const c = text[i];
    if (c === '"') {
      string();
    } else if (c === '{' || c === '[') {
      let depth = 0;
      do {
        const d = text[i];
        if (d === '"') {
          string();
          continue;
        }
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') depth--;
        i++;
      } while (depth > 0);
    } else {
      while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++;
    }
  };
  const keys: string[] = [];
  space();
  i++; // {
  space();
  if (text[i] === '}') return keys;
  for (;;) {
    space();
    keys.push(string());
    space();
    i++; // :
    skipValue();
    space();
    if (text[i] !== ',') return keys;
    i++;
  }
}

/** Typed records of a JSON description, in the description's order. Never throws. */
export function parseBundleDescription(
  text: string,
  registry: Registry = DEFAULT_REGISTRY,
): Result<SenmlRecord[]> {
  if (text.length > MAX_DESCRIPTION_LEN)
    return fail(
      ErrorCode.Lwm2mBadDescription,
      `a description of ${text.length} characters exceeds ${MAX_DESCRIPTION_LEN}`,
    );
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return fail(ErrorCode.Lwm2mBadDescription, `not valid JSON (${describeJsonError(body, e)})`);
  }
  if (!isPlainObject(parsed))
    return fail(
      ErrorCode.Lwm2mBadDescription,
      `a description is one JSON object of "/O/I/R": value members, not ${jsonKind(parsed)}`,
    );
  const seenKeys = new Set<string>();
  for (const key of topLevelKeys(body)) {
    if (seenKeys.has(key))
      return fail(
        ErrorCode.Lwm2mDuplicatePath,
        `${key}: appears more than once in the description`,
      );
    seenKeys.add(key);
  }
  const records: SenmlRecord[] = [];
  for (const [key, raw] of Object.entries(parsed)) {
    const path = parsePath(key);
    if (!path.ok) return path;
    const resolved = resolveResource(registry, path.value);
    if (!resolved.ok) return resolved;
    const value = toValue(key, resolved.value.resource, raw);
    if (!value.ok) return value;
    records.push({ path: path.value, value: value.value });
  }
  return ok(records);
}

/**
 * Validated, sorted and encoded; the bytes the `lwm2m_bundle` member carries. Throws ConfiguratorError
 * for a bundle that breaks a rule (validate.ts) or exceeds MAX_LWM2M_BUNDLE_LEN.
 */
export function encodeBundle(
  records: readonly SenmlRecord[],
  registry: Registry = DEFAULT_REGISTRY,
): Uint8Array {
  const valid = validateBundle(records, registry);
  if (!valid.ok) throw valid.error;
  const bytes = encodeSenmlCbor(valid.value);
  if (bytes.length > MAX_LWM2M_BUNDLE_LEN)
    throw new ConfiguratorError(
      ErrorCode.Lwm2mTooLarge,
      `the bundle takes ${bytes.length} bytes; the limit is ${MAX_LWM2M_BUNDLE_LEN}`,
    );
  return bytes;
}

/** JSON description text → bundle bytes. Never throws. */
export function buildBundle(
  text: string,
  registry: Registry = DEFAULT_REGISTRY,
): Result<Uint8Array> {
  const records = parseBundleDescription(text, registry);
  if (!records.ok) return records;
  try {
    return ok(encodeBundle(records.value, registry));
  } catch (e) {
    if (e instanceof ConfiguratorError) return { ok: false, error: e };
    throw e;
  }
}

/** Bytes → records in the bundle's order, decoded strictly and validated. Never throws. */
export function decodeBundle(
  bytes: Uint8Array,
  registry: Registry = DEFAULT_REGISTRY,
): Result<SenmlRecord[]> {
  const records = decodeSenmlCbor(bytes);
  if (!records.ok) return records;
  const valid = validateBundle(records.value, registry);
  return valid.ok ? records : valid;
}

/**
 * The JSON description of records (the inverse of parseBundleDescription), members in the
 * records' order. Throws ConfiguratorError (Lwm2mBadValue) for an integer JSON cannot carry exactly.
 */
export function formatBundleDescription(records: readonly SenmlRecord[]): string {
  const out: Record<string, unknown> = {};
  for (const { path, value } of records) {
    const p = formatPath(path);
    switch (value.type) {
      case 'string':
      case 'boolean':
        out[p] = value.value;
        break;
      case 'integer':
        if (
          value.value > BigInt(Number.MAX_SAFE_INTEGER) ||
          value.value < BigInt(Number.MIN_SAFE_INTEGER)
        )
          throw new ConfiguratorError(
            ErrorCode.Lwm2mBadValue,
            `${p}: ${value.value} is beyond ±(2^53 − 1), which JSON numbers do not carry exactly`,
          );
        out[p] = Number(value.value);
        break;
      case 'opaque':
        out[p] = { hex: toHex(value.value) };
        break;
      case 'objlnk':
        out[p] = { objlnk: formatObjectLink(value.value) };
        break;
    }
  }
  return JSON.stringify(out, null, 2);
}

function isPrintable(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.every((b) => b >= 0x20 && b <= 0x7e);
}

function formatValue(value: Lwm2mValue): string {
  switch (value.type) {
    case 'string':
      return JSON.stringify(value.value);
    case 'integer':
      return value.value.toString();
    case 'boolean':
      return String(value.value);
    case 'objlnk':
      return formatObjectLink(value.value);
    case 'opaque':
      if (value.value.length === 0) return '(empty)';
      return isPrintable(value.value)
        ? `${toHex(value.value)} ${JSON.stringify(String.fromCharCode(...value.value))}`
        : toHex(value.value);
  }
}

/**
 * One line per resource: path, type, value, and the resource's name after "#". Opaque values
 * as hex, followed by the text in quotes when every byte is printable ASCII.
 */
export function describeBundle(
  records: readonly SenmlRecord[],
  registry: Registry = DEFAULT_REGISTRY,
): string[] {
  const paths = records.map((r) => formatPath(r.path));
  const width = Math.max(0, ...paths.map((p) => p.length));
  return records.map((r, i) => {
    const name = registry.get(r.path.objectId)?.resources.get(r.path.resourceId)?.name;
    const line = `${paths[i]!.padEnd(width)}  ${r.value.type.padEnd(7)}  ${formatValue(r.value)}`;
    return name === undefined ? line : `${line}  # ${name}`;
  });
}
