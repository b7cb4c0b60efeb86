/**
 * Admission: who gets a session, as decisions without side effects. The engine gathers the facts
 * (one whitelist lookup, the device's record, whether a session for the key runs, whether there
 * is room), asks, and carries the answer out; nothing here writes, sends or reads a clock.
 *
 * Order, cheapest first: attribute checks → one hash and one indexed whitelist lookup → status and
 * profile checks → only then (in the engine) the elliptic-curve work of parsing the key. An unknown
 * or revoked device costs no EC work.
 */
import { bytesEqual, toHex } from '../../protocol/bytes.js';
import { AttributeId } from '../../protocol/dpp/attributes.js';
import { findAttr } from '../../protocol/dpp/auth-common.js';
import { HASH_LEN } from '../../protocol/dpp/crypto/kdf.js';
import { chirpHashOfDer, keyHashOfDer } from '../../protocol/dpp/bootstrap-key.js';
import type { DppFrame } from '../../protocol/dpp/frames.js';
import type { PresenceAnnouncementPeek } from '../../protocol/dpp/presence.js';
import type { Profile } from './profile.js';
import type { DeviceView, WhitelistPort, WhitelistView } from './ports.js';

/** Why a peer is refused: the reason logged and audited, and a short stable code for counting. */
export interface Refusal {
  readonly reason: string;
  readonly code: string;
  /** The key hash, when the refused party is a whitelisted or at least identified device. */
  readonly keyHash?: string | undefined;
}

/** The refusal code of a device that is not provisioned again: it keeps its state. */
export const ALREADY_PROVISIONED = 'already-provisioned';

/** What an unknown peer told about its key, for the table of devices heard but not listed. */
export interface HeardKey {
  readonly keyHash?: string | undefined;
  readonly chirpHash?: string | undefined;
  readonly publicKey?: Uint8Array | undefined;
}

/** Who a peer claims to be, as far as the whitelist goes. */
export type Identification =
  | { readonly kind: 'listed'; readonly entry: WhitelistView; readonly der?: Uint8Array }
  | ({
      readonly kind: 'refused';
      readonly subject: string;
      /** Set when the peer is a well-formed device that is simply not on the whitelist. */
      readonly unlisted?: HeardKey;
    } & Refusal);

export type AdmissionDecision =
  /** Start a session with the device's key (from the whitelist, else as announced). */
  | { readonly kind: 'admit'; readonly profile: Profile; readonly der: Uint8Array }
  /** Refused, and the refusal goes on the device's record (it is whitelisted). */
  | ({ readonly kind: 'refuse' } & Refusal)
  /** Not now: a session for the key runs with `with`, or there is no room for another. */
  | { readonly kind: 'defer'; readonly why: 'session-running'; readonly with: string }
  | { readonly kind: 'defer'; readonly why: 'no-room' };

export interface AdmissionFacts {
  readonly entry: WhitelistView;
  /** The key the peer sent in its announcement, if any. */
  readonly announcedDer?: Uint8Array | undefined;
  readonly device: DeviceView | undefined;
  /** The address of a running session for the same key. */
  readonly runningWith: string | undefined;
  readonly room: boolean;
}

export interface AdmissionPolicy {
  readonly defaultProfile: string;
  readonly profiles: ReadonlyMap<string, Profile>;
}

/** Who sent this Presence Announcement: a whitelisted device, or refused with the reason. */
export function identifyAnnouncer(
  peek: PresenceAnnouncementPeek,
  whitelist: WhitelistPort,
): Identification {
  const chirpHex = toHex(peek.chirpHash);
  const der = peek.keyDer;
  if (der === undefined) {
    const entry = whitelist.findByChirpHash(chirpHex);
    if (entry !== undefined) return { kind: 'listed', entry };
    return {
      kind: 'refused',
      subject: chirpHex,
      reason:
        'not on the whitelist by chirp hash (an entry added by hash alone needs the key in the announcement)',
      code: 'unknown',
      unlisted: { chirpHash: chirpHex },
    };
  }
  if (!bytesEqual(chirpHashOfDer(der), peek.chirpHash)) {
    return {
      kind: 'refused',
      subject: chirpHex,
      reason: 'the announced bootstrapping key does not hash to the announced chirp hash',
      code: 'key-mismatch',
    };
  }
  return lookUp(toHex(keyHashOfDer(der)), whitelist, der, chirpHex);
}

