/**
 * The Initiator side of DPP Authentication (Wi-Fi Easy Connect §6.3): builds the Authentication
 * Request, checks the Authentication Response, builds the Authentication Confirm.
 * Pure functions; randomness enters through `protocolKey` and `nonce` so tests can pin them.
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import { attempt, ConfiguratorError, ErrorCode, must, type Result } from '../errors.js';
import { AttributeId, DppStatus, decodeAttributes, pickAttributes } from './attributes.js';
import {
  attr,
  capabilityOf,
  complementaryRole,
  OWN_PROTOCOL_VERSION,
  statusAttr,
  xCoordinate,
  type BootstrapIdentity,
  type DppRole,
  type PeerBootstrap,
} from './auth-common.js';
import { addPoints, ecdhX, generateKeyPair, randomNonce, type KeyPair } from './crypto/p256.js';
import {
  computeIAuth,
  computeRAuth,
  deriveK1,
  deriveK2,
  deriveKe,
  NONCE_LEN,
} from './crypto/kdf.js';
import { unwrap, wrap } from './crypto/wrap.js';
import {
  dppHeader,
  FrameType,
  encodeDppFrame,
  splitAtWrappedData,
  type DppFrame,
} from './frames.js';

export interface Channel {
  readonly opClass: number;
  readonly channel: number;
}

export interface InitiatorParams {
  readonly role: DppRole;
  /** The responder's bootstrapping key (from its URI, the whitelist or its announcement). */
  readonly peer: PeerBootstrap;
  /**
   * Our bootstrapping key. Its hash is always sent: hostap's responders drop a request without
   * one. Mutual authentication happens when the responder knows this key.
   */
  readonly own: BootstrapIdentity;
  /** Refuse a responder that answers without mutual authentication. */
  readonly requireMutual: boolean;
  readonly channel?: Channel | undefined;
  readonly protocolVersion?: number | undefined;
  /** Fixed values for test vectors; fresh random ones otherwise. */
  readonly protocolKey?: KeyPair | undefined;
  readonly nonce?: Uint8Array | undefined;
}

export interface InitiatorState {
  readonly params: InitiatorParams;
  readonly protocolKey: KeyPair;
  readonly iNonce: Uint8Array;
  readonly mx: Uint8Array;
  readonly k1: Uint8Array;
  /** The encoded Authentication Request, kept for retransmission. */
  readonly request: Uint8Array;
}

/** What both roles know after a successful authentication. */
export interface AuthResult {
  readonly ke: Uint8Array;
  readonly mutual: boolean;
  readonly peerVersion: number;
  readonly iNonce: Uint8Array;
  readonly rNonce: Uint8Array;
}

export function buildAuthRequest(params: InitiatorParams): InitiatorState {
  const protocolKey = params.protocolKey ?? generateKeyPair();
  const iNonce = params.nonce ?? randomNonce(NONCE_LEN);
  const mx = ecdhX(protocolKey.privateKey, params.peer.key.point);
  const k1 = deriveK1(mx);
  const version = params.protocolVersion ?? OWN_PROTOCOL_VERSION;

  const before = concatBytes(
    attr(AttributeId.ResponderBootstrappingKeyHash, params.peer.hash),
    attr(AttributeId.InitiatorBootstrappingKeyHash, params.own.hash),
    attr(AttributeId.InitiatorProtocolKey, protocolKey.publicKey),
    params.channel
      ? attr(AttributeId.Channel, Uint8Array.of(params.channel.opClass, params.channel.channel))
      : new Uint8Array(0),
    version > 1 ? attr(AttributeId.ProtocolVersion, Uint8Array.of(version)) : new Uint8Array(0),
  );
  const clear = concatBytes(
    attr(AttributeId.InitiatorNonce, iNonce),
    attr(AttributeId.InitiatorCapabilities, Uint8Array.of(capabilityOf(params.role))),
  );
  const header = dppHeader(FrameType.AuthenticationRequest);
  const wrapped = wrap(k1, clear, [header, before]);
  const body = concatBytes(before, attr(AttributeId.WrappedData, wrapped));
  const request = encodeDppFrame(FrameType.AuthenticationRequest, body);
  return { params, protocolKey, iNonce, mx, k1, request };
}

