/**
 * Malformed frames for the air: a corpus with one case per way an ESP-NOW payload or the DPP
 * message it carries can be wrong, each with what a receiver that follows docs/espnow-binding.md
 * and docs/protocol.md must make of it:
 *
 *   radio        the radio does not send it (empty, or more than the 1470 bytes of ESP-NOW v2)
 *   fragment     the binding refuses fragments (`malformedFragments` of them): bad header,
 *                index or count out of range, a non-final fragment that is not full, a count that
 *                disagrees with the message's earlier fragments, a message over 16384 bytes
 *   incomplete   fragments accepted, but the message never completes (dropped after 2 s)
 *   undecodable  the fragments make a message that is no DPP or GAS message at all
 *   refused      a Presence Announcement the configurator refuses, under `refusal`: malformed
 *                attributes, a key that does not hash to the chirp, or a key nobody whitelisted
 *   no-session   a well-formed DPP message from a peer that has no session: dropped
 *
 * Well-formed parts are built with the protocol's own encoders, so each case is wrong in exactly
 * one way.
 */
import { randomBytes } from 'node:crypto';
import { concatBytes, u16le } from '../../protocol/bytes.js';
import { AttributeId, encodeAttribute } from '../../protocol/dpp/attributes.js';
import { chirpHashOfDer } from '../../protocol/dpp/bootstrap-key.js';
import { buildConfigurationRequest } from '../../protocol/dpp/config-exchange.js';
import { buildPresenceAnnouncement } from '../../protocol/dpp/presence.js';
import { dppHeader, encodeMessage, FrameType, PublicAction } from '../../protocol/dpp/frames.js';
import {
  ESPNOW_BINDING_V1,
  ESPNOW_V1_PAYLOAD,
  FRAGMENT_KIND_DPP,
  fragmentDppMessage,
} from '../../protocol/espnow/fragment.js';
import { randomKeyDer } from './air.js';

export type MalformedOutcome =
  'radio' | 'fragment' | 'incomplete' | 'undecodable' | 'refused' | 'no-session';

export interface MalformedCase {
  readonly name: string;
  /** Sent in order, from one source MAC. */
  readonly payloads: readonly Uint8Array[];
  readonly outcome: MalformedOutcome;
  /** How many of the payloads the binding refuses as malformed. */
  readonly malformedFragments: number;
  /** `refused`: why, as a short code: malformed, key-mismatch, unknown. */
  readonly refusal?: 'malformed' | 'key-mismatch' | 'unknown' | undefined;
}

let nextId = Math.floor(Math.random() * 0x10000);
function messageId(): number {
  nextId = (nextId + 1) & 0xffff;
  return nextId;
}

/** An ESP-NOW payload with the given header fields and data (any of them may be wrong). */
export function rawFragment(
  fields: { version?: number; kind?: number; id?: number; index: number; count: number },
  data: Uint8Array,
): Uint8Array {
  return concatBytes(
    Uint8Array.of(fields.version ?? ESPNOW_BINDING_V1, fields.kind ?? FRAGMENT_KIND_DPP),
    u16le(fields.id ?? messageId()),
    Uint8Array.of(fields.index, fields.count),
    data,
  );
}

/** A message's payloads as a correct sender would fragment it. */
export function fragmentsOf(message: Uint8Array): Uint8Array[] {
  return fragmentDppMessage(message, messageId(), ESPNOW_V1_PAYLOAD);
}

const FULL = ESPNOW_V1_PAYLOAD - 6;
/** A DPP frame from a type and raw body bytes (which need not be valid attributes). */
function dppFrameBytes(frameType: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(PublicAction.VendorSpecific), dppHeader(frameType), body);
}

/** Bytes that are no DPP message (a vendor frame of another organisation): for injection mid-session. */
export function undecodableMessage(): Uint8Array {
  return concatBytes(Uint8Array.of(PublicAction.VendorSpecific, 0x00, 0x10, 0x18), randomBytes(40));
}

/**
 * The corpus. `whitelistedKeyDer`: a key the configurator has whitelisted, for the case of a
 * whitelisted key announced with a chirp hash that is not its own.
 */
