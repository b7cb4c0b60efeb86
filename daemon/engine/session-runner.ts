/**
 * Runs one pure Configurator session machine: feeds it inputs, carries out its effects (send
 * through the peer's channel, arm and clear its two timers) and hands the protocol events to the
 * engine. The machine decides; this only does the I/O.
 */
import {
  stepConfigurator,
  type ConfiguratorSession,
} from '../../protocol/dpp/session/configurator.js';
import type { Effect, Input, Outcome, TimerName } from '../../protocol/dpp/session/types.js';
import type { ConfigurationRequest } from '../../protocol/dpp/config-object.js';
import type { DppError } from '../../protocol/errors.js';
import type { PeerChannel } from './peer-channel.js';

export interface SessionHooks {
  authenticated(mutual: boolean, peerVersion: number): void;
  /** Answer with `configure` or `refuseConfiguration` through `runner.input`. */
  configurationRequested(request: ConfigurationRequest): void;
  /** Configuration Result OK; the Connection Status Result is still to come. */
  configurationApplied(): void;
  ignored(error: DppError): void;
  finished(outcome: Outcome): void;
}

export class SessionRunner {
  private session: ConfiguratorSession;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private done = false;
  /** Messages sent, retransmissions included, for the statistics. */
  messagesSent = 0;

  constructor(
    initial: ConfiguratorSession,
    readonly channel: PeerChannel,
    private readonly hooks: SessionHooks,
  ) {
    this.session = initial;
  }

  get finished(): boolean {
    return this.done;
  }

  get stage(): string {
    return this.session.stage.name;
  }

  input(input: Input): void {
    if (this.done) return;
    const { session, effects } = stepConfigurator(this.session, input);
    this.session = session;
    for (const effect of effects) this.apply(effect);
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case 'send':
        this.messagesSent++;
        this.channel.send(effect.message);
        return;
      case 'setTimer': {
        this.clearTimer(effect.timer);
        const timer = effect.timer;
        this.timers.set(
          timer,
          setTimeout(() => {
            this.timers.delete(timer);
            this.input({ type: 'timer', timer });
          }, effect.ms),
        );
        return;
      }
      case 'clearTimer':
        this.clearTimer(effect.timer);
        return;
      case 'authenticated':
        this.hooks.authenticated(effect.mutual, effect.peerVersion);
        return;
      case 'configurationRequested':
        this.hooks.configurationRequested(effect.request);
        return;
      case 'configurationApplied':
        this.hooks.configurationApplied();
        return;
      case 'configurationReceived':
        return; // an Enrollee's effect; a Configurator machine never emits it
      case 'ignored':
        this.hooks.ignored(effect.error);
        return;
      case 'finished':
        this.dispose();
        this.hooks.finished(effect.outcome);
        return;
    }
  }

  private clearTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

  /** Stop the timers; the machine gets no more input. */
  dispose(): void {
    this.done = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
