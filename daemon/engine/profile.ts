/**
 * A profile: the Wi-Fi network a device is given and how its session runs. Loaded from the
 * configuration (daemon/config/load.ts resolves passphrase files and checks the credential);
 * the engine and the delivery only read it.
 */
import type { WifiCredential } from '../../protocol/dpp/config-object.js';

export interface Profile {
  readonly name: string;
  readonly ssid: string;
  readonly credential: WifiCredential;
  readonly requireMutual: boolean;
  readonly allowReprovision: boolean;
  readonly connectionStatus: boolean;
  /** The raw `lwm2m` section; the delivery layer compiles it. */
  readonly lwm2m?: unknown;
}
