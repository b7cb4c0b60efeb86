/**
 * A flood of Presence Announcements at a set rate (e.g. 10,000 a second), each from a fresh
 * random MAC with a fresh random bootstrapping key nobody whitelisted: the announcement is well
 * formed and its chirp hash matches its key, so every one gets as far as the whitelist lookup.
 * `content: 'chirp'` sends only a random chirp hash, `'mixed'` alternates. The flood measures
 * what it achieved: announcements sent and the rate over the time it ran.
 */
import { randomBytes } from 'node:crypto';
import { buildPresenceAnnouncement } from '../../protocol/dpp/presence.js';
import { chirpHashOfDer } from '../../protocol/dpp/bootstrap-key.js';
import { ESPNOW_V1_PAYLOAD, fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import { BROADCAST_MAC, macFromRandom, randomKeyDer, type ForgedSend } from './air.js';

export interface FloodOptions {
  /** Announcements per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly send: ForgedSend;
  /** What each announcement carries (default `key`: a random key and its chirp hash). */
  readonly content?: 'key' | 'chirp' | 'mixed' | undefined;
  /** How often the sender wakes up to catch up with the schedule (default 1 ms). */
  readonly tickMs?: number | undefined;
}

export interface FloodReport {
  readonly sent: number;
  readonly elapsedMs: number;
  readonly achievedPerSecond: number;
  readonly withKey: number;
  readonly chirpOnly: number;
  /** The furthest the flood fell behind its schedule, in announcements. */
  readonly maxBehind: number;
}

export class AnnouncementFlood {
  private sent = 0;
  private withKey = 0;
  private maxBehind = 0;
  private began = 0;
  private endedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private messageId = Math.floor(Math.random() * 0x10000);
  private resolveDone: ((r: FloodReport) => void) | undefined;
  readonly done: Promise<FloodReport>;

  constructor(private readonly options: FloodOptions) {
    if (!(options.rate > 0)) throw new RangeError('the flood rate must be above 0');
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  start(): this {
    this.began = performance.now();
    this.tick();
    return this;
  }

  /** Announcements sent so far. */
  get sentSoFar(): number {
    return this.sent;
  }

  /** Stop now (before `durationMs` if called early); the report is also what `done` resolves to. */
  stop(): FloodReport {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.endedAt === 0) this.endedAt = performance.now();
    const report = this.report();
    this.resolveDone?.(report);
    return report;
  }

  private report(): FloodReport {
    const elapsedMs = (this.endedAt || performance.now()) - this.began;
    return {
      sent: this.sent,
      elapsedMs,
      achievedPerSecond: elapsedMs > 0 ? (this.sent * 1000) / elapsedMs : 0,
      withKey: this.withKey,
      chirpOnly: this.sent - this.withKey,
      maxBehind: this.maxBehind,
    };
  }

  private tick(): void {
    const { rate, durationMs } = this.options;
    const elapsed = Math.min(performance.now() - this.began, durationMs);
    const due = Math.floor((rate * elapsed) / 1000) - this.sent;
    this.maxBehind = Math.max(this.maxBehind, due);
    // At most a tenth of a second's worth at once: a starved sender catches up, but not in one burst.
    const n = Math.min(due, Math.ceil(rate / 10));
    if (n > 0) this.burst(n);
    if (elapsed >= durationMs && this.sent >= Math.floor((rate * durationMs) / 1000)) {
      this.stop();
      return;
    }
    this.timer = setTimeout(() => this.tick(), this.options.tickMs ?? 1);
  }

  private burst(n: number): void {
    const per = 6 + 33;
    const random = randomBytes(n * per);
    const content = this.options.content ?? 'key';
    for (let i = 0; i < n; i++) {
      const r = random.subarray(i * per, (i + 1) * per);
      const mac = macFromRandom(r);
      const der = randomKeyDer(r.subarray(6));
      const keyed = content === 'key' || (content === 'mixed' && this.sent % 2 === 0);
      // Without the key, the chirp hash of a key nobody has: just as random.
      const message = buildPresenceAnnouncement(chirpHashOfDer(der), keyed ? der : undefined);
      const [payload] = fragmentDppMessage(message, this.nextId(), ESPNOW_V1_PAYLOAD);
      this.options.send(mac, BROADCAST_MAC, payload!);
      this.sent++;
      if (keyed) this.withKey++;
    }
  }

  private nextId(): number {
    this.messageId = (this.messageId + 1) & 0xffff;
    return this.messageId;
  }
}
