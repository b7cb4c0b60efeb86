/**
 * A simulated device speaking DPP over TCP (as hostap's wpa_supplicant does): as Initiator it
 * connects to the configurator's port; as Responder it serves a connection the configurator opens.
 * It applies what it receives and reports the Connection Status of its simulated access point.
 */
import { connect, type Socket } from 'node:net';
import { DppStatus } from '../../protocol/dpp/attributes.js';
import type { BootstrapIdentity, PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import {
  encodeConnectionStatus,
  parseConfigurationObject,
  type ConfigurationObject,
} from '../../protocol/dpp/config-object.js';
import {
  createEnrolleeInitiator,
  stepEnrollee,
  type EnrolleeSession,
} from '../../protocol/dpp/session/enrollee.js';
import {
  DEFAULT_TIMINGS,
  type EnrolleeEffect,
  type EnrolleeInput,
  type EnrolleeOutcome,
  type SessionTimings,
} from '../../protocol/dpp/session/types.js';
import { SessionRunner, type RoleEffect } from '../../protocol/dpp/session/runner.js';
import { systemClock } from '../../protocol/clock.js';
import { frameForTcp, TcpFrameReader } from '../../protocol/dpp/tcp-framing.js';
import { attempt } from '../../protocol/errors.js';
import type { SimulatedAp } from './sim-device.js';

export interface TcpDeviceResult {
  readonly outcome: EnrolleeOutcome | undefined;
  readonly config: ConfigurationObject | undefined;
  /** Whether the connection was closed (by the configurator, unless we timed out). */
  readonly closedByPeer: boolean;
  readonly joined: boolean;
  /** When the configuration was applied, ms after the start. */
  readonly configuredAfterMs: number | undefined;
}

export const TCP_CONFIG_REQUEST = { name: 'tcp-sim', wifiTech: 'infra', netRole: 'sta' } as const;

/** Run an Enrollee machine over a socket until it closes or `timeoutMs` passes. */
export function driveOverSocket(
  socket: Socket,
  initial: EnrolleeSession,
  options: {
    start: boolean;
    timeoutMs: number;
    ap?: SimulatedAp | undefined;
    /**
     * Close the connection after the Configuration Result instead of reporting the connection,
     * as hostap does unless it is about to connect (its default `dpp_config_processing=0`).
     */
    closeAfterConfigResult?: boolean | undefined;
  },
): Promise<TcpDeviceResult> {
  const began = performance.now();
  return new Promise((resolve) => {
    let outcome: EnrolleeOutcome | undefined;
    let config: ConfigurationObject | undefined;
    let joined = false;
    let configuredAfterMs: number | undefined;
    const reader = new TcpFrameReader();
    const finish = (closedByPeer: boolean): void => {
      runner.dispose();
      clearTimeout(guard);
      socket.destroy();
      resolve({ outcome, config, closedByPeer, joined, configuredAfterMs });
    };
    const guard = setTimeout(() => finish(false), options.timeoutMs);
    const input = (i: EnrolleeInput): void => runner.input(i);
    const onEffect = (e: RoleEffect<EnrolleeEffect>): void => {
      if (e.type === 'configurationReceived') {
        const parsed = attempt(() => parseConfigurationObject(e.configObjects[0]!));
        if (!parsed.ok) {
          // A configuration this device cannot use (e.g. a DPP AKM without the Connector it
          // needs) is answered with a Configuration Result that says so.
          queueMicrotask(() => input({ type: 'configApplied', status: DppStatus.ConfigRejected }));
          return;
        }
        const received = parsed.value;
        config = received;
        configuredAfterMs = performance.now() - began;
        const sendConnStatus = e.sendConnStatus;
        const ap = options.ap;
        const ssid = new TextDecoder().decode(received.ssid);
        joined =
          ap === undefined || (ssid === ap.ssid && received.credential.pass === ap.passphrase);
        queueMicrotask(() => {
          input({ type: 'configApplied', status: DppStatus.Ok });
          if (options.closeAfterConfigResult === true) {
            socket.end(); // after the Configuration Result, which is already written
            return;
          }
          if (sendConnStatus) {
            const result = joined ? DppStatus.Ok : DppStatus.AuthFailure;
            input({
              type: 'connectionAttempted',
              connStatus: encodeConnectionStatus({ result }),
            });
          }
        });
      } else if (e.type === 'finished') outcome = e.outcome;
    };
    const runner = new SessionRunner<EnrolleeSession, EnrolleeInput, EnrolleeEffect>(
      stepEnrollee,
      initial,
      { send: (message) => socket.write(frameForTcp(message)) },
      systemClock,
      onEffect,
      (timer) => ({ type: 'timer', timer }),
    );
    if (options.start) socket.on('connect', () => input({ type: 'start' }));
    socket.on('data', (chunk: Buffer) => {
      let messages: Uint8Array[];
      try {
        messages = reader.push(new Uint8Array(chunk));
      } catch {
        finish(false);
        return;
      }
      for (const m of messages) input({ type: 'message', bytes: m });
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
  });
}

/** TCP is reliable: one transmission per message, as hostap does over TCP. */
const TCP_TIMINGS: SessionTimings = { ...DEFAULT_TIMINGS, retransmitMs: 0, maxTransmissions: 1 };

/** An Enrollee that initiates (as `DPP_AUTH_INIT … tcp_addr=`). */
export function initiateOverTcp(
  host: string,
  port: number,
  own: BootstrapIdentity,
  configurator: PeerBootstrap,
  options: {
    requireMutual?: boolean;
    timeoutMs?: number;
    ap?: SimulatedAp;
    closeAfterConfigResult?: boolean;
  } = {},
): Promise<TcpDeviceResult> {
  const session = createEnrolleeInitiator({
    peer: configurator,
    own,
    requireMutual: options.requireMutual ?? false,
    configRequest: TCP_CONFIG_REQUEST,
    timings: TCP_TIMINGS,
  });
  const socket = connect({ port, host, noDelay: true });
  return driveOverSocket(socket, session, {
    start: true,
    timeoutMs: options.timeoutMs ?? 5000,
    ap: options.ap,
    closeAfterConfigResult: options.closeAfterConfigResult,
  });
}
