/**
 * The Presence Announcement (Wi-Fi Easy Connect §6.2, DPP frame 13): how an Enrollee chirps to be
 * found. It carries SHA-256("chirp" ‖ bootstrapping key DER) and, in our binding, optionally the
 * key itself (docs/espnow-binding.md).
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import { attempt, ConfiguratorError, ErrorCode, ok, type Result } from '../errors.js';
import { AttributeId, pickAttributes } from './attributes.js';
import { attr } from './auth-common.js';
import {
  bootstrapKeyHash,
  chirpHash as chirpHashOf,
  parseBootstrapKey,
  type BootstrapKey,
} from './bootstrap-key.js';
import { encodeDppFrame, FrameType, type DppFrame } from './frames.js';

const EMPTY = new Uint8Array(0);

/**
 * Presence Announcement (frame 13): the chirp, carrying SHA-256("chirp" ‖ bootstrapping key DER),
 * and optionally the whole key in a Bootstrapping Key attribute (0x100F) after it, so that a
 * whitelist of key hashes can be checked without a scan (docs/espnow-binding.md).
 */
export function buildPresenceAnnouncement(
  chirpHash: Uint8Array,
  bootstrapKeyDer?: Uint8Array,
): Uint8Array {
  return encodeDppFrame(
    FrameType.PresenceAnnouncement,
    concatBytes(
      attr(AttributeId.ResponderBootstrappingKeyHash, chirpHash),
      bootstrapKeyDer ? attr(AttributeId.BootstrappingKey, bootstrapKeyDer) : EMPTY,
    ),
  );
}

export interface PresenceAnnouncement {
  /** SHA-256("chirp" ‖ DER): what a chirp always carries. */
  readonly chirpHash: Uint8Array;
  /** The announced key, present only if it is a P-256 key whose chirp hash is `chirpHash`. */
  readonly key?: BootstrapKey;
  /** SHA-256(DER) of `key`: the bootstrapping key hash a whitelist is looked up by. */
  readonly keyHash?: Uint8Array;
}

/** What an announcement says, before any curve arithmetic: the chirp hash and the raw key DER. */
export interface PresenceAnnouncementPeek {
  readonly chirpHash: Uint8Array;
  readonly keyDer?: Uint8Array | undefined;
}

/**
 * The attribute checks of parsePresenceAnnouncement without parsing the key: enough to look the
 * device up (keyHashOfDer / chirpHashOfDer are plain hashes), so an unknown device costs no EC work.
 */
export function peekPresenceAnnouncement(frame: DppFrame): Result<PresenceAnnouncementPeek> {
  const what = 'Presence Announcement';
  if (frame.frameType !== FrameType.PresenceAnnouncement) {
    return {
      ok: false,
      error: new ConfiguratorError(ErrorCode.AuthUnexpectedFrame, `not a ${what}`),
    };
  }
  const a = pickAttributes(
    frame.attributes,
    {
      chirp: { id: AttributeId.ResponderBootstrappingKeyHash, length: 32 },
      key: { id: AttributeId.BootstrappingKey, optional: true },
    },
    what,
  );
  if (!a.ok) return a;
  return ok({
    chirpHash: Uint8Array.from(a.value.chirp),
    keyDer: a.value.key === undefined ? undefined : Uint8Array.from(a.value.key),
  });
}

/**
 * Parse a Presence Announcement. A Bootstrapping Key attribute must hold a P-256
 * SubjectPublicKeyInfo (else the parseBootstrapKey refusal: KeyBadEncoding, UriUnsupportedCurve,
 * KeyNotOnCurve) whose chirp hash is the announced one (else KeyChirpMismatch). The key is
 * trusted for nothing but choosing whom to challenge: authentication still proves possession.
 */
export function parsePresenceAnnouncement(frame: DppFrame): Result<PresenceAnnouncement> {
  const what = 'Presence Announcement';
  const a = peekPresenceAnnouncement(frame);
  if (!a.ok) return a;
  const announced = a.value.chirpHash;
  const der = a.value.keyDer;
  if (der === undefined) return ok({ chirpHash: announced });
  return attempt(() => {
    const key = parseBootstrapKey(der);
    if (!bytesEqual(chirpHashOf(key), announced)) {
      throw new ConfiguratorError(
        ErrorCode.KeyChirpMismatch,
        `${what}: the Bootstrapping Key does not hash to the announced chirp hash`,
      );
    }
    return { chirpHash: announced, key, keyHash: bootstrapKeyHash(key) };
  });
}
