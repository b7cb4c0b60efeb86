/** Pieces shared by both authentication roles: identities, roles, and attribute builders. */
import { bytesEqual } from '../bytes.js';
import { ConfiguratorError, ErrorCode } from '../errors.js';
import { AttributeId, Capability, encodeAttribute, type Attribute } from './attributes.js';
import { bootstrapKeyHash, type BootstrapKey } from './bootstrap-key.js';
import { P256_COORD_LEN, publicKeyOf } from './crypto/p256.js';

/** Our own bootstrapping key: the public part we publish and the private scalar. */
export interface BootstrapIdentity {
  readonly key: BootstrapKey;
  readonly privateKey: Uint8Array;
  readonly hash: Uint8Array;
}

/** A peer's bootstrapping key, as learned from a URI, the whitelist or an announcement. */
export interface PeerBootstrap {
  readonly key: BootstrapKey;
  readonly hash: Uint8Array;
}

export type DppRole = 'configurator' | 'enrollee';

/** The DPP protocol version this implementation speaks (R2: chirping, Configuration Result, Connection Status). */
export const OWN_PROTOCOL_VERSION = 2;

export function makeIdentity(key: BootstrapKey, privateKey: Uint8Array): BootstrapIdentity {
  if (!bytesEqual(publicKeyOf(privateKey), key.point)) {
    throw new ConfiguratorError(
      ErrorCode.CryptoKeyMismatch,
      'private key does not belong to the bootstrapping key',
    );
  }
  return { key, privateKey, hash: bootstrapKeyHash(key) };
}

export function makePeer(key: BootstrapKey): PeerBootstrap {
  return { key, hash: bootstrapKeyHash(key) };
}

export function capabilityOf(role: DppRole): number {
  return role === 'configurator' ? Capability.Configurator : Capability.Enrollee;
}

/**
 * The responder's role given the initiator's capabilities: the complement of what the initiator
 * offers, or null when the roles cannot fit (both configurators, both enrollees).
 */
export function complementaryRole(peerCapabilities: number, ownRole: DppRole): boolean {
  const want = ownRole === 'configurator' ? Capability.Enrollee : Capability.Configurator;
  return (peerCapabilities & want) !== 0;
}

export function attr(id: number, value: Uint8Array): Uint8Array {
  return encodeAttribute(id, value);
}

export function statusAttr(status: number): Uint8Array {
  return encodeAttribute(AttributeId.Status, Uint8Array.of(status));
}

/** The single attribute of an unwrapped inner blob, by id. */
export function findAttr(attrs: readonly Attribute[], id: number): Uint8Array | undefined {
  return attrs.find((a) => a.id === id)?.value;
}

export function xCoordinate(point: Uint8Array): Uint8Array {
  return point.subarray(0, P256_COORD_LEN);
}
