/**
 * The two timers a DPP session machine asks for (`setTimer` / `clearTimer` effects), on Node's
 * clock: setting one replaces it, and when it fires the machine gets `{ type: 'timer' }`. The
 * simulated devices and the rogue configurator share it; the daemon's session runner has its own
 * (daemon/ may not depend on enrollee-sim/).
 */
import type { TimerName } from '../../protocol/dpp/session/types.js';

export class SessionTimers {
  private readonly armed = new Map<TimerName, NodeJS.Timeout>();

  constructor(private readonly fire: (timer: TimerName) => void) {}

  set(timer: TimerName, ms: number): void {
    clearTimeout(this.armed.get(timer));
    this.armed.set(
      timer,
      setTimeout(() => {
        this.armed.delete(timer);
        this.fire(timer);
      }, ms),
    );
  }

  clear(timer: TimerName): void {
    clearTimeout(this.armed.get(timer));
    this.armed.delete(timer);
  }

  clearAll(): void {
    for (const t of this.armed.values()) clearTimeout(t);
    this.armed.clear();
  }
}
