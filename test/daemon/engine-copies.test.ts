/**
 * Copies of a device's announcement (public, broadcast, unauthenticated) sent by someone else:
 * from other addresses while the device is being served, from many addresses to fill the waiting
 * line, and under the device's own address in the middle of its authenticated session.
 */
import assert from 'node:assert/strict';
import { buildPresenceAnnouncement } from '../../protocol/dpp/presence.js';
import { chirpHash } from '../../protocol/dpp/bootstrap-key.js';
import { fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { AirEnrollee } from '../support/air-enrollee.js';
import { DAEMON_MAC, startVirtualHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { VirtualClock } from '../support/virtual-clock.js';
import type { EnrolleeOutcome } from '../../protocol/dpp/session/types.js';

const BROADCAST = 'ff:ff:ff:ff:ff:ff';

function announcementOf(id: BootstrapIdentity, messageId: number): Uint8Array {
  const message = buildPresenceAnnouncement(chirpHash(id.key), id.key.der);
  return fragmentDppMessage(message, messageId, 250)[0]!;
}

function macOf(i: number): string {
  return `0a:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:07`;
}

/** On one virtual clock, daemon, air and devices: the same course on any machine. */
describe('session engine: copies of an announcement', () => {
  let h: Harness;
  const devices: AirEnrollee[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) d.stop();
    await h.close();
  });

  const clock = (): VirtualClock => h.clock!;

  async function settle(ms: number): Promise<void> {
    await clock().advance(ms);
  }

  async function outcomeOf(device: AirEnrollee): Promise<EnrolleeOutcome> {
    const [outcome] = await h.outcomesOf([device]);
    return outcome!;
  }

  it('starts no second session for a device whose announcement is replayed from another address while it is served', async () => {
    h = await startVirtualHarness({ sessions: { authTimeoutMs: 1000 } });
    const victim = newIdentity();
    const keyHash = h.stores.addKey(victim.key);
    const victimMac = '02:00:00:7e:00:01';
    let captured: Uint8Array | undefined;
    let replayed = false;
    h.air.onMonitor = (f) => {
      if (captured === undefined && f.src === victimMac && f.dst === BROADCAST)
        captured = f.payload;
      else if (captured !== undefined && !replayed && f.dst === victimMac) {
        // The daemon has just answered the device: its session is under way.
        replayed = true;
        const copy = captured;
        queueMicrotask(() => void h.air.transmit('02:00:00:ba:d0:01', BROADCAST, copy));
      }
    };
    const device = new AirEnrollee(h.air.attach(victimMac), { identity: victim, clock: h.clock });
    devices.push(device);
    device.start();
    assert.equal((await outcomeOf(device)).result, 'configured');
    assert.ok(replayed, 'the copy went out during the session');
    device.stop();
    await settle(1500);
    const counters = h.daemon.engine.counters;
    assert.equal(counters.admitted, 1, 'one session, the device’s own');
    assert.equal(counters.failed, 0);
    const d = h.stores.deviceRecords.get(keyHash)!;
    assert.equal(d.state, 'connected');
    assert.deepEqual(
      h.stores.auditRecords.filter((r) => r.keyHash === keyHash).map((r) => r.kind),
      ['admitted', 'authenticated', 'configuration-delivered', 'connected'],
    );
  });

  it('acts on one announcement per address per announceIntervalMs, and on the next one after it', async () => {
    h = await startVirtualHarness({ sessions: { announceIntervalMs: 300 } });
    const stranger = newIdentity(); // not whitelisted: each announcement acted on is a refusal
    const mac = '02:00:00:00:5a:01';
    for (let i = 0; i < 3; i++) await h.air.transmit(mac, BROADCAST, announcementOf(stranger, i));
    await settle(50);
    const c = h.daemon.engine.counters;
    assert.equal(c.refused, 1);
    assert.equal(c.rateLimited, 2);
    await settle(300);
    await h.air.transmit(mac, BROADCAST, announcementOf(stranger, 3));
    await settle(50);
    assert.equal(c.refused, 2, 'heard again after the interval');
    assert.equal(c.rateLimited, 2);
  });

  it('gives a device one place in the waiting line however many addresses its announcement comes from', async () => {
    h = await startVirtualHarness({
      sessions: { maxConcurrent: 1, authTimeoutMs: 60_000, retransmitMs: 5000 },
    });
    // The one session there is room for: a whitelisted device that never answers.
    const silent = newIdentity();
    h.stores.addKey(silent.key);
    await h.air.transmit('02:00:00:00:51:1e', BROADCAST, announcementOf(silent, 1));
    await clock().until(() => h.daemon.engine.activeSessions === 1, 2000, 'a session');
    const heard = newIdentity();
    h.stores.addKey(heard.key);
    const copy = announcementOf(heard, 0x1234);
    for (let i = 0; i < 300; i++) await h.air.transmit(macOf(i), BROADCAST, copy);
    await settle(50);
    assert.equal(h.daemon.engine.waitingSessions, 1);
    const other = newIdentity();
    h.stores.addKey(other.key);
    await h.air.transmit('02:00:00:00:be:ef', BROADCAST, announcementOf(other, 2));
    await settle(50);
    assert.equal(h.daemon.engine.waitingSessions, 2, 'another device still finds a place');
  });

  it('a copy of the device’s chirp under its own address does not end a session it is completing', async () => {
    h = await startVirtualHarness({ sessions: { announceIntervalMs: 100 } });
    h.air.faults.delayMs = 80; // each frame 80 ms on the air: the copy lands mid-exchange
    const victim = newIdentity();
    const keyHash = h.stores.addKey(victim.key);
    const victimMac = '02:00:00:7e:00:09';
    const forged = announcementOf(victim, 0xbeef);
    let toVictim = 0;
    let injected = false;
    h.air.onMonitor = (f) => {
      if (f.src === DAEMON_MAC && f.dst === victimMac && ++toVictim === 2 && !injected) {
        injected = true; // the Authentication Confirm: the session is authenticated
        clock().setTimer(5, () => void h.air.transmit(victimMac, BROADCAST, forged));
      }
    };
    const device = new AirEnrollee(h.air.attach(victimMac), {
      identity: victim,
      chirpMs: 5000,
      clock: h.clock,
    });
    devices.push(device);
    device.start();
    assert.equal((await outcomeOf(device)).result, 'configured');
    assert.ok(injected);
    await clock().until(
      () => h.daemon.engine.activeSessions === 0,
      2000,
      'the session’s end (its last message is 80 ms on the air)',
    );
    assert.equal(h.stores.deviceRecords.get(keyHash)!.state, 'connected');
    assert.equal(h.daemon.engine.counters.failed, 0);
    assert.equal(h.daemon.engine.counters.admitted, 1);
  });
});
