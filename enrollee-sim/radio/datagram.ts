/**
 * Datagrams of the simulated ESP-NOW radio (docs/simulated-radio.md). Shared by the radio hub,
 * the simulated enrollees and — in C — the host build of the bridge.
 */
export const RADIO_MAGIC = 'ESNR';
export const RADIO_VERSION = 1;
export const RADIO_HEADER_LEN = 22;
export const ESPNOW_V1_MAX_PAYLOAD = 250;
export const ESPNOW_V2_MAX_PAYLOAD = 1470;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export const DatagramType = { Join: 1, Frame: 2, TxStatus: 3, Leave: 4 } as const;
export type DatagramType = (typeof DatagramType)[keyof typeof DatagramType];

export interface RadioDatagram {
  readonly type: DatagramType;
  /** Lowercase aa:bb:cc:dd:ee:ff. */
  readonly src: string;
  readonly dst: string;
  readonly channel: number;
  readonly rssi: number;
  readonly seq: number;
  readonly body: Uint8Array;
}

export function macToBytes(mac: string): Uint8Array {
  const hex = mac.replaceAll(':', '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw new RangeError(`not a MAC address: ${mac}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function macFromBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function encodeDatagram(d: RadioDatagram): Uint8Array {
  const out = Buffer.alloc(RADIO_HEADER_LEN + d.body.length);
  out.write(RADIO_MAGIC, 0, 'ascii');
  out[4] = RADIO_VERSION;
  out[5] = d.type;
  out.set(macToBytes(d.src), 6);
  out.set(macToBytes(d.dst), 12);
  out[18] = d.channel;
  out.writeInt8(d.rssi, 19);
  out.writeUInt16LE(d.seq & 0xffff, 20);
  out.set(d.body, RADIO_HEADER_LEN);
  return out;
}

/** Total: null for anything that is not a well-formed version-1 datagram. */
export function decodeDatagram(bytes: Uint8Array): RadioDatagram | null {
  if (
    bytes.length < RADIO_HEADER_LEN ||
    bytes.length > RADIO_HEADER_LEN + ESPNOW_V2_MAX_PAYLOAD + 1
  )
    return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.toString('ascii', 0, 4) !== RADIO_MAGIC || b[4] !== RADIO_VERSION) return null;
  const type = b[5]!;
  if (type < DatagramType.Join || type > DatagramType.Leave) return null;
  return {
    type: type as DatagramType,
    src: macFromBytes(b.subarray(6, 12)),
    dst: macFromBytes(b.subarray(12, 18)),
    channel: b[18]!,
    rssi: b.readInt8(19),
    seq: b.readUInt16LE(20),
    body: new Uint8Array(b.subarray(RADIO_HEADER_LEN)),
  };
}
