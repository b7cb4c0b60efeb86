import assert from 'node:assert/strict';
import { isConfiguratorError } from '../../protocol/errors.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import { AuditLog } from '../../whitelist/audit-log.js';
import { countsAfter, DeviceStore, type DeviceChange } from '../../whitelist/device-store.js';
import { TempDirs } from './fixtures.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';

const H = 'ab'.repeat(32);
const at = (minute: number): Date => new Date(Date.UTC(2025, 4, 1, 12, minute));

describe('DeviceStore', () => {
  const temp = new TempDirs();
  let db: Database;
  let devices: DeviceStore;

  beforeEach(() => {
    db = openDatabase(temp.make());
    devices = new DeviceStore(db);
  });
  afterEach(() => {
    db.close();
    temp.cleanup();
  });

  it('recovers devices left mid-session by a daemon that did not shut down', () => {
    const audit = new AuditLog(db);
    const [delivered, authenticating, configuring, done, earlier] = [
      '01',
      '02',
      '03',
      '04',
      '05',
    ].map((b) => b.repeat(32)) as [string, string, string, string, string];
    for (const h of [delivered, authenticating, configuring, done, earlier])
      devices.recordAuthenticated(h, { at: at(0), transport: 'tcp' });
    devices.transition(delivered, 'configuring', { at: at(1) });
    devices.recordDelivered(delivered, { at: at(2) });
    audit.append({ kind: 'configuration-delivered', keyHash: delivered, at: at(2) });
    devices.transition(configuring, 'configuring', { at: at(1) });
    devices.transition(done, 'provisioned', { at: at(3) });
    // Delivered in an earlier session: this session (authenticated later) never got that far.
    audit.append({ kind: 'configuration-delivered', keyHash: earlier, at: at(1) });
    devices.recordAuthenticated(earlier, { at: at(4) });

    const result = devices.recoverInterrupted(at(9));

    assert.deepEqual(result.delivered, [delivered]);
    assert.deepEqual([...result.undelivered].sort(), [authenticating, configuring, earlier].sort());
    assert.equal(devices.get(delivered)!.state, 'interrupted');
    assert.match(
      devices.get(delivered)!.reason ?? '',
      /^configuration delivered before the daemon stopped; no result heard/,
    );
    for (const h of [authenticating, configuring, earlier]) {
      assert.equal(devices.get(h)!.state, 'interrupted');
      assert.match(devices.get(h)!.reason ?? '', /no configuration delivered/);
    }
    assert.equal(devices.get(done)!.state, 'provisioned');
    assert.equal(devices.get(done)!.stateChangedAt, at(3).toISOString());
    assert.deepEqual(devices.recoverInterrupted(at(10)), { delivered: [], undelivered: [] });
  });

  it('records an announcement, then bumps last_seen without changing the state', () => {
    devices.recordAnnounced(H, { mac: 'aa:bb:cc:dd:ee:ff', transport: 'espnow', at: at(0) });
    const first = devices.get(H)!;
    assert.equal(first.state, 'announced');
    assert.equal(first.firstSeen, at(0).toISOString());
    assert.equal(first.attempts, 0);
    devices.transition(H, 'failed', { at: at(1), reason: 'timeout' });
    devices.recordAnnounced(H, { at: at(2) });
    const again = devices.get(H)!;
    assert.equal(again.state, 'failed');
    assert.equal(again.reason, 'timeout');
    assert.equal(again.lastSeen, at(2).toISOString());
    assert.equal(again.stateChangedAt, at(1).toISOString());
    assert.equal(again.mac, 'aa:bb:cc:dd:ee:ff');
    assert.equal(again.transport, 'espnow');
  });

  it('counts attempts and deliveries and follows a whole admission', () => {
    devices.recordAnnounced(H, { at: at(0), transport: 'espnow', mac: '02:00:00:00:00:01' });
    devices.recordAuthenticated(H, { at: at(1), profile: 'factory' });
    devices.transition(H, 'failed', {
      at: at(2),
      reason: 'no answer',
      lastError: 'E311 AuthTimeout',
    });
    devices.recordAuthenticated(H, { at: at(3) });
    let d = devices.get(H)!;
    assert.equal(d.state, 'configuring');
    assert.equal(d.attempts, 2);
    assert.equal(d.reason, undefined, 'a new state clears the old reason');
    assert.equal(d.lastError, 'E311 AuthTimeout');
    devices.transition(H, 'configuring', { at: at(4), deviceInfo: '{"model":"X1"}' });
    devices.recordDelivered(H, { at: at(5) });
    devices.transition(H, 'provisioned', { at: at(5) });
    devices.transition(H, 'connected', { at: at(6), connStatus: '{"result":0,"ssid":"plant"}' });
    d = devices.get(H)!;
    assert.equal(d.state, 'connected');
    assert.equal(d.provisionedCount, 1);
    assert.equal(d.profile, 'factory');
    assert.equal(d.deviceInfo, '{"model":"X1"}');
    assert.equal(d.connStatus, '{"result":0,"ssid":"plant"}');
    assert.equal(d.stateChangedAt, at(6).toISOString());
    assert.equal(d.firstSeen, at(0).toISOString());
  });

  it('a refusal reads refused with its reason, and leaves address and last seen alone', () => {
    devices.recordAuthenticated(H, { at: at(0), mac: '02:00:00:00:00:01', transport: 'espnow' });
    devices.transition(H, 'provisioned', { at: at(0) });
    devices.recordRefused(H, { at: at(1), reason: 'whitelist entry is revoked', keepState: false });
    const d = devices.get(H)!;
    assert.equal(d.state, 'refused');
    assert.equal(d.reason, 'whitelist entry is revoked');
    assert.equal(d.mac, '02:00:00:00:00:01');
    assert.equal(d.lastSeen, at(0).toISOString());
    const other = 'cd'.repeat(32);
    devices.recordRefused(other, {
      at: at(1),
      reason: 'whitelist entry is inactive',
      keepState: false,
    });
    assert.equal(devices.get(other)!.state, 'refused');
  });

  it('a refusal that keeps the state (already provisioned) notes only the reason', () => {
    devices.transition(H, 'provisioned', { at: at(0) });
    devices.recordRefused(H, { at: at(1), reason: 'already provisioned', keepState: true });
    assert.equal(devices.get(H)!.state, 'provisioned');
    assert.equal(devices.get(H)!.reason, 'already provisioned');
  });

  it('a withheld delivery takes back its count, never below zero', () => {
    devices.recordAuthenticated(H, { at: at(0) });
    devices.recordDelivered(H, { at: at(1) });
    assert.equal(devices.get(H)!.provisionedCount, 1);
    devices.recordWithheld(H, at(2));
    devices.recordWithheld(H, at(2));
    assert.equal(devices.get(H)!.provisionedCount, 0);
    assert.equal(devices.get(H)!.state, 'configuring');
  });

  it('refuses device info that is not JSON and an unknown state', () => {
    assert.throws(
      () => devices.transition(H, 'configuring', { at: at(0), deviceInfo: '{model' }),
      (e: unknown) => isConfiguratorError(e, WhitelistErrorCode.StoreBadRecord),
    );
    assert.throws(
      () => devices.transition(H, 'lost' as 'failed', { at: at(0) }),
      (e: unknown) => isConfiguratorError(e, WhitelistErrorCode.StoreBadRecord),
    );
    assert.equal(devices.get(H), undefined);
  });

  it('lists recent first, by state, with a limit, and counts every state', () => {
    const hashes = ['01', '02', '03', '04'].map((b) => b.repeat(32));
    hashes.forEach((h, i) => devices.recordAnnounced(h, { at: at(i) }));
    devices.transition(hashes[0]!, 'refused', { at: at(9), reason: 'revoked' });
    assert.deepEqual(
      devices.list().map((d) => d.keyHash),
      [hashes[0], hashes[3], hashes[2], hashes[1]],
    );
    assert.deepEqual(
      devices.list({ state: 'announced', limit: 2 }).map((d) => d.keyHash),
      [hashes[3], hashes[2]],
    );
    assert.deepEqual(devices.countsByState(), {
      announced: 3,
      authenticating: 0,
      configuring: 0,
      provisioned: 0,
      connected: 0,
      failed: 0,
      refused: 1,
      interrupted: 0,
    });
  });

  it('countsAfter gives the state and count the upsert writes, for every change from every row', () => {
    const changes: DeviceChange[] = [
      { kind: 'authenticated', keyHash: H, fields: { at: at(5), transport: 'tcp' } },
      { kind: 'delivered', keyHash: H, fields: { at: at(5) } },
      { kind: 'withheld', keyHash: H, at: at(5) },
      { kind: 'refused', keyHash: H, at: at(5), reason: 'revoked', keepState: false },
      { kind: 'refused', keyHash: H, at: at(5), reason: 'provisioned', keepState: true },
      { kind: 'transition', keyHash: H, state: 'provisioned', fields: { at: at(5) } },
      { kind: 'transition', keyHash: H, state: 'failed', fields: { at: at(5), reason: 'x' } },
    ];
    // Rows before: none, and a device provisioned once or twice in a few states.
    const befores: (undefined | { state: 'configuring' | 'provisioned' | 'refused'; n: number })[] =
      [
        undefined,
        { state: 'configuring', n: 0 },
        { state: 'provisioned', n: 1 },
        { state: 'refused', n: 2 },
      ];
    for (const before of befores) {
      for (const change of changes) {
        db.exec('DELETE FROM devices');
        if (before !== undefined) {
          devices.recordAuthenticated(H, { at: at(0) });
          for (let i = 0; i < before.n; i++) devices.recordDelivered(H, { at: at(1) });
          devices.transition(H, before.state, { at: at(2) });
        }
        const stored = devices.counts(H);
        devices.apply(change);
        const row = devices.get(H)!;
        assert.deepEqual(devices.counts(H), {
          state: row.state,
          provisionedCount: row.provisionedCount,
        });
        assert.deepEqual(
          countsAfter(stored, change),
          devices.counts(H),
          `${change.kind} after ${JSON.stringify(before)}`,
        );
      }
    }
  });
});
