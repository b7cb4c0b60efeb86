/**
 * A corpus of malformed and tampered inputs, one per way a peer (or a bystander) can get a
 * message wrong, each refused with its own ErrorCode. Byte-level cases are written out; the
 * protocol-level ones start from real frames built by the protocol code and change one thing,
 * re-encoding with the attribute and frame codecs or re-wrapping with the exported primitives.
 * Every crafted builder has a control case showing that, unchanged, its frame is accepted.
 */
import assert from 'node:assert/strict';
import { concatBytes, u16le } from '../../protocol/bytes.js';
import {
  AttributeId,
  Capability,
  decodeAttributes,
  DppStatus,
  encodeAttribute,
  encodeAttributes,
  MAX_ATTRIBUTES,
  type Attribute,
} from '../../protocol/dpp/attributes.js';
import { makePeer } from '../../protocol/dpp/auth-common.js';
import {
  buildAuthRequest,
  processAuthResponse,
  type InitiatorParams,
  type InitiatorState,
} from '../../protocol/dpp/auth-initiator.js';
import {
  processAuthConfirm,
  processAuthRequest,
  type ResponderParams,
  type ResponderState,
} from '../../protocol/dpp/auth-responder.js';
import { chirpHash } from '../../protocol/dpp/bootstrap-key.js';
import {
  buildConfigurationRequest,
  buildConfigurationResponse,
  buildConfigurationResult,
  buildConnectionStatusResult,
  parseConfigurationRequestQuery,
  parseConfigurationResponseQuery,
  parseConfigurationResult,
  parseConnectionStatusResult,
} from '../../protocol/dpp/config-exchange.js';
import {
  buildPresenceAnnouncement,
  parsePresenceAnnouncement,
} from '../../protocol/dpp/presence.js';
import {
  computeIAuth,
  computeRAuth,
  deriveK2,
  deriveKe,
  NONCE_LEN,
  type AuthTagInputs,
} from '../../protocol/dpp/crypto/kdf.js';
import { ecdhX, generateKeyPair, randomNonce } from '../../protocol/dpp/crypto/p256.js';
import { wrap } from '../../protocol/dpp/crypto/wrap.js';
import {
  DPP_ADV_PROTO,
  decodeMessage,
  dppHeader,
  encodeMessage,
  FrameType,
  makeDppFrame,
  MAX_MESSAGE_LEN,
  PublicAction,
  type DppFrame,
  type GasInitialRequest,
  type GasInitialResponse,
} from '../../protocol/dpp/frames.js';
import { ErrorCode, type Result, errorCodeName } from '../../protocol/errors.js';
import {
  dppFrameOf,
  editFrame,
  expectFailure,
  flipByte,
  gasInitialRequestOf,
  gasInitialResponseOf,
  newIdentity,
  withValue,
} from '../support/dpp-fixtures.js';

interface Case {
  readonly name: string;
  readonly code: ErrorCode;
  readonly run: () => Result<unknown>;
}

function table(cases: readonly Case[]): void {
  for (const c of cases) {
    it(`${c.name} → ${errorCodeName(c.code)}`, () => {
      expectFailure(c.run(), c.code);
    });
  }
}

function accepted<T>(r: Result<T>): T {
  assert.ok(r.ok, r.ok ? '' : r.error.describe());
  return r.value;
}

const tlv = encodeAttribute;
const EMPTY = new Uint8Array(0);
const ADV = DPP_ADV_PROTO;

/** A point that is not on P-256: a valid key with its y-coordinate changed. */
function offCurve(point: Uint8Array): Uint8Array {
  return flipByte(point, 63);
}

function moveToEnd(attrs: Attribute[], id: number): Attribute[] {
  const moved = attrs.filter((a) => a.id === id);
  return [...attrs.filter((a) => a.id !== id), ...moved];
}

function without(attrs: Attribute[], id: number): Attribute[] {
  return attrs.filter((a) => a.id !== id);
}

function duplicated(attrs: Attribute[], id: number): Attribute[] {
  const i = attrs.findIndex((a) => a.id === id);
  return [...attrs.slice(0, i + 1), attrs[i]!, ...attrs.slice(i + 1)];
}

function insertedBefore(attrs: Attribute[], before: number, extra: Attribute): Attribute[] {
  const i = attrs.findIndex((a) => a.id === before);
  return [...attrs.slice(0, i), extra, ...attrs.slice(i)];
}

/** A frame object whose header (the first AD component) differs from what was wrapped. */
function withHeaderByte(frame: DppFrame, index: number): DppFrame {
  return { ...frame, header: flipByte(frame.header, index) };
}

function xOf(point: Uint8Array): Uint8Array {
  return point.subarray(0, 32);
}

// ---- byte-level corpus ---------------------------------------------------------------------------

