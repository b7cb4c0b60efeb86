/**
 * Reassembly of DPP messages from ESP-NOW fragments (docs/espnow-binding.md#reassembly), bounded
 * against floods:
 *
 * - partial messages are keyed by (source MAC, messageId); at most 4 per source and 256 in all;
 *   reaching a bound evicts the oldest partial message (of that source, or of all) (`evicted`);
 * - a partial message is dropped 2 s after its first fragment arrived (`expired`);
 * - a fragment that fails the checks of parseFragment, whose fragmentCount disagrees with earlier
 *   fragments of its message, whose size disagrees with the message's full fragments, or that
 *   would make the message longer than 16384 bytes is refused (`malformed`); the partial message
 *   it aimed at is kept;
 * - a fragment index already received is ignored (`duplicate`; the first copy wins), and so is any
 *   fragment of one of the last 32 messages completed from its source.
 *
 * Memory: partial messages hold only the fragments received (≤ 256 × 16 KiB); completed ids are
 * remembered for the MAX_REMEMBERED_SOURCES sources that completed a message most recently, so a
 * flood from random MACs cannot grow that memory either.
 *
 * Source MACs are strings, compared as given: pass the lowercase "aa:bb:cc:dd:ee:ff" form that
 * decodeBridgeMessage produces. Time enters as `nowMs` from a monotonic clock; an earlier value
 * than one already seen is treated as that one. Nothing here sets a timer: the owner calls
 * expire() (nextExpiryMs() says when), and push() expires first anyway.
 */
import {
  ESPNOW_V1_PAYLOAD,
  ESPNOW_V2_PAYLOAD,
  FRAGMENT_HEADER_LEN,
  MAX_DPP_MESSAGE_LEN,
  parseFragment,
  type PayloadLimit,
} from './fragment.js';

export const MAX_PARTIALS_PER_SOURCE = 4;
export const MAX_PARTIALS = 256;
export const PARTIAL_EXPIRY_MS = 2000;
export const COMPLETED_IDS_PER_SOURCE = 32;
export const MAX_REMEMBERED_SOURCES = 1024;

export interface ReassemblerCounters {
  /** push() calls. received = accepted + malformed + duplicate. */
  received: number;
  /** Fragments stored (including the single fragment of a one-fragment message). */
  accepted: number;
  malformed: number;
  duplicate: number;
  /** Messages begun. partialCount = started − completed − evicted − expired. */
  started: number;
  completed: number;
  evicted: number;
  expired: number;
}

export interface ReassemblerOptions {
  /** Largest payload accepted, and with it the full fragment sizes: 250 (v1) or 1470 (v2, default). */
  readonly maxPayload?: PayloadLimit;
}

interface Partial {
  readonly key: string;
  readonly src: string;
  readonly messageId: number;
  readonly count: number;
  readonly firstMs: number;
  readonly fragments: (Uint8Array | undefined)[];
  received: number;
  /** Data bytes of a non-final fragment, once one has arrived. */
  fullSize: number | undefined;
  /** Data bytes of the final fragment, once it has arrived. */
  lastSize: number | undefined;
}

export class Reassembler {
  private readonly maxPayload: PayloadLimit;
  /** All partial messages, oldest first (Map keeps insertion order). */
  private readonly partials = new Map<string, Partial>();
  /** Each source's partial messages, oldest first. */
  private readonly bySource = new Map<string, Partial[]>();
  /** Each source's last completed message ids; the least recently completing source first. */
  private readonly completedIds = new Map<string, number[]>();
  private clockMs = -Infinity;
  private readonly count: ReassemblerCounters = {
    received: 0,
    accepted: 0,
    malformed: 0,
    duplicate: 0,
    started: 0,
    completed: 0,
    evicted: 0,
    expired: 0,
  };

  constructor(options: ReassemblerOptions = {}) {
    this.maxPayload = options.maxPayload ?? ESPNOW_V2_PAYLOAD;
  }

