/**
 * Bluetooth LE discovery (docs/ble-discovery.md): scans for devices advertising the DPP discovery
 * service, reads the URI of each whose key is new to us, and lists it among the devices heard but
 * not listed, with its RSSI and the adapter that heard it. Never admits anything.
 *
 * One connection at a time, within a deadline, with a backoff per address after a failure. A
 * prefix already on the whitelist, or already in the table with its key, is not connected to.
 * Every refusal is logged with its reason, once per address and reason per interval.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { fromHex, toHex } from '../../protocol/bytes.js';
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
  private readonly tracked: TrackedAddresses;
  /** Addresses waiting for their read, with their latest peripheral object, first come first. */
  private readonly queue = new Map<string, NoblePeripheral>();
  private reading: string | undefined;
  private readonly refusalLog = new KeyedThrottle(REFUSAL_LOG_INTERVAL_MS);
  private readonly sightings = new KeyedThrottle(SIGHTING_INTERVAL_MS);
  private readonly seenLog = new KeyedThrottle(SEEN_LOG_INTERVAL_MS);

  private readonly maxWaiting: number;

  constructor(private readonly options: BleDiscoveryOptions) {
    super();
    this.tracked = new TrackedAddresses(options.trackedMax);
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
    const wait = entry === undefined ? undefined : this.tracked.failed(entry, Date.now());
    const refusal: BleRefusal = { address, code: error.code, reason: error.message };
    this.emit('refused', refusal);
    if (!this.refusalLog.due(`${address} ${error.code}`, Date.now())) return;
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
    if (!parsed.ok) return this.refuse(address, parsed.error);
    const prefix = toHex(parsed.value.keyHashPrefix);
    const entry = this.tracked.heard(address, prefix, p.rssi);
    if (entry.verified !== undefined) return this.noteSighting(address, entry);
    if (Date.now() < entry.retryAtMs || this.reading === address) return;
    const known = this.options.keys.whitelisted(prefix)
      ? 'whitelisted'
      : this.options.keys.heard(prefix)
        ? 'heard'
        : undefined;
    if (known !== undefined) {
      this.emit('known', { address, prefix, as: known });
      if (this.seenLog.due(address, Date.now()))
        this.options.log.debug(
          { address, prefix, rssi: p.rssi },
          known === 'whitelisted'
            ? 'Bluetooth LE: a whitelisted key advertised; not connected to'
            : 'Bluetooth LE: a key already heard advertised; not connected to',
        );
      return;
    }
    this.queue.delete(address);
    this.queue.set(address, p);
    // Bounded like the addresses: a flood of made-up ones pushes out the oldest waiting.
    if (this.queue.size > this.maxWaiting) {
      const oldest = this.queue.keys().next();
      if (oldest.done !== true) this.queue.delete(oldest.value);
    }
    void this.pump();
  }

  /** A device read before is heard again: its RSSI and last-heard time, now and then. */
  private noteSighting(address: string, entry: TrackedAddress): void {
    const v = entry.verified;
    if (v === undefined || !this.sightings.due(address, Date.now())) return;
    this.options.unlisted.heard({
      keyHash: v.keyHash,
      publicKey: v.publicKey,
      uri: v.uri,
      address,
      rssi: entry.rssi,
      transport: 'ble',
      heardBy: this.options.adapter,
      at: new Date(),
    });
  }

  /** Reads the queued addresses one at a time while the adapter is on. */
  private async pump(): Promise<void> {
    if (this.reading !== undefined) return;
    while (!this.stopped && this.state === 'poweredOn') {
      const next = this.queue.entries().next();
      if (next.done === true) break;
      const [address, peripheral] = next.value;
      this.queue.delete(address);
      this.reading = address;
      try {
        await this.readOne(address, peripheral);
      } finally {
        this.reading = undefined;
      }
    }
    if (this.queue.size === 0 || this.state !== 'poweredOn') this.scan();
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
