/**
 * DPP bootstrapping URIs (Wi-Fi Easy Connect §5.2.1): `DPP:` then `X:value;` tokens, ended by `;;`.
 * Pure code, no I/O. parseDppUri never throws: any string gives a DppUri or a ConfiguratorError whose code
 * says what is wrong and whose one-line message names the offending token.
 *
 * Grammar accepted:
 *   C: class/channel[,channel…][,class/channel…]  decimal 1..255 each; a bare channel reuses the
 *      class before it (the spec's class-and-channels, as hostap's tests use it)
 *   M: 12 hex digits, either case                  I: printable ASCII 0x20–0x7e, may be empty
 *   K: standard base64 of a DER SubjectPublicKeyInfo for P-256 (mandatory)
 *   V: decimal 1..255                              H: IPv4, [IPv6] or DNS name, optional :port
 *   B: supported-curves bitmap, 1–8 hex digits, least significant nibble first (hostap's order:
 *      P-256|BP-512 = 0x21 is written "12")
 *
 * Policy:
 *   unknown token, name one uppercase letter   accepted, ignored, name kept in unknownTokens
 *                                              (forward compatibility, as hostap); its value must
 *                                              be printable ASCII                      (UriSyntax)
 *   malformed token (no ':', name not A–Z,     refused                                 UriSyntax
 *     empty token from a stray ';')
 *   duplicate token, known or unknown          refused: two K: would make the key hash
 *                                              ambiguous                       UriDuplicateToken
 *   no `DPP:` prefix (case-sensitive), no      refused                                 UriSyntax
 *     final `;;`
 *   data after `;;`                            refused, strict on purpose; callers trim
 *                                              whitespace, the parser does not         UriSyntax
 *   trailing comma in C: (`C:81/1,115/36,`)    accepted, the empty element ignored
 *   other empty C: element, malformed pair,    refused                             UriBadChannel
 *     value outside 1..255
 *   no K: token                                refused                             UriMissingKey
 *   K: not strict base64 (alphabet, padding,   refused                                 UriBadKey
 *     non-zero pad bits) or empty
 *   K: key refused by parseBootstrapKey        refused, its code kept: UriUnsupportedCurve,
 *                                              KeyBadEncoding, KeyNotOnCurve
 *   M:, I:, V:, B:, H: value invalid           refused    UriBadMac, UriBadInfo, UriBadVersion,
 *                                                         UriBadSupportedCurves, UriBadHost
 * Values are checked in hostap's order C, M, I, V, B, H, then K, so a URI with several faults
 * reports the first in that order.
 *
 * formatDppUri writes tokens in hostap's order (dpp_gen_uri: C, M, I, V, B, H, K last) and
 * always produces a URI that parses back to an equal DppUri. Channels are written as explicit
 * class/channel pairs (iwd refuses the bare-channel shorthand). Unknown tokens' values are not
 * kept, so each is written with an empty value (`Z:;`) to keep its name through the round trip.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { ConfiguratorError, ErrorCode, fail, ok, type Result } from '../errors.js';
import {
  bootstrapKeyHash,
  chirpHash,
  parseBootstrapKey,
  type BootstrapKey,
} from './bootstrap-key.js';

export interface DppChannel {
  readonly opClass: number;
  readonly channel: number;
}

export interface DppUri {
  readonly key: BootstrapKey;
  readonly channels: readonly DppChannel[];
  /** 6 bytes, or null when the URI has no M: token. */
  readonly mac: Uint8Array | null;
  readonly info: string | null;
  readonly version: number | null;
  /** The H: value as written (host with its optional port). */
  readonly host: string | null;
  /** The B: bitmap: bit 0 P-256, bit 1 P-384, bit 2 P-521, bits 3–5 brainpool 256/384/512. */
  readonly supportedCurves: number | null;
  /** Names of the unknown tokens that were ignored, in URI order. */
  readonly unknownTokens: readonly string[];
}

/** What `configurator uri parse` prints. */
export interface DppUriDescription {
  keyHash: string;
  chirpHash: string;
  curve: 'P-256';
  channels: DppChannel[];
  mac: string | null;
  info: string | null;
  version: number | null;
  host: string | null;
}

const PREFIX = 'DPP:';
const KNOWN_TOKENS = new Set(['C', 'M', 'I', 'K', 'V', 'B', 'H']);

/**
 * The URI with its scheme written `DPP:`: a scheme is case-insensitive (RFC 3986 §3.1), so a
 * spreadsheet's `dpp:` or `Dpp:` names the same URI; token names and values are case-sensitive and
 * left as they are. For input from people; parseDppUri itself takes `DPP:` only, as hostap does.
 */
