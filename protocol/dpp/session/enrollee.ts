/**
 * The Enrollee's session as a pure state machine, in either authentication role:
 *  - responder: after its Presence Announcement a Configurator initiates (our main flow);
 *  - initiator: it knows the Configurator's URI and initiates (DPP over TCP).
 * Then: Configuration Request → Configuration Response → (device applies) → Configuration Result
 * → (device joins the network) → Connection Status Result when the Configurator asked for one.
 * The device simulator and tests drive it; firmware would implement the same states in C.
 */
import { ConfiguratorError, ErrorCode } from '../../errors.js';
import { DppStatus } from '../attributes.js';
import type { BootstrapIdentity, PeerBootstrap } from '../auth-common.js';
import {
  buildAuthRequest,
  processAuthResponse,
  statusName,
  type AuthResult,
  type Channel,
  type InitiatorState,
} from '../auth-initiator.js';
import { processAuthConfirm, processAuthRequest, type ResponderState } from '../auth-responder.js';
import { encodeConfigurationRequest, type ConfigurationRequest } from '../config-object.js';
import {
  buildConfigurationRequest,
  buildConfigurationResult,
  buildConnectionStatusResult,
  parseConfigurationResponseQuery,
} from '../config-exchange.js';
import { NONCE_LEN } from '../crypto/kdf.js';
import { randomNonce, type KeyPair } from '../crypto/p256.js';
import { FrameType, type DppMessage } from '../frames.js';
import {
  accepted,
  answerDuplicate,
  initialLink,
  receiveMessage,
  retransmit,
  send,
  stopTimers,
  unexpectedMessage,
  type LinkState,
} from './link.js';
import {
  DEFAULT_TIMINGS,
  type EnrolleeEffect,
  type EnrolleeInput,
  type EnrolleeOutcome,
  type SessionTimings,
  type Step,
} from './types.js';

export type EnrolleeStage =
  | { readonly name: 'idle' }
  | { readonly name: 'awaitAuthResponse'; readonly initiator: InitiatorState }
  | { readonly name: 'awaitAuthRequest' }
  | { readonly name: 'awaitAuthConfirm'; readonly responder: ResponderState }
  | { readonly name: 'awaitConfigResponse'; readonly auth: AuthResult; readonly eNonce: Uint8Array }
  | {
      readonly name: 'awaitApply';
      readonly auth: AuthResult;
      readonly eNonce: Uint8Array;
      readonly sendConnStatus: boolean;
      readonly configObjects: readonly Uint8Array[];
    }
  | {
      readonly name: 'awaitConnectionAttempt';
      readonly auth: AuthResult;
      readonly eNonce: Uint8Array;
      readonly configObjects: readonly Uint8Array[];
    }
  | { readonly name: 'done'; readonly outcome: EnrolleeOutcome };

interface EnrolleeCommon {
  readonly configRequest: ConfigurationRequest;
  readonly timings?: SessionTimings | undefined;
  readonly protocolKey?: KeyPair | undefined;
  readonly nonce?: Uint8Array | undefined;
  readonly eNonce?: Uint8Array | undefined;
}

export interface EnrolleeResponderParams extends EnrolleeCommon {
  readonly own: BootstrapIdentity;
  /** The Configurator's bootstrapping key we trust (pinned), for mutual authentication. */
  readonly peer?: PeerBootstrap | undefined;
  readonly requireMutual: boolean;
}

export interface EnrolleeInitiatorParams extends EnrolleeCommon {
  /** The Configurator's bootstrapping key (from its URI). */
  readonly peer: PeerBootstrap;
  readonly own: BootstrapIdentity;
  readonly requireMutual: boolean;
  readonly channel?: Channel | undefined;
}

export interface EnrolleeSession {
  readonly role: 'initiator' | 'responder';
  readonly stage: EnrolleeStage;
  readonly link: LinkState;
  readonly common: EnrolleeCommon;
  readonly initiatorParams?: EnrolleeInitiatorParams | undefined;
  readonly responderParams?: EnrolleeResponderParams | undefined;
}

export function createEnrolleeResponder(params: EnrolleeResponderParams): EnrolleeSession {
  return {
    role: 'responder',
    stage: { name: 'awaitAuthRequest' },
    link: initialLink(params.timings ?? DEFAULT_TIMINGS),
    common: params,
    responderParams: params,
  };
}

export function createEnrolleeInitiator(params: EnrolleeInitiatorParams): EnrolleeSession {
  return {
    role: 'initiator',
    stage: { name: 'idle' },
    link: initialLink(params.timings ?? DEFAULT_TIMINGS),
    common: params,
    initiatorParams: params,
  };
}

