/**
 * One peer as the session engine sees it: an address on a transport and a way to send it a DPP
 * message. ESP-NOW peers are MACs on the bridge's radio; TCP peers are connections.
 */
export type TransportKind = 'espnow' | 'tcp';

export interface PeerChannel {
  /** Unique among live peers: `espnow:<mac>` or `tcp:<ip>:<port>`. */
  readonly id: string;
  readonly transport: TransportKind;
  /** MAC (ESP-NOW) or ip:port (TCP), for the devices table and the audit log. */
  readonly address: string;
  /** Hand one DPP message to the transport; delivery failures are the session's retransmission's business. */
  send(message: Uint8Array): void;
  /** The session is over (TCP closes the connection once the last message is out). */
  close(): void;
}