export function canonicalDppScheme(text: string): string {
  return /^dpp:/i.test(text) ? PREFIX + text.slice(PREFIX.length) : text;
}

export function parseDppUri(text: string): Result<DppUri> {
  if (typeof text !== 'string') return fail(ErrorCode.UriSyntax, 'URI is not a string');
  if (!text.startsWith(PREFIX)) {
    return fail(ErrorCode.UriSyntax, `not a DPP URI: ${quote(text)} does not start with "DPP:"`);
  }
  const body = text.slice(PREFIX.length);
  // No token value may contain ';', so the first ";;" is the terminator.
  const end = body.indexOf(';;');
  if (end < 0) return fail(ErrorCode.UriSyntax, `URI does not end with ";;": ${quote(text)}`);
  if (end + 2 !== body.length) {
    return fail(
      ErrorCode.UriSyntax,
      `data after the terminating ";;": ${quote(body.slice(end + 2))}`,
    );
  }

  const values = new Map<string, string>();
  const unknownTokens: string[] = [];
  const content = body.slice(0, end);
  for (const token of content === '' ? [] : content.split(';')) {
    if (token === '') return fail(ErrorCode.UriSyntax, 'empty token (a stray ";")');
    if (!/^[A-Z]:/.test(token)) {
      return fail(
        ErrorCode.UriSyntax,
        `malformed token ${quote(token)}: expected one letter A-Z, ":" and a value`,
      );
    }
    const name = token[0]!;
    if (values.has(name)) return fail(ErrorCode.UriDuplicateToken, `duplicate token ${name}:`);
    const value = token.slice(2);
    values.set(name, value);
    if (!KNOWN_TOKENS.has(name)) {
      if (!isPrintableAscii(value)) {
        return fail(ErrorCode.UriSyntax, `unknown token ${name}: has a non-printable character`);
      }
      unknownTokens.push(name);
    }
  }

  const k = values.get('K');
  if (k === undefined) {
    return fail(ErrorCode.UriMissingKey, 'no K: token: the bootstrapping key is mandatory');
  }
  const c = values.get('C');
  const m = values.get('M');
  const i = values.get('I');
  const v = values.get('V');
  const b = values.get('B');
  const h = values.get('H');

  const channels = c === undefined ? ok<DppChannel[]>([]) : parseChannelList(c);
  if (!channels.ok) return channels;
  const mac = m === undefined ? ok(null) : parseMac(m);
  if (!mac.ok) return mac;
  const info = i === undefined ? ok(null) : parseInfo(i);
  if (!info.ok) return info;
  const version = v === undefined ? ok(null) : parseVersion(v);
  if (!version.ok) return version;
  const curves = b === undefined ? ok(null) : parseSupportedCurves(b);
  if (!curves.ok) return curves;
  const host = h === undefined ? ok(null) : parseHost(h);
  if (!host.ok) return host;
  const key = parseKey(k);
  if (!key.ok) return key;

  return ok({
    key: key.value,
    channels: channels.value,
    mac: mac.value,
    info: info.value,
    version: version.value,
    host: host.value,
    supportedCurves: curves.value,
    unknownTokens,
  });
}

/** The URI of `key` with only the tokens given (no channel list, MAC, info … unless named). */
export function dppUriOfKey(key: BootstrapKey, tokens: Partial<Omit<DppUri, 'key'>> = {}): string {
  return formatDppUri({
    channels: [],
    mac: null,
    info: null,
    version: null,
    host: null,
    supportedCurves: null,
    unknownTokens: [],
    ...tokens,
    key,
  });
}

/**
 * The URI of `uri`, tokens in hostap's order. Throws ConfiguratorError (the parser's code) when a field
 * holds a value the parser would refuse, so it never writes a URI we cannot read back.
 */
