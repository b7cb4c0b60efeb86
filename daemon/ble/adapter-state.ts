/**
 * What an adapter state means for discovery, in one line an admin can act on. Pure: whether the
 * adapter exists is asked of the caller (/sys/class/bluetooth on Linux).
 */
import type { AdapterState } from './noble-port.js';

export function whyDiscoveryIsOff(
  state: AdapterState,
  adapter: string,
  adapterExists: boolean,
): string {
  switch (state) {
    case 'poweredOn':
      return 'it is on';
    case 'poweredOff':
      return `${adapter} is powered off (rfkill unblock bluetooth; bluetoothctl power on)`;
    case 'unauthorized':
      return `not allowed to use ${adapter}: the raw HCI socket needs CAP_NET_RAW (the unit grants it when ble.enabled is set: sudo configurator service install again)`;
    case 'unsupported':
      return adapterExists
        ? `${adapter} cannot be opened for Bluetooth LE: the service needs AF_BLUETOOTH and CAP_NET_RAW (the unit allows them when ble.enabled is set: sudo configurator service install again), or the adapter has no LE`
        : `no Bluetooth adapter ${adapter} (/sys/class/bluetooth/${adapter} does not exist)`;
    case 'unknown':
    case 'resetting':
      return `${adapter} is ${state}`;
  }
}
