/**
 * The ESP-NOW binding's fragment payload (docs/espnow-binding.md#payload):
 *
 *   offset 0  1  binding version (high nibble, 1) and flags (low nibble): 0x01 = the sender
 *                accepts 1470-byte payloads (ESP-NOW v2); the other flag bits are 0
 *          1  1  kind: 0x01 DPP message fragment
 *          2  2  messageId, little-endian
 *          4  1  fragmentIndex: 0 … fragmentCount − 1
 *          5  1  fragmentCount: 1 … 255
 *          6  …  fragment data: 1 … payload limit − 6 bytes
 *
 * A message of n bytes travels in ⌈n / (limit − 6)⌉ fragments; all but the last are full.
 */
import { concatBytes, readU16le, u16le } from '../bytes.js';
import { ConfiguratorError, ErrorCode, fail, ok, type Result } from '../errors.js';
import { MAX_MESSAGE_LEN } from '../dpp/frames.js';

export const ESPNOW_BINDING_V1 = 0x10;
/** Header flag: the sender's radio receives ESP-NOW v2 (1470-byte) payloads. */
export const FLAG_ACCEPTS_V2 = 0x01;
const VERSION_MASK = 0xf0;
const RESERVED_FLAGS = 0x0e;
export const FRAGMENT_KIND_DPP = 0x01;
export const FRAGMENT_HEADER_LEN = 6;
export const ESPNOW_V1_PAYLOAD = 250;
export const ESPNOW_V2_PAYLOAD = 1470;
export type PayloadLimit = typeof ESPNOW_V1_PAYLOAD | typeof ESPNOW_V2_PAYLOAD;
/** Largest DPP message carried: 68 fragments of 244 bytes, or 12 of 1464. */
export const MAX_DPP_MESSAGE_LEN = MAX_MESSAGE_LEN;
/** The most fragments any accepted message can have (⌈16384 / 244⌉). */
export const MAX_FRAGMENT_COUNT = Math.ceil(
  MAX_DPP_MESSAGE_LEN / (ESPNOW_V1_PAYLOAD - FRAGMENT_HEADER_LEN),
);

/** Data bytes of a full (non-final) fragment under a payload limit: 244 or 1464. */
export function fullFragmentData(limit: PayloadLimit): number {
  return limit - FRAGMENT_HEADER_LEN;
}

export interface Fragment {
  readonly messageId: number;
  readonly index: number;
  readonly count: number;
  /** A view into the payload. */
  readonly data: Uint8Array;
  /** The sender said its radio receives 1470-byte payloads. */
  readonly acceptsV2: boolean;
}

/**
 * Whether the sender of this payload receives ESP-NOW v2 payloads: it said so in the header, or
 * it sent one longer than v1 allows. How each side learns it may send the other 1470 bytes.
 */
export function senderAcceptsV2(payload: Uint8Array): boolean {
  if (payload.length > ESPNOW_V1_PAYLOAD) return true;
  const b = payload[0];
  return b !== undefined && (b & VERSION_MASK) === ESPNOW_BINDING_V1 && (b & FLAG_ACCEPTS_V2) !== 0;
}

/**
 * Split a DPP message into ESP-NOW payloads. Our own data: an empty message or one over
 * 16384 bytes is a ConfiguratorError (TransportFrameTooLarge), a messageId outside 0..65535 or a
 * payload limit other than 250 / 1470 a RangeError. `acceptsV2` says, in every fragment's header,
 * that our radio receives 1470-byte payloads.
 */
export function fragmentDppMessage(
  message: Uint8Array,
  messageId: number,
  payloadLimit: PayloadLimit,
  acceptsV2 = false,
): Uint8Array[] {
  if (!Number.isInteger(messageId) || messageId < 0 || messageId > 0xffff)
    throw new RangeError(`messageId ${messageId} is outside 0..65535`);
  if (payloadLimit !== ESPNOW_V1_PAYLOAD && payloadLimit !== ESPNOW_V2_PAYLOAD)
    throw new RangeError(`payload limit ${String(payloadLimit)} is neither 250 nor 1470`);
  if (message.length === 0 || message.length > MAX_DPP_MESSAGE_LEN) {
    throw new ConfiguratorError(
      ErrorCode.TransportFrameTooLarge,
      `cannot fragment a message of ${message.length} bytes (1..${MAX_DPP_MESSAGE_LEN})`,
    );
  }
  const full = fullFragmentData(payloadLimit);
  const count = Math.ceil(message.length / full);
  const payloads: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    payloads.push(
      concatBytes(
        Uint8Array.of(ESPNOW_BINDING_V1 | (acceptsV2 ? FLAG_ACCEPTS_V2 : 0), FRAGMENT_KIND_DPP),
        u16le(messageId),
        Uint8Array.of(index, count),
        message.subarray(index * full, (index + 1) * full),
      ),
    );
  }
  return payloads;
}

function malformed<T>(why: string): Result<T> {
  return fail(ErrorCode.EspNowBadFragment, why);
}

/**
 * Parse one received payload and apply every check that needs no other fragment: header
 * version and kind, payload size (1 data byte … `maxPayload`), index within the count, a count
 * that could be a message of at most 16384 bytes, and a non-final fragment that is full (a
 * 250-byte payload, or 1470 when `maxPayload` is 1470). Total; refusals are EspNowBadFragment.
 */
export function parseFragment(
  payload: Uint8Array,
  maxPayload: PayloadLimit = ESPNOW_V2_PAYLOAD,
): Result<Fragment> {
  if (payload.length <= FRAGMENT_HEADER_LEN)
    return malformed(`payload of ${payload.length} bytes carries no fragment data`);
  if (payload.length > maxPayload)
    return malformed(`payload of ${payload.length} bytes exceeds ${maxPayload}`);
  const header = payload[0]!;
  if ((header & VERSION_MASK) !== ESPNOW_BINDING_V1 || (header & RESERVED_FLAGS) !== 0)
    return malformed(`binding version/flags 0x${header.toString(16)} is neither 0x10 nor 0x11`);
  if (payload[1] !== FRAGMENT_KIND_DPP)
    return malformed(`unknown payload kind 0x${payload[1]!.toString(16)}`);
  const messageId = readU16le(payload, 2);
  const index = payload[4]!;
  const count = payload[5]!;
  if (count === 0 || index >= count)
    return malformed(`fragment index ${index} out of range for count ${count}`);
  if (count > MAX_FRAGMENT_COUNT)
    return malformed(`${count} fragments exceed a ${MAX_DPP_MESSAGE_LEN}-byte message`);
  const data = payload.subarray(FRAGMENT_HEADER_LEN);
  if (index < count - 1) {
    if (payload.length !== ESPNOW_V1_PAYLOAD && payload.length !== ESPNOW_V2_PAYLOAD)
      return malformed(`non-final fragment ${index} of ${count} is not full`);
    if ((count - 1) * data.length >= MAX_DPP_MESSAGE_LEN)
      return malformed(`${count} fragments of ${data.length} bytes exceed ${MAX_DPP_MESSAGE_LEN}`);
  }
  return ok({ messageId, index, count, data, acceptsV2: (header & FLAG_ACCEPTS_V2) !== 0 });
}