export function formatDppUri(uri: DppUri): string {
  const parts: string[] = [];
  if (uri.channels.length > 0) {
    for (const ch of uri.channels) {
      if (!isByteValue(ch.opClass) || !isByteValue(ch.channel)) {
        throw new ConfiguratorError(
          ErrorCode.UriBadChannel,
          `C: ${ch.opClass}/${ch.channel} is outside 1..255`,
        );
      }
    }
    parts.push(`C:${uri.channels.map((ch) => `${ch.opClass}/${ch.channel}`).join(',')};`);
  }
  if (uri.mac !== null) {
    if (uri.mac.length !== 6) {
      throw new ConfiguratorError(
        ErrorCode.UriBadMac,
        `M: MAC address must be 6 bytes, not ${uri.mac.length}`,
      );
    }
    parts.push(`M:${toHex(uri.mac)};`);
  }
  if (uri.info !== null) parts.push(`I:${orThrow(parseInfo(uri.info))};`);
  if (uri.version !== null) {
    if (!isByteValue(uri.version)) {
      throw new ConfiguratorError(ErrorCode.UriBadVersion, `V: ${uri.version} is outside 1..255`);
    }
    parts.push(`V:${uri.version};`);
  }
  if (uri.supportedCurves !== null) parts.push(`B:${formatSupportedCurves(uri.supportedCurves)};`);
  if (uri.host !== null) parts.push(`H:${orThrow(parseHost(uri.host))};`);
  // Unknown tokens were ignored when parsed and are not written back: we repeat only what we understand.
  // Re-parse the DER so a key whose point and DER disagree cannot produce a different URI key.
  const reparsed = parseBootstrapKey(uri.key.der);
  if (!bytesEqual(reparsed.point, uri.key.point)) {
    throw new ConfiguratorError(
      ErrorCode.KeyBadEncoding,
      'K: key point does not match its DER encoding',
    );
  }
  parts.push(`K:${Buffer.from(uri.key.der).toString('base64')};`);
  return `${PREFIX}${parts.join('')};`;
}

/** The JSON object `configurator uri parse` prints. */
export function describeDppUri(uri: DppUri): DppUriDescription {
  return {
    keyHash: toHex(bootstrapKeyHash(uri.key)),
    chirpHash: toHex(chirpHash(uri.key)),
    curve: 'P-256',
    channels: uri.channels.map((ch) => ({ opClass: ch.opClass, channel: ch.channel })),
    mac: uri.mac === null ? null : formatMac(uri.mac),
    info: uri.info,
    version: uri.version,
    host: uri.host,
  };
}

/** `aa:bb:cc:dd:ee:ff`, lowercase. */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The value of a C: token. Exported so the CLI checks --channel with the same rules. */
export function parseChannelList(value: string): Result<DppChannel[]> {
  const elements = value.split(',');
  // One trailing comma is tolerated; "C:;" and "C:," are still empty lists.
  if (elements.length > 1 && elements[elements.length - 1] === '') elements.pop();
  const channels: DppChannel[] = [];
  let opClass: number | null = null;
  for (const element of elements) {
    const bad = (why: string): Result<DppChannel[]> =>
      fail(ErrorCode.UriBadChannel, `C: ${quote(value)}: ${why}`);
    if (element === '') return bad('empty element');
    const match = /^(?:(\d{1,3})\/)?(\d{1,3})$/.exec(element);
    if (!match) return bad(`element ${quote(element)} is not class/channel`);
    if (match[1] !== undefined) opClass = Number(match[1]);
    if (opClass === null) return bad(`channel ${quote(element)} has no operating class`);
    const channel = Number(match[2]);
    if (!isByteValue(opClass)) return bad(`operating class ${opClass} is outside 1..255`);
    if (!isByteValue(channel)) return bad(`channel ${channel} is outside 1..255`);
    channels.push({ opClass, channel });
  }
  return ok(channels);
}

/** The value of an M: token: exactly 12 hex digits. */
export function parseMac(value: string): Result<Uint8Array> {
  if (!/^[0-9a-fA-F]{12}$/.test(value)) {
    return fail(ErrorCode.UriBadMac, `M: ${quote(value)} is not 12 hex digits`);
  }
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) mac[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16);
  return ok(mac);
}

/** The value of an I: token: printable ASCII except ';', possibly empty. */
export function parseInfo(value: string): Result<string> {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3b) {
      return fail(
        ErrorCode.UriBadInfo,
        `I: character 0x${c.toString(16).padStart(2, '0')} at offset ${i} is not allowed (printable ASCII except ";")`,
      );
    }
  }
  return ok(value);
}

function parseVersion(value: string): Result<number> {
  const n = /^\d{1,3}$/.test(value) ? Number(value) : 0;
  if (!isByteValue(n))
    return fail(ErrorCode.UriBadVersion, `V: ${quote(value)} is not a version 1..255`);
  return ok(n);
}

const MAX_CURVE_DIGITS = 8;

