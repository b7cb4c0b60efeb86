/**
 * Replay: a device's whole exchange is captured off the air while it is provisioned, then sent to
 * the configurator again — byte for byte and in fresh fragments, from the device's MAC and from
 * another, in step with the configurator's answers and with the recorded timing, and to a
 * restarted daemon with the same key. Every replay must end in a failed session with its reason
 * recorded, no second delivery and no Configuration Response to the replayer; legitimate devices
 * are still served.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { randomMac } from '../../enrollee-sim/adversary/air.js';
import { Replayer, type ReplayReport } from '../../enrollee-sim/adversary/replayer.js';
import type { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { AirEnrollee } from '../support/air-enrollee.js';
import { memoryEndpoint, restartDaemon, waitFor } from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';

describe('adversary: replay of a captured exchange', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  let restarted: ConfiguratorDaemon | undefined;
  const enrollees: AirEnrollee[] = [];
  afterEach(async () => {
    for (const e of enrollees.splice(0)) e.stop();
    await restarted?.stop(0);
    restarted = undefined;
    await h?.close();
    h = undefined;
  });

  /** Provision a device at `mac` while a replayer records the air; stop the device afterwards. */
  async function captureProvisioning(
    harness: Harness,
    mac: string,
  ): Promise<{ replayer: Replayer; keyHash: string }> {
    const replayer = new Replayer(mac);
    harness.air.onMonitor = (f) => replayer.observe(f);
    const victim = newIdentity();
    const keyHash = harness.stores.addKey(victim.key);
    const device = new AirEnrollee(harness.air.attach(mac), { identity: victim });
    enrollees.push(device);
    assert.equal((await device.start().done).result, 'configured');
    await waitFor(
      () => harness.stores.deviceRecords.get(keyHash)?.state === 'connected',
      30_000,
      'the victim connected',
    );
    replayer.stopCapture();
    device.stop();
    return { replayer, keyHash };
  }

  /** A legitimate device is still provisioned after the replay. */
  async function expectStillServed(harness: Harness): Promise<void> {
    const fresh = newIdentity();
    harness.stores.addKey(fresh.key);
    const e = new AirEnrollee(harness.air.attach(randomMac()), { identity: fresh });
    enrollees.push(e);
    assert.equal((await e.start().done).result, 'configured');
  }

  it('never configures a replayer and keeps serving legitimate devices', async () => {
    h = await startHarness({ sessions: { authTimeoutMs: 1000 } });
    const harness = h;
    const victimMac = '02:00:00:7e:00:01';
    const { replayer, keyHash } = await captureProvisioning(h, victimMac);
    const captured = replayer.messages.map((m) => m.kind);
    for (const kind of [
      'PresenceAnnouncement',
      'AuthenticationResponse',
      'gasInitialRequest',
      'ConfigurationResult',
      'ConnectionStatusResult',
    ]) {
      assert.ok(captured.includes(kind), `captured ${kind} (${captured.join(', ')})`);
    }

    const audit = (): string[] =>
      harness.stores.auditRecords.filter((r) => r.keyHash === keyHash).map((r) => r.kind);
    const failures = (): number => audit().filter((k) => k === 'authentication-failed').length;
    const expectRefused = async (report: ReplayReport, what: string): Promise<void> => {
      assert.equal(report.configurationResponses, 0, `${what}: no Configuration Response`);
      assert.ok(
        report.received.every((m) => m.kind === 'AuthenticationRequest'),
        `${what}: received ${report.received.map((m) => m.kind).join(', ')}`,
      );
    };

    // 1. Byte for byte, from the victim's MAC: the binding already knows these message ids.
    const duplicates = (): number => harness.daemon.linkCounters()?.['reassembledDuplicate'] ?? 0;
    const duplicatesBefore = duplicates();
    const sameMac = memoryEndpoint(h.air, victimMac);
    const r1 = await replayer.replay(sameMac, {
      mode: 'fragments',
      pacing: 'recorded',
      lingerMs: 300,
    });
    assert.equal(r1.received.length, 0, 'nothing answered');
    assert.equal(
      duplicates() - duplicatesBefore,
      r1.payloadsSent,
      'every replayed fragment is dropped as a repeat',
    );

    // 2. In fresh fragments, from the victim's MAC, in step with the configurator.
    const ignoredBefore = h.daemon.engine.counters.ignored;
    const r2 = await replayer.replay(sameMac, {
      mode: 'messages',
      pacing: 'reactive',
      stallMs: 800,
      lingerMs: 100,
    });
    await waitFor(() => failures() === 1, 30_000, 'the replayed session to fail');
    await expectRefused(r2, 'reactive replay');
    assert.ok(r2.received.length >= 1, 'the replayed announcement was answered');
    assert.ok(r2.messagesSent >= 2, 'the captured Authentication Response went out');
    assert.ok(h.daemon.engine.counters.ignored > ignoredBefore, 'the replayed answer was dropped');

    // 3. In fresh fragments, from another MAC, everything with the recorded timing.
    const other = memoryEndpoint(h.air, randomMac());
    const r3 = await replayer.replay(other, {
      mode: 'messages',
      pacing: 'recorded',
      lingerMs: 100,
    });
    await waitFor(() => failures() === 2, 30_000, 'the second replayed session to fail');
    await expectRefused(r3, 'replay from another MAC');
    assert.equal(r3.messagesSent, replayer.messages.length);

    const failed = h.stores.auditRecords.filter(
      (r) => r.keyHash === keyHash && r.kind === 'authentication-failed',
    );
    for (const f of failed) {
      assert.match(f.reason ?? '', /timed out waiting for Authentication Response/);
      assert.match(f.reason ?? '', /dropped/, 'the reason says what was dropped');
    }
    assert.deepEqual(
      audit().filter((k) => k === 'configuration-delivered'),
      ['configuration-delivered'],
    );
    assert.equal(h.stores.deviceRecords.get(keyHash)!.provisionedCount, 1);
    await sameMac.close();
    await other.close();

    await expectStillServed(h);
  });

  it('a restarted daemon with the same key refuses the byte-for-byte replay too', async () => {
    h = await startHarness({ sessions: { authTimeoutMs: 1000 } });
    const victimMac = '02:00:00:7e:00:02';
    const { replayer, keyHash } = await captureProvisioning(h, victimMac);
    const configuratorKey = toHex(h.daemon.identity.key.der);

    restarted = await restartDaemon(h, h.air);
    const daemon = restarted;
    assert.equal(toHex(daemon.identity.key.der), configuratorKey, 'the same configurator key');
    const sameMac = memoryEndpoint(h.air, victimMac);
    const report = await replayer.replay(sameMac, {
      mode: 'fragments',
      pacing: 'recorded',
      lingerMs: 100,
    });
    await waitFor(
      () => daemon.engine.counters.failed === 1,
      30_000,
      'the replayed session to fail',
    );
    assert.equal(report.configurationResponses, 0);
    assert.ok(report.received.length >= 1, 'the new daemon heard the replayed announcement');
    assert.ok(report.received.every((m) => m.kind === 'AuthenticationRequest'));
    assert.equal(daemon.engine.counters.provisioned + daemon.engine.counters.connected, 0);
    assert.equal(h.stores.deviceRecords.get(keyHash)!.provisionedCount, 1);
    await sameMac.close();

    await expectStillServed(h);
  });

  // A session that never authenticated writes nothing on the device's row.
  it('a failed replay leaves the device recorded as connected', async () => {
    h = await startHarness({ sessions: { authTimeoutMs: 1000 } });
    const harness = h;
    const victimMac = '02:00:00:7e:00:03';
    const { replayer, keyHash } = await captureProvisioning(h, victimMac);
    const other = memoryEndpoint(h.air, randomMac());
    await replayer.replay(other, { mode: 'messages', pacing: 'recorded', lingerMs: 100 });
    await waitFor(() => harness.daemon.engine.counters.failed === 1, 30_000, 'the replay to fail');
    assert.equal(
      h.stores.deviceRecords.get(keyHash)!.state,
      'connected',
      h.stores.auditRecords.map((r) => r.kind).join(),
    );
  });
});