/** Who sent this Authentication Request (a device that initiates, over TCP). */
export function identifyInitiator(
  request: DppFrame,
  ownKeyHash: Uint8Array,
  whitelist: WhitelistPort,
  peerId: string,
): Identification {
  const rHash = findAttr(request.attributes, AttributeId.ResponderBootstrappingKeyHash);
  const iHash = findAttr(request.attributes, AttributeId.InitiatorBootstrappingKeyHash);
  if (rHash === undefined || !bytesEqual(rHash, ownKeyHash)) {
    return {
      kind: 'refused',
      subject: peerId,
      reason: 'Authentication Request is not for our bootstrapping key',
      code: 'not-for-us',
    };
  }
  if (iHash === undefined || iHash.length !== HASH_LEN) {
    return {
      kind: 'refused',
      subject: peerId,
      reason:
        'Authentication Request names no initiator bootstrapping key: the device cannot be checked against the whitelist',
      code: 'anonymous',
    };
  }
  return lookUp(toHex(iHash), whitelist);
}

/** The whitelist entry of a key hash, or the refusal of an unknown device. */
function lookUp(
  keyHash: string,
  whitelist: WhitelistPort,
  der?: Uint8Array,
  chirpHash?: string,
): Identification {
  const entry = whitelist.get(keyHash);
  if (entry !== undefined)
    return der === undefined ? { kind: 'listed', entry } : { kind: 'listed', entry, der };
  return {
    kind: 'refused',
    subject: keyHash,
    keyHash,
    reason: 'not on the whitelist',
    code: 'unknown',
    unlisted: { keyHash, chirpHash, publicKey: der },
  };
}

/** Whether a whitelisted device gets its session now, later, or never. */
export function decideAdmission(facts: AdmissionFacts, policy: AdmissionPolicy): AdmissionDecision {
  const { entry, device } = facts;
  const keyHash = entry.keyHash;
  if (entry.status !== 'active')
    return {
      kind: 'refuse',
      keyHash,
      reason: `whitelist entry is ${entry.status}`,
      code: entry.status,
    };
  const profileName = entry.profile ?? policy.defaultProfile;
  const profile = policy.profiles.get(profileName);
  if (profile === undefined)
    return {
      kind: 'refuse',
      keyHash,
      reason: `profile "${profileName}" is not configured`,
      code: 'no-profile',
    };
  // Not a refusal: the device (or a copy of its announcement) gets its turn when that session
  // ends, and a genuine device keeps announcing until then.
  if (facts.runningWith !== undefined)
    return { kind: 'defer', why: 'session-running', with: facts.runningWith };
  if (device !== undefined && holdsConfiguration(device) && !profile.allowReprovision)
    return {
      kind: 'refuse',
      keyHash,
      reason: `already provisioned; profile "${profileName}" does not allow re-provisioning`,
      code: ALREADY_PROVISIONED,
    };
  if (!facts.room) return { kind: 'defer', why: 'no-room' };
  const der = entry.publicKey ?? facts.announcedDer;
  if (der === undefined)
    return {
      kind: 'refuse',
      keyHash,
      reason:
        'the whitelist holds only the key hash and the peer did not send its key: add the device by URI to let it initiate',
      code: 'no-public-key',
    };
  return { kind: 'admit', profile, der };
}

/**
 * Whether the device holds a configuration of ours: provisioned or connected, or refused since
 * (a device that was disabled and enabled again reads refused) after a configuration was
 * delivered to it.
 */
function holdsConfiguration(device: DeviceView): boolean {
  return (
    device.state === 'provisioned' ||
    device.state === 'connected' ||
    (device.state === 'refused' && device.provisionedCount > 0)
  );
}
