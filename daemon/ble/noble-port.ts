/**
 * The part of noble (@stoprocent/noble) that discovery uses, typed here: the package is an
 * optional dependency loaded only when `ble.enabled`, so nothing else may name its types.
 */

/** noble's adapter states. */
export type AdapterState =
  'poweredOn' | 'poweredOff' | 'unauthorized' | 'unsupported' | 'unknown' | 'resetting';

export interface NobleServiceData {
  /** The UUID as noble writes it: lower-case hex, no dashes. */
  readonly uuid: string;
  readonly data: Buffer;
}

export interface NobleAdvertisement {
  readonly serviceData?: readonly NobleServiceData[] | undefined;
}

export interface NobleCharacteristic {
  readonly uuid: string;
  readAsync(): Promise<Buffer>;
}

export interface NoblePeripheral {
  /** noble's id: the address without colons, lower-case. */
  readonly id: string;
  /** `aa:bb:cc:dd:ee:ff`; empty or `unknown` when the bindings do not know it. */
  readonly address: string;
  readonly addressType?: string | undefined;
  readonly connectable?: boolean | undefined;
  readonly rssi: number;
  /** 'disconnected', 'connecting', 'connected', 'disconnecting' or 'error'. */
  readonly state: string;
  readonly advertisement: NobleAdvertisement;
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(
    serviceUuids: string[],
    characteristicUuids: string[],
  ): Promise<{ characteristics: NobleCharacteristic[] }>;
}

export interface NobleLike {
  readonly state: AdapterState;
  on(event: 'stateChange', listener: (state: AdapterState) => void): unknown;
  on(event: 'discover', listener: (peripheral: NoblePeripheral) => void): unknown;
  on(event: 'scanStop' | 'scanStart', listener: () => void): unknown;
  on(event: 'warning', listener: (message: string) => void): unknown;
  removeAllListeners(event?: string): unknown;
  startScanningAsync(serviceUuids: string[], allowDuplicates: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  cancelConnect(id: string): void;
  stop(): void;
}

/** A UUID as noble writes it. */
export function nobleUuid(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase();
}
