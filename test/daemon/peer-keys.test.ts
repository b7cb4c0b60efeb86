import assert from 'node:assert/strict';
import { PeerKeys } from '../../daemon/engine/peer-keys.js';
import { bootstrapKeyHash } from '../../protocol/dpp/bootstrap-key.js';
import { ErrorCode } from '../../protocol/errors.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const newDer = (): Uint8Array => newIdentity().key.der;

describe('PeerKeys', () => {
  it('parses a key once and returns the same parse for equal bytes', () => {
    const keys = new PeerKeys();
    const der = newDer();
    const a = keys.parse(der);
    const b = keys.parse(new Uint8Array(der));
    assert.ok(a.ok && b.ok);
    assert.equal(a.value, b.value);
    assert.deepEqual(a.value.hash, bootstrapKeyHash(a.value.key));
  });

  it('keeps its own copy: changing the caller’s bytes later changes nothing', () => {
    const keys = new PeerKeys();
    const der = new Uint8Array(newDer());
    const original = new Uint8Array(der);
    const a = keys.parse(der);
    der.fill(0);
    assert.ok(a.ok);
    assert.deepEqual(a.value.key.der, original);
  });

  it('refuses bytes that are not a P-256 key, with the parser’s code', () => {
    const r = new PeerKeys().parse(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00));
    assert.equal(r.ok, false);
    assert.ok(
      !r.ok && r.error.code === ErrorCode.KeyBadEncoding,
      !r.ok ? String(r.error.code) : '',
    );
  });

  it('stays within its capacity, oldest out first', () => {
    const keys = new PeerKeys(2);
    const [d1, d2, d3] = [newDer(), newDer(), newDer()];
    const first = keys.parse(d1);
    keys.parse(d2);
    keys.parse(d3);
    const again = keys.parse(d1);
    assert.ok(first.ok && again.ok);
    assert.notEqual(first.value, again.value, 'the oldest was forgotten and parsed anew');
  });
});
