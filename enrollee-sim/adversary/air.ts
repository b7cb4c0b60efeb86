/**
 * What the adversaries need of the air, whichever air it is (the radio hub, the in-memory radio):
 * a monitor that hears every frame, an endpoint that sends and receives as one MAC, and, for those
 * that forge their source address, a way to transmit from any MAC.
 */
import { randomBytes } from 'node:crypto';
import { concatBytes, fromHex } from '../../protocol/bytes.js';
import { decodeMessage, frameTypeName } from '../../protocol/dpp/frames.js';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** One frame as a passive listener on the air hears it. */
export interface AirFrame {
  readonly src: string;
  readonly dst: string;
  readonly payload: Uint8Array;
}

/** A station on the air with one MAC (a node on the hub, an in-memory endpoint). */
export interface AdversaryEndpoint {
  readonly mac: string;
  onFrame: (frame: { src: string; broadcast: boolean; payload: Uint8Array }) => void;
  send(dst: string, payload: Uint8Array): Promise<unknown>;
}

/** Transmit one payload with a forged source MAC. */
export type ForgedSend = (src: string, dst: string, payload: Uint8Array) => unknown;

/** A locally administered unicast MAC (first byte x2, x6, xA or xE) from 6 random bytes. */
export function macFromRandom(bytes: Uint8Array): string {
  const b = Array.from(bytes.subarray(0, 6));
  b[0] = (b[0]! & 0xfc) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A random locally administered unicast MAC. */
export function randomMac(): string {
  return macFromRandom(randomBytes(6));
}

/** What a message is: its DPP frame type's name, its GAS message kind, or "undecodable". */
export function messageKind(bytes: Uint8Array): string {
  const m = decodeMessage(bytes);
  if (!m.ok) return 'undecodable';
  return m.value.kind === 'dpp' ? frameTypeName(m.value.frameType) : m.value.kind;
}

/** DER SubjectPublicKeyInfo of a compressed P-256 key, up to the point. */
const SPKI_P256_COMPRESSED_PREFIX = fromHex('3039301306072a8648ce3d020106082a8648ce3d030107032200');

/**
 * The DER of a bootstrapping key nobody has, from 33 random bytes (parity byte, x): as an
 * announcement carries it. Whether x is on the curve does not matter to anyone who only hashes it.
 */
export function randomKeyDer(random: Uint8Array = randomBytes(33)): Uint8Array {
  const point = random.slice(0, 33);
  point[0] = 0x02 | (point[0]! & 1);
  return concatBytes(SPKI_P256_COMPRESSED_PREFIX, point);
}
