/**
 * A passive sniffer: records every frame on the air — the ESP-NOW payloads as sent, and the DPP
 * messages reassembled from them per sender and receiver — and searches the recording for secrets (a Wi-Fi
 * passphrase, an LwM2M PSK or its identity, a private key) in every encoding they could plausibly
 * travel in:
 *
 *   raw        the bytes themselves (UTF-8 for text)
 *   hex, HEX   lower- and uppercase hex digits
 *   base64, base64url   at each of the three alignments a secret can have inside a longer
 *              encoded string (the characters that depend only on the secret's own bytes)
 *
 * in three places: each payload as sent, each reassembled message, and the contents of anything
 * that decodes as base64 / base64url inside a message (the `lwm2m_bundle` of a Configuration
 * Object seen in the clear), down to the resource values of an LwM2M bundle (SenML CBOR) found
 * there or sent as is. DPP encrypts all of it, so on a correct system the search finds nothing.
 */
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import { decodeSenmlCbor, formatPath } from '../../protocol/lwm2m/senml-cbor.js';
import { messageKind, type AirFrame } from './air.js';

export interface Secret {
  /** What it is, for the findings ("passphrase", "psk key of sim-0003" …). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type SecretEncoding = 'raw' | 'hex' | 'HEX' | 'base64' | 'base64url';

/** Where a secret was found: a payload, a message, base64 decoded inside one, an LwM2M bundle. */
export type FindingPlace = 'payload' | 'message' | 'decoded' | 'bundle';

export interface Finding {
  readonly secret: string;
  readonly encoding: SecretEncoding;
  readonly place: FindingPlace;
  readonly src: string;
  readonly dst: string;
  /** Index into `frames` (payload) or `messages` (the other places). */
  readonly index: number;
  readonly offset: number;
  /** For a bundle: the resource path that holds it. */
  readonly path?: string | undefined;
}

export interface SniffedFrame {
  readonly src: string;
  readonly dst: string;
  readonly payload: Uint8Array;
}

export interface SniffedMessage {
  readonly src: string;
  readonly dst: string;
  readonly bytes: Uint8Array;
  /** The DPP frame type's name, the GAS message kind, or "undecodable". */
  readonly kind: string;
}

/** Secrets shorter than this would be found by chance in enough random bytes. */
export const MIN_SECRET_BYTES = 6;
/** Runs of base64 characters shorter than this are not worth decoding. */
const MIN_BASE64_RUN = 16;

export class Sniffer {
  readonly frames: SniffedFrame[] = [];
  readonly messages: SniffedMessage[] = [];
  private readonly reassembler = new Reassembler();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Hear one frame (hand this to a monitor tap). */
  observe(frame: AirFrame): void {
    const payload = new Uint8Array(frame.payload);
    this.frames.push({ src: frame.src, dst: frame.dst, payload });
    // Keyed by sender and receiver: a configurator interleaves messages to many devices, more
    // than the binding's 4 partial messages per source a single receiver needs to hold.
    const bytes = this.reassembler.push(`${frame.src}>${frame.dst}`, payload, this.now());
    if (bytes === null) return;
    this.messages.push({ src: frame.src, dst: frame.dst, bytes, kind: messageKind(bytes) });
  }

  /** Messages heard, by kind ("AuthenticationRequest", "gasInitialResponse" …). */
  countByKind(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const m of this.messages) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
    return counts;
  }

  /** Every place any of `secrets` appears in what was heard, in any of the encodings. */
  search(secrets: readonly Secret[]): Finding[] {
    const patterns = secrets.flatMap((s) => patternsOf(s));
    const findings: Finding[] = [];
    this.frames.forEach((f, index) => {
      for (const hit of findAll(f.payload, patterns))
        findings.push({ ...hit, place: 'payload', src: f.src, dst: f.dst, index });
    });
    this.messages.forEach((m, index) => {
      const at = { src: m.src, dst: m.dst, index };
      for (const hit of findAll(m.bytes, patterns))
        findings.push({ ...hit, place: 'message', ...at });
      for (const inner of [...base64Contents(m.bytes), m.bytes]) {
        if (inner !== m.bytes) {
          for (const hit of findAll(inner, patterns))
            findings.push({ ...hit, place: 'decoded', ...at });
        }
        for (const hit of searchBundle(inner, secrets))
          findings.push({ ...hit, place: 'bundle', ...at });
      }
    });
    return findings;
  }

