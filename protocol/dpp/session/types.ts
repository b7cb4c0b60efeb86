/**
 * Inputs and effects of the pure DPP session machines. A machine owns no timers and no sockets:
 * `step(session, input) → { session, effects }`; the engine around it sends the bytes, runs the
 * timers and feeds frames and expiries back in.
 */
import type { ConfiguratorError } from '../../errors.js';
import type { ConfigurationRequest } from '../config-object.js';
import type { DppMessage } from '../frames.js';

/** `retransmit` re-sends the last message; `stage` is the deadline of the current stage. */
export type TimerName = 'retransmit' | 'stage';

export interface SessionTimings {
  /** Re-send the last message after this long without an answer; 0 disables (reliable links like TCP). */
  readonly retransmitMs: number;
  /** Transmissions of one message at most, the first included. */
  readonly maxTransmissions: number;
  /** Deadline for authentication to complete. */
  readonly authTimeoutMs: number;
  /** Deadline for each step of the configuration exchange. */
  readonly configTimeoutMs: number;
  /** How long the Configurator waits for a Connection Status Result (the device must join the AP first). */
  readonly connStatusTimeoutMs: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  retransmitMs: 1000,
  maxTransmissions: 5,
  authTimeoutMs: 10_000,
  configTimeoutMs: 10_000,
  connStatusTimeoutMs: 30_000,
};

/** Inputs both roles take. */
export type SessionInput =
  | { readonly type: 'start' }
  /** `decoded`, when the caller has already decoded the message, saves decoding it again. */
  | { readonly type: 'message'; readonly bytes: Uint8Array; readonly decoded?: DppMessage }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'abort'; readonly reason: string };

export type ConfiguratorInput =
  | SessionInput
  /** The configuration to deliver for the request it announced (or a refusal status). */
  | {
      readonly type: 'configure';
      readonly configObject: Uint8Array;
      readonly sendConnStatus: boolean;
    }
  | { readonly type: 'refuseConfiguration'; readonly status: number; readonly reason: string };

export type EnrolleeInput =
  | SessionInput
  /** Whether it accepted and applied the configuration (DPP status, 0 = OK). */
  | { readonly type: 'configApplied'; readonly status: number }
  /** The result of its attempt to join the network, a Connection Status JSON object. */
  | { readonly type: 'connectionAttempted'; readonly connStatus: Uint8Array };

/** Effects both roles emit: the runner carries out the first three itself. */
export type SessionEffect<O> =
  | {
      readonly type: 'send';
      readonly message: Uint8Array;
      readonly what: string;
      readonly retransmission: boolean;
    }
  | { readonly type: 'setTimer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'clearTimer'; readonly timer: TimerName }
  | { readonly type: 'authenticated'; readonly mutual: boolean; readonly peerVersion: number }
  /** A message that was dropped, with the reason; the session goes on. */
  | { readonly type: 'ignored'; readonly error: ConfiguratorError }
  | { readonly type: 'finished'; readonly outcome: O };

export type ConfiguratorEffect =
  | SessionEffect<ConfiguratorOutcome>
  | { readonly type: 'configurationRequested'; readonly request: ConfigurationRequest }
  /**
   * The Enrollee's Configuration Result said OK and its Connection Status Result is still to
   * come. The device holds the configuration now, whatever the status says later.
   */
  | { readonly type: 'configurationApplied' };

export type EnrolleeEffect =
  | SessionEffect<EnrolleeOutcome>
  | {
      readonly type: 'configurationReceived';
      readonly configObjects: readonly Uint8Array[];
      readonly sendConnStatus: boolean;
    };

/** Where the shared send/receive bookkeeping (link.ts) puts its effects, whatever the role. */
export interface EffectSink {
  push(...effects: SessionEffect<never>[]): number;
}

export interface SessionFailure {
  readonly result: 'failed';
  readonly error: ConfiguratorError;
}

export type ConfiguratorOutcome =
  | {
      readonly result: 'provisioned';
      readonly note?: string | undefined;
      readonly connStatus?: Uint8Array | undefined;
    }
  | { readonly result: 'connected'; readonly connStatus: Uint8Array }
  | SessionFailure;

export type EnrolleeOutcome =
  /** Configuration received and applied. */
  { readonly result: 'configured'; readonly configObjects: readonly Uint8Array[] } | SessionFailure;

export interface Step<S, E> {
  readonly session: S;
  readonly effects: E[];
}
