import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { DppStatus } from '../../protocol/dpp/attributes.js';
import { AirEnrollee, TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import { DAEMON_MAC, startVirtualHarness, type Harness } from '../support/daemon-harness.js';
import type { MemoryRadioTransport } from '../support/memory-radio.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { VirtualClock } from '../support/virtual-clock.js';
import type { EnrolleeOutcome } from '../../protocol/dpp/session/types.js';

let macCounter = 0x10;
function nextMac(): string {
  macCounter++;
  return `02:00:00:00:e0:${macCounter.toString(16).padStart(2, '0')}`;
}

function kinds(h: Harness, keyHash?: string): string[] {
  return h.stores.auditRecords
    .filter((r) => keyHash === undefined || r.keyHash === keyHash)
    .map((r) => r.kind);
}

/**
 * Every case runs the daemon and its devices on one virtual clock: waits are steps of virtual
 * time, so the same case takes the same course on any machine, however loaded.
 */
describe('session engine on the in-memory air', () => {
  let h: Harness;
  const enrollees: AirEnrollee[] = [];
  afterEach(async () => {
    for (const e of enrollees.splice(0)) e.stop();
    await h.close();
  });

  const clock = (): VirtualClock => h.clock!;

  async function settle(ms: number): Promise<void> {
    await clock().advance(ms);
  }

  async function outcomeOf(e: AirEnrollee): Promise<EnrolleeOutcome> {
    const [outcome] = await h.outcomesOf([e]);
    return outcome!;
  }

  /**
   * A session that stays in authentication until authTimeoutMs: a spoofer announcing a
   * whitelisted key it does not hold. The key's identity, for telling its records apart.
   */
  async function spooferInSession(): Promise<BootstrapIdentity> {
    const victim = newIdentity();
    h.stores.addKey(victim.key);
    enrollee({ identity: newIdentity(), announcedKey: victim.key });
    await settle(50);
    return victim;
  }

  function enrollee(options: ConstructorParameters<typeof AirEnrollee>[1]): AirEnrollee {
    const e = new AirEnrollee(h.air.attach(nextMac()), { ...options, clock: h.clock });
    enrollees.push(e);
    return e.start();
  }

  it('provisions a whitelisted device and records it connected', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const e = enrollee({ identity: id, serial: 'SN-42' });
    const outcome = await outcomeOf(e);
    assert.equal(outcome.result, 'configured');
    assert.equal(new TextDecoder().decode(e.config!.ssid), TEST_SSID);
    assert.equal(e.config!.credential.pass, TEST_PASSPHRASE);
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
    const d = h.stores.deviceRecords.get(keyHash)!;
    assert.equal(d.provisionedCount, 1);
    assert.equal(JSON.parse(d.deviceInfo!).serial, 'SN-42');
    h.expectAudit(keyHash, ['admitted', 'authenticated', 'configuration-delivered', 'connected']);
  });

  it('records the device provisioned once it applied the configuration, while it joins the network', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const e = enrollee({
      identity: id,
      ap: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE, joinMs: 400 },
    });
    await clock().until(() => e.config !== undefined, 30_000, 'the configuration');
    await settle(100);
    const joining = h.stores.deviceRecords.get(keyHash)!;
    assert.equal(joining.state, 'provisioned');
    assert.match(joining.reason ?? '', /awaiting its Connection Status Result/);
    assert.equal(e.outcome, undefined);
    assert.equal((await outcomeOf(e)).result, 'configured');
    await settle(20);
    const d = h.stores.deviceRecords.get(keyHash)!;
    assert.equal(d.state, 'connected');
    assert.equal(d.reason, undefined);
  });

  it('finds a device by its chirp hash when the announcement carries no key', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const e = enrollee({ identity: id, announceKey: false });
    assert.equal((await outcomeOf(e)).result, 'configured');
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
  });

  it('refuses an unknown device without starting a session, and says why', async () => {
    h = await startVirtualHarness();
    const e = enrollee({ identity: newIdentity() });
    await settle(150);
    assert.equal(h.daemon.engine.counters.admitted, 0);
    assert.ok(h.daemon.engine.counters.refused >= 1);
    const refusal = h.stores.auditRecords.find((r) => r.kind === 'refused');
    assert.equal(refusal?.reason, 'not on the whitelist');
    assert.equal(e.outcome, undefined);
  });

  it('refuses a hash-only entry whose device announces no key (nothing to check the chirp against)', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    h.stores.addKey(id.key, { byHashOnly: true });
    enrollee({ identity: id, announceKey: false });
    await settle(150);
    assert.equal(h.daemon.engine.counters.admitted, 0);
    assert.match(
      h.stores.auditRecords.find((r) => r.kind === 'refused')?.reason ?? '',
      /chirp hash/,
    );
  });

  it('admits a hash-only entry when the announcement carries the key', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key, { byHashOnly: true });
    assert.equal((await outcomeOf(enrollee({ identity: id }))).result, 'configured');
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
  });

  for (const status of ['inactive', 'revoked'] as const) {
    it(`refuses an ${status} whitelist entry and records the device as refused`, async () => {
      h = await startVirtualHarness();
      const id = newIdentity();
      const keyHash = h.stores.addKey(id.key, { status });
      enrollee({ identity: id });
      await h.expectDevice(keyHash, 'refused', { within: 1000 });
      assert.equal(h.daemon.engine.counters.admitted, 0);
      assert.equal(h.stores.deviceRecords.get(keyHash)!.reason, `whitelist entry is ${status}`);
    });
  }

  it('never configures a spoofer that announces a whitelisted key without holding its private key', async () => {
    h = await startVirtualHarness({ sessions: { authTimeoutMs: 600 } });
    const victim = newIdentity();
    const keyHash = h.stores.addKey(victim.key);
    const spoofer = enrollee({ identity: newIdentity(), announcedKey: victim.key });
    await settle(1200);
    assert.equal(spoofer.config, undefined);
    assert.equal(h.stores.deviceRecords.get(keyHash)?.provisionedCount ?? 0, 0);
    assert.ok(!kinds(h, keyHash).includes('configuration-delivered'));
    assert.ok(kinds(h, keyHash).includes('authentication-failed'));
  });

  it("a spoofer's failed attempt leaves the genuine device's row untouched", async () => {
    h = await startVirtualHarness({ sessions: { authTimeoutMs: 600 } });
    const victim = newIdentity();
    const keyHash = h.stores.addKey(victim.key);
    assert.equal((await outcomeOf(enrollee({ identity: victim }))).result, 'configured');
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
    const genuine = { ...h.stores.deviceRecords.get(keyHash)! };
    assert.equal(genuine.attempts, 1);
    const spoofer = enrollee({ identity: newIdentity(), announcedKey: victim.key });
    await h.clock!.until(
      () => kinds(h, keyHash).includes('authentication-failed'),
      10_000,
      "the spoofer's attempt to fail",
    );
    assert.equal(spoofer.config, undefined);
    assert.deepEqual(h.stores.deviceRecords.get(keyHash), genuine);
    const attempt = h.stores.auditRecords.find((r) => r.kind === 'authentication-failed')!;
    assert.notEqual(attempt.peer, genuine.address, "the attempt names the spoofer's address");
  });

  it('with mutual authentication required: configures a device that pins our key, fails one that does not', async () => {
    h = await startVirtualHarness({
      profile: { requireMutual: true },
      sessions: { authTimeoutMs: 600 },
    });
    const pinned = newIdentity();
    const pinnedHash = h.stores.addKey(pinned.key);
    const e = enrollee({ identity: pinned, pinnedConfigurator: makePeer(h.daemon.identity.key) });
    assert.equal((await outcomeOf(e)).result, 'configured');
    const auth = h.stores.auditRecords.find(
      (r) => r.kind === 'authenticated' && r.keyHash === pinnedHash,
    );
    assert.equal(auth?.detail?.['mutual'], true);

    const plain = newIdentity();
    const plainHash = h.stores.addKey(plain.key);
    const p = enrollee({ identity: plain });
    await settle(1000);
    assert.equal(p.config, undefined);
    assert.ok(!kinds(h, plainHash).includes('configuration-delivered'));
  });

  it('commits the delivery record before the credentials leave', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    h.stores.addKey(id.key);
    const endpoint = h.air.attach(nextMac());
    const e = new AirEnrollee(endpoint, { identity: id, clock: h.clock });
    enrollees.push(e);
    // What was committed when the configuration reached the device (MemoryStores commits only
    // when the engine asks it to).
    let committedWhenReceived: string[] | undefined;
    const deliver = endpoint.onFrame;
    endpoint.onFrame = (f) => {
      deliver(f);
      queueMicrotask(() => {
        if (e.config !== undefined && committedWhenReceived === undefined) {
          committedWhenReceived = h.stores.auditRecords
            .slice(0, h.stores.committedAuditRecords)
            .map((r) => r.kind);
        }
      });
    };
    e.start();
    assert.equal((await outcomeOf(e)).result, 'configured');
    assert.ok(committedWhenReceived !== undefined);
    assert.ok(
      committedWhenReceived.includes('configuration-delivered'),
      committedWhenReceived.join(),
    );
  });

  it('withholds the configuration when its delivery record cannot be written', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    h.stores.addKey(id.key);
    h.stores.failCommits = true;
    const e = enrollee({ identity: id });
    const outcome = await outcomeOf(e);
    assert.equal(outcome.result, 'failed');
    assert.equal(e.config, undefined);
  });

  it('a revoke during the session takes effect before any credential leaves', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    h.daemon.engine.records.on('device', (ev) => {
      if (ev.keyHash === keyHash && ev.state === 'configuring')
        h.stores.setStatus(keyHash, 'revoked');
    });
    const e = enrollee({ identity: id });
    const outcome = await outcomeOf(e);
    assert.equal(outcome.result, 'failed');
    assert.equal(e.config, undefined);
    assert.ok(!kinds(h, keyHash).includes('configuration-delivered'));
    assert.ok(
      h.stores.auditRecords.some(
        (r) => r.kind === 'refused' && /revoked during the session/.test(r.reason ?? ''),
      ),
    );
  });

  it('delivers the same per-device LwM2M bundle on re-provisioning, its secrets generated once', async () => {
    h = await startVirtualHarness({
      realBundles: true,
      profile: {
        lwm2m: {
          endpoint: 'dev-{keyHash16}',
          servers: [{ uri: 'coaps://lwm2m.example:5684', shortServerId: 1, securityMode: 'psk' }],
        },
      },
    });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const first = enrollee({ identity: id });
    await outcomeOf(first);
    const second = enrollee({ identity: id });
    await outcomeOf(second);
    assert.ok(first.config?.lwm2mBundle !== undefined && first.config.lwm2mBundle.length > 20);
    assert.deepEqual(second.config!.lwm2mBundle, first.config.lwm2mBundle);
    assert.equal(h.stores.secretRecords.size, 1);
    assert.equal(h.stores.deviceRecords.get(keyHash)!.provisionedCount, 2);
    const other = newIdentity();
    h.stores.addKey(other.key);
    const third = enrollee({ identity: other });
    await outcomeOf(third);
    assert.notDeepEqual(third.config!.lwm2mBundle, first.config.lwm2mBundle);
  });

  it('refuses a provisioned device again when its profile does not allow re-provisioning', async () => {
    h = await startVirtualHarness({ profile: { allowReprovision: false } });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    await outcomeOf(enrollee({ identity: id }));
    await settle(20);
    const again = enrollee({ identity: id });
    await settle(200);
    assert.equal(again.config, undefined);
    assert.equal(h.stores.deviceRecords.get(keyHash)!.state, 'connected');
    assert.match(
      h.stores.deviceRecords.get(keyHash)!.reason ?? '',
      /does not allow re-provisioning/,
    );
  });

  it('commits at once when a lone delivery waits: nothing else would share the commit', async () => {
    h = await startVirtualHarness({ commitWindowMs: 50 });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    assert.equal((await outcomeOf(enrollee({ identity: id }))).result, 'configured');
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
    assert.equal(h.stores.windowCommits, 0, 'the delivery did not wait for the window');
  });

  it('a delivery waits for the window while another session may still deliver into it', async () => {
    h = await startVirtualHarness({ commitWindowMs: 50, sessions: { authTimeoutMs: 5000 } });
    // A spoofer's session under another key stays in authentication the whole time.
    await spooferInSession();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    assert.equal((await outcomeOf(enrollee({ identity: id }))).result, 'configured');
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
    assert.equal(h.stores.windowCommits, 1, 'the delivery waited for the grouped commit');
  });

  it('a revoke that lands while the delivery is being committed still withholds the credentials', async () => {
    h = await startVirtualHarness({ commitWindowMs: 50, sessions: { authTimeoutMs: 5000 } });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    // The admin's revoke commits just before ours: after the delivery was recorded, before the
    // bytes were handed over.
    h.stores.onCommit = () => {
      if (kinds(h, keyHash).includes('configuration-delivered'))
        h.stores.setStatus(keyHash, 'revoked');
    };
    const e = enrollee({ identity: id });
    const outcome = await outcomeOf(e);
    assert.notEqual(outcome.result, 'configured');
    assert.equal(e.config, undefined, 'no credentials reached the device');
    await h.expectDevice(keyHash, 'refused', { within: 1000 });
    const d = h.stores.deviceRecords.get(keyHash)!;
    assert.match(d.reason ?? '', /whitelist entry became revoked before its configuration left/);
    assert.equal(d.provisionedCount, 0, 'the withheld delivery is not counted');
    h.expectAudit(keyHash, [
      'admitted',
      'authenticated',
      'configuration-delivered',
      'configuration-withheld',
      'refused',
      'session-refused',
    ]);
  });

  it('a session that ends while its delivery waits for the commit records it as withheld', async () => {
    h = await startVirtualHarness({ commitWindowMs: 10_000, sessions: { authTimeoutMs: 20_000 } });
    // A spoofer's session stays in authentication: the delivery waits for the window.
    await spooferInSession();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const mac = nextMac();
    const e = new AirEnrollee(h.air.attach(mac), { identity: id, clock: h.clock });
    enrollees.push(e);
    e.start();
    await clock().until(
      () => kinds(h, keyHash).includes('configuration-delivered'),
      5000,
      'the delivery to be recorded',
    );
    h.daemon.engine.onPeerGone(`espnow:${mac}`, 'its link is gone');
    await clock().until(
      () => kinds(h, keyHash).includes('configuration-withheld'),
      20_000,
      'the delivery to be recorded as withheld',
    );
    assert.equal(e.config, undefined);
    assert.equal(h.stores.deviceRecords.get(keyHash)!.provisionedCount, 0);
  });

  it('a provisioned device refused after a revoke reads refused, with the reason', async () => {
    h = await startVirtualHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    await outcomeOf(enrollee({ identity: id }));
    await h.expectDevice(keyHash, 'connected', { within: 1000 });
    h.stores.setStatus(keyHash, 'revoked');
    enrollee({ identity: id });
    await h.expectDevice(keyHash, 'refused', { within: 2000 });
    assert.equal(h.stores.deviceRecords.get(keyHash)!.reason, 'whitelist entry is revoked');
  });

  it('keeps a device refused as unknown in the table of devices heard but not listed', async () => {
    h = await startVirtualHarness();
    const stranger = newIdentity();
    enrollee({ identity: stranger, chirpMs: 200 });
    await settle(1000);
    const heard = h.stores.unlistedRecords.get(toHex(stranger.hash));
    assert.ok(heard !== undefined, 'the stranger is in the table');
    assert.ok(heard.count >= 2, `heard ${heard.count} times`);
    assert.equal(heard.heardBy, 'memory radio', 'with the radio that heard it');
    assert.equal(h.stores.deviceRecords.size, 0, 'no device row for a stranger');
  });

  it('starts no session it is asked to initiate once it is shutting down', async () => {
    h = await startVirtualHarness();
    const keyHash = h.stores.addKey(newIdentity().key);
    await h.daemon.engine.shutdown(0);
    let closed = false;
    const started = h.daemon.engine.initiate(
      {
        id: 'tcp:127.0.0.1:9',
        transport: 'tcp',
        address: '127.0.0.1:9',
        send: () => assert.fail('nothing is sent'),
        close: () => {
          closed = true;
        },
      },
      keyHash,
    );
    assert.equal(started, false);
    assert.ok(closed, 'the connection is closed');
    assert.equal(h.daemon.engine.counters.admitted, 0);
  });

  it('an answer from the waiting line that finds the device gone from our channel is no failure: it waits for its next announcement', async () => {
    h = await startVirtualHarness({ sessions: { maxConcurrent: 1, authTimeoutMs: 3000 } });
    // A spoofer's session holds the only room until its authentication times out.
    const victim = await spooferInSession();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const mac = nextMac();
    const hopper = new AirEnrollee(h.air.attach(mac), { identity: id, clock: h.clock });
    enrollees.push(hopper);
    hopper.start();
    await clock().until(() => h.daemon.engine.waitingSessions === 1, 5000, 'the device to wait');
    // It walks on to other channels; the room frees while it is away.
    h.air.setAway(mac, true);
    await clock().until(
      () => kinds(h, keyHash).includes('not-reached'),
      10_000,
      'the late answer to find it gone',
    );
    assert.equal(h.daemon.engine.waitingSessions, 1, 'it keeps its place in the line');
    await settle(6000);
    h.air.setAway(mac, false);
    const [outcome] = await h.outcomesOf([hopper]);
    assert.equal(outcome!.result, 'configured');
    assert.ok(!kinds(h, keyHash).includes('authentication-failed'), kinds(h, keyHash).join());
    const failedKeys = new Set(
      h.stores.auditRecords.filter((r) => r.kind === 'authentication-failed').map((r) => r.keyHash),
    );
    assert.deepEqual([...failedKeys], [toHex(victim.hash)], "only the spoofer's sessions failed");
  });

  it('summarises a flood of unknown announcements instead of writing one record each', async () => {
    h = await startVirtualHarness();
    for (let i = 0; i < 300; i++) enrollee({ identity: newIdentity(), chirpMs: 60_000 });
    await settle(1300);
    assert.equal(h.daemon.engine.counters.admitted, 0);
    assert.equal(h.daemon.engine.refusalTotals.get('unknown'), 300);
    const single = h.stores.auditRecords.filter((r) => r.kind === 'refused').length;
    assert.ok(single <= 60, `${single} single refusal records`);
    const summary = h.stores.auditRecords.find((r) => r.kind === 'refusals-summarised');
    assert.ok(summary !== undefined);
    assert.equal((summary.detail?.['suppressed'] as number) + single, 300);
  });

  it('devices heard while there is no room wait for their turn instead of for their next announcement', async () => {
    h = await startVirtualHarness({ sessions: { maxConcurrent: 1 } });
    const devices = [newIdentity(), newIdentity(), newIdentity()];
    for (const id of devices) h.stores.addKey(id.key);
    // One announcement each (the next would come after a minute).
    const outcomes = await h.outcomesOf(
      devices.map((id) => enrollee({ identity: id, chirpMs: 60_000 })),
    );
    assert.deepEqual(
      outcomes.map((o) => o.result),
      ['configured', 'configured', 'configured'],
    );
    assert.equal(h.daemon.engine.counters.busy, 2);
    assert.equal(h.daemon.engine.waitingSessions, 0);
  });

  it('does not answer an announcement that waited longer than waitingMaxAgeMs, but keeps its place', async () => {
    h = await startVirtualHarness({ sessions: { maxConcurrent: 1, waitingMaxAgeMs: 400 } });
    const victim = newIdentity();
    h.stores.addKey(victim.key);
    const late = newIdentity();
    h.stores.addKey(late.key);
    // A spoofer holds the only room until its authentication fails (about a second).
    enrollee({ identity: newIdentity(), announcedKey: victim.key, chirpMs: 60_000 });
    await settle(20);
    const e = enrollee({ identity: late, chirpMs: 60_000 });
    await clock().until(
      () => h.daemon.engine.counters.failed > 0,
      10_000,
      'the spoofer session to end',
    );
    await settle(50);
    assert.equal(h.daemon.engine.counters.failed, 1, 'the spoofer session ended');
    assert.deepEqual(kinds(h, toHex(late.hash)), [], 'the stale announcement was not answered');
    assert.equal(h.daemon.engine.waitingSessions, 1, 'the device keeps its place');
    assert.equal(e.outcome, undefined);
  });

  it('starts no session while the radio link is down, and serves the devices heard meanwhile once it is back', async () => {
    h = await startVirtualHarness();
    const radio = h.daemon.espnow!.radio as MemoryRadioTransport;
    const ids = [newIdentity(), newIdentity(), newIdentity()];
    for (const id of ids) h.stores.addKey(id.key);
    // The devices' announcements still reach the daemon (only its sending side is cut here).
    radio.drop('bridge unplugged');
    h.air.register(DAEMON_MAC, (f) => radio.emit('frame', f));
    const es = ids.map((id) => enrollee({ identity: id, chirpMs: 60_000 }));
    await settle(200);
    assert.equal(h.daemon.engine.counters.admitted, 0);
    assert.equal(h.daemon.engine.waitingSessions, 3);
    await radio.restore();
    const outcomes = await h.outcomesOf(es);
    assert.deepEqual(
      outcomes.map((o) => o.result),
      ['configured', 'configured', 'configured'],
    );
  });

  it('parks sessions still running at shutdown', async () => {
    h = await startVirtualHarness({ sessions: { authTimeoutMs: 5000 } });
    const victim = newIdentity();
    const keyHash = h.stores.addKey(victim.key);
    // A spoofer never answers correctly, so its session is still running when we stop.
    enrollee({ identity: newIdentity(), announcedKey: victim.key });
    await settle(100);
    assert.equal(h.daemon.engine.activeSessions, 1);
    const r = await h.daemon.stop(0);
    assert.deepEqual(r, { finished: 0, parked: 1 });
    // It never authenticated: the device's row was never the session's to write.
    assert.equal(h.stores.deviceRecords.get(keyHash), undefined);
    assert.ok(kinds(h, keyHash).includes('parked'));
  });

  it('refuses a configuration with a DPP status when the profile cannot be built', async () => {
    h = await startVirtualHarness({ profile: { lwm2m: {} } }); // lwm2m without a bundle builder
    const id = newIdentity();
    h.stores.addKey(id.key);
    const outcome = await outcomeOf(enrollee({ identity: id }));
    assert.equal(outcome.result, 'failed');
    assert.ok(DppStatus.ConfigureFailure > 0);
  });
});
