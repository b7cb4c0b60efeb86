/**
 * Bluetooth LE discovery as the daemon starts it: only when `ble.enabled`, noble loaded then and
 * only then; when it cannot be (no package, no Bluetooth in the kernel, not allowed), one line says
 * why and the daemon runs without it.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../protocol/clock.js';
import type { DaemonConfig } from '../config/load.js';
import type { UnlistedPort } from '../engine/ports.js';
import { BleDiscovery, type BleKeyLookup } from './discovery.js';
import { loadNoble, type ModuleImporter, type NobleSource } from './load-noble.js';

export interface BleDiscoveryParts {
  readonly config: DaemonConfig['ble'];
  readonly log: Logger;
  readonly unlisted: UnlistedPort;
  readonly keys: BleKeyLookup;
  /** The package's HCI bindings on `config.adapter` unless a test hands in its own. */
  readonly source?: NobleSource | undefined;
  readonly importer?: ModuleImporter | undefined;
  readonly adapterExists?: ((adapter: string) => boolean) | undefined;
  /** The system clock unless a test hands in a virtual one. */
  readonly clock?: Clock | undefined;
}

/** Discovery running, or why it is not (undefined: not enabled). */
export type BleStart = { readonly discovery: BleDiscovery } | { readonly unavailable: string };

export async function startBleDiscovery(parts: BleDiscoveryParts): Promise<BleStart | undefined> {
  const { config } = parts;
  if (!config.enabled) return undefined;
  const log = parts.log.child({ component: 'ble' });
  const noble = await loadNoble(
    parts.source ?? { kind: 'hci', adapter: config.adapter },
    parts.importer,
  );
  if (!noble.ok) {
    log.warn(
      { adapter: config.adapter, code: noble.error.code },
      `Bluetooth LE discovery is off: ${noble.error.message}; the daemon runs without it`,
    );
    return { unavailable: noble.error.message };
  }
  const discovery = new BleDiscovery({
    noble: noble.value,
    adapter: config.adapter,
    connectTimeoutMs: config.connectTimeoutMs,
    unlisted: parts.unlisted,
    keys: parts.keys,
    log,
    adapterExists: parts.adapterExists,
    clock: parts.clock,
  });
  discovery.start();
  return { discovery };
}
