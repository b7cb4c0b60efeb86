/**
 * Every refusal is logged with its reason, but a flood of announcements (thousands per second
 * from random keys) must not turn into thousands of audit rows and log lines per second. So: each
 * refused identity is recorded at most once per `repeatMs`, at most `perSecond` records a second
 * are written one by one, and the rest are written as one summary record per second with counts
 * by reason. Nothing is dropped silently: the summary carries every suppressed refusal.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock, type Timer } from '../../protocol/clock.js';
import type { AuditPort } from './ports.js';

export interface Refusal {
  /** What identifies the refused party: key hash, chirp hash, or peer address. */
  readonly subject: string;
  readonly keyHash?: string | undefined;
  readonly peer: string;
  readonly reason: string;
  /** A short stable code for counting ("unknown", "revoked", "malformed" …). */
  readonly code: string;
}

export interface RefusalLogOptions {
  readonly repeatMs: number;
  readonly perSecond: number;
  /** Identities remembered for `repeatMs` (bounded memory under a flood of random keys). */
  readonly remember: number;
}

export const DEFAULT_REFUSAL_LOG: RefusalLogOptions = {
  repeatMs: 60_000,
  perSecond: 50,
  remember: 10_000,
};

export class RefusalLog {
  private readonly lastRecorded = new Map<string, number>();
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = new Map<string, number>();
  private repeats = 0;
  private flushTimer: Timer | undefined;
  /** Totals by code since start, for status and the benchmark. */
  readonly totals = new Map<string, number>();
  private readonly options: RefusalLogOptions;

  constructor(
    private readonly audit: AuditPort,
    private readonly log: Logger,
    options: RefusalLogOptions | undefined,
    private readonly clock: Clock = systemClock,
  ) {
    this.options = options ?? DEFAULT_REFUSAL_LOG;
  }

  record(r: Refusal): void {
    this.totals.set(r.code, (this.totals.get(r.code) ?? 0) + 1);
    const t = this.clock.now();
    const last = this.lastRecorded.get(r.subject);
    if (last !== undefined && t - last < this.options.repeatMs) {
      this.repeats++;
      this.scheduleFlush();
      return;
    }
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.options.perSecond) {
      this.suppressed.set(r.code, (this.suppressed.get(r.code) ?? 0) + 1);
      this.scheduleFlush();
      return;
    }
    this.inWindow++;
    this.remember(r.subject, t);
    this.log.info({ keyHash: r.keyHash, peer: r.peer, code: r.code }, `refused: ${r.reason}`);
    this.audit.append({ kind: 'refused', keyHash: r.keyHash, peer: r.peer, reason: r.reason });
  }

  private remember(subject: string, t: number): void {
    this.lastRecorded.delete(subject);
    this.lastRecorded.set(subject, t);
    if (this.lastRecorded.size > this.options.remember) {
      const oldest = this.lastRecorded.keys().next().value;
      if (oldest !== undefined) this.lastRecorded.delete(oldest);
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = this.clock.setTimer(1000, () => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  /** Write the summary of what was not recorded one by one. */
  flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const byCode = Object.fromEntries(this.suppressed);
    const count = [...this.suppressed.values()].reduce((a, b) => a + b, 0);
    if (count === 0 && this.repeats === 0) return;
    const detail = { suppressedByReason: byCode, suppressed: count, repeats: this.repeats };
    this.log.warn(detail, `refused ${count + this.repeats} more announcements (summarised)`);
    this.audit.append({
      kind: 'refusals-summarised',
      reason: 'rate limit on refusal records',
      detail,
    });
    this.suppressed = new Map();
    this.repeats = 0;
  }
}