describe('malformed input corpus', () => {
  describe('attribute TLVs (decodeAttributes)', () => {
    const okAttr = tlv(AttributeId.Status, Uint8Array.of(0));
    table([
      {
        name: 'truncated attribute header (1 byte)',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeAttributes(Uint8Array.of(0x00)),
      },
      {
        name: 'truncated attribute header (3 bytes)',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeAttributes(Uint8Array.of(0x00, 0x10, 0x01)),
      },
      {
        name: 'truncated attribute header after a valid attribute',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeAttributes(concatBytes(okAttr, Uint8Array.of(0x04, 0x10))),
      },
      {
        name: 'attribute length one byte beyond the buffer',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () =>
          decodeAttributes(
            concatBytes(u16le(AttributeId.InitiatorNonce), u16le(16), new Uint8Array(15)),
          ),
      },
      {
        name: 'attribute length 0xffff in a 10-byte buffer',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () =>
          decodeAttributes(
            concatBytes(u16le(AttributeId.WrappedData), u16le(0xffff), new Uint8Array(6)),
          ),
      },
      {
        name: 'oversized length in the last of several attributes',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () =>
          decodeAttributes(
            concatBytes(okAttr, okAttr, u16le(AttributeId.Channel), u16le(3), Uint8Array.of(81, 6)),
          ),
      },
      {
        name: `${MAX_ATTRIBUTES + 1} attributes`,
        code: ErrorCode.DecodeOversized,
        run: () =>
          decodeAttributes(
            concatBytes(...Array.from({ length: MAX_ATTRIBUTES + 1 }, () => tlv(0x1234, EMPTY))),
          ),
      },
    ]);

    it(`accepts exactly ${MAX_ATTRIBUTES} attributes and an empty body`, () => {
      const many = concatBytes(...Array.from({ length: MAX_ATTRIBUTES }, () => tlv(0x1234, EMPTY)));
      assert.equal(accepted(decodeAttributes(many)).length, MAX_ATTRIBUTES);
      assert.equal(accepted(decodeAttributes(EMPTY)).length, 0);
    });
  });

  describe('messages (decodeMessage)', () => {
    const V = PublicAction.VendorSpecific;
    const header = dppHeader(FrameType.AuthenticationRequest);
    const status = tlv(AttributeId.Status, Uint8Array.of(0));
    const dpp = (hdr: Uint8Array, body: Uint8Array = status) =>
      concatBytes(Uint8Array.of(V), hdr, body);
    const withHeader = (i: number, value: number) => {
      const h = new Uint8Array(header);
      h[i] = value;
      return dpp(h);
    };
    /** A DPP frame whose one attribute makes the whole message `total` bytes long. */
    const dppOfLength = (total: number) =>
      dpp(header, tlv(0x1234, new Uint8Array(total - 1 - header.length - 4)));
    const gasReq = (adv: Uint8Array, tail: Uint8Array) =>
      concatBytes(Uint8Array.of(PublicAction.GasInitialRequest, 7), adv, tail);
    const advWith = (i: number, value: number) => {
      const a = new Uint8Array(ADV);
      a[i] = value;
      return a;
    };
    const query = Uint8Array.of(1, 2, 3, 4);

    table([
      { name: 'empty message', code: ErrorCode.DecodeTruncated, run: () => decodeMessage(EMPTY) },
      {
        name: 'DPP header truncated (5 of 6 bytes)',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeMessage(dpp(header.subarray(0, 5), EMPTY)),
      },
      {
        name: `message of MAX_MESSAGE_LEN + 1 (${MAX_MESSAGE_LEN + 1}) bytes`,
        code: ErrorCode.DecodeOversized,
        run: () => decodeMessage(dppOfLength(MAX_MESSAGE_LEN + 1)),
      },
      {
        name: 'message of 65536 bytes',
        code: ErrorCode.DecodeOversized,
        run: () => decodeMessage(new Uint8Array(65536).fill(V, 0, 1)),
      },
      {
        name: 'bad OUI (50 6f 9b)',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(withHeader(2, 0x9b)),
      },
      {
        name: 'bad OUI (00 00 00)',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(dpp(Uint8Array.of(0, 0, 0, 0x1a, 1, 0))),
      },
      {
        name: 'bad OUI type (0x1b)',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(withHeader(3, 0x1b)),
      },
      {
        name: 'bad crypto suite (2)',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(withHeader(4, 2)),
      },
      {
        name: 'bad crypto suite (0)',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(withHeader(4, 0)),
      },
      {
        name: 'unknown public action 0x0e',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(Uint8Array.of(0x0e, 0x50, 0x6f, 0x9a)),
      },
      {
        name: 'unknown public action 0x00',
        code: ErrorCode.DecodeBadHeader,
        run: () => decodeMessage(Uint8Array.of(0x00)),
      },
      {
        name: 'DPP frame with a truncated attribute header',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeMessage(dpp(header, concatBytes(status, Uint8Array.of(0x01)))),
      },
      {
        name: 'DPP frame with an oversized attribute length',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () =>
          decodeMessage(
            dpp(
              header,
              concatBytes(u16le(AttributeId.WrappedData), u16le(200), new Uint8Array(20)),
            ),
          ),
      },
      {
        name: `DPP frame with ${MAX_ATTRIBUTES + 1} attributes`,
        code: ErrorCode.DecodeOversized,
        run: () =>
          decodeMessage(
            dpp(header, concatBytes(...Array.from({ length: MAX_ATTRIBUTES + 1 }, () => status))),
          ),
      },
      {
        name: 'GAS advertisement protocol ANQP (element id 108, protocol 0)',
        code: ErrorCode.DecodeBadGas,
        run: () =>
          decodeMessage(
            gasReq(Uint8Array.of(0x6c, 0x02, 0x7f, 0x00, 0, 0, 0, 0, 0, 0), concatBytes(u16le(0))),
          ),
      },
      {
        name: 'GAS advertisement protocol element id 107',
        code: ErrorCode.DecodeBadGas,
        run: () => decodeMessage(gasReq(advWith(0, 107), u16le(0))),
      },
      {
        name: 'GAS advertisement protocol of another vendor OUI',
        code: ErrorCode.DecodeBadGas,
        run: () => decodeMessage(gasReq(advWith(6, 0x70), u16le(0))),
      },
      {
        name: 'GAS advertisement protocol with OUI type 0x1b',
        code: ErrorCode.DecodeBadGas,
        run: () => decodeMessage(gasReq(advWith(8, 0x1b), u16le(0))),
      },
      {
        name: 'GAS Initial Request cut inside the advertisement protocol',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeMessage(gasReq(ADV.subarray(0, 6), EMPTY)),
      },
      {
        name: 'GAS Initial Request query length overrunning the message',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () => decodeMessage(gasReq(ADV, concatBytes(u16le(5), query))),
      },
      {
        name: 'GAS Initial Request query length 0xffff',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () => decodeMessage(gasReq(ADV, concatBytes(u16le(0xffff), query))),
      },
      {
        name: 'GAS Initial Request with trailing bytes after the query',
        code: ErrorCode.DecodeTrailingBytes,
        run: () => decodeMessage(gasReq(ADV, concatBytes(u16le(3), query))),
      },
      {
        name: 'GAS Initial Response with trailing bytes after the query',
        code: ErrorCode.DecodeTrailingBytes,
        run: () =>
          decodeMessage(
            concatBytes(
              Uint8Array.of(PublicAction.GasInitialResponse, 7, 0, 0, 0, 0),
              ADV,
              u16le(0),
              Uint8Array.of(0),
            ),
          ),
      },
      {
        name: 'GAS Initial Response truncated (5 bytes)',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeMessage(Uint8Array.of(PublicAction.GasInitialResponse, 7, 0, 0, 0)),
      },
      {
        name: 'GAS Initial Response with a non-DPP advertisement protocol',
        code: ErrorCode.DecodeBadGas,
        run: () =>
          decodeMessage(
            concatBytes(
              Uint8Array.of(PublicAction.GasInitialResponse, 7, 0, 0, 0, 0),
              advWith(5, 0),
              u16le(0),
            ),
          ),
      },
      {
        name: 'GAS Comeback Request of 1 byte',
        code: ErrorCode.DecodeBadGas,
        run: () => decodeMessage(Uint8Array.of(PublicAction.GasComebackRequest)),
      },
      {
        name: 'GAS Comeback Request of 3 bytes',
        code: ErrorCode.DecodeBadGas,
        run: () => decodeMessage(Uint8Array.of(PublicAction.GasComebackRequest, 7, 0)),
      },
      {
        name: 'GAS Comeback Response truncated (6 bytes)',
        code: ErrorCode.DecodeTruncated,
        run: () => decodeMessage(Uint8Array.of(PublicAction.GasComebackResponse, 7, 0, 0, 0, 0)),
      },
      {
        name: 'GAS Comeback Response query overrun',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () =>
          decodeMessage(
            concatBytes(
              Uint8Array.of(PublicAction.GasComebackResponse, 7, 0, 0, 0x80, 0, 0),
              ADV,
              u16le(9),
              query,
            ),
          ),
      },
    ]);

    it(`accepts a message of exactly MAX_MESSAGE_LEN bytes and any query-response-info byte`, () => {
      assert.equal(accepted(decodeMessage(dppOfLength(MAX_MESSAGE_LEN))).kind, 'dpp');
      const info00 = gasReq(advWith(2, 0x00), concatBytes(u16le(4), query));
      assert.deepStrictEqual(accepted(decodeMessage(info00)), {
        kind: 'gasInitialRequest',
        dialogToken: 7,
        query,
      });
    });
  });

  // ---- Authentication ---------------------------------------------------------------------------

  const enrollee = newIdentity();
  const configurator = newIdentity();
  const stranger = newIdentity();
  const CHANNEL = { opClass: 81, channel: 6 };

  function initiator(over: Partial<InitiatorParams> = {}): InitiatorState {
    return buildAuthRequest({
      role: over.role ?? 'configurator',
      peer: over.peer ?? makePeer(enrollee.key),
      own: over.own ?? configurator,
      requireMutual: over.requireMutual ?? false,
      channel: CHANNEL,
    });
  }
  const responderParams: ResponderParams = {
    role: 'enrollee',
    own: enrollee,
    requireMutual: false,
  };
  const mutualResponderParams: ResponderParams = {
    role: 'enrollee',
    own: enrollee,
    peer: makePeer(configurator.key),
    requireMutual: true,
  };

  function respond(st: InitiatorState, params: ResponderParams = responderParams): ResponderState {
    return accepted(processAuthRequest(params, dppFrameOf(st.request)));
  }

  /** An Authentication Request under `st`'s keys with wrapped content of our choosing. */
  function craftRequest(st: InitiatorState, clear: Uint8Array): DppFrame {
    const before = concatBytes(
      tlv(AttributeId.ResponderBootstrappingKeyHash, enrollee.hash),
      tlv(AttributeId.InitiatorProtocolKey, st.protocolKey.publicKey),
    );
    const header = dppHeader(FrameType.AuthenticationRequest);
    const wrapped = wrap(st.k1, clear, [header, before]);
    return makeDppFrame(
      FrameType.AuthenticationRequest,
      concatBytes(before, tlv(AttributeId.WrappedData, wrapped)),
    );
  }
  function requestClear(
    iNonce: Uint8Array = randomNonce(NONCE_LEN),
    caps: number = Capability.Configurator,
  ): Uint8Array {
    return concatBytes(
      tlv(AttributeId.InitiatorNonce, iNonce),
      tlv(AttributeId.InitiatorCapabilities, Uint8Array.of(caps)),
    );
  }

  interface ResponseChoices {
    status?: number;
    iNonce?: Uint8Array;
    rNonce?: Uint8Array;
    rCapabilities?: number;
    /** The R-auth value to send, from the correct tag inputs. */
    rAuth?: (t: AuthTagInputs) => Uint8Array;
    /** Key that wraps R-auth (correct: ke). */
    rAuthKey?: (ke: Uint8Array) => Uint8Array;
  }

  /**
   * An Authentication Response from the real responder's bootstrapping key, with the choices
   * applied: what a responder that holds bR but computes something wrong would send.
   */
  function craftResponse(st: InitiatorState, o: ResponseChoices = {}): DppFrame {
    const pr = generateKeyPair();
    const rNonce = o.rNonce ?? randomNonce(NONCE_LEN);
    const pi = st.protocolKey.publicKey;
    const mx = ecdhX(enrollee.privateKey, pi);
    const nx = ecdhX(pr.privateKey, pi);
    const ke = deriveKe(st.iNonce, rNonce, mx, nx);
    const t: AuthTagInputs = {
      iNonce: st.iNonce,
      rNonce,
      piX: xOf(pi),
      prX: xOf(pr.publicKey),
      brX: xOf(enrollee.key.point),
    };
    const rAuth = (o.rAuth ?? computeRAuth)(t);
    const wrappedRAuth = wrap(
      (o.rAuthKey ?? ((k) => k))(ke),
      tlv(AttributeId.ResponderAuthTag, rAuth),
      [],
    );
    const before = concatBytes(
      tlv(AttributeId.Status, Uint8Array.of(o.status ?? DppStatus.Ok)),
      tlv(AttributeId.ResponderBootstrappingKeyHash, enrollee.hash),
      tlv(AttributeId.ResponderProtocolKey, pr.publicKey),
      tlv(AttributeId.ProtocolVersion, Uint8Array.of(2)),
    );
    const inner = concatBytes(
      tlv(AttributeId.ResponderNonce, rNonce),
      tlv(AttributeId.InitiatorNonce, o.iNonce ?? st.iNonce),
      tlv(AttributeId.ResponderCapabilities, Uint8Array.of(o.rCapabilities ?? Capability.Enrollee)),
      tlv(AttributeId.WrappedData, wrappedRAuth),
    );
    const header = dppHeader(FrameType.AuthenticationResponse);
    const wrapped = wrap(deriveK2(nx), inner, [header, before]);
    return makeDppFrame(
      FrameType.AuthenticationResponse,
      concatBytes(before, tlv(AttributeId.WrappedData, wrapped)),
    );
  }

  /** A failure Authentication Response (status ≠ OK): {I-nonce, R-capabilities} under k1. */
  function craftFailureResponse(st: InitiatorState, status: number, iNonce: Uint8Array): DppFrame {
    const before = concatBytes(
      tlv(AttributeId.Status, Uint8Array.of(status)),
      tlv(AttributeId.ResponderBootstrappingKeyHash, enrollee.hash),
    );
    const header = dppHeader(FrameType.AuthenticationResponse);
    const clear = concatBytes(
      tlv(AttributeId.InitiatorNonce, iNonce),
      tlv(AttributeId.ResponderCapabilities, Uint8Array.of(Capability.Configurator)),
    );
    const wrapped = wrap(st.k1, clear, [header, before]);
    return makeDppFrame(
      FrameType.AuthenticationResponse,
      concatBytes(before, tlv(AttributeId.WrappedData, wrapped)),
    );
  }

  interface ConfirmChoices {
    /** The I-auth value to send, from the correct tag inputs. */
    iAuth?: (t: AuthTagInputs) => Uint8Array;
    /** Key that wraps I-auth (correct: ke). */
    key?: Uint8Array;
  }

  /** An Authentication Confirm for `rs` (mutual when `rs` is), with the choices applied. */
  function craftConfirm(rs: ResponderState, o: ConfirmChoices = {}): DppFrame {
    const before = concatBytes(
      tlv(AttributeId.Status, Uint8Array.of(DppStatus.Ok)),
      tlv(AttributeId.ResponderBootstrappingKeyHash, enrollee.hash),
      rs.mutual ? tlv(AttributeId.InitiatorBootstrappingKeyHash, rs.params.peer!.hash) : EMPTY,
    );
    const header = dppHeader(FrameType.AuthenticationConfirm);
    const iAuth = (o.iAuth ?? computeIAuth)(rs.tagInputs);
    const wrapped = wrap(o.key ?? rs.ke, tlv(AttributeId.InitiatorAuthTag, iAuth), [
      header,
      before,
    ]);
    return makeDppFrame(
      FrameType.AuthenticationConfirm,
      concatBytes(before, tlv(AttributeId.WrappedData, wrapped)),
    );
  }

  /** A failure Confirm: {R-nonce}k2. */
  function craftFailureConfirm(rs: ResponderState, rNonce: Uint8Array): DppFrame {
    const before = concatBytes(
      tlv(AttributeId.Status, Uint8Array.of(DppStatus.AuthFailure)),
      tlv(AttributeId.ResponderBootstrappingKeyHash, enrollee.hash),
    );
    const header = dppHeader(FrameType.AuthenticationConfirm);
    const wrapped = wrap(rs.k2, tlv(AttributeId.ResponderNonce, rNonce), [header, before]);
    return makeDppFrame(
      FrameType.AuthenticationConfirm,
      concatBytes(before, tlv(AttributeId.WrappedData, wrapped)),
    );
  }

  describe('Authentication Request (processAuthRequest)', () => {
    const st = initiator();
    const frame = dppFrameOf(st.request);
    const request = (edit: (a: Attribute[]) => Attribute[]) =>
      processAuthRequest(responderParams, editFrame(frame, edit));

    it('controls: the real request and the crafted one are accepted', () => {
      accepted(processAuthRequest(responderParams, frame));
      accepted(processAuthRequest(responderParams, craftRequest(st, requestClear())));
    });

    table([
      {
        name: 'duplicate Responder Bootstrapping Key Hash',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () => request((a) => duplicated(a, AttributeId.ResponderBootstrappingKeyHash)),
      },
      {
        name: 'duplicate Initiator Bootstrapping Key Hash',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () => request((a) => duplicated(a, AttributeId.InitiatorBootstrappingKeyHash)),
      },
      {
        name: 'duplicate Initiator Protocol Key',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () => request((a) => duplicated(a, AttributeId.InitiatorProtocolKey)),
      },
      {
        name: 'missing Initiator Protocol Key',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => request((a) => without(a, AttributeId.InitiatorProtocolKey)),
      },
      {
        name: 'missing Responder Bootstrapping Key Hash',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => request((a) => without(a, AttributeId.ResponderBootstrappingKeyHash)),
      },
      {
        name: 'missing Wrapped Data',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => request((a) => without(a, AttributeId.WrappedData)),
      },
      {
        name: 'Channel attribute after Wrapped Data',
        code: ErrorCode.DecodeAttributeOrder,
        run: () => request((a) => moveToEnd(a, AttributeId.Channel)),
      },
      {
        name: 'unknown attribute after Wrapped Data',
        code: ErrorCode.DecodeAttributeOrder,
        run: () => request((a) => [...a, { id: 0x10ff, value: EMPTY }]),
      },
      {
        name: 'Responder Bootstrapping Key Hash of 31 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          request((a) =>
            withValue(a, AttributeId.ResponderBootstrappingKeyHash, (v) => v.subarray(0, 31)),
          ),
      },
      {
        name: 'Initiator Bootstrapping Key Hash of 33 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          request((a) =>
            withValue(a, AttributeId.InitiatorBootstrappingKeyHash, (v) =>
              concatBytes(v, Uint8Array.of(0)),
            ),
          ),
      },
      {
        name: 'Initiator Protocol Key of 65 bytes (SEC1 prefix included)',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          request((a) =>
            withValue(a, AttributeId.InitiatorProtocolKey, (v) => concatBytes(Uint8Array.of(4), v)),
          ),
      },
      {
        name: 'Channel of 3 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () => request((a) => withValue(a, AttributeId.Channel, () => Uint8Array.of(81, 6, 0))),
      },
      {
        name: 'Protocol Version 0',
        code: ErrorCode.AuthVersion,
        run: () =>
          request((a) => withValue(a, AttributeId.ProtocolVersion, () => Uint8Array.of(0))),
      },
      {
        name: 'wrapped I-nonce of 15 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          processAuthRequest(responderParams, craftRequest(st, requestClear(randomNonce(15)))),
      },
      {
        name: 'wrapped I-capabilities missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          processAuthRequest(
            responderParams,
            craftRequest(st, tlv(AttributeId.InitiatorNonce, randomNonce(NONCE_LEN))),
          ),
      },
      {
        name: 'wrapped I-nonce twice',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () =>
          processAuthRequest(
            responderParams,
            craftRequest(
              st,
              concatBytes(tlv(AttributeId.InitiatorNonce, randomNonce(NONCE_LEN)), requestClear()),
            ),
          ),
      },
      {
        name: 'wrapped content that is not a TLV list',
        code: ErrorCode.DecodeTruncated,
        run: () => processAuthRequest(responderParams, craftRequest(st, Uint8Array.of(1, 2, 3))),
      },
      {
        name: 'tampered wrapped data (last byte)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthRequest(responderParams, dppFrameOf(flipByte(st.request, -1))),
      },
      {
        name: 'tampered wrapped data (SIV tag)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          request((a) => withValue(a, AttributeId.WrappedData, (v) => flipByte(v, 0, 0x80))),
      },
      {
        name: 'wrapped data shorter than the SIV tag',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => request((a) => withValue(a, AttributeId.WrappedData, (v) => v.subarray(0, 15))),
      },
      {
        name: 'tampered Channel attribute (second AD component)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => request((a) => withValue(a, AttributeId.Channel, () => Uint8Array.of(81, 11))),
      },
      {
        name: 'unknown attribute inserted before Wrapped Data (second AD component)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          request((a) => insertedBefore(a, AttributeId.WrappedData, { id: 0x10ff, value: EMPTY })),
      },
      {
        name: 'tampered header byte used as AD (frame object whose header has another frame-type byte)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthRequest(responderParams, withHeaderByte(frame, 5)),
      },
      {
        name: 'Initiator Protocol Key not on the curve',
        code: ErrorCode.CryptoBadPoint,
        run: () => request((a) => withValue(a, AttributeId.InitiatorProtocolKey, offCurve)),
      },
      {
        name: 'Initiator Protocol Key all zeros',
        code: ErrorCode.CryptoBadPoint,
        run: () =>
          request((a) => withValue(a, AttributeId.InitiatorProtocolKey, () => new Uint8Array(64))),
      },
      {
        name: 'request for someone else (another Responder Bootstrapping Key Hash)',
        code: ErrorCode.AuthNotForUs,
        run: () =>
          processAuthRequest(
            responderParams,
            dppFrameOf(initiator({ peer: makePeer(stranger.key) }).request),
          ),
      },
      {
        name: 'request for us delivered to another responder',
        code: ErrorCode.AuthNotForUs,
        run: () => processAuthRequest({ ...responderParams, own: stranger }, frame),
      },
      {
        name: 'I-capabilities enrollee to an enrollee responder',
        code: ErrorCode.AuthCapabilities,
        run: () =>
          processAuthRequest(responderParams, dppFrameOf(initiator({ role: 'enrollee' }).request)),
      },
      {
        name: 'I-capabilities configurator to a configurator responder',
        code: ErrorCode.AuthCapabilities,
        run: () => processAuthRequest({ ...responderParams, role: 'configurator' }, frame),
      },
      {
        name: 'I-capabilities 0',
        code: ErrorCode.AuthCapabilities,
        run: () =>
          processAuthRequest(
            responderParams,
            craftRequest(st, requestClear(randomNonce(NONCE_LEN), 0)),
          ),
      },
      {
        name: 'mutual-required responder, no Initiator Bootstrapping Key Hash',
        code: ErrorCode.AuthMutualRequired,
        run: () =>
          processAuthRequest(
            mutualResponderParams,
            editFrame(frame, (a) => without(a, AttributeId.InitiatorBootstrappingKeyHash)),
          ),
      },
      {
        name: 'mutual-required responder, crafted request without Initiator Bootstrapping Key Hash',
        code: ErrorCode.AuthMutualRequired,
        run: () => processAuthRequest(mutualResponderParams, craftRequest(st, requestClear())),
      },
      {
        name: 'mutual-required responder, Initiator Bootstrapping Key Hash of an unknown key',
        code: ErrorCode.AuthMutualRequired,
        run: () =>
          processAuthRequest(
            mutualResponderParams,
            dppFrameOf(initiator({ own: stranger }).request),
          ),
      },
      {
        name: 'an Authentication Confirm where a Request is expected',
        code: ErrorCode.AuthUnexpectedFrame,
        run: () =>
          processAuthRequest(
            responderParams,
            makeDppFrame(FrameType.AuthenticationConfirm, frame.body),
          ),
      },
    ]);
  });

  describe('Authentication Response (processAuthResponse)', () => {
    const st = initiator();
    const real = dppFrameOf(respond(st).response);
    const response = (edit: (a: Attribute[]) => Attribute[]) =>
      processAuthResponse(st, editFrame(real, edit));
    const mutualSt = initiator({ own: configurator, requireMutual: true });

    it('controls: the real response and the crafted one are accepted', () => {
      accepted(processAuthResponse(st, real));
      accepted(processAuthResponse(st, craftResponse(st)));
    });

    table([
      {
        name: 'tampered wrapped data',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthResponse(st, dppFrameOf(flipByte(encodeMessage(real), -3))),
      },
      {
        name: 'tampered Protocol Version (second AD component)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          response((a) => withValue(a, AttributeId.ProtocolVersion, () => Uint8Array.of(3))),
      },
      {
        name: 'tampered header byte used as AD (frame object whose header has another frame-type byte)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthResponse(st, withHeaderByte(real, 5)),
      },
      {
        name: 'R-auth wrapped under a key other than ke',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          processAuthResponse(st, craftResponse(st, { rAuthKey: (ke) => flipByte(ke, 0) })),
      },
      {
        name: 'wrong I-nonce echoed',
        code: ErrorCode.AuthNonceMismatch,
        run: () => processAuthResponse(st, craftResponse(st, { iNonce: randomNonce(NONCE_LEN) })),
      },
      {
        name: 'wrong R-auth (computed over another R-nonce)',
        code: ErrorCode.CryptoBadAuthTag,
        run: () =>
          processAuthResponse(
            st,
            craftResponse(st, {
              rAuth: (t) => computeRAuth({ ...t, rNonce: randomNonce(NONCE_LEN) }),
            }),
          ),
      },
      {
        name: "wrong R-auth (computed over a stranger's bootstrapping key)",
        code: ErrorCode.CryptoBadAuthTag,
        run: () =>
          processAuthResponse(
            st,
            craftResponse(st, {
              rAuth: (t) => computeRAuth({ ...t, brX: xOf(stranger.key.point) }),
            }),
          ),
      },
      {
        name: 'wrong R-auth (the I-auth formula)',
        code: ErrorCode.CryptoBadAuthTag,
        run: () => processAuthResponse(st, craftResponse(st, { rAuth: computeIAuth })),
      },
      {
        name: 'R-auth of 31 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          processAuthResponse(
            st,
            craftResponse(st, { rAuth: (t) => computeRAuth(t).subarray(0, 31) }),
          ),
      },
      {
        name: 'R-capabilities configurator to a configurator initiator',
        code: ErrorCode.AuthCapabilities,
        run: () =>
          processAuthResponse(st, craftResponse(st, { rCapabilities: Capability.Configurator })),
      },
      {
        name: 'wrapped R-nonce of 15 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () => processAuthResponse(st, craftResponse(st, { rNonce: randomNonce(15) })),
      },
      {
        name: 'Responder Protocol Key not on the curve',
        code: ErrorCode.CryptoBadPoint,
        run: () => response((a) => withValue(a, AttributeId.ResponderProtocolKey, offCurve)),
      },
      {
        name: 'Responder Protocol Key missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => response((a) => without(a, AttributeId.ResponderProtocolKey)),
      },
      {
        name: 'Responder Protocol Key of 32 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          response((a) => withValue(a, AttributeId.ResponderProtocolKey, (v) => v.subarray(0, 32))),
      },
      {
        name: 'response from someone else (Responder Bootstrapping Key Hash)',
        code: ErrorCode.AuthNotForUs,
        run: () =>
          response((a) =>
            withValue(a, AttributeId.ResponderBootstrappingKeyHash, () => stranger.hash),
          ),
      },
      {
        name: 'mutual response naming another initiator',
        code: ErrorCode.AuthNotForUs,
        run: () =>
          response((a) =>
            insertedBefore(a, AttributeId.ResponderProtocolKey, {
              id: AttributeId.InitiatorBootstrappingKeyHash,
              value: stranger.hash,
            }),
          ),
      },
      {
        name: 'responder-only answer to an initiator that requires mutual authentication',
        code: ErrorCode.AuthMutualRequired,
        run: () => processAuthResponse(mutualSt, dppFrameOf(respond(mutualSt).response)),
      },
      {
        name: 'duplicate Status',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () => response((a) => duplicated(a, AttributeId.Status)),
      },
      {
        name: 'Status of 2 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () => response((a) => withValue(a, AttributeId.Status, () => Uint8Array.of(0, 0))),
      },
      {
        name: 'Status missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => response((a) => without(a, AttributeId.Status)),
      },
      {
        name: 'Protocol Version after Wrapped Data',
        code: ErrorCode.DecodeAttributeOrder,
        run: () => response((a) => moveToEnd(a, AttributeId.ProtocolVersion)),
      },
      {
        name: 'failure status whose I-nonce is not ours (forged NOT_COMPATIBLE)',
        code: ErrorCode.AuthNonceMismatch,
        run: () =>
          processAuthResponse(
            st,
            craftFailureResponse(st, DppStatus.NotCompatible, randomNonce(NONCE_LEN)),
          ),
      },
      {
        name: 'genuine NOT_COMPATIBLE status',
        code: ErrorCode.AuthStatusFailure,
        run: () =>
          processAuthResponse(st, craftFailureResponse(st, DppStatus.NotCompatible, st.iNonce)),
      },
      {
        name: 'an Authentication Request where a Response is expected',
        code: ErrorCode.AuthUnexpectedFrame,
        run: () => processAuthResponse(st, dppFrameOf(st.request)),
      },
    ]);
  });

  describe('Authentication Confirm (processAuthConfirm)', () => {
    const st = initiator();
    const rs = respond(st);
    const confirm = dppFrameOf(accepted(processAuthResponse(st, dppFrameOf(rs.response))).confirm);
    const confirmWith = (edit: (a: Attribute[]) => Attribute[]) =>
      processAuthConfirm(rs, editFrame(confirm, edit));

    const mutualSt = initiator({ own: configurator, requireMutual: true });
    const mutualRs = respond(mutualSt, mutualResponderParams);
    const mutualConfirm = dppFrameOf(
      accepted(processAuthResponse(mutualSt, dppFrameOf(mutualRs.response))).confirm,
    );

    it('controls: the real confirms (both modes) and the crafted one are accepted', () => {
      assert.equal(accepted(processAuthConfirm(rs, confirm)).mutual, false);
      assert.equal(accepted(processAuthConfirm(mutualRs, mutualConfirm)).mutual, true);
      accepted(processAuthConfirm(rs, craftConfirm(rs)));
      accepted(processAuthConfirm(mutualRs, craftConfirm(mutualRs)));
    });

    table([
      {
        name: 'tampered wrapped data',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthConfirm(rs, dppFrameOf(flipByte(encodeMessage(confirm), -1))),
      },
      {
        name: 'tampered header byte used as AD (frame object whose header has another frame-type byte)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthConfirm(rs, withHeaderByte(confirm, 5)),
      },
      {
        name: 'I-auth wrapped with k2 instead of ke',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => processAuthConfirm(rs, craftConfirm(rs, { key: rs.k2 })),
      },
      {
        name: 'Status changed to AUTH_FAILURE (wrapped data then does not verify under k2)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          confirmWith((a) =>
            withValue(a, AttributeId.Status, () => Uint8Array.of(DppStatus.AuthFailure)),
          ),
      },
      {
        name: 'wrong I-auth (computed over another I-nonce)',
        code: ErrorCode.CryptoBadAuthTag,
        run: () =>
          processAuthConfirm(
            rs,
            craftConfirm(rs, {
              iAuth: (t) => computeIAuth({ ...t, iNonce: randomNonce(NONCE_LEN) }),
            }),
          ),
      },
      {
        name: 'wrong I-auth (the R-auth formula)',
        code: ErrorCode.CryptoBadAuthTag,
        run: () => processAuthConfirm(rs, craftConfirm(rs, { iAuth: computeRAuth })),
      },
      {
        name: 'wrong I-auth (mutual, computed without the initiator bootstrapping key)',
        code: ErrorCode.CryptoBadAuthTag,
        run: () =>
          processAuthConfirm(
            mutualRs,
            craftConfirm(mutualRs, { iAuth: (t) => computeIAuth({ ...t, biX: undefined }) }),
          ),
      },
      {
        name: 'confirm for another responder',
        code: ErrorCode.AuthNotForUs,
        run: () =>
          confirmWith((a) =>
            withValue(a, AttributeId.ResponderBootstrappingKeyHash, () => stranger.hash),
          ),
      },
      {
        name: 'mutual confirm without the Initiator Bootstrapping Key Hash',
        code: ErrorCode.AuthNotForUs,
        run: () =>
          processAuthConfirm(
            mutualRs,
            editFrame(mutualConfirm, (a) => without(a, AttributeId.InitiatorBootstrappingKeyHash)),
          ),
      },
      {
        name: 'Initiator Bootstrapping Key Hash without mutual authentication',
        code: ErrorCode.DecodeUnexpectedAttribute,
        run: () =>
          confirmWith((a) =>
            insertedBefore(a, AttributeId.WrappedData, {
              id: AttributeId.InitiatorBootstrappingKeyHash,
              value: configurator.hash,
            }),
          ),
      },
      {
        name: 'Status missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => confirmWith((a) => without(a, AttributeId.Status)),
      },
      {
        name: 'Status after Wrapped Data',
        code: ErrorCode.DecodeAttributeOrder,
        run: () => confirmWith((a) => moveToEnd(a, AttributeId.Status)),
      },
      {
        name: 'failure confirm with another R-nonce',
        code: ErrorCode.AuthNonceMismatch,
        run: () => processAuthConfirm(rs, craftFailureConfirm(rs, randomNonce(NONCE_LEN))),
      },
      {
        name: 'genuine failure confirm',
        code: ErrorCode.AuthStatusFailure,
        run: () => processAuthConfirm(rs, craftFailureConfirm(rs, rs.rNonce)),
      },
      {
        name: 'an Authentication Response where a Confirm is expected',
        code: ErrorCode.AuthUnexpectedFrame,
        run: () => processAuthConfirm(rs, dppFrameOf(rs.response)),
      },
    ]);
  });

  // ---- Configuration exchange ---------------------------------------------------------------------

  const ke = randomNonce(32);
  const otherKe = randomNonce(32);
  const eNonce = randomNonce(NONCE_LEN);
  const configAttrib = new TextEncoder().encode(
    '{"name":"n","wi-fi_tech":"infra","netRole":"sta"}',
  );
  const configObject = new TextEncoder().encode(
    '{"wi-fi_tech":"infra","discovery":{"ssid":"test"},"cred":{"akm":"psk","pass":"secret passphrase"}}',
  );
  const connStatus = new TextEncoder().encode('{"result":0}');

  function gasRequestWithQuery(query: Uint8Array): GasInitialRequest {
    return { kind: 'gasInitialRequest', dialogToken: 1, query };
  }
  function gasResponseWithQuery(
    query: Uint8Array,
    over: Partial<GasInitialResponse> = {},
  ): GasInitialResponse {
    return {
      kind: 'gasInitialResponse',
      dialogToken: 1,
      statusCode: 0,
      comebackDelay: 0,
      query,
      ...over,
    };
  }
  /** A Configuration Request query with our choice of wrapped content (no AD, as specified). */
  function craftConfigRequest(clear: Uint8Array): GasInitialRequest {
    return gasRequestWithQuery(tlv(AttributeId.WrappedData, wrap(ke, clear, [])));
  }
  /** A Configuration Response query: Status, {clear}ke with AD = the Status attribute. */
  function craftConfigResponse(status: number, clear: Uint8Array): GasInitialResponse {
    const before = tlv(AttributeId.Status, Uint8Array.of(status));
    return gasResponseWithQuery(
      concatBytes(before, tlv(AttributeId.WrappedData, wrap(ke, clear, [before]))),
    );
  }
  /** A frame 11/12 with our choice of wrapped content; AD = header and one empty component. */
  function craftWrappedFrame(frameType: number, clear: Uint8Array, key: Uint8Array = ke): DppFrame {
    const wrapped = wrap(key, clear, [dppHeader(frameType), EMPTY]);
    return makeDppFrame(frameType, tlv(AttributeId.WrappedData, wrapped));
  }
  function relabel(bytes: Uint8Array, frameType: number): DppFrame {
    const out = new Uint8Array(bytes);
    out[6] = frameType; // 0x09, OUI (3), OUI type, crypto suite, frame type
    return dppFrameOf(out);
  }
  const clearOf = (...attrs: Array<[number, Uint8Array]>) =>
    encodeAttributes(attrs.map(([id, value]) => ({ id, value })));

  describe('Configuration Request (parseConfigurationRequestQuery)', () => {
    const real = gasInitialRequestOf(buildConfigurationRequest(ke, eNonce, configAttrib, 1));
    const withQuery = (q: Uint8Array) => parseConfigurationRequestQuery(ke, gasRequestWithQuery(q));

    it('controls: the real request and the crafted one are accepted', () => {
      assert.deepStrictEqual(accepted(parseConfigurationRequestQuery(ke, real)).eNonce, eNonce);
      accepted(
        parseConfigurationRequestQuery(
          ke,
          craftConfigRequest(
            clearOf(
              [AttributeId.EnrolleeNonce, eNonce],
              [AttributeId.ConfigurationRequestObject, configAttrib],
            ),
          ),
        ),
      );
    });

    table([
      {
        name: 'tampered wrapped data',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => withQuery(flipByte(real.query, -1)),
      },
      {
        name: 'wrapped under another ke',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parseConfigurationRequestQuery(otherKe, real),
      },
      {
        name: 'query without Wrapped Data',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => withQuery(tlv(AttributeId.EnrolleeNonce, eNonce)),
      },
      {
        name: 'query with two Wrapped Data',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () => withQuery(concatBytes(real.query, real.query)),
      },
      {
        name: 'query with a truncated attribute header',
        code: ErrorCode.DecodeTruncated,
        run: () => withQuery(concatBytes(real.query, Uint8Array.of(4))),
      },
      {
        name: 'query with an oversized attribute length',
        code: ErrorCode.DecodeAttributeOverrun,
        run: () => withQuery(real.query.subarray(0, real.query.length - 1)),
      },
      {
        name: 'wrapped E-nonce of 15 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          parseConfigurationRequestQuery(
            ke,
            craftConfigRequest(
              clearOf(
                [AttributeId.EnrolleeNonce, randomNonce(15)],
                [AttributeId.ConfigurationRequestObject, configAttrib],
              ),
            ),
          ),
      },
      {
        name: 'wrapped configAttrib missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          parseConfigurationRequestQuery(
            ke,
            craftConfigRequest(clearOf([AttributeId.EnrolleeNonce, eNonce])),
          ),
      },
      {
        name: 'wrapped E-nonce twice',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () =>
          parseConfigurationRequestQuery(
            ke,
            craftConfigRequest(
              clearOf(
                [AttributeId.EnrolleeNonce, eNonce],
                [AttributeId.EnrolleeNonce, eNonce],
                [AttributeId.ConfigurationRequestObject, configAttrib],
              ),
            ),
          ),
      },
    ]);
  });

  describe('Configuration Response (parseConfigurationResponseQuery)', () => {
    const content = {
      status: DppStatus.Ok,
      eNonce,
      configObjects: [configObject],
      sendConnStatus: true,
    };
    const real = gasInitialResponseOf(buildConfigurationResponse(ke, 1, content));
    const parse = (gas: GasInitialResponse, expected: Uint8Array = eNonce) =>
      parseConfigurationResponseQuery(ke, expected, gas);
    const editQuery = (edit: (a: Attribute[]) => Attribute[]) => {
      const attrs = accepted(decodeAttributes(real.query));
      return parse(gasResponseWithQuery(encodeAttributes(edit(attrs))));
    };

    it('controls: the real response and the crafted one are accepted', () => {
      assert.deepStrictEqual(accepted(parse(real)).configObjects, [configObject]);
      accepted(
        parse(
          craftConfigResponse(
            DppStatus.Ok,
            clearOf(
              [AttributeId.EnrolleeNonce, eNonce],
              [AttributeId.ConfigurationObject, configObject],
            ),
          ),
        ),
      );
    });

    table([
      {
        name: 'tampered wrapped data',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parse(gasResponseWithQuery(flipByte(real.query, -1))),
      },
      {
        name: 'tampered Status (the AD)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          editQuery((a) =>
            withValue(a, AttributeId.Status, () => Uint8Array.of(DppStatus.ConfigureFailure)),
          ),
      },
      {
        name: 'wrapped under another ke',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parseConfigurationResponseQuery(otherKe, eNonce, real),
      },
      {
        name: 'wrong E-nonce (a response to another request)',
        code: ErrorCode.AuthNonceMismatch,
        run: () => parse(real, randomNonce(NONCE_LEN)),
      },
      {
        name: 'status OK without a Configuration Object',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          parse(
            gasInitialResponseOf(
              buildConfigurationResponse(ke, 1, { ...content, configObjects: [] }),
            ),
          ),
      },
      {
        name: 'wrapped E-nonce missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          parse(
            craftConfigResponse(
              DppStatus.Ok,
              clearOf([AttributeId.ConfigurationObject, configObject]),
            ),
          ),
      },
      {
        name: 'wrapped E-nonce of 17 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          parse(
            craftConfigResponse(
              DppStatus.Ok,
              clearOf(
                [AttributeId.EnrolleeNonce, randomNonce(17)],
                [AttributeId.ConfigurationObject, configObject],
              ),
            ),
          ),
      },
      {
        name: 'Status missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => editQuery((a) => without(a, AttributeId.Status)),
      },
      {
        name: 'Status after Wrapped Data',
        code: ErrorCode.DecodeAttributeOrder,
        run: () => editQuery((a) => moveToEnd(a, AttributeId.Status)),
      },
      {
        name: 'GAS status code 1',
        code: ErrorCode.DecodeBadGas,
        run: () => parse({ ...real, statusCode: 1 }),
      },
      {
        name: 'GAS comeback delay (fragmented response)',
        code: ErrorCode.DecodeBadGas,
        run: () => parse({ ...real, comebackDelay: 1 }),
      },
      {
        name: 'empty GAS query',
        code: ErrorCode.DecodeBadGas,
        run: () => parse({ ...real, query: EMPTY }),
      },
    ]);
  });

  describe('Configuration Result (parseConfigurationResult)', () => {
    const bytes = buildConfigurationResult(ke, eNonce, DppStatus.Ok);
    const real = dppFrameOf(bytes);

    it('controls: the real result and the crafted one are accepted', () => {
      assert.equal(accepted(parseConfigurationResult(ke, eNonce, real)), DppStatus.Ok);
      const crafted = craftWrappedFrame(
        FrameType.ConfigurationResult,
        clearOf(
          [AttributeId.Status, Uint8Array.of(DppStatus.ConfigRejected)],
          [AttributeId.EnrolleeNonce, eNonce],
        ),
      );
      assert.equal(
        accepted(parseConfigurationResult(ke, eNonce, crafted)),
        DppStatus.ConfigRejected,
      );
    });

    table([
      {
        name: 'tampered wrapped data',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parseConfigurationResult(ke, eNonce, dppFrameOf(flipByte(bytes, -1))),
      },
      {
        name: 'wrapped under another ke',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parseConfigurationResult(otherKe, eNonce, real),
      },
      {
        name: 'tampered header byte used as AD (a Connection Status Result relabelled as frame 11)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          parseConfigurationResult(
            ke,
            eNonce,
            relabel(
              buildConnectionStatusResult(ke, eNonce, connStatus),
              FrameType.ConfigurationResult,
            ),
          ),
      },
      {
        name: 'attribute inserted before Wrapped Data (second AD component)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          parseConfigurationResult(
            ke,
            eNonce,
            editFrame(real, (a) => [{ id: 0x10ff, value: EMPTY }, ...a]),
          ),
      },
      {
        name: 'wrong E-nonce',
        code: ErrorCode.AuthNonceMismatch,
        run: () => parseConfigurationResult(ke, randomNonce(NONCE_LEN), real),
      },
      {
        name: 'wrapped Status missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          parseConfigurationResult(
            ke,
            eNonce,
            craftWrappedFrame(
              FrameType.ConfigurationResult,
              clearOf([AttributeId.EnrolleeNonce, eNonce]),
            ),
          ),
      },
      {
        name: 'wrapped Status of 2 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          parseConfigurationResult(
            ke,
            eNonce,
            craftWrappedFrame(
              FrameType.ConfigurationResult,
              clearOf(
                [AttributeId.Status, Uint8Array.of(0, 0)],
                [AttributeId.EnrolleeNonce, eNonce],
              ),
            ),
          ),
      },
      {
        name: 'Wrapped Data missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          parseConfigurationResult(ke, eNonce, makeDppFrame(FrameType.ConfigurationResult, EMPTY)),
      },
      {
        name: 'attribute after Wrapped Data',
        code: ErrorCode.DecodeAttributeOrder,
        run: () =>
          parseConfigurationResult(
            ke,
            eNonce,
            editFrame(real, (a) => [...a, { id: 0x10ff, value: EMPTY }]),
          ),
      },
      {
        name: 'a Connection Status Result where a Configuration Result is expected',
        code: ErrorCode.AuthUnexpectedFrame,
        run: () =>
          parseConfigurationResult(
            ke,
            eNonce,
            dppFrameOf(buildConnectionStatusResult(ke, eNonce, connStatus)),
          ),
      },
    ]);
  });

  describe('Connection Status Result (parseConnectionStatusResult)', () => {
    const bytes = buildConnectionStatusResult(ke, eNonce, connStatus);
    const real = dppFrameOf(bytes);

    it('controls: the real result and the crafted one are accepted', () => {
      assert.deepStrictEqual(accepted(parseConnectionStatusResult(ke, eNonce, real)), connStatus);
      const crafted = craftWrappedFrame(
        FrameType.ConnectionStatusResult,
        clearOf([AttributeId.EnrolleeNonce, eNonce], [AttributeId.ConnStatus, connStatus]),
      );
      accepted(parseConnectionStatusResult(ke, eNonce, crafted));
    });

    table([
      {
        name: 'tampered wrapped data',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parseConnectionStatusResult(ke, eNonce, dppFrameOf(flipByte(bytes, -1))),
      },
      {
        name: 'wrapped under another ke',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () => parseConnectionStatusResult(otherKe, eNonce, real),
      },
      {
        name: 'tampered header byte used as AD (a Configuration Result relabelled as frame 12)',
        code: ErrorCode.CryptoUnwrapFailed,
        run: () =>
          parseConnectionStatusResult(
            ke,
            eNonce,
            relabel(
              buildConfigurationResult(ke, eNonce, DppStatus.Ok),
              FrameType.ConnectionStatusResult,
            ),
          ),
      },
      {
        name: 'wrong E-nonce',
        code: ErrorCode.AuthNonceMismatch,
        run: () => parseConnectionStatusResult(ke, randomNonce(NONCE_LEN), real),
      },
      {
        name: 'wrapped Connection Status missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () =>
          parseConnectionStatusResult(
            ke,
            eNonce,
            craftWrappedFrame(
              FrameType.ConnectionStatusResult,
              clearOf([AttributeId.EnrolleeNonce, eNonce]),
            ),
          ),
      },
      {
        name: 'wrapped E-nonce twice',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () =>
          parseConnectionStatusResult(
            ke,
            eNonce,
            craftWrappedFrame(
              FrameType.ConnectionStatusResult,
              clearOf(
                [AttributeId.EnrolleeNonce, eNonce],
                [AttributeId.EnrolleeNonce, eNonce],
                [AttributeId.ConnStatus, connStatus],
              ),
            ),
          ),
      },
      {
        name: 'a Configuration Result where a Connection Status Result is expected',
        code: ErrorCode.AuthUnexpectedFrame,
        run: () =>
          parseConnectionStatusResult(
            ke,
            eNonce,
            dppFrameOf(buildConfigurationResult(ke, eNonce, DppStatus.Ok)),
          ),
      },
    ]);
  });

  describe('Presence Announcement (parsePresenceAnnouncement)', () => {
    const real = dppFrameOf(buildPresenceAnnouncement(chirpHash(enrollee.key)));
    it('control: the real announcement is accepted', () => {
      assert.deepStrictEqual(accepted(parsePresenceAnnouncement(real)), {
        chirpHash: chirpHash(enrollee.key),
      });
    });
    table([
      {
        name: 'chirp hash of 31 bytes',
        code: ErrorCode.DecodeBadAttributeLength,
        run: () =>
          parsePresenceAnnouncement(
            editFrame(real, (a) =>
              withValue(a, AttributeId.ResponderBootstrappingKeyHash, (v) => v.subarray(1)),
            ),
          ),
      },
      {
        name: 'chirp hash missing',
        code: ErrorCode.DecodeMissingAttribute,
        run: () => parsePresenceAnnouncement(makeDppFrame(FrameType.PresenceAnnouncement, EMPTY)),
      },
      {
        name: 'two chirp hashes',
        code: ErrorCode.DecodeDuplicateAttribute,
        run: () =>
          parsePresenceAnnouncement(
            editFrame(real, (a) => duplicated(a, AttributeId.ResponderBootstrappingKeyHash)),
          ),
      },
      {
        name: 'another frame type',
        code: ErrorCode.AuthUnexpectedFrame,
        run: () =>
          parsePresenceAnnouncement(makeDppFrame(FrameType.ReconfigAnnouncement, real.body)),
      },
    ]);
  });
});
