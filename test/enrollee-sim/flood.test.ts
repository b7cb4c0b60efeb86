/**
 * A flood of 10,000 Presence Announcements a second, each from a fresh MAC with a key nobody
 * whitelisted, for two seconds on the in-memory air, while legitimate devices are provisioned:
 * every legitimate device is configured, every flood announcement is refused and counted, and the
 * refusal records are summarised instead of written one by one — with nothing lost in the sums.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { AnnouncementFlood } from '../../enrollee-sim/adversary/announcement-flood.js';
import { SimDevice, type SimDeviceReport } from '../../enrollee-sim/site/sim-device.js';
import { batchDevice, forgedSender, settle } from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const RATE = 10_000;
const DURATION_MS = 2000;

describe('adversary: announcement flood', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  const devices: SimDevice[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) d.stop();
    await h?.close();
    h = undefined;
  });

  it(`provisions 15 devices during ${RATE} announcements a second and summarises the refusals`, async () => {
    h = await startHarness();
    const harness = h;
    const flood = new AnnouncementFlood({
      rate: RATE,
      durationMs: DURATION_MS,
      send: forgedSender(h.air),
    }).start();
    await new Promise((r) => setTimeout(r, 200)); // the flood is under way first
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
    const deadline = new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000).unref());
    const outcomes = await Promise.all(
      reports.map((r) => Promise.race<SimDeviceReport | undefined>([r, deadline])),
    );
    const report = await flood.done;
    const floodEnded = performance.now();

    assert.deepEqual(
      outcomes.map((o) => o?.outcome.result ?? 'not configured'),
      outcomes.map(() => 'configured'),
    );
    assert.ok(outcomes.every((o) => o!.joined));
    const configuredDuringFlood = outcomes.filter((o) => o!.configuredAt! < floodEnded - 50).length;
    // What the flood achieved (reported by the test title's numbers when it falls short).
    assert.ok(
      report.achievedPerSecond >= RATE * 0.9,
      `the flood sent ${report.sent} in ${Math.round(report.elapsedMs)} ms: ${Math.round(report.achievedPerSecond)}/s`,
    );
    assert.ok(configuredDuringFlood >= 10, `${configuredDuringFlood} devices configured during it`);

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
        `${Math.round(report.achievedPerSecond)}/s; ${configuredDuringFlood}/15 configured during it; ` +
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
