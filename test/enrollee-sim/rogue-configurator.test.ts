/**
 * A rogue configurator with its own key answers devices' announcements. The control: a device
 * that pins no configurator takes the rogue's network (so the rogue is a working configurator).
 * A device that pins the genuine configurator and requires mutual authentication never does,
 * whether the rogue names its own key or claims the genuine one's; and once the genuine daemon
 * whitelists the device, it provisions it although the rogue keeps answering.
 */
import assert from 'node:assert/strict';
import { makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import type { SessionTimings } from '../../protocol/dpp/session/types.js';
import { RogueConfigurator } from '../../enrollee-sim/adversary/rogue-configurator.js';
import { SimDevice } from '../../enrollee-sim/site/sim-device.js';
import { TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import { memoryEndpoint, waitFor } from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const ROGUE_OFFER = { ssid: 'Rogue-AP', passphrase: 'rogue passphrase 1234' };
const DEVICE_TIMINGS: SessionTimings = {
  retransmitMs: 300,
  maxTransmissions: 3,
  authTimeoutMs: 1000,
  configTimeoutMs: 1000,
  connStatusTimeoutMs: 1000,
};

let macs = 0;
const nextMac = (): string => `02:00:00:0d:00:${(++macs).toString(16).padStart(2, '0')}`;

describe('adversary: rogue configurator', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  const stoppers: (() => void)[] = [];
  afterEach(async () => {
    for (const s of stoppers.splice(0)) s();
    await h?.close();
    h = undefined;
  });

  function rogue(options: { impersonate: boolean }): RogueConfigurator {
    const r = new RogueConfigurator(memoryEndpoint(h!.air, nextMac()), {
      identity: newIdentity(),
      impersonate: options.impersonate ? h!.daemon.identity.key : undefined,
      offer: ROGUE_OFFER,
    });
    stoppers.push(() => r.stop());
    return r;
  }

  function device(identity: BootstrapIdentity, pinGenuine: boolean): SimDevice {
    const d = new SimDevice(memoryEndpoint(h!.air, nextMac(), { hearBroadcasts: false }), {
      identity,
      ap: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE },
      pinnedConfigurator: pinGenuine ? makePeer(h!.daemon.identity.key) : undefined,
      chirpMs: 200,
      maxChirpMs: 400,
      retries: 50,
      timings: DEVICE_TIMINGS,
    });
    stoppers.push(() => d.stop());
    return d;
  }

  it('control: configures a device that pins no configurator', async () => {
    h = await startHarness();
    const r = rogue({ impersonate: false });
    const d = device(newIdentity(), false); // not whitelisted: only the rogue answers
    const report = await d.start().done;
    assert.equal(report.outcome.result, 'configured');
    assert.equal(new TextDecoder().decode(report.config!.ssid), ROGUE_OFFER.ssid);
    assert.equal(r.counters.configurationsSent, 1);
  });

  for (const impersonate of [false, true]) {
    const how = impersonate ? "claiming the genuine configurator's key" : 'with its own key';
    it(`never configures a device that requires the genuine configurator (${how})`, async () => {
      h = await startHarness();
      const r = rogue({ impersonate });
      const d = device(newIdentity(), true).start(); // not whitelisted: only the rogue answers
      await waitFor(
        () => d.config !== undefined || (r.counters.sessionsStarted >= 2 && r.reports.length >= 1),
        30_000,
        'a second session of the rogue with the device',
      );
      assert.equal(d.config, undefined, 'the device took no configuration');
      assert.equal(r.counters.authenticated, 0);
      assert.equal(r.counters.configurationsSent, 0);
      assert.ok(r.reports.length >= 1 && r.reports.every((s) => s.outcome.result === 'failed'));
      if (impersonate) {
        // The device answered (the claimed key is the one it trusts); the rogue cannot go on.
        assert.ok(r.reports.some((s) => s.answered));
        assert.ok(d.failures >= 1, 'the device gave up on the rogue and announced again');
      } else {
        assert.equal(r.counters.answersReceived, 0, 'the device refused the request outright');
      }
    });
  }

  it('the rogue answers first; once whitelisted, the genuine daemon provisions the device', async () => {
    h = await startHarness();
    const harness = h;
    const r = rogue({ impersonate: true });
    const identity = newIdentity();
    const d = device(identity, true).start();
    await waitFor(
      () => r.reports.some((s) => s.answered),
      30_000,
      'a session with the rogue that the device answered, then failed',
    );
    assert.equal(d.config, undefined);
    const keyHash = h.stores.addKey(identity.key);
    const report = await d.done;
    assert.equal(report.outcome.result, 'configured');
    assert.equal(new TextDecoder().decode(report.config!.ssid), TEST_SSID);
    assert.equal(report.config!.credential.pass, TEST_PASSPHRASE);
    assert.equal(r.counters.configurationsSent, 0);
    await waitFor(
      () => harness.stores.deviceRecords.get(keyHash)?.state === 'connected',
      30_000,
      'the device recorded as connected',
    );
    const auth = h.stores.auditRecords.find(
      (a) => a.kind === 'authenticated' && a.keyHash === keyHash,
    );
    assert.equal(auth?.detail?.['mutual'], true);
  });
});
