/**
 * Bluetooth LE discovery through real noble on simulated bindings (no adapter exists here): a
 * device's URI read over the carrier and listed with RSSI and adapter; bad advertisements and bad
 * URIs refused with their reasons and nothing stored; known keys not connected to; the addresses
 * waiting for a read (their order, the ones gone silent, the adapter going off under them); the
 * adapter going away and coming back; noble failing to load.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { toHex } from '../../protocol/bytes.js';
import {
  encodeAdvertisement,
  encodeUriValue,
  KEY_HASH_PREFIX_LENGTH,
} from '../../protocol/ble/carrier.js';
import { ErrorCode, errorCodeName } from '../../protocol/errors.js';
import { dppUriOfKey } from '../../protocol/dpp/uri.js';
import { DaemonErrorCode } from '../../daemon/errors.js';
import {
  BleDiscovery,
  SIGHTING_INTERVAL_MS,
  WAITING_STALE_MS,
  type BleDiscoveryEvents,
} from '../../daemon/ble/discovery.js';
import { loadNoble } from '../../daemon/ble/load-noble.js';
import { startBleDiscovery } from '../../daemon/ble/start-discovery.js';
import type { UnlistedSighting } from '../../whitelist/unlisted-store.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { SimulatedBleBindings, type SimulatedPeripheral } from '../support/simulated-ble.js';
import { VirtualClock } from '../support/virtual-clock.js';

const WITHIN_MS = 20_000;

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug', base: undefined },
    { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) },
  );
  return { log, lines };
}

/** The next `event` for which `match` holds; fails after a generous deadline instead of hanging. */
function next<K extends keyof BleDiscoveryEvents>(
  discovery: BleDiscovery,
  event: K,
  match: (...args: BleDiscoveryEvents[K]) => boolean = () => true,
): Promise<BleDiscoveryEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      discovery.off(event, listener as never);
      reject(new Error(`no ${String(event)} within ${WITHIN_MS} ms`));
    }, WITHIN_MS);
    const listener = (...args: BleDiscoveryEvents[K]): void => {
      if (!match(...args)) return;
      clearTimeout(timer);
      discovery.off(event, listener as never);
      resolve(args);
    };
    discovery.on(event, listener as never);
  });
}

function uriOf(identity: BootstrapIdentity, info: string | null = 'sensor-7'): string {
  return dppUriOfKey(identity.key, { channels: [{ opClass: 81, channel: 6 }], info, version: 2 });
}

let nextAddress = 1;
/** A device advertising `identity`'s prefix and serving its URI. */
function deviceOf(
  identity: BootstrapIdentity,
  over: Partial<SimulatedPeripheral> = {},
): SimulatedPeripheral {
  const n = nextAddress++;
  return {
    address: `c0:ff:ee:00:00:${n.toString(16).padStart(2, '0')}`,
    advertisement: encodeAdvertisement(identity.hash.subarray(0, KEY_HASH_PREFIX_LENGTH)),
    rssi: -50 - n,
    uriValue: encodeUriValue(uriOf(identity)),
    ...over,
  };
}

interface World {
  bindings: SimulatedBleBindings;
  discovery: BleDiscovery;
  heard: Omit<UnlistedSighting, 'count'>[];
  lines: LogLine[];
  /** Whitelisted key hashes (hex). */
  whitelisted: Set<string>;
}

