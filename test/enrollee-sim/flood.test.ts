/**
 * A flood of Presence Announcements (10,000 a second asked for), each from a fresh MAC with a key
 * nobody whitelisted, on the in-memory air, while legitimate devices are provisioned: every
 * legitimate device is configured, every flood announcement is refused and counted, and the
 * refusal records are summarised instead of written one by one — with nothing lost in the sums.
 * Nothing here depends on the machine's speed: the devices start once the flood has sent a set
 * number of announcements, and the flood stops only when every device is done, so every device
 * is provisioned during the flood by construction, whatever rate the machine achieves.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { AnnouncementFlood } from '../../enrollee-sim/adversary/announcement-flood.js';
import { SimDevice, type SimDeviceReport } from '../../enrollee-sim/site/sim-device.js';
import { batchDevice, forgedSender, settle } from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const RATE = 10_000;
/** Long enough never to end on its own before the devices are done; it is stopped then. */
const FLOOD_LIMIT_MS = 600_000;
/** Announcements on the air before the first device starts. */
const FLOOD_HEAD_START = 2000;

describe('adversary: announcement flood', function () {
  this.timeout(180_000);
  let h: Harness | undefined;
  const devices: SimDevice[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) d.stop();
    await h?.close();
    h = undefined;
  });

  it('provisions 15 devices during a flood of announcements and summarises the refusals', async () => {
    h = await startHarness();
    const harness = h;
    const flood = new AnnouncementFlood({
      rate: RATE,
      durationMs: FLOOD_LIMIT_MS,
      send: forgedSender(h.air),
    }).start();
    while (flood.sentSoFar < FLOOD_HEAD_START) await settle(5); // the flood is under way first
    const identities = Array.from({ length: 15 }, () => newIdentity());
    const reports = identities.map((identity, i) => {
      harness.stores.addKey(identity.key);
      // Devices hear only unicast, as on the radio hub.
      const { device } = batchDevice(
        harness.air,
        `02:00:00:f1:00:${(i + 1).toString(16).padStart(2, '0')}`,
        identity,
      );
      devices.push(device);
      return device.start().done;
    });
    // A bound for a broken daemon, not a speed requirement: a healthy one needs a few seconds.
    const deadline = new Promise<undefined>((r) => setTimeout(() => r(undefined), 120_000).unref());
    const outcomes = await Promise.all(
      reports.map((r) => Promise.race<SimDeviceReport | undefined>([r, deadline])),
    );
    const report = flood.stop();
    const floodEnded = performance.now();

    assert.deepEqual(
      outcomes.map((o) => o?.outcome.result ?? 'not configured'),
      outcomes.map(() => 'configured'),
    );
    assert.ok(outcomes.every((o) => o!.joined));
    assert.ok(report.sent > FLOOD_HEAD_START, 'the flood went on while the devices were served');
    // Let the engine take in what is still on the in-memory air before counting.
    await settle(50);

    // Every flood announcement reached the engine and was refused as unknown.
    const engine = h.daemon.engine;
    assert.equal(engine.refusalTotals.get('unknown'), report.sent);
    const batch = new Set(identities.map((id) => toHex(id.hash)));
    assert.ok(
      h.stores.auditRecords.every((r) => r.kind !== 'admitted' || batch.has(r.keyHash ?? '')),
      'nothing but the batch was admitted',
    );

    // Stopping flushes the summary of what was not written one by one.
    await h.daemon.stop(0);
    const refused = h.stores.auditRecords.filter((r) => r.kind === 'refused');
    const summaries = h.stores.auditRecords.filter((r) => r.kind === 'refusals-summarised');
    const seconds = Math.ceil((performance.now() - (floodEnded - report.elapsedMs)) / 1000) + 1;
    assert.ok(
      refused.length <= 50 * seconds,
      `${refused.length} single refusal records in about ${seconds} s`,
    );
    assert.ok(
      summaries.length >= 1 && summaries.length <= seconds + 1,
      `${summaries.length} summaries`,
    );
    const summarised = summaries.reduce(
      (n, s) => n + (s.detail?.['suppressed'] as number) + (s.detail?.['repeats'] as number),
      0,
    );
    assert.equal(refused.length + summarised, report.sent, 'every refusal is in a record or a sum');
    const byReason = summaries.reduce(
      (n, s) => n + ((s.detail?.['suppressedByReason'] as Record<string, number>)['unknown'] ?? 0),
      0,
    );
    assert.equal(
      byReason,
      summaries.reduce((n, s) => n + (s.detail?.['suppressed'] as number), 0),
    );
    process.stdout.write(
      `      flood: ${report.sent} announcements in ${Math.round(report.elapsedMs)} ms = ` +
        `${Math.round(report.achievedPerSecond)}/s while 15 devices were configured; ` +
        `${refused.length} single refusal records, ${summaries.length} summaries\n`,
    );
  });

  it('announcements with a key and with a chirp hash alone are both refused at the lookup', async () => {
    h = await startHarness();
    const report = await new AnnouncementFlood({
      rate: 2000,
      durationMs: 400,
      send: forgedSender(h.air),
      content: 'mixed',
    }).start().done;
    await settle(50);
    assert.equal(report.withKey + report.chirpOnly, report.sent);
    assert.ok(Math.abs(report.withKey - report.chirpOnly) <= 1);
    assert.equal(h.daemon.engine.refusalTotals.get('unknown'), report.sent);
    assert.equal(h.daemon.engine.counters.admitted, 0);
    const reasons = new Set(
      h.stores.auditRecords.filter((r) => r.kind === 'refused').map((r) => r.reason),
    );
    assert.ok(reasons.has('not on the whitelist'));
    assert.ok([...reasons].some((r) => /not on the whitelist by chirp hash/.test(r ?? '')));
  });
});
