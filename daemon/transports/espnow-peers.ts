/**
 * ESP-NOW peers for the engine: every message the link reassembles comes from a MAC, which becomes
 * a PeerChannel whose sends go back through the same link. A channel holds nothing but the MAC,
 * so none is kept: one kept per source MAC would grow with every forged address on the air, since
 * most of them never get a session to close it.
 */
import type { PeerChannel, PeerHandler } from '../engine/peer-channel.js';
import type { EspnowDppLink } from './espnow-link.js';
import type { Mac } from './radio-transport.js';

export function espnowPeer(
  link: EspnowDppLink,
  mac: Mac,
  rssi?: number,
  heardBy?: string,
): PeerChannel {
  return {
    id: `espnow:${mac}`,
    transport: 'espnow',
    address: mac,
    rssi,
    heardBy,
    // Only a frame nothing acknowledged says the peer is not here; the link counts the rest.
    send: (message) => link.send(mac, message).then((result) => result !== 'notAcked'),
    close: () => {},
  };
}

/**
 * Hands the link's messages to the engine, and tells it when the air has room again. `radioName`
 * says which radio heard a message when the radio itself does not (one bridge: its port).
 */
export function feedPeers(
  link: EspnowDppLink,
  handler: PeerHandler,
  radioName?: () => string,
): void {
  link.on('message', (m) =>
    handler.onMessage(espnowPeer(link, m.src, m.rssi, m.heardBy ?? radioName?.()), m.bytes),
  );
  link.on('drain', () => handler.admitWaiting());
}