const RESPONSE_SCHEMA = {
  status: { id: AttributeId.Status, length: 1 },
  responderHash: { id: AttributeId.ResponderBootstrappingKeyHash, length: 32 },
  initiatorHash: { id: AttributeId.InitiatorBootstrappingKeyHash, length: 32, optional: true },
  responderProtocolKey: { id: AttributeId.ResponderProtocolKey, length: 64, optional: true },
  version: { id: AttributeId.ProtocolVersion, length: 1, optional: true },
} as const;

const RESPONSE_CLEAR_SCHEMA = {
  rNonce: { id: AttributeId.ResponderNonce, length: NONCE_LEN },
  iNonce: { id: AttributeId.InitiatorNonce, length: NONCE_LEN },
  rCapabilities: { id: AttributeId.ResponderCapabilities, length: 1 },
  wrappedRAuth: { id: AttributeId.WrappedData },
} as const;

export interface AuthResponseOutcome extends AuthResult {
  /** The encoded Authentication Confirm to send. */
  readonly confirm: Uint8Array;
}

/**
 * Check an Authentication Response. Returns the Confirm to send, or a typed error; a response
 * with a failure status gives AuthStatusFailure with the status in the message.
 */
export function processAuthResponse(
  state: InitiatorState,
  frame: DppFrame,
): Result<AuthResponseOutcome> {
  return attempt(() => processAuthResponseOrThrow(state, frame));
}

