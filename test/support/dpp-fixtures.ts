/**
 * Small helpers for tests that take DPP messages apart and put them back together: identities,
 * decoding to a frame, rebuilding a frame from edited attributes, and asserting a typed refusal.
 */
import assert from 'node:assert/strict';
import {
  decodeAttributes,
  encodeAttributes,
  type Attribute,
} from '../../protocol/dpp/attributes.js';
import { makeIdentity, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { encodeBootstrapKey, type BootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import {
  decodeMessage,
  encodeMessage,
  makeDppFrame,
  type DppFrame,
  type DppMessage,
  type GasInitialRequest,
  type GasInitialResponse,
} from '../../protocol/dpp/frames.js';
import { ConfiguratorError, ErrorCode, type Result, errorCodeName } from '../../protocol/errors.js';
import { dppUriOfKey } from '../../protocol/dpp/uri.js';

/** A fresh P-256 bootstrapping identity. */
export function newIdentity(): BootstrapIdentity {
  const pair = generateKeyPair();
  return makeIdentity(encodeBootstrapKey(pair.publicKey), pair.privateKey);
}

function decodeAs<K extends DppMessage['kind']>(
  bytes: Uint8Array,
  kind: K,
): Extract<DppMessage, { kind: K }> {
  const r = decodeMessage(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
  assert.equal(r.value.kind, kind);
  return r.value as Extract<DppMessage, { kind: K }>;
}

export function dppFrameOf(bytes: Uint8Array): DppFrame {
  return decodeAs(bytes, 'dpp');
}

export function gasInitialRequestOf(bytes: Uint8Array): GasInitialRequest {
  return decodeAs(bytes, 'gasInitialRequest');
}

export function gasInitialResponseOf(bytes: Uint8Array): GasInitialResponse {
  return decodeAs(bytes, 'gasInitialResponse');
}

/** Decoded attributes of a TLV blob that is known to be well formed. */
export function attributesOf(bytes: Uint8Array): Attribute[] {
  const r = decodeAttributes(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
  return r.value;
}

/** The same DPP frame type with an edited attribute list (header rebuilt from the type). */
export function editFrame(frame: DppFrame, edit: (attrs: Attribute[]) => Attribute[]): DppFrame {
  return makeDppFrame(frame.frameType, encodeAttributes(edit([...frame.attributes])));
}

/** Encoded bytes of an edited DPP frame. */
export function editFrameBytes(
  bytes: Uint8Array,
  edit: (attrs: Attribute[]) => Attribute[],
): Uint8Array {
  return encodeMessage(editFrame(dppFrameOf(bytes), edit));
}

/** A copy of `bytes` with one byte XORed (negative offsets count from the end). */
export function flipByte(bytes: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(bytes);
  const i = offset < 0 ? out.length + offset : offset;
  out[i]! ^= mask;
  return out;
}

/** Replace the value of every attribute with `id`. */
export function withValue(
  attrs: readonly Attribute[],
  id: number,
  value: (old: Uint8Array) => Uint8Array,
): Attribute[] {
  return attrs.map((a) => (a.id === id ? { id, value: value(a.value) } : a));
}

/** Assert a refusal with exactly this code; returns the error for further checks. */
export function expectFailure<T>(r: Result<T>, code: ErrorCode): ConfiguratorError {
  assert.equal(r.ok, false, 'expected a refusal, got success');
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof ConfiguratorError);
  assert.equal(
    r.error.code,
    code,
    `expected E${code} ${errorCodeName(code)}, got ${r.error.describe()}`,
  );
  return r.error;
}

/** Assert that `fn` throws a ConfiguratorError with exactly this code. */
export function expectThrowsCode(fn: () => unknown, code: ErrorCode): ConfiguratorError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfiguratorError, `expected ConfiguratorError, got ${String(e)}`);
    assert.equal(e.code, code, `expected E${code} ${errorCodeName(code)}, got ${e.describe()}`);
    return e;
  }
  assert.fail(`expected E${code} ${errorCodeName(code)}, nothing was thrown`);
}

/** The DPP URI of an identity, with nothing but its key, as `whitelist add --uri` takes it. */
export function uriOfIdentity(id: BootstrapIdentity): string {
  return uriOfKey(id.key);
}

/** The DPP URI of a bootstrapping key, with nothing else in it. */
export function uriOfKey(key: BootstrapKey): string {
  return dppUriOfKey(key, { version: 2 });
}
