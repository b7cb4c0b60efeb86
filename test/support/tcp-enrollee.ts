/** An Enrollee that initiates DPP over TCP (as hostap's `DPP_AUTH_INIT … tcp_addr=`), for tests. */
import { connect, type Socket } from 'node:net';
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
import type { Effect, Input, Outcome } from '../../protocol/dpp/session/types.js';
import { frameForTcp, TcpFrameReader } from '../../protocol/dpp/tcp-framing.js';

export interface TcpEnrolleeResult {
  readonly outcome: Outcome | undefined;
  readonly config: ConfigurationObject | undefined;
  /** Whether the configurator closed the connection. */
  readonly closedByPeer: boolean;
}

export function runTcpEnrollee(
  port: number,
  own: BootstrapIdentity,
  configurator: PeerBootstrap,
  options: { requireMutual?: boolean; timeoutMs?: number } = {},
): Promise<TcpEnrolleeResult> {
  return new Promise((resolve) => {
    let session: EnrolleeSession = createEnrolleeInitiator({
      peer: configurator,
      own,
      requireMutual: options.requireMutual ?? false,
      configRequest: { name: 'tcp-sim', wifiTech: 'infra', netRole: 'sta' },
    });
    let outcome: Outcome | undefined;
    let config: ConfigurationObject | undefined;
    const timers = new Map<string, NodeJS.Timeout>();
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    const reader = new TcpFrameReader();
    const finish = (closedByPeer: boolean): void => {
      for (const t of timers.values()) clearTimeout(t);
      clearTimeout(guard);
      socket.destroy();
      resolve({ outcome, config, closedByPeer });
    };
    const guard = setTimeout(() => finish(false), options.timeoutMs ?? 5000);
    const input = (i: Input): void => {
      const step = stepEnrollee(session, i);
      session = step.session;
      for (const e of step.effects) apply(e);
    };
    const apply = (e: Effect): void => {
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
        queueMicrotask(() => {
          input({ type: 'configApplied', status: 0 });
          if (e.sendConnStatus)
            input({
              type: 'connectionAttempted',
              connStatus: encodeConnectionStatus({ result: 0 }),
            });
        });
      } else if (e.type === 'finished') outcome = e.outcome;
    };
    socket.on('connect', () => input({ type: 'start' }));
    socket.on('data', (chunk: Buffer) => {
      for (const m of reader.push(new Uint8Array(chunk))) input({ type: 'message', bytes: m });
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
  });
}

/** An Enrollee that listens for DPP over TCP (as hostap's `DPP_CONTROLLER_START role=enrollee`). */
export async function listenTcpEnrollee(
  own: BootstrapIdentity,
): Promise<{ port: number; result: Promise<TcpEnrolleeResult>; close(): void }> {
  const { createServer } = await import('node:net');
  let resolveResult: (r: TcpEnrolleeResult) => void = () => {};
  const result = new Promise<TcpEnrolleeResult>((r) => (resolveResult = r));
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let session: EnrolleeSession = createEnrolleeResponder({
      own,
      requireMutual: false,
      configRequest: { name: 'tcp-sim', wifiTech: 'infra', netRole: 'sta' },
    });
    let outcome: Outcome | undefined;
    let config: ConfigurationObject | undefined;
    const reader = new TcpFrameReader();
    const input = (i: Input): void => {
      const step = stepEnrollee(session, i);
      session = step.session;
      for (const e of step.effects) {
        if (e.type === 'send') socket.write(frameForTcp(e.message));
        else if (e.type === 'configurationReceived') {
          config = parseConfigurationObject(e.configObjects[0]!);
          queueMicrotask(() => {
            input({ type: 'configApplied', status: 0 });
            if (e.sendConnStatus)
              input({
                type: 'connectionAttempted',
                connStatus: encodeConnectionStatus({ result: 0 }),
              });
          });
        } else if (e.type === 'finished') outcome = e.outcome;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      for (const m of reader.push(new Uint8Array(chunk))) input({ type: 'message', bytes: m });
    });
    socket.on('error', () => {});
    socket.on('close', () => resolveResult({ outcome, config, closedByPeer: true }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, result, close: () => server.close() };
}