export function malformedCorpus(options: { whitelistedKeyDer?: Uint8Array } = {}): MalformedCase[] {
  const cases: MalformedCase[] = [];
  const add = (c: MalformedCase): void => void cases.push(c);
  const one = (name: string, payload: Uint8Array): void =>
    add({ name, payloads: [payload], outcome: 'fragment', malformedFragments: 1 });
  const message = (
    name: string,
    bytes: Uint8Array,
    outcome: MalformedOutcome,
    refusal?: MalformedCase['refusal'],
  ): void => add({ name, payloads: fragmentsOf(bytes), outcome, malformedFragments: 0, refusal });

  // The radio's limits.
  add({
    name: 'empty payload',
    payloads: [new Uint8Array(0)],
    outcome: 'radio',
    malformedFragments: 0,
  });
  add({
    name: 'payload over 1470 bytes',
    payloads: [rawFragment({ index: 0, count: 1 }, randomBytes(1500))],
    outcome: 'radio',
    malformedFragments: 0,
  });

  // The binding's header and bounds.
  for (let n = 1; n <= 5; n++) one(`truncated header (${n} bytes)`, randomBytes(n));
  one('header without data', rawFragment({ index: 0, count: 1 }, new Uint8Array(0)));
  one('binding version 2', rawFragment({ version: 0x20, index: 0, count: 1 }, randomBytes(20)));
  one(
    'a reserved binding flag set',
    rawFragment({ version: 0x12, index: 0, count: 1 }, randomBytes(20)),
  );
  one('unknown payload kind', rawFragment({ kind: 0x02, index: 0, count: 1 }, randomBytes(20)));
  one('fragment count 0', rawFragment({ index: 0, count: 0 }, randomBytes(20)));
  one('index equal to count', rawFragment({ index: 3, count: 3 }, randomBytes(20)));
  one('index above count', rawFragment({ index: 200, count: 2 }, randomBytes(20)));
  one('count above 68', rawFragment({ index: 0, count: 69 }, randomBytes(FULL)));
  one('non-final fragment not full', rawFragment({ index: 0, count: 2 }, randomBytes(100)));
  one('message over 16384 bytes', rawFragment({ index: 67, count: 68 }, randomBytes(100)));
  {
    const id = messageId();
    add({
      name: 'fragment count changes within a message',
      payloads: [
        rawFragment({ id, index: 0, count: 3 }, randomBytes(FULL)),
        rawFragment({ id, index: 1, count: 2 }, randomBytes(FULL)),
      ],
      outcome: 'fragment',
      malformedFragments: 1,
    });
  }

  // Messages that never complete.
  add({
    name: 'first fragment of three only',
    payloads: [rawFragment({ index: 0, count: 3 }, randomBytes(FULL))],
    outcome: 'incomplete',
    malformedFragments: 0,
  });
  add({
    name: '20 partial messages from one source',
    payloads: Array.from({ length: 20 }, () =>
      rawFragment({ index: 0, count: 68 }, randomBytes(FULL)),
    ),
    outcome: 'incomplete',
    malformedFragments: 0,
  });

  // Well fragmented, but no DPP message inside.
  message('random bytes', randomBytes(60), 'undecodable');
  message('a vendor frame of another organisation', undecodableMessage(), 'undecodable');
  message(
    'unknown public action',
    concatBytes(Uint8Array.of(0x00), randomBytes(30)),
    'undecodable',
  );
  message(
    'DPP header truncated',
    Uint8Array.of(PublicAction.VendorSpecific, 0x50, 0x6f),
    'undecodable',
  );
  message(
    'unknown DPP crypto suite',
    concatBytes(Uint8Array.of(PublicAction.VendorSpecific, 0x50, 0x6f, 0x9a, 0x1a, 0x02, 13)),
    'undecodable',
  );
  message(
    'attribute longer than the frame',
    dppFrameBytes(
      FrameType.PresenceAnnouncement,
      concatBytes(u16le(AttributeId.ResponderBootstrappingKeyHash), u16le(40), randomBytes(32)),
    ),
    'undecodable',
  );
  message(
    'truncated attribute header',
    dppFrameBytes(
      FrameType.PresenceAnnouncement,
      concatBytes(
        encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, randomBytes(32)),
        Uint8Array.of(0x0f, 0x10, 0x3b),
      ),
    ),
    'undecodable',
  );
  message(
    '65 attributes',
    dppFrameBytes(
      FrameType.PresenceAnnouncement,
      concatBytes(...Array.from({ length: 65 }, () => encodeAttribute(0x7777, new Uint8Array(0)))),
    ),
    'undecodable',
  );
  message(
    'GAS Initial Request with a query longer than the frame',
    concatBytes(
      buildConfigurationRequest(randomBytes(32), randomBytes(16), randomBytes(40), 7).subarray(
        0,
        60,
      ),
    ),
    'undecodable',
  );
  message(
    '1000 random bytes in five fragments',
    concatBytes(Uint8Array.of(0x09), randomBytes(999)),
    'undecodable',
  );

  // Presence Announcements the configurator must refuse, with a reason.
  message(
    'announcement without a chirp hash',
    dppFrameBytes(FrameType.PresenceAnnouncement, new Uint8Array(0)),
    'refused',
    'malformed',
  );
  message(
    'chirp hash of 31 bytes',
    dppFrameBytes(
      FrameType.PresenceAnnouncement,
      encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, randomBytes(31)),
    ),
    'refused',
    'malformed',
  );
  message(
    'two chirp hashes',
    dppFrameBytes(
      FrameType.PresenceAnnouncement,
      concatBytes(
        encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, randomBytes(32)),
        encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, randomBytes(32)),
      ),
    ),
    'refused',
    'malformed',
  );
  message(
    'key that does not hash to the chirp hash',
    buildPresenceAnnouncement(randomBytes(32), randomKeyDer()),
    'refused',
    'key-mismatch',
  );
  if (options.whitelistedKeyDer !== undefined) {
    message(
      'whitelisted key with a chirp hash that is not its own',
      buildPresenceAnnouncement(randomBytes(32), options.whitelistedKeyDer),
      'refused',
      'key-mismatch',
    );
  }
  {
    const junk = randomBytes(20);
    message(
      'garbage key bytes with their own chirp hash',
      buildPresenceAnnouncement(chirpHashOfDer(junk), junk),
      'refused',
      'unknown',
    );
  }
  {
    const der = randomKeyDer();
    message(
      'unknown key with a 1000-byte unknown attribute',
      dppFrameBytes(
        FrameType.PresenceAnnouncement,
        concatBytes(
          encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, chirpHashOfDer(der)),
          encodeAttribute(AttributeId.BootstrappingKey, der),
          encodeAttribute(0x7777, randomBytes(1000)),
        ),
      ),
      'refused',
      'unknown',
    );
  }

  // Well formed, but from nobody the configurator is talking to.
  message(
    'Authentication Response out of the blue',
    dppFrameBytes(
      FrameType.AuthenticationResponse,
      concatBytes(
        encodeAttribute(AttributeId.Status, Uint8Array.of(0)),
        encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, randomBytes(32)),
        encodeAttribute(AttributeId.WrappedData, randomBytes(80)),
      ),
    ),
    'no-session',
  );
  message(
    'Configuration Request out of the blue',
    buildConfigurationRequest(randomBytes(32), randomBytes(16), randomBytes(60), 3),
    'no-session',
  );
  message(
    'Authentication Request over ESP-NOW',
    dppFrameBytes(
      FrameType.AuthenticationRequest,
      concatBytes(
        encodeAttribute(AttributeId.ResponderBootstrappingKeyHash, randomBytes(32)),
        encodeAttribute(AttributeId.InitiatorProtocolKey, randomBytes(64)),
        encodeAttribute(AttributeId.WrappedData, randomBytes(60)),
      ),
    ),
    'no-session',
  );
  message(
    'Reconfiguration Announcement',
    dppFrameBytes(
      FrameType.ReconfigAnnouncement,
      encodeAttribute(AttributeId.CSignKeyHash, randomBytes(32)),
    ),
    'no-session',
  );
  message(
    'GAS Comeback Request',
    encodeMessage({ kind: 'gasComebackRequest', dialogToken: 9 }),
    'no-session',
  );
  return cases;
}