  /**
   * Take one received ESP-NOW payload; returns the DPP message it completes (a fresh copy), or
   * null. Never throws.
   */
  push(srcMac: string, payload: Uint8Array, nowMs: number): Uint8Array | null {
    this.count.received++;
    const now = this.tick(nowMs);
    this.expire(now);
    const parsed = parseFragment(payload, this.maxPayload);
    if (!parsed.ok) return this.refuse('malformed');
    const f = parsed.value;
    if (this.completedIds.get(srcMac)?.includes(f.messageId)) return this.refuse('duplicate');
    const key = `${srcMac}/${f.messageId}`;
    const isFinal = f.index === f.count - 1;
    let p = this.partials.get(key);
    if (p) {
      if (f.count !== p.count) return this.refuse('malformed');
      if (p.fragments[f.index] !== undefined) return this.refuse('duplicate');
      const fullSize = isFinal ? p.fullSize : f.data.length;
      const lastSize = isFinal ? f.data.length : p.lastSize;
      if (!isFinal && p.fullSize !== undefined && p.fullSize !== fullSize)
        return this.refuse('malformed');
      if (!sizesFit(p.count, fullSize, lastSize)) return this.refuse('malformed');
      p.fullSize = fullSize;
      p.lastSize = lastSize;
    } else {
      if (
        !sizesFit(f.count, isFinal ? undefined : f.data.length, isFinal ? f.data.length : undefined)
      )
        return this.refuse('malformed');
      this.count.started++;
      if (f.count === 1) {
        this.count.accepted++;
        return this.complete(srcMac, f.messageId, [f.data]);
      }
      this.makeRoom(srcMac);
      p = {
        key,
        src: srcMac,
        messageId: f.messageId,
        count: f.count,
        firstMs: now,
        fragments: new Array<Uint8Array | undefined>(f.count).fill(undefined),
        received: 0,
        fullSize: isFinal ? undefined : f.data.length,
        lastSize: isFinal ? f.data.length : undefined,
      };
      this.partials.set(key, p);
      const list = this.bySource.get(srcMac);
      if (list) list.push(p);
      else this.bySource.set(srcMac, [p]);
    }
    this.count.accepted++;
    p.fragments[f.index] = f.data.slice();
    p.received++;
    if (p.received < p.count) return null;
    this.remove(p);
    return this.complete(srcMac, p.messageId, p.fragments as Uint8Array[]);
  }

  /** Drop the partial messages whose first fragment is 2 s old or more; returns how many. */
  expire(nowMs: number): number {
    const now = this.tick(nowMs);
    let n = 0;
    for (const p of this.partials.values()) {
      if (now - p.firstMs < PARTIAL_EXPIRY_MS) break; // oldest first: the rest are younger
      this.remove(p);
      n++;
    }
    this.count.expired += n;
    return n;
  }

  /** When the oldest partial message expires, or undefined if there is none. */
  nextExpiryMs(): number | undefined {
    const oldest = this.partials.values().next();
    return oldest.done ? undefined : oldest.value.firstMs + PARTIAL_EXPIRY_MS;
  }

  /** Partial messages held (≤ MAX_PARTIALS). */
  get partialCount(): number {
    return this.partials.size;
  }

  /** Fragment data bytes held by partial messages. */
  get bufferedBytes(): number {
    let n = 0;
    for (const p of this.partials.values())
      for (const d of p.fragments) if (d !== undefined) n += d.length;
    return n;
  }

  get counters(): Readonly<ReassemblerCounters> {
    return { ...this.count };
  }

  private tick(nowMs: number): number {
    if (nowMs > this.clockMs) this.clockMs = nowMs;
    return this.clockMs;
  }

  private refuse(counter: 'malformed' | 'duplicate'): null {
    this.count[counter]++;
    return null;
  }

  /** Evict the oldest partial message of the source, then of all, until a new one fits. */
  private makeRoom(src: string): void {
    const list = this.bySource.get(src);
    if (list && list.length >= MAX_PARTIALS_PER_SOURCE) this.evict(list[0]!);
    while (this.partials.size >= MAX_PARTIALS) {
      const oldest = this.partials.values().next();
      if (oldest.done) break;
      this.evict(oldest.value);
    }
  }

  private evict(p: Partial): void {
    this.remove(p);
    this.count.evicted++;
  }

  private remove(p: Partial): void {
    this.partials.delete(p.key);
    const list = this.bySource.get(p.src);
    if (!list) return;
    const i = list.indexOf(p);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.bySource.delete(p.src);
  }

  private complete(src: string, messageId: number, fragments: readonly Uint8Array[]): Uint8Array {
    this.count.completed++;
    const ids = this.completedIds.get(src) ?? [];
    this.completedIds.delete(src); // re-inserted last: most recently completing source
    ids.push(messageId);
    if (ids.length > COMPLETED_IDS_PER_SOURCE) ids.shift();
    this.completedIds.set(src, ids);
    if (this.completedIds.size > MAX_REMEMBERED_SOURCES) {
      const first = this.completedIds.keys().next();
      if (!first.done) this.completedIds.delete(first.value);
    }
    let length = 0;
    for (const d of fragments) length += d.length;
    const message = new Uint8Array(length);
    let offset = 0;
    for (const d of fragments) {
      message.set(d, offset);
      offset += d.length;
    }
    return message;
  }
}

const V1_FULL = ESPNOW_V1_PAYLOAD - FRAGMENT_HEADER_LEN;
const V2_FULL = ESPNOW_V2_PAYLOAD - FRAGMENT_HEADER_LEN;

/**
 * Whether a message of `count` fragments with these data sizes (undefined: not known yet) can be
 * consistent: the final fragment no larger than a full one, the whole at most 16384 bytes. An
 * unknown full size is the smallest one the final fragment allows (244, or 1464 past 244).
 */
function sizesFit(
  count: number,
  fullSize: number | undefined,
  lastSize: number | undefined,
): boolean {
  if (count === 1) return true; // parseFragment bounded the only fragment by the payload limit
  const last = lastSize ?? 1;
  const full = fullSize ?? (last > V1_FULL ? V2_FULL : V1_FULL);
  return last <= full && (count - 1) * full + last <= MAX_DPP_MESSAGE_LEN;
}
