/**
 * Runs one pure session machine, of either role: feeds it inputs, carries out the effects every
 * machine emits (send through the peer, arm and clear its two timers on the clock) and hands the
 * rest to the caller. The machine decides; this only does the I/O. The daemon runs Configurator
 * machines on it, the simulated devices Enrollee machines, the adversaries either.
 */
import type { Clock, Timer } from '../../clock.js';
import type { SessionEffect, Step, TimerName } from './types.js';

/** What a runner needs of its peer: a way to send it one DPP message. */
export interface MessageSink {
  send(message: Uint8Array): void;
}

export type RoleEffect<E> = Exclude<E, { type: 'send' | 'setTimer' | 'clearTimer' }>;

export class SessionRunner<S, I, E extends SessionEffect<unknown> | { readonly type: string }> {
  private session: S;
  private readonly timers = new Map<TimerName, Timer>();
  private ended = false;
  private disposed = false;
  /**
   * Inputs given while an earlier one's effects are being carried out (a handler that answers at
   * once, e.g. the configuration after a commit): run after it, so every step sees the effects of
   * the one before it in order.
   */
  private readonly queued: I[] = [];
  private stepping = false;
  /** Messages sent, retransmissions included, for the statistics. */
  messagesSent = 0;

  constructor(
    private readonly step: (session: S, input: I) => Step<S, E>,
    initial: S,
    private readonly peer: MessageSink,
    private readonly clock: Clock,
    /** Every effect but send and the timers, in the order the machine emitted them. */
    private readonly onEffect: (effect: RoleEffect<E>) => void,
    private readonly timerInput: (timer: TimerName) => NoInfer<I>,
  ) {
    this.session = initial;
  }

  /** The machine has finished (it may still answer a repeated message), or was disposed of. */
  get finished(): boolean {
    return this.ended || this.disposed;
  }

  /** The machine's current state (read-only: only inputs change it). */
  get state(): S {
    return this.session;
  }

  input(input: I): void {
    if (this.disposed) return;
    this.queued.push(input);
    if (this.stepping) return;
    this.stepping = true;
    try {
      for (let next = this.queued.shift(); next !== undefined; next = this.queued.shift()) {
        if (this.disposed) break;
        const { session, effects } = this.step(this.session, next);
        this.session = session;
        for (const effect of effects) this.apply(effect);
      }
    } finally {
      this.stepping = false;
      this.queued.length = 0;
    }
  }

  private apply(effect: E): void {
    const e = effect as SessionEffect<unknown>;
    switch (e.type) {
      case 'send':
        this.messagesSent++;
        this.peer.send(e.message);
        return;
      case 'setTimer': {
        this.clearTimer(e.timer);
        const timer = e.timer;
        this.timers.set(
          timer,
          this.clock.setTimer(e.ms, () => {
            this.timers.delete(timer);
            this.input(this.timerInput(timer));
          }),
        );
        return;
      }
      case 'clearTimer':
        this.clearTimer(e.timer);
        return;
      case 'finished':
        this.ended = true;
        this.cancelTimers();
        break;
    }
    this.onEffect(effect as RoleEffect<E>);
  }

  private clearTimer(name: TimerName): void {
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
  }

  private cancelTimers(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** Stop the timers; the machine gets no more input. */
  dispose(): void {
    this.disposed = true;
    this.cancelTimers();
  }
}
