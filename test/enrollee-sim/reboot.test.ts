/**
 * Devices that reboot in the middle of their exchange, in a fleet with real LwM2M bundles: some
 * lose power when the Authentication Confirm arrives, some after reading the Configuration
 * Response but before sending their Configuration Result. Every device ends configured; the
 * daemon keeps one secret set per device, so a device given its credentials twice gets the same
 * bundle twice.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { installRebootTap, type RebootTap } from '../../enrollee-sim/adversary/reboot-tap.js';
import { createFleet } from '../../enrollee-sim/site/fleet-devices.js';
import { runFleetOnAir } from '../../enrollee-sim/site/fleet.js';
import type { SimDeviceReport } from '../../enrollee-sim/site/sim-device.js';
import { TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import {
  bundlePskSecrets,
  memoryEndpoint,
  PSK_LWM2M,
  storedPskSecrets,
  waitFor,
} from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';

describe('fault: a device reboots mid-exchange', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('every device ends configured with the one secret set the daemon keeps for it', async () => {
    h = await startHarness({ realBundles: true, profile: { lwm2m: PSK_LWM2M } });
    const harness = h;
    const fleet = createFleet({ count: 12, unknown: 0, spoofers: 0 });
    for (const d of fleet) h.stores.addKey(d.identity.key);
    const taps = new Map<string, RebootTap>();
    const reports = new Map<string, Promise<SimDeviceReport>>();
    const { lines } = await runFleetOnAir({
      fleet,
      endpointFor: async (d) => memoryEndpoint(harness.air, d.mac, { hearBroadcasts: false }),
      ap: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE },
      chirpMs: 200,
      giveUpMs: 2000,
      staggerMs: 300,
      onDevice: (d, device, endpoint) => {
        reports.set(d.mac, device.done);
        const i = fleet.indexOf(d);
        if (i < 4) taps.set(d.mac, installRebootTap(endpoint, device, 'authConfirm'));
        else if (i < 8) taps.set(d.mac, installRebootTap(endpoint, device, 'configResponse'));
      },
    });
    assert.deepEqual(
      lines.map((l) => `${l.label} ${l.result}`),
      fleet.map((d) => `${d.label} configured`),
    );
    for (const tap of taps.values()) assert.ok(tap.rebootedAt !== undefined, tap.point);
    // The last sessions' records are written when the Connection Status Result arrives.
    await waitFor(
      () =>
        [...harness.stores.deviceRecords.values()].filter((r) => r.state === 'connected').length ===
        12,
      30_000,
      'every device recorded as connected',
    );

    assert.equal(h.stores.secretRecords.size, 12, 'one secret set per device');
    for (const d of fleet) {
      const keyHash = toHex(d.identity.hash);
      const report = await reports.get(d.mac)!;
      assert.deepEqual(
        bundlePskSecrets(report.config!.lwm2mBundle!),
        storedPskSecrets(harness, keyHash),
        `${d.label} holds the PSK stored for it`,
      );
      const records = harness.stores.auditRecords.filter((r) => r.keyHash === keyHash);
      const deliveries = records.filter((r) => r.kind === 'configuration-delivered');
      const point = taps.get(d.mac)?.point;
      // Delivered twice only to the devices that rebooted after reading their configuration,
      // the same bundle both times: secrets made by the first delivery, reused by the second.
      assert.equal(deliveries.length, point === 'configResponse' ? 2 : 1, d.label);
      assert.deepEqual(
        deliveries.map((r) => r.detail?.['secretsCreated']),
        deliveries.map((_, k) => k === 0),
      );
      assert.equal(new Set(deliveries.map((r) => r.detail?.['lwm2mBundleBytes'])).size, 1);
      assert.equal(harness.stores.deviceRecords.get(keyHash)!.provisionedCount, deliveries.length);
      if (point !== undefined) {
        // The session the device walked away from ended as failed, with why (before it had
        // authenticated, as an attempt that never proved the key).
        const failed = records.filter(
          (r) => r.kind === 'session-failed' || r.kind === 'authentication-failed',
        );
        assert.equal(failed.length, 1, `${d.label} (${point})`);
        assert.match(failed[0]!.reason ?? '', /announced itself again|timed out/);
      }
    }
  });
});
