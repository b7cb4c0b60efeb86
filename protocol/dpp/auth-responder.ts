/**
 * The Responder side of DPP Authentication (Wi-Fi Easy Connect §6.3): checks the Authentication
 * Request, builds the Authentication Response, checks the Authentication Confirm.
 * Pure functions; randomness enters through `protocolKey` and `nonce` so tests can pin them.
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import { attempt, ConfiguratorError, ErrorCode, must, ok, type Result } from '../errors.js';
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
import { statusName, type AuthResult } from './auth-initiator.js';
import {
  addScalarsModN,
  ecdhX,
  generateKeyPair,
  randomNonce,
  type KeyPair,
} from './crypto/p256.js';
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

export interface ResponderParams {
  readonly role: DppRole;
  readonly own: BootstrapIdentity;
  /**
   * The initiator's bootstrapping key, when we know it: mutual authentication is then performed
   * if the request names it. Unknown or absent → responder-only authentication.
   */
  readonly peer?: PeerBootstrap | undefined;
  /** Refuse a request that does not allow mutual authentication with `peer`. */
  readonly requireMutual: boolean;
  readonly protocolVersion?: number | undefined;
  readonly protocolKey?: KeyPair | undefined;
  readonly nonce?: Uint8Array | undefined;
}

export interface ResponderState {
  readonly params: ResponderParams;
  readonly mutual: boolean;
  readonly peerVersion: number;
  readonly iNonce: Uint8Array;
  readonly rNonce: Uint8Array;
  readonly ke: Uint8Array;
  readonly k2: Uint8Array;
  readonly tagInputs: Parameters<typeof computeIAuth>[0];
  /** The encoded Authentication Response, kept for retransmission. */
  readonly response: Uint8Array;
}

/** Hashes a request names, read before any elliptic-curve work (for whitelist lookups). */
export interface AuthRequestPeek {
  readonly responderHash: Uint8Array;
  readonly initiatorHash: Uint8Array | undefined;
}

const REQUEST_SCHEMA = {
  responderHash: { id: AttributeId.ResponderBootstrappingKeyHash, length: 32 },
  initiatorHash: { id: AttributeId.InitiatorBootstrappingKeyHash, length: 32, optional: true },
  initiatorProtocolKey: { id: AttributeId.InitiatorProtocolKey, length: 64 },
  channel: { id: AttributeId.Channel, length: 2, optional: true },
  version: { id: AttributeId.ProtocolVersion, length: 1, optional: true },
} as const;

const REQUEST_CLEAR_SCHEMA = {
  iNonce: { id: AttributeId.InitiatorNonce, length: NONCE_LEN },
  iCapabilities: { id: AttributeId.InitiatorCapabilities, length: 1 },
} as const;

const CONFIRM_SCHEMA = {
  status: { id: AttributeId.Status, length: 1 },
  responderHash: { id: AttributeId.ResponderBootstrappingKeyHash, length: 32 },
  initiatorHash: { id: AttributeId.InitiatorBootstrappingKeyHash, length: 32, optional: true },
} as const;

export function peekAuthRequest(frame: DppFrame): Result<AuthRequestPeek> {
  if (frame.frameType !== FrameType.AuthenticationRequest) {
    return {
      ok: false,
      error: new ConfiguratorError(ErrorCode.AuthUnexpectedFrame, 'not an Authentication Request'),
    };
  }
  const a = pickAttributes(frame.attributes, REQUEST_SCHEMA, 'Authentication Request');
  if (!a.ok) return a;
  return ok({ responderHash: a.value.responderHash, initiatorHash: a.value.initiatorHash });
}

/** Check an Authentication Request addressed to us and build the Authentication Response. */
export function processAuthRequest(
  params: ResponderParams,
  frame: DppFrame,
): Result<ResponderState> {
  return attempt(() => processAuthRequestOrThrow(params, frame));
}

