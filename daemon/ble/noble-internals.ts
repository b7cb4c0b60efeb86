/**
 * noble 2.8.0 keeps per-address state that it never trims while the adapter stays on: its
 * peripheral objects (`_peripherals` and the service, characteristic and descriptor tables beside
 * it) and its HCI bindings' address records, for every advertiser of our service; and its GAP
 * layer's record of every advertiser heard at all (`_bindings._gap._discoveries`). It offers no
 * public way to drop them, so they are reached here through a narrow view of the private fields
 * (the package is pinned to that version; test/ble/noble-internals.test.ts checks the view
 * against the installed package, so an upgrade that renames them fails there). Where the shape
 * is not found, each function does nothing and says so in its result.
 */
import type { NobleLike } from './noble-port.js';

type Fields = Record<string, unknown>;

function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null;
}

function fieldsOf(v: unknown, name: string): Fields | undefined {
  if (!isFields(v)) return undefined;
  const field = v[name];
  return isFields(field) ? field : undefined;
}

/** The bindings' records keyed by peripheral id (HCI bindings: filled at each `discover`). */
const BINDINGS_PER_ID = ['_addresses', '_addresseTypes', '_connectable', 'scannable'] as const;

/**
 * Drops noble's peripheral `id` and everything it keeps for it, as noble itself does for all of
 * them when the adapter leaves poweredOn. A connection under way is ended by noble (it fails the
 * pending connect), so callers never pass the address being read. The next advertisement from
 * that address makes a new object. Returns whether noble's own tables were found.
 */
export function forgetNoblePeripheral(noble: NobleLike, id: string): boolean {
  const cleanup: unknown = Reflect.get(noble, '_cleanupPeriperals');
  if (typeof cleanup !== 'function') return false;
  Reflect.apply(cleanup, noble, [id]);
  const bindings = fieldsOf(noble, '_bindings');
  for (const name of BINDINGS_PER_ID) {
    const byId = fieldsOf(bindings, name);
    if (byId !== undefined) Reflect.deleteProperty(byId, id);
  }
  return true;
}

function gapDiscoveries(noble: NobleLike): Fields | undefined {
  return fieldsOf(fieldsOf(fieldsOf(noble, '_bindings'), '_gap'), '_discoveries');
}

/** How many advertisers the HCI GAP layer remembers; undefined without HCI bindings. */
export function advertisersRemembered(noble: NobleLike): number | undefined {
  const discoveries = gapDiscoveries(noble);
  return discoveries === undefined ? undefined : Object.keys(discoveries).length;
}

/**
 * Empties the HCI GAP layer's record of advertisers. It only merges an advertisement with its
 * scan response and holds back a connectable advertiser's first report until a scan response or
 * a second advertisement; connections do not use it. So after this each advertiser's next report
 * waits for one more advertisement, and nothing else changes. Returns whether it was found.
 */
export function forgetAdvertisers(noble: NobleLike): boolean {
  const gap = fieldsOf(fieldsOf(noble, '_bindings'), '_gap');
  if (gap === undefined || !isFields(gap._discoveries)) return false;
  gap._discoveries = {};
  return true;
}