/** First hex digit = bits 0–3, second = bits 4–7, …, as hostap reads and writes B:. */
function parseSupportedCurves(value: string): Result<number> {
  if (!new RegExp(`^[0-9a-fA-F]{1,${MAX_CURVE_DIGITS}}$`).test(value)) {
    return fail(
      ErrorCode.UriBadSupportedCurves,
      `B: ${quote(value)} is not 1 to ${MAX_CURVE_DIGITS} hex digits`,
    );
  }
  let bitmap = 0;
  for (let i = value.length - 1; i >= 0; i--) bitmap = bitmap * 16 + parseInt(value[i]!, 16);
  return ok(bitmap);
}

function formatSupportedCurves(bitmap: number): string {
  if (!Number.isInteger(bitmap) || bitmap < 0 || bitmap > 0xffffffff) {
    throw new ConfiguratorError(
      ErrorCode.UriBadSupportedCurves,
      `B: ${bitmap} is not a 32-bit bitmap`,
    );
  }
  let out = '';
  let rest = bitmap;
  do {
    out += (rest % 16).toString(16);
    rest = Math.floor(rest / 16);
  } while (rest > 0);
  return out;
}

/**
 * The value of an H: token: IPv4, [IPv6] or DNS name, each with an optional :port; a bare IPv6
 * address (no brackets, so no port) is accepted too because hostap writes one when the port is
 * the default 8908.
 */
export function parseHost(value: string): Result<string> {
  const bad = (why: string): Result<string> =>
    fail(ErrorCode.UriBadHost, `H: ${quote(value)} ${why}`);
  if (value.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
    if (!m) return bad('is not [IPv6] or [IPv6]:port');
    if (!isIPv6(m[1]!)) return bad('does not hold an IPv6 address in brackets');
    if (m[2] !== undefined && !isPort(m[2])) return bad('has a port outside 1..65535');
    return ok(value);
  }
  if (isIPv6(value)) return ok(value);
  const colon = value.lastIndexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !isPort(value.slice(colon + 1))) return bad('has a port outside 1..65535');
  if (name.includes(':')) return bad('is an IPv6 address with a port but no brackets');
  if (/^[0-9.]+$/.test(name)) return isIPv4(name) ? ok(value) : bad('is not a valid IPv4 address');
  return isDnsName(name) ? ok(value) : bad('is not an IPv4 address, [IPv6] address or DNS name');
}

function parseKey(value: string): Result<BootstrapKey> {
  if (value === '') return fail(ErrorCode.UriBadKey, 'K: is empty');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    return fail(ErrorCode.UriBadKey, 'K: has a character outside the base64 alphabet');
  }
  if (value.length % 4 !== 0) {
    return fail(ErrorCode.UriBadKey, `K: base64 length ${value.length} is not a multiple of 4`);
  }
  const der = Buffer.from(value, 'base64');
  // Re-encoding catches non-zero pad bits (RFC 4648 §3.5): one key, one spelling.
  if (der.toString('base64') !== value) {
    return fail(ErrorCode.UriBadKey, 'K: base64 padding is not canonical');
  }
  try {
    return ok(parseBootstrapKey(new Uint8Array(der)));
  } catch (e) {
    if (e instanceof ConfiguratorError) return fail(e.code, `K: ${e.message}`);
    return fail(ErrorCode.KeyBadEncoding, `K: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function orThrow<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

function isByteValue(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 255;
}

function isPort(text: string): boolean {
  if (!/^\d{1,5}$/.test(text)) return false;
  const n = Number(text);
  return n >= 1 && n <= 65535;
}

function isIPv4(text: string): boolean {
  // No leading zeros: "010" reads as octal in some resolvers.
  return /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(
    text,
  );
}

/** RFC 4291 text form, with an optional dotted IPv4 tail; no zone index. */
function isIPv6(text: string): boolean {
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return false;
  let hex = text;
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    hex = `${text.slice(0, lastColon + 1)}0:0`; // the IPv4 tail stands for two groups
  }
  const isGroup = (g: string): boolean => /^[0-9a-fA-F]{1,4}$/.test(g);
  const halves = hex.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) {
    const groups = hex.split(':');
    return groups.length === 8 && groups.every(isGroup);
  }
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves[1] === '' ? [] : halves[1]!.split(':');
  return left.length + right.length <= 7 && [...left, ...right].every(isGroup);
}

/** LDH labels of 1–63 characters, 253 in all; an all-digit last label would be a broken IPv4. */
function isDnsName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split('.');
  if (!labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) {
    return false;
  }
  return !/^\d+$/.test(labels[labels.length - 1]!);
}

function isPrintableAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** Input echoed in a message: quoted, escaped to printable ASCII (one line), cut at 48 chars. */
function quote(text: string): string {
  const cut = text.length > 48 ? `${text.slice(0, 48)}...` : text;
  return JSON.stringify(cut).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
