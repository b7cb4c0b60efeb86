/**
 * Whitelisted devices heard while there was no room for their session, first heard first.
 *
 * A device not heard for `maxAgeMs` is not eligible, but it keeps its place: its next
 * announcement makes it eligible again where it was (one lost announcement must not send it to
 * the back of a long line). It is forgotten after `forgetAfter` such periods.
 *
 * Stale devices are set aside (dormant) the first time a walk meets them, so a walk of the line
 * costs what it admits, not what went quiet: the line is walked every time the radio's backlog
 * goes down, and a site can leave thousands of devices that went away in it.
 */
interface Place<T> {
  value: T;
  /** Set aside after its answer found nobody: the next hearing brings the value to answer. */
  stale?: boolean;
  heardAt: number;
  /** First-heard order; kept across dormancy. */
  readonly seq: number;
}

export class WaitingLine<T> {
  private fresh = new Map<string, Place<T>>();
  private readonly dormant = new Map<string, Place<T>>();
  private nextSeq = 0;
  /**
   * The seq of the entry last put at the end of `fresh`: never below that of its real last entry
   * (deletions leave it as it was), so a place above it can be appended without looking.
   */
  private tailSeq = -1;
  private lastSweep = -Infinity;

  constructor(
    private readonly maxAgeMs: number,
    private readonly forgetAfter: number,
    private readonly max: number,
  ) {}

  /** Devices in the line, eligible or not. */
  get size(): number {
    return this.fresh.size + this.dormant.size;
  }

  has(id: string): boolean {
    return this.fresh.has(id) || this.dormant.has(id);
  }

  /**
   * The device was heard: one already in the line keeps its place, and the value it joined with,
   * and is eligible again; a new one joins at the end with `value`. False when the line is full
   * and the device was not in it.
   */
  heard(id: string, value: T, now: number): boolean {
    if (this.stillHeard(id, now, value)) return true;
    if (this.size >= this.max) return false;
    this.tailSeq = this.nextSeq++;
    this.fresh.set(id, { value, heardAt: now, seq: this.tailSeq });
    return true;
  }

  /**
   * A device in the line was heard again: eligible again, in its place. False if not in the line.
   * A device set aside takes `value` (where it was heard now) instead of the one that failed.
   */
  stillHeard(id: string, now: number, value?: T): boolean {
    const place = this.fresh.get(id) ?? this.dormant.get(id);
    if (place === undefined) return false;
    if (place.stale === true && value !== undefined) {
      place.value = value;
      place.stale = false;
    }
    place.heardAt = now;
    if (this.dormant.delete(id)) this.restore(id, place);
    return true;
  }

  delete(id: string): void {
    this.fresh.delete(id);
    this.dormant.delete(id);
  }

  clear(): void {
    this.fresh.clear();
    this.dormant.clear();
  }

  /**
   * Eligible devices, first heard first, with when they were last heard. The caller may delete
   * entries (or hear new ones) while it walks.
   */
  *eligible(now: number): Generator<[id: string, value: T, heardAt: number, seq: number]> {
    this.sweep(now);
    for (const [id, place] of this.fresh) {
      if (now - place.heardAt > this.maxAgeMs) {
        this.fresh.delete(id);
        this.dormant.set(id, place);
        continue;
      }
      yield [id, place.value, place.heardAt, place.seq];
    }
  }

  /**
   * Back into the line at the place `seq` it had, not eligible until it is heard again (its
   * answer found it gone: it is heard again when it is back).
   */
  setAside(id: string, value: T, seq: number, now: number): void {
    this.fresh.delete(id);
    this.dormant.set(id, { value, stale: true, heardAt: now - this.maxAgeMs - 1, seq });
  }

  /** Dormant devices past forgetAfter periods go; at most once a period, so it stays cheap. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.maxAgeMs) return;
    this.lastSweep = now;
    const limit = this.maxAgeMs * this.forgetAfter;
    for (const [id, place] of this.dormant)
      if (now - place.heardAt > limit) this.dormant.delete(id);
  }

  /** Back into first-heard order: a rebuild, paid only when a device that went quiet returns. */
  private restore(id: string, place: Place<T>): void {
    if (this.fresh.size === 0 || this.tailSeq < place.seq) {
      this.fresh.set(id, place);
      this.tailSeq = place.seq;
      return;
    }
    const entries = [...this.fresh, [id, place] as [string, Place<T>]];
    entries.sort((a, b) => a[1].seq - b[1].seq);
    this.fresh = new Map(entries);
    this.tailSeq = entries.at(-1)![1].seq;
  }
}
