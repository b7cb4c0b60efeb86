/**
 * Each bridge's channel from one scan (daemon/preflight/bridge-channels.ts), on the recorded
 * site: `auto` takes the strongest 2.4 GHz access point of the profile's SSID, falls back to
 * channel 6 with a warning when it cannot; a fixed channel that none of its profile's access
 * points is on is a warning. At a reload, a bridge stays on its channel unless the scan says it
 * must move.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BridgeSetting } from '../../daemon/config/bridges.js';
import type { Profile } from '../../daemon/engine/profile.js';
import { planBridgeChannels } from '../../daemon/preflight/bridge-channels.js';
import { parseScan, type ScanResult } from '../../daemon/preflight/wifi-scan.js';

const SITE = fileURLToPath(
  new URL('../../../test/preflight/nmcli/site/wifi-list.txt', import.meta.url),
);

function profile(name: string, ssid: string): Profile {
  return {
    name,
    ssid,
    credential: { akm: 'psk', pass: 'correct horse battery staple' },
    requireMutual: false,
    allowReprovision: true,
    connectionStatus: true,
    lwm2m: undefined,
  };
}

const PROFILES = new Map<string, Profile>([
  ['plant', profile('plant', 'Plant-IoT')],
  ['lab', profile('lab', 'Lab:2')],
  ['fast', profile('fast', 'Fast5')],
]);

function bridge(name: string, channel: number | 'auto', profileName: string): BridgeSetting {
  return { name, port: `/dev/${name}`, channel, profile: profileName, key: `radio.bridges.0` };
}

describe('the bridges’ channels from a scan', () => {
  const heard: ScanResult = { ok: true, accessPoints: parseScan(readFileSync(SITE, 'utf8')) };

  it('auto takes the channel of the strongest 2.4 GHz access point of the profile’s SSID', () => {
    const [plant, lab] = planBridgeChannels(
      [bridge('hall', 'auto', 'plant'), bridge('lab', 'auto', 'lab')],
      PROFILES,
      heard,
    );
    // Plant-IoT: 82 % on 6, 41 % on 11, 67 % on 36 (5 GHz, not for ESP-NOW).
    assert.deepEqual(plant, {
      name: 'hall',
      port: '/dev/hall',
      profile: 'plant',
      configured: 'auto',
      channel: 6,
      source: 'access point',
      accessPoint: { bssid: '3C:84:6A:10:20:01', signal: 82 },
    });
    assert.equal(lab?.channel, 1);
    assert.equal(lab?.warning, undefined);
  });

  it('auto falls back to channel 6 with a warning when the SSID is not on 2.4 GHz, or the air was not heard', () => {
    const [fast] = planBridgeChannels([bridge('roof', 'auto', 'fast')], PROFILES, heard);
    assert.equal(fast?.channel, 6);
    assert.equal(fast?.source, 'fallback');
    assert.match(
      fast?.warning ?? '',
      /^bridge roof: radio\.bridges\.0\.channel auto, but profile fast's "Fast5" is not heard on 2\.4 GHz here: on channel 6 until a reload \(SIGHUP\) finds it$/,
    );
    const [blind] = planBridgeChannels([bridge('roof', 'auto', 'plant')], PROFILES, {
      ok: false,
      reason: 'nmcli not found: NetworkManager is not installed',
    });
    assert.equal(blind?.channel, 6);
    assert.match(
      blind?.warning ?? '',
      /Wi-Fi was not checked \(nmcli not found: NetworkManager is not installed\)/,
    );
  });

  it('a fixed channel none of its profile’s access points is on is a warning naming theirs', () => {
    const [wrong, right, elsewhere] = planBridgeChannels(
      [bridge('hall', 1, 'plant'), bridge('yard', 11, 'plant'), bridge('lab', 6, 'lab')],
      PROFILES,
      heard,
    );
    assert.match(
      wrong?.warning ?? '',
      /^bridge hall is on channel 1 \(radio\.bridges\.0\.channel\), profile plant's "Plant-IoT" on channel 6, 11: devices that join it move there, where this bridge does not hear their Connection Status Result$/,
    );
    assert.equal(right?.warning, undefined, 'an AP of Plant-IoT is on 11');
    assert.match(elsewhere?.warning ?? '', /"Lab:2" on channel 1/);
    assert.deepEqual(
      [wrong, right, elsewhere].map((p) => [p?.channel, p?.source]),
      [
        [1, 'fixed'],
        [11, 'fixed'],
        [6, 'fixed'],
      ],
      'a fixed channel stays as configured',
    );
  });

  it('says nothing of a fixed channel without a scan, or when the profile’s SSID is not heard', () => {
    assert.equal(
      planBridgeChannels([bridge('hall', 1, 'plant')], PROFILES, undefined)[0]?.warning,
      undefined,
    );
    assert.equal(
      planBridgeChannels([bridge('roof', 1, 'fast')], PROFILES, heard)[0]?.warning,
      undefined,
      'not on 2.4 GHz at all: the preflight names that problem itself',
    );
  });

  describe('at a reload (the bridge’s current channel kept where it can be)', () => {
    const on11 = { channel: 11, changed: false };

    it('a failed scan, or an SSID not heard, keeps the bridge where it is, with a warning', () => {
      const [blind] = planBridgeChannels(
        [bridge('hall', 'auto', 'plant')],
        PROFILES,
        { ok: false, reason: 'nmcli failed: NetworkManager is not running' },
        [on11],
      );
      assert.equal(blind?.channel, 11, 'not moved to the fallback');
      assert.equal(blind?.source, 'kept');
      assert.match(
        blind?.warning ?? '',
        /^bridge hall: radio\.bridges\.0\.channel auto, but Wi-Fi was not checked \(nmcli failed: NetworkManager is not running\).*: kept on channel 11 until a reload \(SIGHUP\) finds it$/,
      );
      const [unheard] = planBridgeChannels([bridge('roof', 'auto', 'fast')], PROFILES, heard, [
        on11,
      ]);
      assert.deepEqual([unheard?.channel, unheard?.source], [11, 'kept']);
      assert.match(
        unheard?.warning ?? '',
        /"Fast5" is not heard on 2\.4 GHz here: kept on channel 11/,
      );
    });

    it('an unchanged bridge stays on its channel while an AP of the SSID is there', () => {
      // Plant-IoT: 82 % on 6, 41 % on 11.
      const [hall] = planBridgeChannels([bridge('hall', 'auto', 'plant')], PROFILES, heard, [on11]);
      assert.deepEqual(
        [hall?.channel, hall?.source, hall?.warning],
        [11, 'access point', undefined],
      );
      assert.equal(hall?.accessPoint?.signal, 41);
    });

    it('moves to the strongest AP when its channel has none of the SSID, or its configuration changed', () => {
      const [gone] = planBridgeChannels([bridge('hall', 'auto', 'plant')], PROFILES, heard, [
        { channel: 1, changed: false },
      ]);
      assert.deepEqual([gone?.channel, gone?.source], [6, 'access point']);
      const [changed] = planBridgeChannels([bridge('hall', 'auto', 'plant')], PROFILES, heard, [
        { channel: 11, changed: true },
      ]);
      assert.deepEqual([changed?.channel, changed?.source], [6, 'access point']);
    });

    it('before its scan answers, a bridge turned auto stays on its channel, with no warning yet', () => {
      const [interim] = planBridgeChannels([bridge('hall', 'auto', 'plant')], PROFILES, undefined, [
        { channel: 11, changed: true },
      ]);
      assert.deepEqual(
        [interim?.channel, interim?.source, interim?.warning],
        [11, 'kept', undefined],
      );
    });
  });
});
