/**
 * A clock for tests: time moves only when the test says so. `advance(ms)` fires every timer that
 * falls due, in order, and lets the promises and microtasks each one starts run to their end
 * before the next, so a test steps through minutes of protocol in no real time and the same way
 * on any machine.
 */
import type { Clock, Timer } from '../../protocol/clock.js';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** Let everything already started settle: microtasks, promise chains and immediate callbacks. */
export async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(private readonly epoch = Date.UTC(2026, 0, 1, 8, 0, 0)) {}

  now(): number {
    return this.t;
  }

  date(): Date {
    return new Date(this.epoch + this.t);
  }

  setTimer(ms: number, fire: () => void): Timer {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fire, cancelled: false };
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Timers armed and not yet fired or cancelled. */
  get armed(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  private next(): Pending | undefined {
    this.pending = this.pending.filter((p) => !p.cancelled);
    let first: Pending | undefined;
    for (const p of this.pending)
      if (first === undefined || p.at < first.at || (p.at === first.at && p.seq < first.seq))
        first = p;
    return first;
  }

  /** Move time forward by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    await drain();
    for (;;) {
      const p = this.next();
      if (p === undefined || p.at > until) break;
      this.pending.splice(this.pending.indexOf(p), 1);
      this.t = Math.max(this.t, p.at);
      p.fire();
      await drain();
    }
    this.t = until;
  }

  /**
   * Step time timer by timer until `condition` holds; fail if it still does not after `withinMs`
   * of virtual time (a bound on the protocol, never on the machine).
   */
  async until(condition: () => boolean, withinMs: number, what: string): Promise<void> {
    const deadline = this.t + withinMs;
    await drain();
    while (!condition()) {
      const p = this.next();
      if (p === undefined || p.at > deadline) {
        await this.advance(Math.max(0, deadline - this.t));
        if (condition()) return;
        throw new Error(`${what}: not within ${withinMs} ms of virtual time`);
      }
      await this.advance(p.at - this.t);
    }
  }
}
