/**
 * The fleet runner (enrollee-sim/site/fleet.ts, which fleet-main.ts runs on the radio hub) on the
 * in-memory air and over DPP/TCP against a real daemon: whitelisted devices are configured and
 * join the simulated AP; unknown devices and spoofers are not, and no configuration ever goes to
 * them. The lines have the fields the demo and the benchmark read.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { makePeer } from '../../protocol/dpp/auth-common.js';
import { createFleet } from '../../enrollee-sim/site/fleet-devices.js';
import { runFleetOnAir, runFleetOverTcp } from '../../enrollee-sim/site/fleet.js';
import { TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import { memoryEndpoint, waitFor } from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';

const AP = { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE };
const LINE_FIELDS = [
  'type',
  'label',
  'mac',
  'role',
  'keyHash',
  'result',
  'reason',
  'joined',
  'ttpMs',
  'attempts',
];
/** On the radio a line also says how long the sessions took (from the first Authentication Request). */
const AIR_LINE_FIELDS = [...LINE_FIELDS.slice(0, -1), 'sessionMs', 'attempts'];

describe('fleet runner', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('30 devices on the in-memory air: 24 whitelisted configured, 4 unknown and 2 spoofers not', async () => {
    h = await startHarness({ sessions: { authTimeoutMs: 1000 } });
    const harness = h;
    const fleet = createFleet({ count: 30, unknown: 4, spoofers: 2 });
    for (const d of fleet) if (d.role === 'whitelisted') h.stores.addKey(d.identity.key);
    const printed: string[] = [];
    const { lines, summary } = await runFleetOnAir({
      fleet,
      endpointFor: async (d) => memoryEndpoint(harness.air, d.mac, { hearBroadcasts: false }),
      ap: AP,
      chirpMs: 200,
      giveUpMs: 2500,
      staggerMs: 500,
      onLine: (line) => printed.push(JSON.stringify(line)),
    });

    assert.equal(printed.length, 30);
    for (const text of printed) assert.deepEqual(Object.keys(JSON.parse(text)), AIR_LINE_FIELDS);
    assert.deepEqual(
      { devices: summary.devices, configured: summary.configured, joined: summary.joined },
      { devices: 30, configured: 24, joined: 24 },
    );
    for (const line of lines) {
      if (line.role === 'whitelisted') {
        assert.equal(line.result, 'configured', `${line.label}: ${line.reason}`);
        assert.equal(line.reason, 'joined the simulated AP');
        assert.ok(line.ttpMs !== null && line.ttpMs >= 0);
        assert.ok(
          typeof line.sessionMs === 'number' && line.sessionMs >= 0 && line.sessionMs <= line.ttpMs,
          `${line.label}: session ${line.sessionMs} ms of ${line.ttpMs}`,
        );
      } else {
        assert.equal(line.result, 'not configured', `${line.label} (${line.role})`);
        assert.equal(line.reason, 'no configuration after 2.5 s');
      }
    }

    // The daemon's view: deliveries only to whitelisted devices' MACs, each of them connected once.
    const whitelistedMacs = new Set(
      fleet.filter((d) => d.role === 'whitelisted').map((d) => d.mac),
    );
    const delivered = h.stores.auditRecords.filter((r) => r.kind === 'configuration-delivered');
    assert.ok(delivered.every((r) => whitelistedMacs.has(r.peer ?? '')));
    for (const d of fleet.filter((x) => x.role === 'whitelisted')) {
      assert.ok(
        h.stores.auditRecords.some(
          (r) => r.kind === 'connected' && r.keyHash === toHex(d.identity.hash),
        ),
        `${d.label} recorded as connected`,
      );
    }
    // The spoofers got as far as a session with the victim's key, and failed it. There is one
    // session per key at a time, so a spoofer that announces while another holds the key's session
    // may give up before its turn, or still be in one when the fleet ends: at least one session
    // failed, and none got past authentication.
    const victimHash = toHex(fleet[0]!.identity.hash);
    const spooferMacs = new Set(fleet.filter((d) => d.role === 'spoofer').map((d) => d.mac));
    const spoofed = () =>
      harness.stores.auditRecords.filter(
        (r) => spooferMacs.has(r.peer ?? '') && r.keyHash === victimHash,
      );
    await waitFor(
      () => spoofed().some((r) => r.kind === 'authentication-failed'),
      5000,
      'a failed session under the victim’s key',
    );
    assert.deepEqual(
      spoofed().filter((r) => r.kind === 'authenticated' || r.kind === 'configuration-delivered'),
      [],
    );
    assert.ok((h.daemon.engine.refusalTotals.get('unknown') ?? 0) >= 4);
  });

  it('the same fleet over DPP/TCP: whitelisted devices configured, the others refused', async () => {
    h = await startHarness({ tcp: true });
    const fleet = createFleet({ count: 8, unknown: 2, spoofers: 1 });
    for (const d of fleet) if (d.role === 'whitelisted') h.stores.addKey(d.identity.key);
    const { lines, summary } = await runFleetOverTcp({
      fleet,
      port: h.daemon.tcpPort!,
      configurator: makePeer(h.daemon.identity.key),
      ap: AP,
      giveUpMs: 2000,
      staggerMs: 200,
    });
    assert.equal(summary.configured, 5);
    for (const line of lines) {
      assert.deepEqual(Object.keys(line), LINE_FIELDS);
      if (line.role === 'whitelisted') {
        assert.equal(line.result, 'configured', `${line.label}: ${line.reason}`);
        assert.equal(line.joined, true);
      } else {
        assert.equal(line.result, 'not configured', line.label);
        assert.equal(line.attempts, 1);
      }
    }
  });
});