function processAuthRequestOrThrow(params: ResponderParams, frame: DppFrame): ResponderState {
  const what = 'Authentication Request';
  if (frame.frameType !== FrameType.AuthenticationRequest)
    throw new ConfiguratorError(ErrorCode.AuthUnexpectedFrame, `expected ${what}`);
  const split = must(splitAtWrappedData(frame.body, frame.attributes, what));
  const a = must(pickAttributes(frame.attributes, REQUEST_SCHEMA, what));
  if (!bytesEqual(a.responderHash, params.own.hash)) {
    throw new ConfiguratorError(
      ErrorCode.AuthNotForUs,
      `${what}: Responder Bootstrapping Key Hash is not ours`,
    );
  }
  const mutual =
    a.initiatorHash !== undefined &&
    params.peer !== undefined &&
    bytesEqual(a.initiatorHash, params.peer.hash);
  if (params.requireMutual && !mutual) {
    throw new ConfiguratorError(
      ErrorCode.AuthMutualRequired,
      a.initiatorHash === undefined
        ? `${what}: initiator did not name its bootstrapping key; mutual authentication is required`
        : `${what}: initiator's bootstrapping key is not the one we trust; mutual authentication is required`,
    );
  }
  const pi = a.initiatorProtocolKey;
  const peerVersion = a.version ? a.version[0]! : 1;
  if (peerVersion < 1)
    throw new ConfiguratorError(ErrorCode.AuthVersion, `${what}: invalid protocol version 0`);

  // ecdhX validates the point (CryptoBadPoint) before anything is derived from it.
  const mx = ecdhX(params.own.privateKey, pi, `${what}: Initiator Protocol Key`);
  const k1 = deriveK1(mx);
  const clear = unwrap(k1, split.wrapped, [frame.header, split.before], what);
  const c = must(
    pickAttributes(must(decodeAttributes(clear)), REQUEST_CLEAR_SCHEMA, `${what} (wrapped)`),
  );
  if (!complementaryRole(c.iCapabilities[0]!, params.role)) {
    throw new ConfiguratorError(
      ErrorCode.AuthCapabilities,
      `${what}: initiator capabilities 0x${c.iCapabilities[0]!.toString(16)} leave no role for us as ${params.role}`,
    );
  }

  const protocolKey = params.protocolKey ?? generateKeyPair();
  const rNonce = params.nonce ?? randomNonce(NONCE_LEN);
  const nx = ecdhX(protocolKey.privateKey, pi);
  const k2 = deriveK2(nx);
  const lx = mutual
    ? ecdhX(addScalarsModN(params.own.privateKey, protocolKey.privateKey), params.peer!.key.point)
    : undefined;
  const ke = deriveKe(c.iNonce, rNonce, mx, nx, lx);
  const tagInputs = {
    iNonce: c.iNonce,
    rNonce,
    piX: xCoordinate(pi),
    prX: xCoordinate(protocolKey.publicKey),
    brX: xCoordinate(params.own.key.point),
    biX: mutual ? xCoordinate(params.peer!.key.point) : undefined,
  };
  const wrappedRAuth = wrap(ke, attr(AttributeId.ResponderAuthTag, computeRAuth(tagInputs)), []);
  // We state our own version to an R2+ peer and nothing to a version-1 peer, as hostap does;
  // both sides then use the lower of the two.
  const ownVersion = params.protocolVersion ?? OWN_PROTOCOL_VERSION;
  const before = concatBytes(
    statusAttr(DppStatus.Ok),
    attr(AttributeId.ResponderBootstrappingKeyHash, params.own.hash),
    mutual ? attr(AttributeId.InitiatorBootstrappingKeyHash, params.peer!.hash) : new Uint8Array(0),
    attr(AttributeId.ResponderProtocolKey, protocolKey.publicKey),
    ownVersion >= 2 && peerVersion >= 2
      ? attr(AttributeId.ProtocolVersion, Uint8Array.of(ownVersion))
      : new Uint8Array(0),
  );
  const inner = concatBytes(
    attr(AttributeId.ResponderNonce, rNonce),
    attr(AttributeId.InitiatorNonce, c.iNonce),
    attr(AttributeId.ResponderCapabilities, Uint8Array.of(capabilityOf(params.role))),
    attr(AttributeId.WrappedData, wrappedRAuth),
  );
  const header = dppHeader(FrameType.AuthenticationResponse);
  const wrapped = wrap(k2, inner, [header, before]);
  const response = encodeDppFrame(
    FrameType.AuthenticationResponse,
    concatBytes(before, attr(AttributeId.WrappedData, wrapped)),
  );
  return {
    params,
    mutual,
    peerVersion: Math.min(peerVersion, ownVersion),
    iNonce: c.iNonce,
    rNonce,
    ke,
    k2,
    tagInputs,
    response,
  };
}