async function world(
  options: {
    state?: 'poweredOn' | 'unsupported';
    connectTimeoutMs?: number;
    clock?: VirtualClock;
    keepScanningWhileConnecting?: boolean;
  } = {},
): Promise<World> {
  const bindings = new SimulatedBleBindings(options.state);
  bindings.keepScanningWhileConnecting = options.keepScanningWhileConnecting ?? false;
  const noble = await loadNoble({ kind: 'bindings', bindings });
  assert.ok(noble.ok, noble.ok ? '' : noble.error.describe());
  const { log, lines } = capturingLogger();
  const heard: Omit<UnlistedSighting, 'count'>[] = [];
  const whitelisted = new Set<string>();
  const discovery = new BleDiscovery({
    noble: noble.value,
    adapter: 'hci0',
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    unlisted: { heard: (s) => void heard.push(s) },
    keys: {
      whitelisted: (prefix) => [...whitelisted].some((h) => h.startsWith(prefix)),
      heard: (prefix) => heard.some((s) => s.keyHash?.startsWith(prefix) === true),
    },
    log,
    adapterExists: () => false,
    clock: options.clock,
  });
  const scanning = options.state === 'unsupported' ? undefined : onScanStart(bindings);
  discovery.start();
  await scanning;
  return { bindings, discovery, heard, lines, whitelisted };
}

function onScanStart(bindings: SimulatedBleBindings): Promise<void> {
  return new Promise((resolve) => bindings.once('scanStart', () => resolve()));
}

/** Until `condition` holds; fails after a generous deadline instead of hanging. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WITHIN_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WITHIN_MS} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Until the adapter scans again (the bindings stop scanning to connect). */
function untilScanning(w: World): Promise<void> {
  return until(() => w.bindings.scanning, 'scanning again');
}

/** Advertise until the discovery has noticed (scanning may be paused while a read runs). */
async function advertiseUntil<T>(
  w: World,
  device: SimulatedPeripheral,
  outcome: Promise<T>,
): Promise<T> {
  let done = false;
  void outcome.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    w.bindings.advertise(device);
    await new Promise((r) => setTimeout(r, 20));
  }
  return outcome;
}

