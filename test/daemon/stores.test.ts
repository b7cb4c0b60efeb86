import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LAST_SEEN_RESOLUTION_MS,
  openStores,
  type SqliteStores,
} from '../../daemon/service/stores.js';

import { KeyedThrottle } from '../../daemon/engine/keyed-throttle.js';

const KEY = 'ab'.repeat(32);

describe('daemon stores', () => {
  describe('KeyedThrottle (announcements per peer, last-seen writes)', () => {
    it('lets a key through once per resolution, and again after it', () => {
      const t = new KeyedThrottle(1000);
      assert.equal(t.due('a', 10_000), true);
      assert.equal(t.due('a', 10_500), false);
      assert.equal(t.due('b', 10_500), true, 'another key is independent');
      assert.equal(t.due('a', 10_999), false);
      assert.equal(t.due('a', 11_000), true);
      assert.equal(t.due('a', 11_001), false);
    });

    it('writes again when the clock went back', () => {
      const t = new KeyedThrottle(1000);
      assert.equal(t.due('a', 10_000), true);
      assert.equal(t.due('a', 9_000), true);
    });

    it('stays bounded: a key pushed out by thousands of others is due again', () => {
      const t = new KeyedThrottle(60_000);
      assert.equal(t.due('first', 0), true);
      for (let i = 0; i < 5000; i++) t.due(`k${i}`, 1);
      assert.equal(t.due('first', 2), true);
      assert.equal(t.due('k4999', 3), false, 'a recent key is still remembered');
    });
  });

  describe('SQLite ports', () => {
    let dir: string;
    let stores: SqliteStores;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'dpp-stores-'));
      stores = openStores(dir);
      stores.whitelistStore.add({ keyHash: KEY }, 'test');
    });
    afterEach(() => {
      stores.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes last_seen for announcements at most once per resolution', () => {
      const t0 = new Date('2026-01-01T00:00:00Z');
      stores.whitelist.markSeen(KEY, t0);
      stores.whitelist.markSeen(KEY, new Date(t0.getTime() + 1000));
      stores.commit();
      assert.equal(stores.whitelistStore.get(KEY)?.lastSeen, t0.toISOString());
      const later = new Date(t0.getTime() + LAST_SEEN_RESOLUTION_MS);
      stores.whitelist.markSeen(KEY, later);
      stores.commit();
      assert.equal(stores.whitelistStore.get(KEY)?.lastSeen, later.toISOString());
    });

    it('records a delivery with the device info in one write', () => {
      const at = new Date('2026-01-01T00:00:00Z');
      stores.devices.authenticated(KEY, { address: 'x', transport: 'tcp', profile: 'p', at });
      const writesBefore = stores.writes.pendingWrites;
      stores.devices.delivered(KEY, at, { deviceInfo: '{"serial":"SN-1"}' });
      assert.equal(stores.writes.pendingWrites, writesBefore + 1);
      stores.commit();
      const d = stores.deviceStore.get(KEY);
      assert.equal(d?.state, 'configuring');
      assert.equal(d?.provisionedCount, 1);
      assert.equal(d?.deviceInfo, '{"serial":"SN-1"}');
    });

    it('reads a device through its queued writes, without committing them', () => {
      const at = new Date('2026-01-01T00:00:00Z');
      stores.devices.authenticated(KEY, { address: 'x', transport: 'tcp', profile: 'p', at });
      stores.devices.delivered(KEY, at);
      stores.devices.setState(KEY, 'provisioned', at, { reason: 'done' });
      assert.deepEqual(stores.devices.get(KEY), { state: 'provisioned', provisionedCount: 1 });
      assert.equal(stores.deviceStore.get(KEY), undefined, 'nothing committed by the read');
      stores.commit();
      assert.equal(stores.devices.get(KEY)?.state, 'provisioned');
      // A second session, queued on top of the stored row.
      stores.devices.authenticated(KEY, { address: 'x', transport: 'tcp', profile: 'p', at });
      stores.devices.delivered(KEY, at);
      stores.devices.withheld(KEY, at);
      assert.deepEqual(stores.devices.get(KEY), { state: 'configuring', provisionedCount: 1 });
      assert.equal(stores.deviceStore.get(KEY)?.attempts, 1);
      stores.commit();
      const row = stores.deviceStore.get(KEY);
      assert.equal(row?.attempts, 2);
      assert.equal(row?.provisionedCount, 1);
    });
  });
});
