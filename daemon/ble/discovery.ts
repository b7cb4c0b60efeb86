/**
 * Bluetooth LE discovery (docs/ble-discovery.md): scans for devices advertising the DPP discovery
 * service, reads the URI of each whose key is new to us, and lists it among the devices heard but
 * not listed, with its RSSI and the adapter that heard it. Never admits anything.
 *
 * One connection at a time, within a deadline, with a backoff per address after a failure. A
 * prefix already on the whitelist, or already in the table with its key, is not connected to.
 * Every refusal is logged with its reason, once per address and reason per interval. Memory per
 * address is bounded here and, as far as noble allows, inside noble too (noble-internals.ts).
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { systemClock, type Clock, type Timer } from '../../protocol/clock.js';
import {
  DPP_BLE_SERVICE_UUID,
  parseServiceData,
  verifyUriValue,
} from '../../protocol/ble/carrier.js';
import { ConfiguratorError, errorCodeName } from '../../protocol/errors.js';
import type { UnlistedPort } from '../engine/ports.js';
import { KeyedThrottle } from '../engine/keyed-throttle.js';
import { whyDiscoveryIsOff } from './adapter-state.js';
import {
  advertisersRemembered,
  forgetAdvertisers,
  forgetNoblePeripheral,
} from './noble-internals.js';
import {
  nobleUuid,
  type AdapterState,
  type NobleLike,
  type NoblePeripheral,
} from './noble-port.js';
import { readUriValue } from './read-uri.js';
import {
  TRACKED_ADDRESSES_MAX,
  TrackedAddresses,
  type TrackedAddress,
} from './tracked-addresses.js';

/** A refusal for one address and reason is logged at most this often. */
export const REFUSAL_LOG_INTERVAL_MS = 10 * 60_000;
/** A verified device's RSSI and last-heard time reach the table at most this often. */
export const SIGHTING_INTERVAL_MS = 10_000;
/** A seen whitelisted or known prefix is noted in the debug log at most this often per address. */
const SEEN_LOG_INTERVAL_MS = 10 * 60_000;
/**
 * An address waiting for its read that has not been heard for this long is dropped when its turn
 * comes: it has most likely left, and connecting to it would hold the one connection slot for
 * the whole connect deadline.
 */
export const WAITING_STALE_MS = 30_000;
/** How often the HCI layer's record of every advertiser heard is looked at. */
export const ADVERTISER_SWEEP_INTERVAL_MS = 30_000;
/** Above this many advertisers remembered by the HCI layer, its record is emptied. */
export const ADVERTISERS_MAX = 1024;

const SERVICE = nobleUuid(DPP_BLE_SERVICE_UUID);

export interface BleKeyLookup {
  /** Whether a whitelist entry's key hash starts with `prefix` (hex). */
  whitelisted(prefix: string): boolean;
  /** Whether the table of devices heard but not listed holds a key starting with `prefix`. */
  heard(prefix: string): boolean;
}

export interface BleDiscoveryOptions {
  readonly noble: NobleLike;
  readonly adapter: string;
  readonly connectTimeoutMs: number;
  readonly unlisted: UnlistedPort;
  readonly keys: BleKeyLookup;
  readonly log: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Whether the adapter exists, to tell "no adapter" from "not allowed" (Linux: sysfs). */
  readonly adapterExists?: ((adapter: string) => boolean) | undefined;
  readonly trackedMax?: number | undefined;
  /** The system clock unless a test hands in a virtual one. */
  readonly clock?: Clock | undefined;
}

export interface BleCounters {
  /** Advertisements of the DPP discovery service heard. */
  heard: number;
  /** URIs read and verified (each listed among the devices heard but not listed). */
  read: number;
  /** Advertisements and reads refused (bad service data, a failed or bad read). */
  refused: number;
}

export interface BleStatus {
  readonly adapter: string;
  readonly state: AdapterState;
  readonly scanning: boolean;
  /** Why discovery is off (absent while the adapter is on). */
  readonly offReason?: string | undefined;
  readonly counters: BleCounters;
}

export interface BleRefusal {
  readonly address: string;
  readonly code: number;
  readonly reason: string;
}

