/** What discovery remembers per address: bounded, afresh on a new prefix, backing off longer each time. */
import assert from 'node:assert/strict';
import {
  BACKOFF_FIRST_MS,
  BACKOFF_MAX_MS,
  TrackedAddresses,
} from '../../daemon/ble/tracked-addresses.js';

describe('tracked Bluetooth LE addresses', () => {
  it('keeps at most its bound, dropping the least recently heard and saying which', () => {
    const evicted: string[] = [];
    const t = new TrackedAddresses(3, (address) => evicted.push(address));
    for (const a of ['a', 'b', 'c']) t.heard(a, '00', -40);
    t.heard('a', '00', -41); // heard again: now the most recent
    t.heard('d', '00', -40);
    assert.equal(t.size, 3);
    assert.equal(t.get('b'), undefined);
    assert.deepEqual(evicted, ['b'], 'told, so what refers to it goes too');
    assert.equal(t.get('a')?.rssi, -41);
  });

  it('backs off 30 s, then twice as long each time, up to 15 minutes; a new prefix starts afresh', () => {
    const t = new TrackedAddresses();
    const e = t.heard('a', '0011', -50);
    const waits = Array.from({ length: 8 }, () => t.failed(e, 1000));
    assert.deepEqual(waits.slice(0, 3), [
      BACKOFF_FIRST_MS,
      2 * BACKOFF_FIRST_MS,
      4 * BACKOFF_FIRST_MS,
    ]);
    assert.equal(waits.at(-1), BACKOFF_MAX_MS);
    assert.equal(e.retryAtMs, 1000 + BACKOFF_MAX_MS);
    assert.equal(t.heard('a', '0011', -52).failures, 8, 'same device: same entry');
    const fresh = t.heard('a', '2233', -52);
    assert.equal(fresh.failures, 0);
    assert.equal(fresh.retryAtMs, 0);
  });
});
