/**
 * The one interface every radio transport implements (the ESP32 bridge on serial, the in-memory
 * radio of the tests): ESP-NOW payloads in and out, by MAC, with typed events. The session engine
 * above sees no difference between them.
 */
import { EventEmitter } from 'node:events';
import type { DppError } from '../../protocol/errors.js';

/** Lowercase aa:bb:cc:dd:ee:ff. */
export type Mac = string;
export const BROADCAST: Mac = 'ff:ff:ff:ff:ff:ff';

export interface RadioFrame {
  readonly src: Mac;
  readonly rssi: number;
  readonly channel: number;
  readonly broadcast: boolean;
  readonly payload: Uint8Array;
}

export interface RadioInfo {
  /** The radio's own MAC. */
  readonly mac: Mac;
  readonly channel: number;
  /** 250, or 1470 for ESP-NOW v2. */
  readonly maxPayload: number;
  readonly firmware: string;
}

/** acked: unicast ACKed (broadcast: sent); notAcked: no ACK after the radio's retries; linkDown: the link went away first. */
export type TxResult = 'acked' | 'notAcked' | 'refused' | 'linkDown';

export interface RadioTransportEvents {
  /** The link is up (again): after a reconnect or a bridge reset, everything in flight was lost. */
  up: [info: RadioInfo];
  down: [reason: string];
  frame: [frame: RadioFrame];
  /** A problem that did not end the link (garbage on the line, a refused message), with its code. */
  problem: [error: DppError];
}

export interface RadioTransport {
  readonly name: string;
  /** Current radio info, or null while the link is down. */
  readonly info: RadioInfo | null;
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