export interface BleDiscoveryEvents {
  /** A URI read and verified, handed to the table of devices heard but not listed. */
  read: [{ address: string; keyHash: string; rssi: number }];
  refused: [BleRefusal];
  /** The adapter changed state. */
  state: [AdapterState];
  /** A prefix known already (whitelisted or heard) was seen, and not connected to. */
  known: [{ address: string; prefix: string; as: 'whitelisted' | 'heard' }];
}

function sysfsAdapterExists(adapter: string): boolean {
  return existsSync(`/sys/class/bluetooth/${adapter}`);
}

/** An address waiting for its read: noble's object for it, and when it was last heard. */
interface Waiting {
  peripheral: NoblePeripheral;
  heardAtMs: number;
}

function addressOf(p: NoblePeripheral): string {
  return p.address !== '' && p.address !== 'unknown'
    ? p.address.toLowerCase()
    : (p.id.match(/.{2}/g)?.join(':') ?? p.id);
}

export class BleDiscovery extends EventEmitter<BleDiscoveryEvents> {
  readonly counters: BleCounters = { heard: 0, read: 0, refused: 0 };
  private state: AdapterState = 'unknown';
  private offLogged = false;
  private scanning = false;
  private stopped = false;
  private internalsMissingLogged = false;
  private readonly tracked: TrackedAddresses;
  /**
   * Addresses waiting for their read, first come first; heard again, an address keeps its place.
   * Emptied when the adapter leaves poweredOn: noble then throws its peripheral objects away,
   * and one of those never completes a connection.
   */
  private readonly queue = new Map<string, Waiting>();
  private reading: string | undefined;
  private readonly clock: Clock;
  private sweepTimer: Timer | undefined;
  private readonly refusalLog = new KeyedThrottle(REFUSAL_LOG_INTERVAL_MS);
  private readonly sightings = new KeyedThrottle(SIGHTING_INTERVAL_MS);
  private readonly seenLog = new KeyedThrottle(SEEN_LOG_INTERVAL_MS);

  private readonly maxWaiting: number;

  constructor(private readonly options: BleDiscoveryOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.tracked = new TrackedAddresses(options.trackedMax, (address, entry) =>
      this.onEvicted(address, entry),
    );
    this.maxWaiting = options.trackedMax ?? TRACKED_ADDRESSES_MAX;
  }

  /** Listen to the adapter; scanning starts whenever it is powered on. */
  start(): void {
    const { noble, log } = this.options;
    noble.on('warning', (message) => log.debug({ message }, 'noble'));
    noble.on('stateChange', (state) => this.onState(state));
    noble.on('scanStart', () => (this.scanning = true));
    noble.on('scanStop', () => {
      this.scanning = false;
      // The HCI bindings stop scanning to connect; scanning resumes once the read is over.
      if (this.reading === undefined) this.scan();
    });
    noble.on('discover', (p) => this.onDiscover(p));
    // The bindings may have reported before anyone listened.
    this.onState(noble.state);
    this.sweepTimer = this.clock.setTimer(ADVERTISER_SWEEP_INTERVAL_MS, () =>
      this.sweepAdvertisers(),
    );
  }

