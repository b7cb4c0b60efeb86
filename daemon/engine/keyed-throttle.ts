/**
 * Once per interval per key, with bounded memory (the oldest key goes first): the engine's
 * per-address announcement rate limit, and the stores' last-seen writes. A key is due again when
 * the interval has passed, or when the clock went back.
 */
export class KeyedThrottle {
  private readonly lastAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly capacity = 4096,
  ) {}

  /** Whether `key` is due at `nowMs`; if it is, the interval starts again from now. */
  due(key: string, nowMs: number): boolean {
    const last = this.lastAt.get(key);
    if (last !== undefined && nowMs - last < this.intervalMs && nowMs >= last) return false;
    this.lastAt.delete(key);
    this.lastAt.set(key, nowMs);
    if (this.lastAt.size > this.capacity) {
      const oldest = this.lastAt.keys().next();
      if (oldest.done !== true) this.lastAt.delete(oldest.value);
    }
    return true;
  }

  /** Due at once next time. */
  forget(key: string): void {
    this.lastAt.delete(key);
  }
}