  /** How many LwM2M bundles were heard in the clear (as is, or base64 inside a message). */
  bundlesHeard(): number {
    let n = 0;
    for (const m of this.messages)
      for (const inner of [...base64Contents(m.bytes), m.bytes]) if (bundleRecords(inner)) n++;
    return n;
  }
}

interface Pattern {
  readonly secret: string;
  readonly encoding: SecretEncoding;
  readonly needle: Buffer;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * The characters of base64(prefix ‖ secret ‖ suffix) that depend on the secret alone, for a
 * prefix of 0, 1 and 2 bytes: one of the three appears wherever the secret was encoded.
 */
function base64Stems(secret: Uint8Array, url: boolean): string[] {
  const stems: string[] = [];
  for (const lead of [0, 1, 2]) {
    const padded = new Uint8Array(lead + secret.length);
    padded.set(secret, lead);
    let text = Buffer.from(padded).toString(url ? 'base64url' : 'base64');
    text = text.replace(/=+$/, '');
    const skip = lead === 0 ? 0 : lead + 1; // chars that mix prefix bits with the secret's
    const trailing = padded.length % 3 === 0 ? 0 : 1; // the last char mixes in what follows
    stems.push(text.slice(skip, text.length - trailing));
  }
  return stems;
}

function patternsOf(secret: Secret): Pattern[] {
  if (secret.bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `secret "${secret.name}" has ${secret.bytes.length} bytes; at least ${MIN_SECRET_BYTES} are needed to search for it`,
    );
  }
  const hex = Buffer.from(secret.bytes).toString('hex');
  const patterns: Pattern[] = [
    { secret: secret.name, encoding: 'raw', needle: Buffer.from(secret.bytes) },
    { secret: secret.name, encoding: 'hex', needle: ascii(hex) },
    { secret: secret.name, encoding: 'HEX', needle: ascii(hex.toUpperCase()) },
  ];
  for (const url of [false, true]) {
    for (const stem of new Set(base64Stems(secret.bytes, url))) {
      patterns.push({
        secret: secret.name,
        encoding: url ? 'base64url' : 'base64',
        needle: ascii(stem),
      });
    }
  }
  return patterns;
}

function findAll(
  haystack: Uint8Array,
  patterns: readonly Pattern[],
): { secret: string; encoding: SecretEncoding; offset: number }[] {
  const h = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  const hits: { secret: string; encoding: SecretEncoding; offset: number }[] = [];
  for (const p of patterns) {
    for (let at = h.indexOf(p.needle); at >= 0; at = h.indexOf(p.needle, at + 1)) {
      hits.push({ secret: p.secret, encoding: p.encoding, offset: at });
    }
  }
  return hits;
}

/** The decoded bytes of every run of base64 / base64url characters long enough to matter. */
function base64Contents(bytes: Uint8Array): Uint8Array[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const out: Uint8Array[] = [];
  for (const run of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const body = run[0].replace(/=+$/, '');
    if (body.length < MIN_BASE64_RUN) continue;
    // Node's base64 decoder takes both alphabets.
    out.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  return out;
}

function bundleRecords(bytes: Uint8Array): { path: string; value: Uint8Array }[] | undefined {
  const decoded = decodeSenmlCbor(bytes);
  if (!decoded.ok || decoded.value.length === 0) return undefined;
  return decoded.value.flatMap((r) => {
    const path = formatPath(r.path);
    if (r.value.type === 'string')
      return [{ path, value: new TextEncoder().encode(r.value.value) }];
    if (r.value.type === 'opaque') return [{ path, value: r.value.value }];
    return [];
  });
}

function searchBundle(
  bytes: Uint8Array,
  secrets: readonly Secret[],
): { secret: string; encoding: SecretEncoding; offset: number; path: string }[] {
  const records = bundleRecords(bytes);
  if (records === undefined) return [];
  const hits: { secret: string; encoding: SecretEncoding; offset: number; path: string }[] = [];
  for (const r of records) {
    const value = Buffer.from(r.value);
    for (const s of secrets) {
      const at = value.indexOf(Buffer.from(s.bytes));
      if (at >= 0) hits.push({ secret: s.name, encoding: 'raw', offset: at, path: r.path });
    }
  }
  return hits;
}
