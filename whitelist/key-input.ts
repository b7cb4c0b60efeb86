/**
 * From what an admin gives (a key hash, a DPP URI, a DER public key, or several of them) to the
 * key fields of a whitelist entry. Pure; every refusal names what is wrong.
 */
import { bytesEqual, toHex } from '../protocol/bytes.js';
import { bootstrapKeyHash, chirpHash, parseBootstrapKey } from '../protocol/dpp/bootstrap-key.js';
import type { BootstrapKey } from '../protocol/dpp/bootstrap-key.js';
import { canonicalDppScheme, parseDppUri } from '../protocol/dpp/uri.js';
import { ConfiguratorError, fail, ok, type Result } from '../protocol/errors.js';
import { WhitelistErrorCode } from './errors.js';

export interface KeyInput {
  readonly hash?: string | undefined;
  readonly uri?: string | undefined;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey?: Uint8Array | undefined;
}

export interface ResolvedKey {
  readonly keyHash: string;
  readonly publicKey?: Uint8Array;
  readonly chirpHash?: string;
  readonly uri?: string;
}

const HASH = /^[0-9a-fA-F]{64}$/;

export function isKeyHash(text: string): boolean {
  return HASH.test(text);
}

/** Check a key hash as typed: 64 hex digits, either case; stored in lowercase. */
export function parseKeyHash(text: string): Result<string> {
  if (!HASH.test(text)) {
    return fail(
      WhitelistErrorCode.WhitelistBadEntry,
      `bad key hash: expected 64 hex digits, got ${describeBadHash(text)}`,
    );
  }
  return ok(text.toLowerCase());
}

function describeBadHash(text: string): string {
  if (text === '') return 'nothing';
  if (/^[0-9a-fA-F]*$/.test(text)) return `${text.length} hex digits`;
  const bad = [...text].find((c) => !/[0-9a-fA-F]/.test(c)) ?? '';
  return `a non-hex character ${JSON.stringify(bad)}`;
}

/** Whether text starts as a DPP URI does, `DPP:` in any case (URI schemes are case-insensitive). */
export function looksLikeDppUri(text: string): boolean {
  return /^dpp:/i.test(text);
}

export function resolveKey(input: KeyInput): Result<ResolvedKey> {
  const { hash, publicKey } = input;
  // Stored and exported as `DPP:`, which every reader of the URI accepts.
  const uri = input.uri === undefined ? undefined : canonicalDppScheme(input.uri);
  if (hash === undefined && uri === undefined && publicKey === undefined) {
    return fail(
      WhitelistErrorCode.WhitelistBadEntry,
      'no key: give a key hash, a DPP URI or a public key',
    );
  }
  let key: BootstrapKey | undefined;
  if (uri !== undefined) {
    const parsed = parseDppUri(uri);
    if (!parsed.ok)
      return fail(WhitelistErrorCode.WhitelistBadEntry, `bad URI: ${parsed.error.message}`);
    key = parsed.value.key;
  }
  if (publicKey !== undefined) {
    let fromDer: BootstrapKey;
    try {
      fromDer = parseBootstrapKey(publicKey);
    } catch (e) {
      if (!(e instanceof ConfiguratorError)) throw e;
      return fail(WhitelistErrorCode.WhitelistBadEntry, `bad public key: ${e.message}`);
    }
    if (key !== undefined && !bytesEqual(key.der, fromDer.der)) {
      return fail(
        WhitelistErrorCode.WhitelistBadEntry,
        'public key and URI disagree: they hold different keys',
      );
    }
    key = fromDer;
  }
  let keyHash: string | undefined;
  if (hash !== undefined) {
    const parsed = parseKeyHash(hash);
    if (!parsed.ok) return parsed;
    keyHash = parsed.value;
  }
  if (key === undefined) return ok({ keyHash: keyHash! });
  const derived = toHex(bootstrapKeyHash(key));
  if (keyHash !== undefined && keyHash !== derived) {
    return fail(
      WhitelistErrorCode.WhitelistBadEntry,
      `hash and ${uri !== undefined ? 'URI' : 'public key'} disagree: the key hashes to ${derived}`,
    );
  }
  return ok({
    keyHash: derived,
    publicKey: key.der,
    chirpHash: toHex(chirpHash(key)),
    ...(uri !== undefined ? { uri } : {}),
  });
}