function processAuthResponseOrThrow(state: InitiatorState, frame: DppFrame): AuthResponseOutcome {
  const what = 'Authentication Response';
  if (frame.frameType !== FrameType.AuthenticationResponse) {
    throw new ConfiguratorError(ErrorCode.AuthUnexpectedFrame, `expected ${what}`);
  }
  const { params } = state;
  const split = must(splitAtWrappedData(frame.body, frame.attributes, what));
  const a = must(pickAttributes(frame.attributes, RESPONSE_SCHEMA, what));
  if (!bytesEqual(a.responderHash, params.peer.hash)) {
    throw new ConfiguratorError(
      ErrorCode.AuthNotForUs,
      `${what}: Responder Bootstrapping Key Hash is not the peer we asked`,
    );
  }
  const status = a.status[0]!;
  const ad = [frame.header, split.before];
  if (status !== DppStatus.Ok) {
    // NOT_COMPATIBLE and RESPONSE_PENDING are wrapped with k1 ({I-nonce, R-capabilities}); verify
    // so a forged status from a bystander cannot end the exchange silently.
    const clear = unwrap(state.k1, split.wrapped, ad, what);
    const inner = must(decodeAttributes(clear));
    const echoed = inner.find((x) => x.id === AttributeId.InitiatorNonce)?.value;
    if (!echoed || !bytesEqual(echoed, state.iNonce)) {
      throw new ConfiguratorError(
        ErrorCode.AuthNonceMismatch,
        `${what}: I-nonce in failure response does not match`,
      );
    }
    throw new ConfiguratorError(
      ErrorCode.AuthStatusFailure,
      `${what}: responder answered status ${statusName(status)}`,
    );
  }
  if (!a.responderProtocolKey)
    throw new ConfiguratorError(
      ErrorCode.DecodeMissingAttribute,
      `${what}: missing ResponderProtocolKey attribute`,
    );
  const pr = a.responderProtocolKey;
  const mutual = a.initiatorHash !== undefined;
  if (mutual) {
    if (!bytesEqual(a.initiatorHash!, params.own.hash)) {
      throw new ConfiguratorError(
        ErrorCode.AuthNotForUs,
        `${what}: Initiator Bootstrapping Key Hash is not ours`,
      );
    }
  } else if (params.requireMutual) {
    throw new ConfiguratorError(
      ErrorCode.AuthMutualRequired,
      `${what}: responder did not perform mutual authentication`,
    );
  }
  const peerVersion = a.version ? a.version[0]! : 1;
  if (peerVersion < 1)
    throw new ConfiguratorError(ErrorCode.AuthVersion, `${what}: invalid protocol version 0`);

  // ecdhX validates the point (CryptoBadPoint) before anything is derived from it.
  const nx = ecdhX(state.protocolKey.privateKey, pr, `${what}: Responder Protocol Key`);
  const k2 = deriveK2(nx);
  const clear = unwrap(k2, split.wrapped, ad, what);
  const c = must(
    pickAttributes(must(decodeAttributes(clear)), RESPONSE_CLEAR_SCHEMA, `${what} (wrapped)`),
  );
  if (!bytesEqual(c.iNonce, state.iNonce))
    throw new ConfiguratorError(ErrorCode.AuthNonceMismatch, `${what}: I-nonce does not match`);
  if (!complementaryRole(c.rCapabilities[0]!, params.role)) {
    throw new ConfiguratorError(
      ErrorCode.AuthCapabilities,
      `${what}: responder capabilities 0x${c.rCapabilities[0]!.toString(16)} do not complement our role ${params.role}`,
    );
  }
  const lx = mutual
    ? ecdhX(params.own.privateKey, addPoints(params.peer.key.point, pr))
    : undefined;
  const ke = deriveKe(state.iNonce, c.rNonce, state.mx, nx, lx);
  const tagInputs = {
    iNonce: state.iNonce,
    rNonce: c.rNonce,
    piX: xCoordinate(state.protocolKey.publicKey),
    prX: xCoordinate(pr),
    brX: xCoordinate(params.peer.key.point),
    biX: mutual ? xCoordinate(params.own.key.point) : undefined,
  };
  const innerClear = unwrap(ke, c.wrappedRAuth, [], `${what} (R-auth)`);
  const rAuth = must(
    pickAttributes(
      must(decodeAttributes(innerClear)),
      { tag: { id: AttributeId.ResponderAuthTag, length: 32 } },
      `${what} (R-auth)`,
    ),
  );
  if (!bytesEqual(rAuth.tag, computeRAuth(tagInputs))) {
    throw new ConfiguratorError(
      ErrorCode.CryptoBadAuthTag,
      `${what}: R-auth does not verify: responder does not hold the bootstrapping key`,
    );
  }

  const confirmBefore = concatBytes(
    statusAttr(DppStatus.Ok),
    attr(AttributeId.ResponderBootstrappingKeyHash, params.peer.hash),
    mutual ? attr(AttributeId.InitiatorBootstrappingKeyHash, params.own.hash) : new Uint8Array(0),
  );
  const confirmHeader = dppHeader(FrameType.AuthenticationConfirm);
  const wrappedIAuth = wrap(ke, attr(AttributeId.InitiatorAuthTag, computeIAuth(tagInputs)), [
    confirmHeader,
    confirmBefore,
  ]);
  const confirm = encodeDppFrame(
    FrameType.AuthenticationConfirm,
    concatBytes(confirmBefore, attr(AttributeId.WrappedData, wrappedIAuth)),
  );
  // Both sides use the lower of the two versions from here on.
  const version = Math.min(peerVersion, params.protocolVersion ?? OWN_PROTOCOL_VERSION);
  return { confirm, ke, mutual, peerVersion: version, iNonce: state.iNonce, rNonce: c.rNonce };
}

export function statusName(status: number): string {
  for (const [name, value] of Object.entries(DppStatus))
    if (value === status) return `${name} (${status})`;
  return `unknown (${status})`;
}
