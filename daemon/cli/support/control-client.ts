/**
 * The admin commands' side of the control socket (docs/control-socket.md): send one request to
 * the daemon serving this data dir, pass its progress on, return its last word.
 */
import { createConnection } from 'node:net';
import { ConfiguratorError } from '../../../protocol/errors.js';
import { DaemonErrorCode } from '../../errors.js';
import {
  encodeLine,
  MAX_REPLY_BYTES,
  parseReply,
  type ControlRequest,
  type ErrorReply,
  type OutcomeReply,
  type ProgressReply,
} from '../../service/control-protocol.js';
import { MAX_SOCKET_PATH_BYTES } from '../../service/control-socket.js';

export type FinalReply = OutcomeReply | ErrorReply;

export interface AskOptions {
  /** The daemon accepted the connection: the request is on its way. */
  readonly onConnected?: () => void;
  readonly onProgress?: (p: ProgressReply) => void;
}

function noAnswer(message: string): ConfiguratorError {
  return new ConfiguratorError(DaemonErrorCode.ControlNoAnswer, message);
}

/**
 * The daemon's final reply, or undefined when no daemon serves `path` (no socket file, or one
 * nobody listens on: left by a daemon that did not stop cleanly). Throws ControlNoAnswer when a
 * daemon is there but cannot be asked (permission) or breaks off without a final reply.
 */
export function askDaemon(
  path: string,
  request: ControlRequest,
  options: AskOptions = {},
): Promise<FinalReply | undefined> {
  // A longer path would be cut short by the kernel: no daemon can serve it.
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let connected = false;
    let settled = false;
    let pending = '';
    const settle = (outcome: FinalReply | undefined | ConfiguratorError): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (outcome instanceof ConfiguratorError) reject(outcome);
      else resolve(outcome);
    };
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      options.onConnected?.();
      socket.write(encodeLine(request));
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')) settle(undefined);
      else if (e.code === 'EACCES')
        settle(noAnswer(`cannot use ${path}: permission denied (run as the daemon's user)`));
      else settle(noAnswer(`${path}: ${e.message}`));
    });
    socket.on('data', (text: string) => {
      pending += text;
      let newline: number;
      while (!settled && (newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const reply = parseReply(line);
        if (!reply.ok) return settle(reply.error);
        if (reply.value.type === 'progress') options.onProgress?.(reply.value);
        else return settle(reply.value);
      }
      if (pending.length > MAX_REPLY_BYTES) settle(noAnswer('the daemon sent an overlong line'));
    });
    socket.on('close', () =>
      settle(noAnswer(`the daemon closed ${path} without an answer (its log may say why)`)),
    );
  });
}