export function stepEnrollee(
  session: EnrolleeSession,
  input: EnrolleeInput,
): Step<EnrolleeSession, EnrolleeEffect> {
  const effects: EnrolleeEffect[] = [];
  if (session.stage.name === 'done') {
    // A finished Enrollee still answers a repeat of the last message, so a Configurator that
    // missed our Configuration Result or Connection Status Result gets it again.
    if (input.type === 'message') answerDuplicate(session.link, input.bytes, effects);
    return { session, effects };
  }
  return { session: dispatch(session, input, effects), effects };
}

function dispatch(
  s: EnrolleeSession,
  input: EnrolleeInput,
  effects: EnrolleeEffect[],
): EnrolleeSession {
  const timings = s.link.timings;
  switch (input.type) {
    case 'start': {
      if (s.stage.name !== 'idle' || !s.initiatorParams) return s;
      const initiator = buildAuthRequest({ ...s.initiatorParams, role: 'enrollee' });
      effects.push({ type: 'setTimer', timer: 'stage', ms: timings.authTimeoutMs });
      const link = send(s.link, initiator.request, 'Authentication Request', effects);
      return { ...s, link, stage: { name: 'awaitAuthResponse', initiator } };
    }
    case 'timer':
      if (input.timer === 'retransmit') return { ...s, link: retransmit(s.link, effects) };
      return timeout(s, effects);
    case 'abort':
      return finish(
        s,
        {
          result: 'failed',
          error: new ConfiguratorError(ErrorCode.SessionAborted, `aborted: ${input.reason}`),
        },
        effects,
      );
    case 'configApplied':
      return applied(s, input.status, effects);
    case 'connectionAttempted':
      return connectionAttempted(s, input.connStatus, effects);
    case 'message':
      return receive(s, input.bytes, input.decoded, effects);
    default:
      return s;
  }
}

function timeout(s: EnrolleeSession, effects: EnrolleeEffect[]): EnrolleeSession {
  const last = s.link.lastError ? `; last refusal: ${s.link.lastError.describe()}` : '';
  return finish(
    s,
    {
      result: 'failed',
      error: new ConfiguratorError(ErrorCode.AuthTimeout, `timed out while ${s.stage.name}${last}`),
    },
    effects,
  );
}

function finish(
  s: EnrolleeSession,
  outcome: EnrolleeOutcome,
  effects: EnrolleeEffect[],
): EnrolleeSession {
  stopTimers(effects);
  effects.push({ type: 'finished', outcome });
  return { ...s, stage: { name: 'done', outcome } };
}

/** Authenticated: ask for the configuration. */
function requestConfiguration(
  s: EnrolleeSession,
  auth: AuthResult,
  link: LinkState,
  effects: EnrolleeEffect[],
  answers?: Uint8Array,
): EnrolleeSession {
  const eNonce = s.common.eNonce ?? randomNonce(NONCE_LEN);
  const request = buildConfigurationRequest(
    auth.ke,
    eNonce,
    encodeConfigurationRequest(s.common.configRequest),
    eNonce[0]!,
  );
  effects.push({ type: 'authenticated', mutual: auth.mutual, peerVersion: auth.peerVersion });
  effects.push({ type: 'setTimer', timer: 'stage', ms: s.link.timings.configTimeoutMs });
  return {
    ...s,
    link: send(link, request, 'Configuration Request', effects, answers),
    stage: { name: 'awaitConfigResponse', auth, eNonce },
  };
}

function applied(s: EnrolleeSession, status: number, effects: EnrolleeEffect[]): EnrolleeSession {
  if (s.stage.name !== 'awaitApply') return s;
  const { auth, eNonce, sendConnStatus, configObjects } = s.stage;
  if (auth.peerVersion < 2) {
    return status === DppStatus.Ok
      ? finish(s, { result: 'configured', configObjects }, effects)
      : finish(
          s,
          {
            result: 'failed',
            error: new ConfiguratorError(
              ErrorCode.ConfigRejected,
              `configuration not applied: ${statusName(status)}`,
            ),
          },
          effects,
        );
  }
  // The Configuration Result answers the Configuration Response; a repeated Response gets it again.
  const result = buildConfigurationResult(auth.ke, eNonce, status);
  const link = send(s.link, result, 'Configuration Result', [], s.link.lastReceived);
  effects.push({
    type: 'send',
    message: result,
    what: 'Configuration Result',
    retransmission: false,
  });
  if (status !== DppStatus.Ok) {
    return finish(
      { ...s, link },
      {
        result: 'failed',
        error: new ConfiguratorError(
          ErrorCode.ConfigRejected,
          `configuration not applied: ${statusName(status)}`,
        ),
      },
      effects,
    );
  }
  if (!sendConnStatus)
    return finish({ ...s, link }, { result: 'configured', configObjects }, effects);
  effects.push({ type: 'clearTimer', timer: 'retransmit' });
  effects.push({ type: 'setTimer', timer: 'stage', ms: s.link.timings.connStatusTimeoutMs });
  return { ...s, link, stage: { name: 'awaitConnectionAttempt', auth, eNonce, configObjects } };
}