describe('Bluetooth LE discovery, through noble on simulated bindings', function () {
  this.timeout(60_000);
  let w: World | undefined;
  afterEach(() => {
    w?.discovery.stop();
    w = undefined;
  });

  it('reads a new device’s URI over the carrier and lists it with RSSI, address and adapter; scanning resumes', async () => {
    w = await world();
    const identity = newIdentity();
    const device = w.bindings.add(deviceOf(identity));
    const scansBefore = w.bindings.scanStarts;
    const [read] = await advertiseUntil(w, device, next(w.discovery, 'read'));
    assert.equal(read.keyHash, toHex(identity.hash));
    assert.equal(w.heard.length, 1);
    const s = w.heard[0]!;
    assert.equal(s.keyHash, toHex(identity.hash));
    assert.equal(s.transport, 'ble');
    assert.equal(s.heardBy, 'hci0');
    assert.equal(s.address, device.address);
    assert.equal(s.rssi, device.rssi);
    assert.equal(
      s.uri,
      uriOf(identity),
      'the URI as the device gave it, ~110 bytes: more than one ATT MTU',
    );
    assert.ok(s.uri!.length > 23);
    assert.deepEqual(s.publicKey, identity.key.der);
    assert.equal(w.bindings.connectsTo(device.address), 1);
    // The bindings stopped scanning to connect; discovery starts it again.
    await untilScanning(w);
    assert.ok(w.bindings.scanStarts > scansBefore);
    assert.deepEqual(w.discovery.status().counters.read, 1);
    assert.ok(
      w.lines.some(
        (l) =>
          l.msg.startsWith('heard over Bluetooth LE, not on the whitelist') &&
          l.keyHash === toHex(identity.hash),
      ),
    );
  });

  it('a device read once is not connected to again; its RSSI updates reach the table', async () => {
    w = await world();
    const identity = newIdentity();
    const device = w.bindings.add(deviceOf(identity));
    await advertiseUntil(w, device, next(w.discovery, 'read'));
    device.rssi = -90;
    for (let i = 0; i < 5; i++) w.bindings.advertise(device);
    assert.equal(w.bindings.connectsTo(device.address), 1);
    assert.ok(w.discovery.status().counters.heard >= 6);
  });

  it('malformed service data is refused with its reason, logged once per address, never connected to', async () => {
    w = await world();
    const identity = newIdentity();
    const adv = encodeAdvertisement(identity.hash.subarray(0, KEY_HASH_PREFIX_LENGTH));
    adv[3] = 0x1a; // the service data structure one byte shorter: 9 bytes of service data
    const device = w.bindings.add(deviceOf(identity, { advertisement: adv.subarray(0, 30) }));
    const refused = next(w.discovery, 'refused');
    w.bindings.advertise(device);
    const [r] = await refused;
    assert.equal(errorCodeName(r.code), errorCodeName(ErrorCode.BleBadServiceData));
    assert.match(r.reason, /9 bytes, not 10/);
    w.bindings.advertise(device);
    w.bindings.advertise(device);
    assert.equal(w.discovery.status().counters.refused, 3);
    const logged = w.lines.filter((l) =>
      l.msg.startsWith(`Bluetooth LE device ${device.address} refused`),
    );
    assert.equal(logged.length, 1, 'once per address and reason');
    assert.match(logged[0]!.msg, /service data is 9 bytes, not 10 \(BleBadServiceData\)/);
    assert.equal(w.bindings.connectsTo(device.address), 0);
    assert.deepEqual(w.heard, []);

    const v2 = encodeAdvertisement(identity.hash.subarray(0, KEY_HASH_PREFIX_LENGTH));
    v2[21] = 2;
    const future = w.bindings.add(deviceOf(identity, { advertisement: v2 }));
    const refusedV2 = next(w.discovery, 'refused', (x) => x.address === future.address);
    w.bindings.advertise(future);
    assert.equal(errorCodeName((await refusedV2)[0].code), 'BleUnsupportedVersion');
  });

  for (const [name, value, code] of [
    [
      'an oversized URI',
      () => Buffer.from(uriOf(newIdentity(), 'x'.repeat(200)), 'latin1'),
      ErrorCode.BleUriTooLong,
    ],
    [
      'a URI that is not printable ASCII',
      () => Buffer.from('DPP:I:\u00e9;K:abc;;', 'utf8'),
      ErrorCode.BleUriNotAscii,
    ],
    ['an empty value', () => Buffer.alloc(0), ErrorCode.BleUriEmpty],
    ['a value that is no DPP URI', () => Buffer.from('hello, world'), ErrorCode.UriSyntax],
    [
      'a URI of another key than advertised',
      () => encodeUriValue(uriOf(newIdentity())),
      ErrorCode.BleUriKeyMismatch,
    ],
  ] as const)
    it(`${name} is refused with its reason, nothing is stored, and the address backs off`, async () => {
      w = await world();
      const device = w.bindings.add(deviceOf(newIdentity(), { uriValue: value() }));
      const [r] = await advertiseUntil(w, device, next(w.discovery, 'refused'));
      assert.equal(errorCodeName(r.code), errorCodeName(code), r.reason);
      assert.deepEqual(w.heard, []);
      await untilScanning(w);
      for (let i = 0; i < 5; i++)
        assert.ok(w.bindings.advertise(device), 'heard during the backoff, scanning again');
      assert.equal(
        w.bindings.connectsTo(device.address),
        1,
        'no new connection during the backoff',
      );
      const line = w.lines.find((l) =>
        l.msg.startsWith(`Bluetooth LE device ${device.address} refused`),
      );
      assert.ok(line !== undefined);
      assert.equal(line.code, code);
      assert.equal(typeof line.retryInMs, 'number');
    });

  it('a connection that fails, or never completes within the deadline, is refused with the reason', async () => {
    w = await world({ connectTimeoutMs: 300 });
    const failing = w.bindings.add(deviceOf(newIdentity(), { connect: 'fail' }));
    const [f] = await advertiseUntil(w, failing, next(w.discovery, 'refused'));
    assert.equal(f.code, DaemonErrorCode.BleConnectFailed);
    assert.match(f.reason, /connect failed: connection failed/);
    const hanging = w.bindings.add(deviceOf(newIdentity(), { connect: 'hang' }));
    const [h] = await advertiseUntil(
      w,
      hanging,
      next(w.discovery, 'refused', (x) => x.address === hanging.address),
    );
    assert.equal(h.code, DaemonErrorCode.BleConnectTimeout);
    assert.match(h.reason, /no URI within 300 ms/);
    // The one connection slot is free again: the next device is read.
    const good = w.bindings.add(deviceOf(newIdentity()));
    await advertiseUntil(w, good, next(w.discovery, 'read'));
    const noService = w.bindings.add(deviceOf(newIdentity(), { uriValue: undefined }));
    const [n] = await advertiseUntil(
      w,
      noService,
      next(w.discovery, 'refused', (x) => x.address === noService.address),
    );
    assert.equal(n.code, DaemonErrorCode.BleNoUriCharacteristic);
    assert.deepEqual(
      w.heard.map((s) => s.address),
      [good.address],
    );
  });

  it('a whitelisted prefix, or one already in the table, is noted and not connected to', async () => {
    w = await world();
    const listed = newIdentity();
    w.whitelisted.add(toHex(listed.hash));
    const device = w.bindings.add(deviceOf(listed));
    const [k] = await advertiseUntil(w, device, next(w.discovery, 'known'));
    assert.equal(k.as, 'whitelisted');
    assert.equal(w.bindings.connectsTo(device.address), 0);
    assert.deepEqual(w.heard, []);
    assert.ok(
      w.lines.some(
        (l) => l.level === 20 && /a whitelisted key advertised; not connected to/.test(l.msg),
      ),
    );

    // Read once at one address, the same key at another address is known and left alone.
    const stranger = newIdentity();
    const first = w.bindings.add(deviceOf(stranger));
    await advertiseUntil(w, first, next(w.discovery, 'read'));
    const again = w.bindings.add(deviceOf(stranger));
    const [k2] = await advertiseUntil(
      w,
      again,
      next(w.discovery, 'known', (x) => x.address === again.address),
    );
    assert.equal(k2.as, 'heard');
    assert.equal(w.bindings.connectsTo(again.address), 0);
  });

  it('a device read once and then whitelisted is no longer written to the table', async () => {
    const clock = new VirtualClock();
    w = await world({ clock });
    const identity = newIdentity();
    const device = w.bindings.add(deviceOf(identity));
    await advertiseUntil(w, device, next(w.discovery, 'read'));
    assert.equal(w.heard.length, 1);
    await untilScanning(w);
    // Not listed yet: heard again after the interval, its sighting is written.
    await clock.advance(SIGHTING_INTERVAL_MS + 1);
    assert.ok(w.bindings.advertise(device));
    assert.equal(w.heard.length, 2);

    // An admin adds it (which takes its row out of the table).
    w.whitelisted.add(toHex(identity.hash));
    await clock.advance(SIGHTING_INTERVAL_MS + 1);
    for (let i = 0; i < 3; i++) assert.ok(w.bindings.advertise(device));
    assert.equal(w.heard.length, 2, 'no row written back for a whitelisted key');
    await clock.advance(SIGHTING_INTERVAL_MS + 1);
    const known = next(w.discovery, 'known', (k) => k.address === device.address);
    assert.ok(w.bindings.advertise(device));
    assert.equal((await known)[0].as, 'whitelisted');
    assert.equal(w.heard.length, 2);
    assert.equal(w.bindings.connectsTo(device.address), 1);
  });

  it('an address heard again while waiting for its read keeps its place in the line', async () => {
    w = await world({ keepScanningWhileConnecting: true, connectTimeoutMs: 60_000 });
    const hanging = w.bindings.add(deviceOf(newIdentity(), { connect: 'hang' }));
    const a = w.bindings.add(deviceOf(newIdentity()));
    const b = w.bindings.add(deviceOf(newIdentity()));
    assert.ok(w.bindings.advertise(hanging));
    await until(() => w!.bindings.connectsTo(hanging.address) === 1, 'connecting');
    for (const d of [a, b, a]) assert.ok(w.bindings.advertise(d));
    const bRead = next(w.discovery, 'read', (r) => r.address === b.address);
    w.bindings.finishConnect(hanging, 'fail');
    await bRead;
    assert.deepEqual(w.bindings.connectOrder, [hanging.address, a.address, b.address]);
  });

  it('an address not heard for a while is dropped when its turn to be read comes', async () => {
    const clock = new VirtualClock();
    w = await world({ clock, keepScanningWhileConnecting: true, connectTimeoutMs: 60_000 });
    const hanging = w.bindings.add(deviceOf(newIdentity(), { connect: 'hang' }));
    const stays = w.bindings.add(deviceOf(newIdentity()));
    const left = w.bindings.add(deviceOf(newIdentity()));
    assert.ok(w.bindings.advertise(hanging));
    await until(() => w!.bindings.connectsTo(hanging.address) === 1, 'connecting');
    assert.ok(w.bindings.advertise(stays));
    assert.ok(w.bindings.advertise(left));
    await clock.advance(WAITING_STALE_MS - 10_000);
    assert.ok(w.bindings.advertise(stays), 'heard again: fresh again');
    await clock.advance(10_001);
    const staysRead = next(w.discovery, 'read', (r) => r.address === stays.address);
    w.bindings.finishConnect(hanging, 'fail');
    await staysRead;
    await until(
      () =>
        w!.lines.some(
          (l) => l.address === left.address && /dropped from the addresses waiting/.test(l.msg),
        ),
      'the silent address dropped',
    );
    assert.equal(w.bindings.connectsTo(left.address), 0);
    assert.deepEqual(
      w.heard.map((h) => h.address),
      [stays.address],
    );
  });

  it('the addresses waiting for a read are forgotten when the adapter goes off; back on, new devices come first', async () => {
    w = await world({ keepScanningWhileConnecting: true, connectTimeoutMs: 60_000 });
    const hanging = w.bindings.add(deviceOf(newIdentity(), { connect: 'hang' }));
    const ghosts = [
      w.bindings.add(deviceOf(newIdentity())),
      w.bindings.add(deviceOf(newIdentity())),
    ];
    assert.ok(w.bindings.advertise(hanging));
    await until(() => w!.bindings.connectsTo(hanging.address) === 1, 'connecting');
    for (const g of ghosts) assert.ok(w.bindings.advertise(g));
    // rfkill: noble fails the connection under way and throws its peripheral objects away.
    const failed = next(w.discovery, 'refused', (r) => r.address === hanging.address);
    w.bindings.setState('poweredOff');
    await failed;
    const scanning = onScanStart(w.bindings);
    w.bindings.setState('poweredOn');
    await scanning;
    const fresh = w.bindings.add(deviceOf(newIdentity()));
    await advertiseUntil(
      w,
      fresh,
      next(w.discovery, 'read', (r) => r.address === fresh.address),
    );
    assert.deepEqual(w.bindings.connectOrder, [hanging.address, fresh.address]);
  });

  it('the adapter going away is said once; coming back, scanning restarts and devices are read', async () => {
    w = await world();
    const off = next(w.discovery, 'state', (s) => s === 'poweredOff');
    w.bindings.setState('poweredOff');
    await off;
    w.bindings.setState('unsupported');
    const offLines = w.lines.filter((l) => l.msg.startsWith('Bluetooth LE discovery is off'));
    assert.equal(offLines.length, 1);
    assert.match(offLines[0]!.msg, /hci0 is powered off/);
    assert.equal(w.discovery.status().state, 'unsupported');
    assert.match(w.discovery.status().offReason ?? '', /no Bluetooth adapter hci0/);

    const scansBefore = w.bindings.scanStarts;
    const scanning = onScanStart(w.bindings);
    w.bindings.setState('poweredOn');
    await scanning;
    assert.ok(w.bindings.scanStarts > scansBefore);
    assert.ok(w.lines.some((l) => l.msg === 'Bluetooth LE discovery: scanning on hci0'));
    const device = w.bindings.add(deviceOf(newIdentity()));
    await advertiseUntil(w, device, next(w.discovery, 'read'));
    assert.equal(w.heard.length, 1);
  });

  it('an adapter that is not there at start: one line that says so, no scanning', async () => {
    w = await world({ state: 'unsupported' });
    const deadline = Date.now() + WITHIN_MS;
    while (w.discovery.status().state !== 'unsupported' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(w.discovery.status().state, 'unsupported');
    const off = w.lines.filter((l) => l.msg.startsWith('Bluetooth LE discovery is off'));
    assert.equal(off.length, 1);
    assert.match(
      off[0]!.msg,
      /no Bluetooth adapter hci0 \(\/sys\/class\/bluetooth\/hci0 does not exist\)/,
    );
    assert.equal(w.bindings.scanStarts, 0);
  });
});

describe('Bluetooth LE discovery when noble cannot be loaded', () => {
  const parts = (lines: LogLine[], log: Logger) => ({
    config: { enabled: true, adapter: 'hci0', connectTimeoutMs: 10_000 },
    log,
    unlisted: { heard: () => assert.fail('nothing is heard') },
    keys: { whitelisted: () => false, heard: () => false },
    lines,
  });

  it('a missing package: one line, and the daemon goes on without it', async () => {
    const { log, lines } = capturingLogger();
    const started = await startBleDiscovery({
      ...parts(lines, log),
      importer: () =>
        Promise.reject(
          Object.assign(new Error("Cannot find package '@stoprocent/noble'"), {
            code: 'ERR_MODULE_NOT_FOUND',
          }),
        ),
    });
    assert.ok(started !== undefined && 'unavailable' in started);
    assert.match(started.unavailable, /the optional package @stoprocent\/noble is not installed/);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 40);
    assert.match(lines[0]!.msg, /^Bluetooth LE discovery is off: .*; the daemon runs without it$/);
    assert.equal(lines[0]!.code, DaemonErrorCode.BleUnavailable);
  });

  it('no Bluetooth sockets (EAFNOSUPPORT, as @abandonware/noble throws at require) is said as such', async () => {
    const { log, lines } = capturingLogger();
    const started = await startBleDiscovery({
      ...parts(lines, log),
      importer: () =>
        Promise.reject(
          Object.assign(new Error('EAFNOSUPPORT, Address family not supported by protocol'), {
            code: 'EAFNOSUPPORT',
          }),
        ),
    });
    assert.ok(started !== undefined && 'unavailable' in started);
    assert.match(started.unavailable, /does not allow AF_BLUETOOTH/);
  });

  it('not enabled: noble is never imported', async () => {
    const { log, lines } = capturingLogger();
    const started = await startBleDiscovery({
      ...parts(lines, log),
      config: { enabled: false, adapter: 'hci0', connectTimeoutMs: 10_000 },
      importer: () => assert.fail('imported'),
    });
    assert.equal(started, undefined);
    assert.deepEqual(lines, []);
  });

  it('the real package on this host without an adapter loads, reports unsupported, and leaves SIGINT to the daemon', async function () {
    if (existsSync('/sys/class/bluetooth')) {
      process.stderr.write(
        '      skipped: this machine has Bluetooth; the test is for one without\n',
      );
      this.skip();
    }
    const sigint = process.listeners('SIGINT').length;
    const print = console.log;
    console.log = () => undefined; // noble's HCI bindings print their own warning
    try {
      const { log, lines } = capturingLogger();
      const started = await startBleDiscovery({ ...parts(lines, log), adapterExists: () => false });
      assert.ok(started !== undefined, 'enabled');
      if ('unavailable' in started) assert.fail(`not loaded: ${started.unavailable}`);
      assert.equal(process.listeners('SIGINT').length, sigint, 'no SIGINT handler of noble’s left');
      const deadline = Date.now() + WITHIN_MS;
      while (started.discovery.status().state !== 'unsupported' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(started.discovery.status().state, 'unsupported');
      started.discovery.stop();
      assert.equal(
        lines.filter((l) => l.msg.startsWith('Bluetooth LE discovery is off')).length,
        1,
      );
    } finally {
      console.log = print;
    }
  });
});
