/**
 * The Configurator's session as a pure state machine, in either authentication role:
 *  - initiator: after an Enrollee's Presence Announcement (our main flow over ESP-NOW);
 *  - responder: when an Enrollee initiates (DPP over TCP).
 * Then, as Configurator: Configuration Request → (engine decides) → Configuration Response →
 * Configuration Result → optional Connection Status Result.
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
import {
  parseConfigurationRequest,
  parseConnectionStatus,
  type ConfigurationRequest,
} from '../config-object.js';
import {
  buildConfigurationResponse,
  parseConfigurationRequestQuery,
  parseConfigurationResult,
  parseConnectionStatusResult,
} from '../config-exchange.js';
import type { KeyPair } from '../crypto/p256.js';
import { FrameType, type DppMessage } from '../frames.js';
import {
  accepted,
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
  type ConfiguratorEffect,
  type ConfiguratorInput,
  type ConfiguratorOutcome,
  type SessionTimings,
  type Step,
} from './types.js';

export type ConfiguratorStage =
  | { readonly name: 'idle' }
  | { readonly name: 'awaitAuthResponse'; readonly initiator: InitiatorState }
  | { readonly name: 'awaitAuthRequest' }
  | { readonly name: 'awaitAuthConfirm'; readonly responder: ResponderState }
  | { readonly name: 'awaitConfigRequest'; readonly auth: AuthResult }
  | {
      readonly name: 'awaitConfigDecision';
      readonly auth: AuthResult;
      readonly eNonce: Uint8Array;
      readonly dialogToken: number;
    }
  | {
      readonly name: 'awaitConfigResult';
      readonly auth: AuthResult;
      readonly eNonce: Uint8Array;
      readonly sendConnStatus: boolean;
    }
  | { readonly name: 'awaitConnStatus'; readonly auth: AuthResult; readonly eNonce: Uint8Array }
  | { readonly name: 'done'; readonly outcome: ConfiguratorOutcome };

export interface ConfiguratorSession {
  readonly role: 'initiator' | 'responder';
  readonly stage: ConfiguratorStage;
  readonly link: LinkState;
  readonly initiatorParams?: ConfiguratorInitiatorParams | undefined;
  readonly responderParams?: ConfiguratorResponderParams | undefined;
}

export interface ConfiguratorInitiatorParams {
  /** The Enrollee's bootstrapping key (whitelist entry matched by its chirp). */
  readonly peer: PeerBootstrap;
  /** Our bootstrapping key (`configurator identity`); mutual when the Enrollee knows it. */
  readonly own: BootstrapIdentity;
  readonly requireMutual: boolean;
  readonly channel?: Channel | undefined;
  readonly timings?: SessionTimings | undefined;
  readonly protocolKey?: KeyPair | undefined;
  readonly nonce?: Uint8Array | undefined;
}

export interface ConfiguratorResponderParams {
  readonly own: BootstrapIdentity;
  /** The Enrollee's bootstrapping key, looked up by the hash its request names. */
  readonly peer?: PeerBootstrap | undefined;
  readonly requireMutual: boolean;
  readonly timings?: SessionTimings | undefined;
  readonly protocolKey?: KeyPair | undefined;
  readonly nonce?: Uint8Array | undefined;
}

export function createConfiguratorInitiator(
  params: ConfiguratorInitiatorParams,
): ConfiguratorSession {
  return {
    role: 'initiator',
    stage: { name: 'idle' },
    link: initialLink(params.timings ?? DEFAULT_TIMINGS),
    initiatorParams: params,
  };
}

/** A responder session; feed it the Authentication Request as its first `message` input. */
export function createConfiguratorResponder(
  params: ConfiguratorResponderParams,
): ConfiguratorSession {
  return {
    role: 'responder',
    stage: { name: 'awaitAuthRequest' },
    link: initialLink(params.timings ?? DEFAULT_TIMINGS),
    responderParams: params,
  };
}

export function stepConfigurator(
  session: ConfiguratorSession,
  input: ConfiguratorInput,
): Step<ConfiguratorSession, ConfiguratorEffect> {
  const effects: ConfiguratorEffect[] = [];
  if (session.stage.name === 'done') return { session, effects };
  const next = dispatch(session, input, effects);
  return { session: next, effects };
}

