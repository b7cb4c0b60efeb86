/**
 * What discovery remembers per Bluetooth LE address: the last advertisement's key hash prefix and
 * RSSI, the key read from it once verified, and the backoff after a failed read. Bounded: the
 * least recently heard address goes first, so a crowd of advertisers cannot grow it.
 */

/** After a failed read, wait this long before connecting again, doubling up to the maximum. */
export const BACKOFF_FIRST_MS = 30_000;
export const BACKOFF_MAX_MS = 15 * 60_000;
export const TRACKED_ADDRESSES_MAX = 512;

export interface TrackedAddress {
  /** The advertised key hash prefix, hex. */
  prefix: string;
  rssi: number;
  /** Set once the URI read here was verified against `prefix`. */
  verified?: { keyHash: string; uri: string; publicKey: Uint8Array } | undefined;
  failures: number;
  /** No connection before this (ms, the discovery's clock). */
  retryAtMs: number;
  /** noble's id for the address, to drop noble's own object when the entry goes. */
  peripheralId?: string | undefined;
}

export class TrackedAddresses {
  private readonly entries = new Map<string, TrackedAddress>();

  constructor(
    private readonly max = TRACKED_ADDRESSES_MAX,
    /** Told of each address pushed out by a newer one, so what refers to it can go too. */
    private readonly evicted: (address: string, entry: TrackedAddress) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(address: string): TrackedAddress | undefined {
    return this.entries.get(address);
  }

  /**
   * An advertisement from `address`: its entry, moved to the most recent end. A new prefix at a
   * known address (another device on a reused address, a re-keyed one) starts afresh.
   */
  heard(address: string, prefix: string, rssi: number): TrackedAddress {
    const before = this.entries.get(address);
    this.entries.delete(address);
    const entry: TrackedAddress =
      before !== undefined && before.prefix === prefix
        ? before
        : { prefix, rssi, failures: 0, retryAtMs: 0 };
    entry.rssi = rssi;
    this.entries.set(address, entry);
    if (this.entries.size > this.max) {
      const oldest = this.entries.entries().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value[0]);
        this.evicted(...oldest.value);
      }
    }
    return entry;
  }

  /** A read failed or was refused: back off, longer each time. Returns the wait. */
  failed(entry: TrackedAddress, nowMs: number): number {
    const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(entry.failures, 10));
    entry.failures += 1;
    entry.retryAtMs = nowMs + wait;
    return wait;
  }
}
