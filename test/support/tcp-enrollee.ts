/** Enrollees speaking DPP over TCP in both roles, for tests (enrollee-sim/site/tcp-device.ts). */
import { createServer } from 'node:net';
import type { BootstrapIdentity, PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import { createEnrolleeResponder } from '../../protocol/dpp/session/enrollee.js';
import {
  driveOverSocket,
  initiateOverTcp,
  TCP_CONFIG_REQUEST,
  type TcpDeviceResult,
} from '../../enrollee-sim/site/tcp-device.js';

export type TcpEnrolleeResult = TcpDeviceResult;

/** An Enrollee that initiates (as `DPP_AUTH_INIT … tcp_addr=`). */
export function runTcpEnrollee(
  port: number,
  own: BootstrapIdentity,
  configurator: PeerBootstrap,
  options: { requireMutual?: boolean; timeoutMs?: number; closeAfterConfigResult?: boolean } = {},
): Promise<TcpEnrolleeResult> {
  return initiateOverTcp('127.0.0.1', port, own, configurator, options);
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
      configRequest: TCP_CONFIG_REQUEST,
    });
    void driveOverSocket(socket, session, { start: false, timeoutMs: 10_000 }).then(resolveResult);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, result, close: () => server.close() };
}