function dispatch(
  s: ConfiguratorSession,
  input: ConfiguratorInput,
  effects: ConfiguratorEffect[],
): ConfiguratorSession {
  const timings = s.link.timings;
  switch (input.type) {
    case 'start': {
      if (s.stage.name !== 'idle' || !s.initiatorParams) return s;
      const p = s.initiatorParams;
      const initiator = buildAuthRequest({ ...p, role: 'configurator' });
      effects.push({ type: 'setTimer', timer: 'stage', ms: timings.authTimeoutMs });
      const link = send(s.link, initiator.request, 'Authentication Request', effects);
      return { ...s, link, stage: { name: 'awaitAuthResponse', initiator } };
    }
    case 'timer':
      if (input.timer === 'retransmit') return { ...s, link: retransmit(s.link, effects) };
      return stageTimeout(s, effects);
    case 'abort':
      // The Enrollee has applied the configuration: whatever ends the wait for its Connection
      // Status (hostap closes its TCP connection after the Configuration Result unless it is
      // about to connect), it is provisioned, as when the wait runs out.
      if (s.stage.name === 'awaitConnStatus')
        return finish(
          s,
          { result: 'provisioned', note: `no Connection Status Result: ${input.reason}` },
          effects,
        );
      return finish(
        s,
        {
          result: 'failed',
          error: new ConfiguratorError(ErrorCode.SessionAborted, `aborted: ${input.reason}`),
        },
        effects,
      );
    case 'configure':
    case 'refuseConfiguration':
      return decide(s, input, effects);
    case 'message':
      return receive(s, input.bytes, input.decoded, effects);
    default:
      return s;
  }
}

function stageTimeout(s: ConfiguratorSession, effects: ConfiguratorEffect[]): ConfiguratorSession {
  const stage = s.stage.name;
  if (stage === 'awaitConnStatus') {
    return finish(
      s,
      { result: 'provisioned', note: 'no Connection Status Result before the deadline' },
      effects,
    );
  }
  const waitingFor: Record<string, string> = {
    awaitAuthResponse: 'Authentication Response',
    awaitAuthRequest: 'Authentication Request',
    awaitAuthConfirm: 'Authentication Confirm',
    awaitConfigRequest: 'Configuration Request',
    awaitConfigDecision: 'a configuration decision',
    awaitConfigResult: 'Configuration Result',
  };
  const last = s.link.lastError ? `; last refusal: ${s.link.lastError.describe()}` : '';
  const error = new ConfiguratorError(
    ErrorCode.AuthTimeout,
    `timed out waiting for ${waitingFor[stage] ?? stage}${last}`,
  );
  return finish(s, { result: 'failed', error }, effects);
}

/** The Enrollee's request, if it is one we configure: an infrastructure station. */
function servableRequest(configAttrib: Uint8Array): ConfigurationRequest | ConfiguratorError {
  let request: ConfigurationRequest;
  try {
    request = parseConfigurationRequest(configAttrib);
  } catch (e) {
    if (e instanceof ConfiguratorError) return e;
    throw e;
  }
  if (request.netRole !== 'sta' || request.wifiTech !== 'infra') {
    return new ConfiguratorError(
      ErrorCode.ConfigBadRequest,
      `enrollee asks for netRole "${request.netRole}" over "${request.wifiTech}"; only an infrastructure station ("sta", "infra") is configured`,
    );
  }
  return request;
}

/**
 * `connected` only when the device says it joined the network (result 0); any other result —
 * NO_AP, AUTH_FAILURE (wrong passphrase), 255 (timed out) — leaves it `provisioned`, with why.
 */
function connectionOutcome(connStatus: Uint8Array): ConfiguratorOutcome {
  let result: number;
  try {
    result = parseConnectionStatus(connStatus).result;
  } catch (e) {
    if (!(e instanceof ConfiguratorError)) throw e;
    return { result: 'provisioned', note: `unreadable Connection Status: ${e.message}` };
  }
  if (result === DppStatus.Ok) return { result: 'connected', connStatus };
  return {
    result: 'provisioned',
    note: `device could not join the network: status ${statusName(result)}`,
    connStatus,
  };
}

