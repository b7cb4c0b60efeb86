/** Enrollees speaking DPP over TCP, in both roles (as hostap's wpa_supplicant does), for tests. */
import { connect, createServer, type Socket } from 'node:net';
import type { BootstrapIdentity, PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import {
  encodeConnectionStatus,
  parseConfigurationObject,
  type ConfigurationObject,
} from '../../protocol/dpp/config-object.js';
import {
  createEnrolleeInitiator,
  createEnrolleeResponder,
  stepEnrollee,
  type EnrolleeSession,
} from '../../protocol/dpp/session/enrollee.js';
import type { Input, Outcome } from '../../protocol/dpp/session/types.js';
import { frameForTcp, TcpFrameReader } from '../../protocol/dpp/tcp-framing.js';

export interface TcpEnrolleeResult {
  readonly outcome: Outcome | undefined;
  readonly config: ConfigurationObject | undefined;
  /** Whether the connection was closed (by the configurator, unless we timed out). */
  readonly closedByPeer: boolean;
}

const CONFIG_REQUEST = { name: 'tcp-sim', wifiTech: 'infra', netRole: 'sta' } as const;

/**
 * Run an Enrollee machine over a socket until the socket closes or `timeoutMs` passes: applies
 * whatever configuration it gets and reports a successful Connection Status.
 */
function driveOverSocket(
  socket: Socket,
  initial: EnrolleeSession,
  start: boolean,
  timeoutMs: number,
): Promise<TcpEnrolleeResult> {
  return new Promise((resolve) => {
    let session = initial;
    let outcome: Outcome | undefined;
    let config: ConfigurationObject | undefined;
    const timers = new Map<string, NodeJS.Timeout>();
    const reader = new TcpFrameReader();
    const finish = (closedByPeer: boolean): void => {
      for (const t of timers.values()) clearTimeout(t);
      clearTimeout(guard);
      socket.destroy();
      resolve({ outcome, config, closedByPeer });
    };
    const guard = setTimeout(() => finish(false), timeoutMs);
    const input = (i: Input): void => {
      const step = stepEnrollee(session, i);
      session = step.session;
      for (const e of step.effects) {
        if (e.type === 'send') socket.write(frameForTcp(e.message));
        else if (e.type === 'setTimer') {
          clearTimeout(timers.get(e.timer));
          const timer = e.timer;
          timers.set(
            timer,
            setTimeout(() => input({ type: 'timer', timer }), e.ms),
          );
        } else if (e.type === 'clearTimer') clearTimeout(timers.get(e.timer));
        else if (e.type === 'configurationReceived') {
          config = parseConfigurationObject(e.configObjects[0]!);
          const sendConnStatus = e.sendConnStatus;
          queueMicrotask(() => {
            input({ type: 'configApplied', status: 0 });
            if (sendConnStatus) {
              input({
                type: 'connectionAttempted',
                connStatus: encodeConnectionStatus({ result: 0 }),
              });
            }
          });
        } else if (e.type === 'finished') outcome = e.outcome;
      }
    };
    if (start) socket.on('connect', () => input({ type: 'start' }));
    socket.on('data', (chunk: Buffer) => {
      for (const m of reader.push(new Uint8Array(chunk))) input({ type: 'message', bytes: m });
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
  });
}

/** An Enrollee that initiates (as `DPP_AUTH_INIT … tcp_addr=`). */
export function runTcpEnrollee(
  port: number,
  own: BootstrapIdentity,
  configurator: PeerBootstrap,
  options: { requireMutual?: boolean; timeoutMs?: number } = {},
): Promise<TcpEnrolleeResult> {
  const session = createEnrolleeInitiator({
    peer: configurator,
    own,
    requireMutual: options.requireMutual ?? false,
    configRequest: CONFIG_REQUEST,
  });
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  return driveOverSocket(socket, session, true, options.timeoutMs ?? 5000);
}

/** An Enrollee that listens (as `DPP_CONTROLLER_START role=enrollee`); serves one connection. */
export async function listenTcpEnrollee(
  own: BootstrapIdentity,
): Promise<{ port: number; result: Promise<TcpEnrolleeResult>; close(): void }> {
  let resolveResult: (r: TcpEnrolleeResult) => void = () => {};
  const result = new Promise<TcpEnrolleeResult>((r) => (resolveResult = r));
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const session = createEnrolleeResponder({
      own,
      requireMutual: false,
      configRequest: CONFIG_REQUEST,
    });
    void driveOverSocket(socket, session, false, 10_000).then(resolveResult);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, result, close: () => server.close() };
}
