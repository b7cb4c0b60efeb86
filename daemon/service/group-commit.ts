/**
 * Group commit for the daemon's own writes (device states, audit records, last-seen times): the
 * writes of the next `windowMs` go into one SQLite transaction instead of one each. A commit is
 * the expensive part of a small write (the WAL append and its lock); a batch of devices makes
 * hundreds of writes a second, one or two per turn of the event loop (docs/benchmarks.md). 50 ms
 * rather than 20: a fifth less commit work per device in the batch benchmark, and a Configuration
 * Response that waits for it is still sent within a fraction of the enrollee's patience.
 *
 * What this costs: a crash loses at most the last `windowMs` of these writes, never anything that
 * `commit()` returned from. The engine commits before credentials leave, so "delivered" is always
 * on disk before the bytes are on the air.
 */
import type { Database } from '../../whitelist/database.js';

export interface GroupCommitLog {
  error(obj: object, msg: string): void;
}

interface PendingWrite {
  readonly what: string;
  readonly write: () => void;
}

export class GroupCommit {
  private pending: PendingWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Called after the next commit with whether every write in it is on disk. */
  private waiters: ((ok: boolean) => void)[] = [];
  /** Transactions committed and writes in them, for the benchmark. */
  readonly counters = { commits: 0, writes: 0, failed: 0 };

  constructor(
    private readonly db: Database,
    private readonly log: GroupCommitLog,
    readonly windowMs = 50,
  ) {}

  get pendingWrites(): number {
    return this.pending.length;
  }

  /** Queue a write for the next commit; `what` names it in the log if it fails. */
  defer(what: string, write: () => void): void {
    this.pending.push({ what, write });
    this.timer ??= setTimeout(() => this.commit(), this.windowMs);
  }

  /**
   * Call `then` once everything queued so far is on disk (at the next commit, within windowMs),
   * with false if any of it could not be written.
   */
  afterCommit(then: (ok: boolean) => void): void {
    this.waiters.push(then);
    this.timer ??= setTimeout(() => this.commit(), this.windowMs);
  }

  /** Write everything queued now, in one transaction. Never throws. */
  commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const ok = batch.length === 0 || this.write(batch);
    for (const then of waiters) {
      try {
        then(ok);
      } catch (e) {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'after-commit failed');
      }
    }
  }

  /** One transaction; if it fails, each write on its own. Whether all of them made it. */
  private write(batch: readonly PendingWrite[]): boolean {
    const failedBefore = this.counters.failed;
    try {
      this.db.transaction(() => {
        for (const w of batch) w.write();
      })();
      this.counters.commits++;
      this.counters.writes += batch.length;
    } catch (e) {
      // One bad write must not take the rest with it: write them one by one, and name the ones
      // that fail (a database locked past its busy timeout fails them all, each logged).
      for (const w of batch) {
        try {
          w.write();
          this.counters.commits++;
          this.counters.writes++;
        } catch (each) {
          this.counters.failed++;
          this.log.error(
            { what: w.what, err: each instanceof Error ? each.message : String(each) },
            'a database write failed',
          );
        }
      }
      this.log.error(
        { err: e instanceof Error ? e.message : String(e), writes: batch.length },
        'a grouped commit failed; its writes were retried one by one',
      );
    }
    return this.counters.failed === failedBefore;
  }
}