function connectionAttempted(
  s: EnrolleeSession,
  connStatus: Uint8Array,
  effects: EnrolleeEffect[],
): EnrolleeSession {
  if (s.stage.name !== 'awaitConnectionAttempt') return s;
  const { auth, eNonce, configObjects } = s.stage;
  const message = buildConnectionStatusResult(auth.ke, eNonce, connStatus);
  const link = send(s.link, message, 'Connection Status Result', [], s.link.lastReceived);
  effects.push({ type: 'send', message, what: 'Connection Status Result', retransmission: false });
  return finish({ ...s, link }, { result: 'configured', configObjects }, effects);
}

function receive(
  s: EnrolleeSession,
  bytes: Uint8Array,
  decoded: DppMessage | undefined,
  effects: EnrolleeEffect[],
): EnrolleeSession {
  return receiveMessage(s, bytes, decoded, effects, handle);
}

const unexpected = (s: EnrolleeSession, msg: DppMessage) => unexpectedMessage(s.stage.name, msg);

function handle(
  s: EnrolleeSession,
  msg: DppMessage,
  bytes: Uint8Array,
  effects: EnrolleeEffect[],
): EnrolleeSession | ConfiguratorError {
  const stage = s.stage;
  switch (stage.name) {
    case 'awaitAuthRequest': {
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.AuthenticationRequest)
        return unexpected(s, msg);
      const r = processAuthRequest({ ...s.responderParams!, role: 'enrollee' }, msg);
      if (!r.ok) return r.error;
      effects.push({ type: 'setTimer', timer: 'stage', ms: s.link.timings.authTimeoutMs });
      const link = send(s.link, r.value.response, 'Authentication Response', effects, bytes);
      return { ...s, link, stage: { name: 'awaitAuthConfirm', responder: r.value } };
    }
    case 'awaitAuthConfirm': {
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.AuthenticationConfirm)
        return unexpected(s, msg);
      const r = processAuthConfirm(stage.responder, msg);
      if (!r.ok) {
        if (r.error.code === ErrorCode.AuthStatusFailure)
          return finish(s, { result: 'failed', error: r.error }, effects);
        return r.error;
      }
      // The Configuration Request answers the Confirm: a repeated Confirm gets the Request again.
      return requestConfiguration(s, r.value, s.link, effects, bytes);
    }
    case 'awaitAuthResponse': {
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.AuthenticationResponse)
        return unexpected(s, msg);
      const r = processAuthResponse(stage.initiator, msg);
      if (!r.ok) {
        if (r.error.code === ErrorCode.AuthStatusFailure)
          return finish(s, { result: 'failed', error: r.error }, effects);
        return r.error;
      }
      // Confirm, then the Configuration Request right behind it; a repeated Response re-sends the Confirm.
      const link = send(s.link, r.value.confirm, 'Authentication Confirm', effects, bytes);
      return requestConfiguration(
        s,
        r.value,
        { ...link, lastReceived: bytes, answer: r.value.confirm },
        effects,
      );
    }
    case 'awaitConfigResponse': {
      if (msg.kind !== 'gasInitialResponse') return unexpected(s, msg);
      const r = parseConfigurationResponseQuery(stage.auth.ke, stage.eNonce, msg);
      if (!r.ok) return r.error;
      const link = accepted(s.link, bytes);
      effects.push({ type: 'clearTimer', timer: 'retransmit' });
      if (r.value.status !== DppStatus.Ok) {
        const error = new ConfiguratorError(
          ErrorCode.ConfigRejected,
          `configurator refused to configure us: status ${statusName(r.value.status)}`,
        );
        return finish({ ...s, link }, { result: 'failed', error }, effects);
      }
      effects.push({
        type: 'configurationReceived',
        configObjects: r.value.configObjects,
        sendConnStatus: r.value.sendConnStatus,
      });
      return {
        ...s,
        link,
        stage: {
          name: 'awaitApply',
          auth: stage.auth,
          eNonce: stage.eNonce,
          sendConnStatus: r.value.sendConnStatus,
          configObjects: r.value.configObjects,
        },
      };
    }
    case 'awaitApply':
    case 'awaitConnectionAttempt':
    case 'idle':
    case 'done':
      return unexpected(s, msg);
  }
}
