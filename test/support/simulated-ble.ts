/**
 * A Bluetooth adapter and the devices around it, behind noble's bindings interface: what the HCI
 * or D-Bus bindings emit (stateChange, discover, connect, servicesDiscover,
 * characteristicsDiscover, read, disconnect) for the methods noble calls. Real noble runs on it,
 * so discovery is tested through the same library it uses on a Pi. Advertisements are given as
 * the bytes on the air and parsed here as noble's HCI layer does (AD structures; 128-bit UUIDs
 * written big-endian, without dashes). A value is handed back whole, as the bindings do once
 * their GATT layer (or BlueZ) has read a long one in parts.
 */
import { EventEmitter } from 'node:events';
import { toHex } from '../../protocol/bytes.js';
import {
  DPP_BLE_SERVICE_UUID,
  DPP_BLE_URI_CHARACTERISTIC_UUID,
} from '../../protocol/ble/carrier.js';

type State = 'poweredOn' | 'poweredOff' | 'unsupported' | 'unauthorized' | 'unknown';

export interface SimulatedPeripheral {
  /** `aa:bb:cc:dd:ee:ff`. */
  readonly address: string;
  /** The advertisement's bytes (AdvData). */
  advertisement: Uint8Array;
  rssi: number;
  /** The URI characteristic's value; none: the device has no DPP discovery service. */
  uriValue?: Uint8Array | undefined;
  /** How it answers a connection: at once, with an error, or never (unless `finishConnect`). */
  connect?: 'ok' | 'fail' | 'hang';
}

interface NobleAdvertisement {
  localName: string | undefined;
  serviceData: { uuid: string; data: Buffer }[];
  serviceUuids: string[];
}

const uuid = (u: string): string => u.replace(/-/g, '');

/** AD structures to noble's advertisement object (service data only: all discovery reads). */
function toNobleAdvertisement(adv: Uint8Array): NobleAdvertisement {
  const out: NobleAdvertisement = { localName: undefined, serviceData: [], serviceUuids: [] };
  for (let at = 0; at + 1 < adv.length;) {
    const length = adv[at]!;
    if (length === 0 || at + 1 + length > adv.length) break;
    const type = adv[at + 1]!;
    const data = Buffer.from(adv.subarray(at + 2, at + 1 + length));
    if (type === 0x21 && data.length >= 16)
      out.serviceData.push({
        uuid: toHex(Uint8Array.from(data.subarray(0, 16)).reverse()),
        data: data.subarray(16),
      });
    at += 1 + length;
  }
  return out;
}

export class SimulatedBleBindings extends EventEmitter {
  private state: State;
  private readonly devices = new Map<string, SimulatedPeripheral>();
  scanning = false;
  /** Calls to startScanning, and connection attempts per address: what tests count. */
  scanStarts = 0;
  readonly connects = new Map<string, number>();
  /** The addresses connected to, in order. */
  readonly connectOrder: string[] = [];
  /**
   * The HCI bindings stop scanning to connect; BlueZ (the D-Bus bindings) goes on scanning, so
   * advertisements keep coming while a read is under way.
   */
  keepScanningWhileConnecting = false;

  constructor(initial: State = 'poweredOn') {
    super();
    this.state = initial;
  }

  private static idOf(address: string): string {
    return address.replace(/:/g, '').toLowerCase();
  }

  private device(id: string): SimulatedPeripheral | undefined {
    return [...this.devices.values()].find((d) => SimulatedBleBindings.idOf(d.address) === id);
  }

  /** The adapter changes state (unplugged, rfkill, back). */
  setState(state: State): void {
    this.state = state;
    if (state !== 'poweredOn') this.scanning = false;
    this.emit('stateChange', state);
  }

  /** A device in range; it advertises when `advertise` is called. */
  add(device: SimulatedPeripheral): SimulatedPeripheral {
    this.devices.set(device.address, device);
    return device;
  }

  /** One advertisement from `device`, heard if the adapter is scanning. */
  advertise(device: SimulatedPeripheral): boolean {
    if (!this.scanning) return false;
    this.emit(
      'discover',
      SimulatedBleBindings.idOf(device.address),
      device.address,
      'random',
      true,
      toNobleAdvertisement(device.advertisement),
      device.rssi,
      true,
    );
    return true;
  }

  connectsTo(address: string): number {
    return this.connects.get(address) ?? 0;
  }

  // noble's bindings interface

  start(): void {
    setImmediate(() => this.emit('stateChange', this.state));
  }

  stop(): void {
    this.scanning = false;
  }

  startScanning(_uuids: string[], _allowDuplicates: boolean): void {
    this.scanStarts += 1;
    setImmediate(() => {
      if (this.state !== 'poweredOn') return;
      this.scanning = true;
      this.emit('scanStart', false);
    });
  }

  stopScanning(): void {
    setImmediate(() => {
      this.scanning = false;
      this.emit('scanStop');
    });
  }

  connect(id: string): void {
    const d = this.device(id);
    if (d !== undefined) {
      this.connects.set(d.address, this.connectsTo(d.address) + 1);
      this.connectOrder.push(d.address);
    }
    // As the HCI bindings do, scanning stops while a connection is made.
    if (this.scanning && !this.keepScanningWhileConnecting) {
      this.scanning = false;
      this.emit('scanStop');
    }
    setImmediate(() => {
      if (d === undefined) return this.emit('connect', id, new Error('no such device'));
      if (d.connect === 'hang') return;
      this.emit(
        'connect',
        id,
        d.connect === 'fail' ? new Error('connection failed (0x3e)') : undefined,
      );
    });
  }

  /** A connection left hanging completes now, or fails. */
  finishConnect(device: SimulatedPeripheral, outcome: 'ok' | 'fail'): void {
    const id = SimulatedBleBindings.idOf(device.address);
    device.connect = outcome;
    this.emit(
      'connect',
      id,
      outcome === 'fail' ? new Error('connection failed (0x3e)') : undefined,
    );
  }

  cancelConnect(): void {}

  disconnect(id: string): void {
    setImmediate(() => this.emit('disconnect', id, 0x16));
  }

  discoverServices(id: string, _uuids: string[]): void {
    const d = this.device(id);
    setImmediate(() =>
      this.emit(
        'servicesDiscover',
        id,
        d?.uriValue === undefined ? [] : [uuid(DPP_BLE_SERVICE_UUID)],
      ),
    );
  }

  discoverCharacteristics(id: string, serviceUuid: string): void {
    setImmediate(() =>
      this.emit('characteristicsDiscover', id, serviceUuid, [
        { uuid: uuid(DPP_BLE_URI_CHARACTERISTIC_UUID), properties: ['read'] },
      ]),
    );
  }

  read(id: string, serviceUuid: string, characteristicUuid: string): void {
    const d = this.device(id);
    setImmediate(() =>
      this.emit('read', id, serviceUuid, characteristicUuid, Buffer.from(d?.uriValue ?? []), false),
    );
  }
}
