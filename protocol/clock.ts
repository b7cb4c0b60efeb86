/**
 * Time, as a port: the shells around the pure machines (the session runner, the engine, the
 * simulated devices) read the time and arm timers only through a Clock, so tests can hand in a
 * virtual one and step it instead of sleeping.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds, for intervals and deadlines. */
  now(): number;
  /** Wall-clock time, for records. */
  date(): Date;
  /** Call `fire` once, `ms` from now (a pending timer is pending work: it keeps the process alive). */
  setTimer(ms: number, fire: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  date: () => new Date(),
  setTimer(ms, fire) {
    const handle = setTimeout(fire, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
