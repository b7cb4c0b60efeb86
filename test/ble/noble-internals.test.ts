/**
 * noble's per-address memory, on the installed @stoprocent/noble with its own HCI bindings (this
 * host has no adapter: they report `unsupported`, and advertising reports are handed to their GAP
 * layer as the HCI socket would). The fields discovery trims are private, so this test reads them
 * by name: an upgrade that renames them fails here.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { toHex } from '../../protocol/bytes.js';
import {
  DPP_BLE_SERVICE_UUID,
  encodeAdvertisement,
  KEY_HASH_PREFIX_LENGTH,
} from '../../protocol/ble/carrier.js';
import {
  ADVERTISER_SWEEP_INTERVAL_MS,
  ADVERTISERS_MAX,
  BleDiscovery,
} from '../../daemon/ble/discovery.js';
import { loadNoble } from '../../daemon/ble/load-noble.js';
import { nobleUuid } from '../../daemon/ble/noble-port.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { VirtualClock } from '../support/virtual-clock.js';

/** ADV_IND: connectable; the HCI GAP layer reports it from its second advertisement on. */
const ADV_IND = 0x00;
/** ADV_NONCONN_IND: reported at once. */
const ADV_NONCONN_IND = 0x03;

/** What noble 2.8.0 and its HCI bindings keep per address, as this test reads it. */
interface NobleHciFields {
  readonly _peripherals: Map<string, unknown>;
  readonly _bindings: {
    _scanServiceUuids: string[];
    readonly _addresses: Record<string, string>;
    readonly _gap: {
      readonly _discoveries: Record<string, unknown>;
      onHciLeAdvertisingReport(
        status: number,
        type: number,
        address: string,
        addressType: string,
        eir: Buffer,
        rssi: number,
      ): void;
    };
  };
}

function fieldsOf(noble: unknown): NobleHciFields {
  const n = noble as NobleHciFields;
  assert.ok(n._peripherals instanceof Map, 'noble._peripherals is a Map');
  assert.equal(typeof n._bindings._addresses, 'object', 'the HCI bindings have _addresses');
  assert.equal(typeof n._bindings._gap._discoveries, 'object', 'the GAP layer has _discoveries');
  assert.equal(typeof n._bindings._gap.onHciLeAdvertisingReport, 'function');
  return n;
}

const idOf = (address: string): string => address.replace(/:/g, '');

describe('noble’s per-address memory, on the installed package’s HCI bindings', function () {
  this.timeout(60_000);

  it('an address pushed out of the tracked ones leaves noble too; the record of every advertiser is emptied past its bound', async function () {
    if (existsSync('/sys/class/bluetooth')) {
      process.stderr.write(
        '      skipped: this machine has Bluetooth; the test is for one without\n',
      );
      this.skip();
    }
    const print = console.log;
    console.log = () => undefined; // noble's HCI bindings print their own warning
    const clock = new VirtualClock();
    let discovery: BleDiscovery | undefined;
    try {
      const noble = await loadNoble({ kind: 'hci', adapter: 'hci0' });
      assert.ok(noble.ok, noble.ok ? '' : noble.error.describe());
      const n = fieldsOf(noble.value);
      discovery = new BleDiscovery({
        noble: noble.value,
        adapter: 'hci0',
        connectTimeoutMs: 10_000,
        unlisted: { heard: () => assert.fail('nothing is read') },
        // All whitelisted: nothing is connected to, every address is tracked.
        keys: { whitelisted: () => true, heard: () => false },
        log: pino({ level: 'silent' }),
        adapterExists: () => false,
        trackedMax: 2,
        clock,
      });
      discovery.start();
      const deadline = Date.now() + 20_000;
      while (discovery.status().state !== 'unsupported' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      // As startScanning does: only advertisers of our service reach noble.
      n._bindings._scanServiceUuids = [nobleUuid(DPP_BLE_SERVICE_UUID)];

      const gap = n._bindings._gap;
      const dpp = ['c0:ff:ee:00:00:01', 'c0:ff:ee:00:00:02', 'c0:ff:ee:00:00:03'];
      const advertise = (address: string): void => {
        const adv = encodeAdvertisement(newIdentity().hash.subarray(0, KEY_HASH_PREFIX_LENGTH));
        for (let i = 0; i < 2; i++)
          gap.onHciLeAdvertisingReport(0, ADV_IND, address, 'random', Buffer.from(adv), -50);
      };
      for (const address of dpp) advertise(address);
      assert.equal(discovery.status().counters.heard, 3);
      assert.deepEqual([...n._peripherals.keys()], dpp.slice(1).map(idOf));
      assert.deepEqual(Object.keys(n._bindings._addresses), dpp.slice(1).map(idOf));

      // Below the bound, the GAP layer's record stays.
      await clock.advance(ADVERTISER_SWEEP_INTERVAL_MS);
      assert.deepEqual(Object.keys(n._bindings._gap._discoveries), dpp);
      // A crowd of other advertisers (flags only): the GAP layer remembers each one.
      for (let i = 0; i < ADVERTISERS_MAX; i++) {
        const address = `d0:00:00:00:${toHex(Uint8Array.of(i >> 8, i & 0xff)).replace(/(..)(..)/, '$1:$2')}`;
        gap.onHciLeAdvertisingReport(
          0,
          ADV_NONCONN_IND,
          address,
          'random',
          Buffer.from('020106', 'hex'),
          -70,
        );
      }
      assert.equal(Object.keys(n._bindings._gap._discoveries).length, ADVERTISERS_MAX + 3);
      assert.equal(n._peripherals.size, 2, 'not of our service: never reached noble');
      await clock.advance(ADVERTISER_SWEEP_INTERVAL_MS);
      assert.deepEqual(Object.keys(n._bindings._gap._discoveries), []);

      // Discovery goes on as before: the first address, heard again, is tracked and in noble again.
      advertise(dpp[0]!);
      assert.equal(discovery.status().counters.heard, 4);
      assert.ok(n._peripherals.has(idOf(dpp[0]!)));
    } finally {
      discovery?.stop();
      console.log = print;
    }
  });
});