function finish(
  s: ConfiguratorSession,
  outcome: ConfiguratorOutcome,
  effects: ConfiguratorEffect[],
): ConfiguratorSession {
  stopTimers(effects);
  effects.push({ type: 'finished', outcome });
  return { ...s, stage: { name: 'done', outcome } };
}

function decide(
  s: ConfiguratorSession,
  input: Extract<ConfiguratorInput, { type: 'configure' | 'refuseConfiguration' }>,
  effects: ConfiguratorEffect[],
): ConfiguratorSession {
  if (s.stage.name !== 'awaitConfigDecision') return s;
  const { auth, eNonce, dialogToken } = s.stage;
  const timings = s.link.timings;
  if (input.type === 'refuseConfiguration') {
    const response = buildConfigurationResponse(auth.ke, dialogToken, {
      status: input.status,
      eNonce,
      configObjects: [],
      sendConnStatus: false,
    });
    const link = send(
      s.link,
      response,
      'Configuration Response (refusal)',
      effects,
      s.link.lastReceived,
    );
    const error = new ConfiguratorError(
      ErrorCode.ConfigRejected,
      `configuration refused: ${input.reason}`,
    );
    return finish({ ...s, link }, { result: 'failed', error }, effects);
  }
  // Send Conn Status is an R2 feature: never ask a version-1 Enrollee for it.
  const sendConnStatus = input.sendConnStatus && auth.peerVersion >= 2;
  const response = buildConfigurationResponse(auth.ke, dialogToken, {
    status: DppStatus.Ok,
    eNonce,
    configObjects: [input.configObject],
    sendConnStatus,
  });
  const link = send(s.link, response, 'Configuration Response', effects, s.link.lastReceived);
  if (auth.peerVersion < 2) {
    // A version-1 Enrollee sends no Configuration Result: delivery is all we can know.
    return finish(
      { ...s, link },
      { result: 'provisioned', note: 'DPP version 1 peer: no Configuration Result' },
      effects,
    );
  }
  effects.push({ type: 'setTimer', timer: 'stage', ms: timings.configTimeoutMs });
  return { ...s, link, stage: { name: 'awaitConfigResult', auth, eNonce, sendConnStatus } };
}

function receive(
  s: ConfiguratorSession,
  bytes: Uint8Array,
  decoded: DppMessage | undefined,
  effects: ConfiguratorEffect[],
): ConfiguratorSession {
  return receiveMessage(s, bytes, decoded, effects, handle);
}

const unexpected = (s: ConfiguratorSession, msg: DppMessage) =>
  unexpectedMessage(s.stage.name, msg);