  status(): BleStatus {
    const { adapter } = this.options;
    return {
      adapter,
      state: this.state,
      scanning: this.scanning,
      ...(this.state === 'poweredOn' ? {} : { offReason: this.offReason() }),
      counters: { ...this.counters },
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sweepTimer?.cancel();
    this.queue.clear();
    const { noble } = this.options;
    noble.stopScanningAsync().catch(() => undefined);
    try {
      noble.stop();
    } catch {
      // Bindings that never opened their adapter have nothing to stop.
    }
    noble.removeAllListeners();
  }

  private offReason(): string {
    const { adapter, adapterExists = sysfsAdapterExists } = this.options;
    return whyDiscoveryIsOff(this.state, adapter, adapterExists(adapter));
  }

  private onState(state: AdapterState): void {
    if (this.stopped) return;
    const before = this.state;
    this.state = state;
    if (state !== before) this.emit('state', state);
    const { log, adapter } = this.options;
    if (state === 'poweredOn') {
      if (before !== 'poweredOn')
        log.info({ adapter }, `Bluetooth LE discovery: scanning on ${adapter}`);
      this.offLogged = false;
      this.scan();
      return;
    }
    this.scanning = false;
    this.queue.clear();
    if (state === before) return;
    // One line when it goes off; a host without an adapter passes through several off states.
    if (this.offLogged)
      log.debug({ adapter, state }, `Bluetooth LE discovery is still off: ${this.offReason()}`);
    else if (state !== 'unknown' || before === 'poweredOn') {
      log.warn({ adapter, state }, `Bluetooth LE discovery is off: ${this.offReason()}`);
      this.offLogged = true;
    }
  }

  private scan(): void {
    if (this.stopped || this.state !== 'poweredOn' || this.scanning) return;
    // Duplicates on: each advertisement brings the RSSI anew.
    this.options.noble.startScanningAsync([SERVICE], true).catch((e: unknown) => {
      this.options.log.warn(
        { adapter: this.options.adapter, err: (e as Error).message },
        'Bluetooth LE discovery: cannot start scanning',
      );
    });
  }

  private refuse(address: string, error: ConfiguratorError, entry?: TrackedAddress): void {
    this.counters.refused += 1;
    const wait = entry === undefined ? undefined : this.tracked.failed(entry, this.clock.now());
    const refusal: BleRefusal = { address, code: error.code, reason: error.message };
    this.emit('refused', refusal);
    if (!this.refusalLog.due(`${address} ${error.code}`, this.clock.now())) return;
    this.options.log.warn(
      {
        address,
        code: error.code,
        reason: error.describe(),
        ...(wait === undefined ? {} : { retryInMs: wait }),
      },
      `Bluetooth LE device ${address} refused: ${error.message} (${errorCodeName(error.code)})`,
    );
  }

  private onDiscover(p: NoblePeripheral): void {
    if (this.stopped) return;
    const ours = p.advertisement.serviceData?.find((s) => s.uuid === SERVICE);
    if (ours === undefined) return;
    this.counters.heard += 1;
    const address = addressOf(p);
    const parsed = parseServiceData(new Uint8Array(ours.data));
    if (!parsed.ok) {
      // Nothing of ours refers to it: noble's object for it need not stay either.
      if (this.tracked.get(address) === undefined) this.forgetPeripheral(address, p.id);
      return this.refuse(address, parsed.error);
    }
    const prefix = toHex(parsed.value.keyHashPrefix);
    const entry = this.tracked.heard(address, prefix, p.rssi);
    entry.peripheralId = p.id;
    if (entry.verified !== undefined) return this.noteSighting(address, entry);
    const now = this.clock.now();
    if (now < entry.retryAtMs || this.reading === address) return;
    const known = this.options.keys.whitelisted(prefix)
      ? 'whitelisted'
      : this.options.keys.heard(prefix)
        ? 'heard'
        : undefined;
    if (known !== undefined) {
      this.queue.delete(address);
      this.emit('known', { address, prefix, as: known });
      if (this.seenLog.due(address, now))
        this.options.log.debug(
          { address, prefix, rssi: p.rssi },
          known === 'whitelisted'
            ? 'Bluetooth LE: a whitelisted key advertised; not connected to'
            : 'Bluetooth LE: a key already heard advertised; not connected to',
        );
      return;
    }
    const waiting = this.queue.get(address);
    if (waiting !== undefined) {
      // Heard again while waiting: fresher, but not further back in the line.
      waiting.peripheral = p;
      waiting.heardAtMs = now;
      return;
    }
    this.queue.set(address, { peripheral: p, heardAtMs: now });
    // Bounded like the addresses: a flood of made-up ones pushes out the oldest waiting.
    if (this.queue.size > this.maxWaiting) {
      const oldest = this.queue.keys().next();
      if (oldest.done !== true) this.queue.delete(oldest.value);
    }
    void this.pump();
  }

  /**
   * A device read before is heard again: its RSSI and last-heard time, now and then, while it is
   * not on the whitelist. Once an admin has added it (which takes it out of the table), it is
   * no longer noted, and from then on it is seen as a whitelisted key.
   */
  private noteSighting(address: string, entry: TrackedAddress): void {
    const v = entry.verified;
    if (v === undefined || !this.sightings.due(address, this.clock.now())) return;
    if (this.options.keys.whitelisted(v.keyHash)) {
      entry.verified = undefined;
      this.sightings.forget(address);
      this.options.log.debug(
        { address, keyHash: v.keyHash },
        'Bluetooth LE: a device read before is now on the whitelist; no longer noted',
      );
      return;
    }
    this.options.unlisted.heard({
      keyHash: v.keyHash,
      publicKey: v.publicKey,
      uri: v.uri,
      address,
      rssi: entry.rssi,
      transport: 'ble',
      heardBy: this.options.adapter,
      at: this.clock.date(),
    });
  }

  /** Reads the queued addresses one at a time while the adapter is on. */
  private async pump(): Promise<void> {
    if (this.reading !== undefined) return;
    while (!this.stopped && this.state === 'poweredOn') {
      const next = this.queue.entries().next();
      if (next.done === true) break;
      const [address, waiting] = next.value;
      this.queue.delete(address);
      const silentMs = this.clock.now() - waiting.heardAtMs;
      if (silentMs > WAITING_STALE_MS) {
        this.options.log.debug(
          { address, silentMs },
          'Bluetooth LE: not heard for a while; dropped from the addresses waiting for a read',
        );
        continue;
      }
      this.reading = address;
      try {
        await this.readOne(address, waiting.peripheral);
      } finally {
        this.reading = undefined;
        // Pushed out of the tracked addresses while being read: noble's object goes now.
        if (this.tracked.get(address) === undefined)
          this.forgetPeripheral(address, waiting.peripheral.id);
      }
    }
    if (this.queue.size === 0 || this.state !== 'poweredOn') this.scan();
  }

  /** An address pushed out of the tracked ones by a newer one: what refers to it goes too. */
  private onEvicted(address: string, entry: TrackedAddress): void {
    this.queue.delete(address);
    if (entry.peripheralId !== undefined && address !== this.reading)
      this.forgetPeripheral(address, entry.peripheralId);
  }

  private forgetPeripheral(address: string, id: string): void {
    if (address === this.reading || this.queue.has(address)) return;
    if (!forgetNoblePeripheral(this.options.noble, id) && !this.internalsMissingLogged) {
      this.internalsMissingLogged = true;
      this.options.log.warn(
        { adapter: this.options.adapter },
        'Bluetooth LE discovery: cannot drop addresses from noble (not the noble version this daemon knows); its memory grows with every address heard',
      );
    }
  }

  /**
   * noble's HCI layer remembers every advertiser heard, ours or not, until the adapter goes off:
   * emptied now and then, once it holds more than its bound.
   */
  private sweepAdvertisers(): void {
    if (this.stopped) return;
    this.sweepTimer = this.clock.setTimer(ADVERTISER_SWEEP_INTERVAL_MS, () =>
      this.sweepAdvertisers(),
    );
    const remembered = advertisersRemembered(this.options.noble);
    if (remembered === undefined || remembered <= ADVERTISERS_MAX) return;
    forgetAdvertisers(this.options.noble);
    this.options.log.debug(
      { adapter: this.options.adapter, advertisers: remembered },
      'Bluetooth LE: noble’s record of advertisers heard emptied',
    );
  }

  private async readOne(address: string, peripheral: NoblePeripheral): Promise<void> {
    const entry = this.tracked.get(address);
    if (entry === undefined || entry.verified !== undefined) return;
    const prefix = entry.prefix;
    let value: Buffer;
    try {
      value = await readUriValue(this.options.noble, peripheral, this.options.connectTimeoutMs);
    } catch (e) {
      if (!(e instanceof ConfiguratorError)) throw e;
      return this.refuse(address, e, entry);
    }
    if (this.stopped) return;
    const verified = verifyUriValue(new Uint8Array(value), fromHex(prefix));
    if (!verified.ok) return this.refuse(address, verified.error, entry);
    const keyHash = toHex(verified.value.keyHash);
    entry.verified = { keyHash, uri: verified.value.uri, publicKey: verified.value.parsed.key.der };
    entry.failures = 0;
    this.counters.read += 1;
    this.sightings.forget(address);
    this.noteSighting(address, entry);
    this.options.log.info(
      { address, keyHash, rssi: entry.rssi, adapter: this.options.adapter },
      'heard over Bluetooth LE, not on the whitelist: listed among the devices heard but not listed (configurator devices --unlisted)',
    );
    this.emit('read', { address, keyHash, rssi: entry.rssi });
  }
}
