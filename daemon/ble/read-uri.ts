/**
 * One GATT read of a device's URI: connect, find the URI characteristic, read it, disconnect,
 * all within a deadline. A value longer than the ATT MTU is read in parts below noble's
 * bindings interface (its HCI GATT layer sends Read Blob), so what comes back is the whole value.
 */
import { ConfiguratorError } from '../../protocol/errors.js';
import {
  DPP_BLE_SERVICE_UUID,
  DPP_BLE_URI_CHARACTERISTIC_UUID,
} from '../../protocol/ble/carrier.js';
import { DaemonErrorCode } from '../errors.js';
import { nobleUuid, type NobleLike, type NoblePeripheral } from './noble-port.js';

const DISCONNECT_WAIT_MS = 2000;

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Resolves with `p`, or rejects with `onTimeout()` after `ms`; `p` failing later is ignored. */
function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function connectAndRead(peripheral: NoblePeripheral): Promise<Buffer> {
  try {
    await peripheral.connectAsync();
  } catch (e) {
    throw new ConfiguratorError(DaemonErrorCode.BleConnectFailed, `connect failed: ${reasonOf(e)}`);
  }
  let found;
  try {
    found = await peripheral.discoverSomeServicesAndCharacteristicsAsync(
      [nobleUuid(DPP_BLE_SERVICE_UUID)],
      [nobleUuid(DPP_BLE_URI_CHARACTERISTIC_UUID)],
    );
  } catch (e) {
    throw new ConfiguratorError(
      DaemonErrorCode.BleNoUriCharacteristic,
      `no DPP discovery service: ${reasonOf(e)}`,
    );
  }
  const characteristic = found.characteristics.find(
    (c) => c.uuid === nobleUuid(DPP_BLE_URI_CHARACTERISTIC_UUID),
  );
  if (characteristic === undefined)
    throw new ConfiguratorError(
      DaemonErrorCode.BleNoUriCharacteristic,
      'the DPP discovery service has no URI characteristic',
    );
  try {
    return await characteristic.readAsync();
  } catch (e) {
    throw new ConfiguratorError(DaemonErrorCode.BleReadFailed, `read failed: ${reasonOf(e)}`);
  }
}

/** The URI characteristic's raw value; a ConfiguratorError (BleConnect…, BleRead…) otherwise. */
export async function readUriValue(
  noble: NobleLike,
  peripheral: NoblePeripheral,
  deadlineMs: number,
): Promise<Buffer> {
  const read = connectAndRead(peripheral);
  try {
    return await withDeadline(
      read,
      deadlineMs,
      () =>
        new ConfiguratorError(
          DaemonErrorCode.BleConnectTimeout,
          `no URI within ${deadlineMs} ms (ble.connectTimeoutMs)`,
        ),
    );
  } catch (e) {
    // A connection still being made is cancelled, or it would hold the adapter's one slot.
    if (peripheral.state === 'connecting') noble.cancelConnect(peripheral.id);
    read.catch(() => undefined);
    throw e;
  } finally {
    if (peripheral.state === 'connected')
      await withDeadline(
        peripheral.disconnectAsync(),
        DISCONNECT_WAIT_MS,
        () => new Error(''),
      ).catch(() => undefined);
  }
}
