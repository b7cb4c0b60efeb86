/**
 * The radio as the host sees it through the bridge (docs/bridge-serial.md): ESP-NOW payloads by
 * MAC, the radio's own description, and what became of a send. Pure types; the transports that
 * carry them live in daemon/transports/.
 */

/** Lowercase aa:bb:cc:dd:ee:ff. */
export type Mac = string;

export interface RadioFrame {
  readonly src: Mac;
  readonly rssi: number;
  readonly channel: number;
  readonly broadcast: boolean;
  readonly payload: Uint8Array;
  /** Which of several radios heard it (its name), when the daemon has more than one. */
  readonly heardBy?: string | undefined;
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