/** Check the Authentication Confirm: the initiator proves it derived ke (and, if mutual, holds bI). */
export function processAuthConfirm(state: ResponderState, frame: DppFrame): Result<AuthResult> {
  return attempt(() => processAuthConfirmOrThrow(state, frame));
}

function processAuthConfirmOrThrow(state: ResponderState, frame: DppFrame): AuthResult {
  const what = 'Authentication Confirm';
  if (frame.frameType !== FrameType.AuthenticationConfirm)
    throw new ConfiguratorError(ErrorCode.AuthUnexpectedFrame, `expected ${what}`);
  const split = must(splitAtWrappedData(frame.body, frame.attributes, what));
  const a = must(pickAttributes(frame.attributes, CONFIRM_SCHEMA, what));
  if (!bytesEqual(a.responderHash, state.params.own.hash)) {
    throw new ConfiguratorError(
      ErrorCode.AuthNotForUs,
      `${what}: Responder Bootstrapping Key Hash is not ours`,
    );
  }
  if (state.mutual) {
    if (!a.initiatorHash || !bytesEqual(a.initiatorHash, state.params.peer!.hash)) {
      throw new ConfiguratorError(
        ErrorCode.AuthNotForUs,
        `${what}: Initiator Bootstrapping Key Hash missing or not the peer's`,
      );
    }
  } else if (a.initiatorHash) {
    throw new ConfiguratorError(
      ErrorCode.DecodeUnexpectedAttribute,
      `${what}: Initiator Bootstrapping Key Hash without mutual authentication`,
    );
  }
  const ad = [frame.header, split.before];
  const status = a.status[0]!;
  if (status !== DppStatus.Ok) {
    // Failure confirms are wrapped with k2 ({R-nonce}k2); check it so the failure is genuine.
    const clear = unwrap(state.k2, split.wrapped, ad, what);
    const r = must(decodeAttributes(clear)).find((x) => x.id === AttributeId.ResponderNonce)?.value;
    if (!r || !bytesEqual(r, state.rNonce))
      throw new ConfiguratorError(
        ErrorCode.AuthNonceMismatch,
        `${what}: R-nonce in failure confirm does not match`,
      );
    throw new ConfiguratorError(
      ErrorCode.AuthStatusFailure,
      `${what}: initiator reported status ${statusName(status)}`,
    );
  }
  const clear = unwrap(state.ke, split.wrapped, ad, what);
  const t = must(
    pickAttributes(
      must(decodeAttributes(clear)),
      { tag: { id: AttributeId.InitiatorAuthTag, length: 32 } },
      `${what} (wrapped)`,
    ),
  );
  if (!bytesEqual(t.tag, computeIAuth(state.tagInputs))) {
    throw new ConfiguratorError(ErrorCode.CryptoBadAuthTag, `${what}: I-auth does not verify`);
  }
  return {
    ke: state.ke,
    mutual: state.mutual,
    peerVersion: state.peerVersion,
    iNonce: state.iNonce,
    rNonce: state.rNonce,
  };
}
