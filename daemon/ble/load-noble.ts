/**
 * noble, loaded only when `ble.enabled`: the package is an optional dependency (npm skips it
 * where it cannot install), and requiring it does work at load, so a daemon without Bluetooth
 * never loads it. Either the package's own HCI bindings on one adapter, or a bindings object
 * handed in (the tests' simulated peripherals).
 */
import { ConfiguratorError, fail, ok, type Result } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';
import type { NobleLike } from './noble-port.js';

export const NOBLE_PACKAGE = '@stoprocent/noble';

export type NobleSource =
  | { readonly kind: 'hci'; readonly adapter: string }
  /** An object implementing noble's bindings interface (events stateChange, discover, …). */
  | { readonly kind: 'bindings'; readonly bindings: object };

/** `import()`, replaceable so a test can make the package missing or failing. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

interface NobleModule {
  readonly default?: {
    withBindings?: (kind: string, options: object) => NobleLike;
    constructor: new (bindings: object) => NobleLike;
  };
}

const importModule: ModuleImporter = (specifier) => import(specifier);

function unavailable(why: string): Result<NobleLike> {
  return fail(DaemonErrorCode.BleUnavailable, why);
}

/** Why loading failed, in the words an admin can act on. */
function describeLoadError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')
    return `the optional package ${NOBLE_PACKAGE} is not installed (npm leaves it out where it cannot install it): ${err.message.split('\n')[0]}`;
  if (err.code === 'EAFNOSUPPORT')
    return 'Bluetooth sockets are not available here (no Bluetooth in the kernel, or the systemd unit does not allow AF_BLUETOOTH)';
  return `${NOBLE_PACKAGE} failed to load: ${err.message?.split('\n')[0] ?? String(e)}`;
}

/**
 * noble with its bindings started. noble's HCI bindings put a SIGINT handler on the process that
 * exits at once when it is the last one: it is taken off again, as the daemon's own handler
 * finishes sessions first. noble's habit of printing its warnings to the console is taken off too;
 * discovery logs them.
 */
export async function loadNoble(
  source: NobleSource,
  importer: ModuleImporter = importModule,
): Promise<Result<NobleLike>> {
  let mod: NobleModule;
  try {
    mod = (await importer(NOBLE_PACKAGE)) as NobleModule;
  } catch (e) {
    return unavailable(describeLoadError(e));
  }
  const exported = mod.default;
  if (exported?.withBindings === undefined)
    return unavailable(
      `${NOBLE_PACKAGE} does not export withBindings: not a version this daemon knows`,
    );
  const sigint = new Set(process.listeners('SIGINT'));
  try {
    const noble =
      source.kind === 'hci'
        ? exported.withBindings('hci', { deviceId: Number(source.adapter.replace(/^hci/, '')) })
        : new exported.constructor(source.bindings);
    noble.removeAllListeners('warning');
    // Reading the state starts the bindings now rather than at the first listener.
    void noble.state;
    return ok(noble);
  } catch (e) {
    if (e instanceof ConfiguratorError) return { ok: false, error: e };
    return unavailable(describeLoadError(e));
  } finally {
    for (const listener of process.listeners('SIGINT'))
      if (!sigint.has(listener)) process.removeListener('SIGINT', listener);
  }
}
