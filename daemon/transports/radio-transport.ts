/**
 * The one interface every radio transport implements (the ESP32 bridge on serial, the in-memory
 * radio of the tests): ESP-NOW payloads in and out, by MAC, with typed events. The session engine
 * above sees no difference between them.
 */
import { EventEmitter } from 'node:events';
import type { ConfiguratorError } from '../../protocol/errors.js';
import type { Mac, RadioFrame, RadioInfo, TxResult } from '../../protocol/bridge/radio.js';

export type { Mac, RadioFrame, RadioInfo, TxResult };

export interface RadioTransportEvents {
  /** The link is up (again): after a reconnect or a bridge reset, everything in flight was lost. */
  up: [info: RadioInfo];
  down: [reason: string];
  frame: [frame: RadioFrame];
  /** A problem that did not end the link (garbage on the line, a refused message), with its code. */
  problem: [error: ConfiguratorError];
}

/** Why a link is down and when it tries again: for `status` and the console. */
export interface RadioHealth {
  /** The last reason it went down or could not come up; undefined while up. */
  readonly downReason?: string | undefined;
  /** ISO-8601 UTC. */
  readonly lastAttemptAt?: string | undefined;
  readonly nextAttemptAt?: string | undefined;
}

export interface RadioTransport {
  readonly name: string;
  /** Current radio info, or null while the link is down. */
  readonly info: RadioInfo | null;
  /** Why it is down and its retries, when the transport retries on its own (the serial bridge). */
  readonly health?: RadioHealth;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Send one ESP-NOW payload; never throws for link problems, resolves with the outcome. */
  send(dst: Mac, payload: Uint8Array): Promise<TxResult>;
  setChannel(channel: number): Promise<boolean>;
  on<E extends keyof RadioTransportEvents>(
    event: E,
    listener: (...args: RadioTransportEvents[E]) => void,
  ): this;
  off<E extends keyof RadioTransportEvents>(
    event: E,
    listener: (...args: RadioTransportEvents[E]) => void,
  ): this;
}

/** EventEmitter with the transport's event map, for implementations to extend. */
export class RadioTransportEmitter extends EventEmitter<RadioTransportEvents> {}