function handle(
  s: ConfiguratorSession,
  msg: DppMessage,
  bytes: Uint8Array,
  effects: ConfiguratorEffect[],
): ConfiguratorSession | ConfiguratorError {
  const stage = s.stage;
  const timings = s.link.timings;
  switch (stage.name) {
    case 'awaitAuthResponse': {
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.AuthenticationResponse)
        return unexpected(s, msg);
      const r = processAuthResponse(stage.initiator, msg);
      if (!r.ok) {
        if (r.error.code === ErrorCode.AuthStatusFailure)
          return finish(s, { result: 'failed', error: r.error }, effects);
        return r.error;
      }
      const auth = r.value;
      effects.push({ type: 'authenticated', mutual: auth.mutual, peerVersion: auth.peerVersion });
      effects.push({ type: 'setTimer', timer: 'stage', ms: timings.configTimeoutMs });
      // A repeated Response (the Enrollee missed our Confirm) is answered with the same Confirm.
      const link = send(s.link, auth.confirm, 'Authentication Confirm', effects, bytes);
      return { ...s, link, stage: { name: 'awaitConfigRequest', auth } };
    }
    case 'awaitAuthRequest': {
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.AuthenticationRequest)
        return unexpected(s, msg);
      const p = s.responderParams!;
      const r = processAuthRequest({ ...p, role: 'configurator' }, msg);
      if (!r.ok) return r.error;
      effects.push({ type: 'setTimer', timer: 'stage', ms: timings.authTimeoutMs });
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
      effects.push({
        type: 'authenticated',
        mutual: r.value.mutual,
        peerVersion: r.value.peerVersion,
      });
      effects.push({ type: 'clearTimer', timer: 'retransmit' });
      effects.push({ type: 'setTimer', timer: 'stage', ms: timings.configTimeoutMs });
      return {
        ...s,
        link: accepted(s.link, bytes),
        stage: { name: 'awaitConfigRequest', auth: r.value },
      };
    }
    case 'awaitConfigRequest': {
      if (msg.kind !== 'gasInitialRequest') return unexpected(s, msg);
      const q = parseConfigurationRequestQuery(stage.auth.ke, msg);
      if (!q.ok) return q.error;
      const request = servableRequest(q.value.configAttrib);
      if (request instanceof ConfiguratorError) {
        // An authenticated peer sent a request we cannot serve: answer with a failure status.
        const response = buildConfigurationResponse(stage.auth.ke, msg.dialogToken, {
          status: DppStatus.ConfigureFailure,
          eNonce: q.value.eNonce,
          configObjects: [],
          sendConnStatus: false,
        });
        const link = send(s.link, response, 'Configuration Response (failure)', effects, bytes);
        return finish({ ...s, link }, { result: 'failed', error: request }, effects);
      }
      effects.push({ type: 'clearTimer', timer: 'retransmit' });
      effects.push({ type: 'configurationRequested', request });
      return {
        ...s,
        link: accepted(s.link, bytes),
        stage: {
          name: 'awaitConfigDecision',
          auth: stage.auth,
          eNonce: q.value.eNonce,
          dialogToken: msg.dialogToken,
        },
      };
    }
    case 'awaitConfigDecision':
      return unexpected(s, msg);
    case 'awaitConfigResult': {
      if (
        stage.sendConnStatus &&
        msg.kind === 'dpp' &&
        msg.frameType === FrameType.ConnectionStatusResult
      ) {
        // The Enrollee sends this only after a successful Configuration Result, so it also
        // stands for a Configuration Result that was lost on the way.
        const r = parseConnectionStatusResult(stage.auth.ke, stage.eNonce, msg);
        if (!r.ok) return r.error;
        return finish({ ...s, link: accepted(s.link, bytes) }, connectionOutcome(r.value), effects);
      }
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.ConfigurationResult)
        return unexpected(s, msg);
      const r = parseConfigurationResult(stage.auth.ke, stage.eNonce, msg);
      if (!r.ok) return r.error;
      if (r.value !== DppStatus.Ok) {
        const error = new ConfiguratorError(
          ErrorCode.ConfigRejected,
          `enrollee rejected the configuration: status ${statusName(r.value)}`,
        );
        return finish(s, { result: 'failed', error }, effects);
      }
      if (!stage.sendConnStatus)
        return finish({ ...s, link: accepted(s.link, bytes) }, { result: 'provisioned' }, effects);
      effects.push({ type: 'configurationApplied' });
      effects.push({ type: 'setTimer', timer: 'stage', ms: timings.connStatusTimeoutMs });
      // Keep the Configuration Response as the message to repeat: an Enrollee that sees it again
      // repeats its last message, which recovers a lost Connection Status Result.
      return {
        ...s,
        link: { ...accepted(s.link, bytes), transmissions: 1 },
        stage: { name: 'awaitConnStatus', auth: stage.auth, eNonce: stage.eNonce },
      };
    }
    case 'awaitConnStatus': {
      if (msg.kind !== 'dpp' || msg.frameType !== FrameType.ConnectionStatusResult)
        return unexpected(s, msg);
      const r = parseConnectionStatusResult(stage.auth.ke, stage.eNonce, msg);
      if (!r.ok) return r.error;
      return finish({ ...s, link: accepted(s.link, bytes) }, connectionOutcome(r.value), effects);
    }
    case 'idle':
    case 'done':
      return unexpected(s, msg);
  }
}
