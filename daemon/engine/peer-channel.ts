/**
 * One peer as the session engine sees it: an address on a transport and a way to send it a DPP
 * message. ESP-NOW peers are MACs on the bridge's radio; TCP peers are connections.
 */
import type { Transport } from '../../whitelist/types.js';
export interface PeerChannel {
  /** Unique among live peers: `espnow:<mac>` or `tcp:<ip>:<port>/<local port>`. */
  readonly id: string;
  readonly transport: Transport;
  /** MAC (ESP-NOW) or ip:port (TCP), for the devices table and the audit log. */
  readonly address: string;
  /** Signal strength (dBm) of the frame that brought this message, when the radio reports it. */
  readonly rssi?: number | undefined;
  /** The radio that heard it (a bridge's name or port), when the transport says. */
  readonly heardBy?: string | undefined;
  /**
   * Hand one DPP message to the transport; delivery failures are the session's retransmission's
   * business. A radio that learns whether the peer's radio acknowledged it (ESP-NOW) resolves
   * with that: false when nothing answered on our channel.
   */
  send(message: Uint8Array): Promise<boolean> | undefined;
  /** The session is over (TCP closes the connection once the last message is out). */
  close(): void;
}

/** What a transport feeds the engine: messages from peers, peers gone, room freed. */
export interface PeerHandler {
  /** One whole DPP message (a reassembled ESP-NOW message or one TCP frame). Never throws. */
  onMessage(channel: PeerChannel, bytes: Uint8Array): void;
  /** The peer's connection went away (TCP) or its link is gone. */
  onPeerGone(channelId: string, reason: string): void;
  /** The transport has room again (its send backlog went down): waiting devices may start. */
  admitWaiting(): void;
}
