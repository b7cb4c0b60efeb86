/**
 * The control socket: `<dataDir>/control.sock`, a Unix domain socket through which the admin
 * commands ask the running daemon to do things (docs/control-socket.md). Only the data dir's
 * owner may use it: it is served only from an owner-only data dir, and is itself mode 0600.
 *
 * Every connection carries one request (control-protocol.ts). Whatever a client sends, it gets an
 * error line at worst: nothing it sends can throw out of here.
 */
import { chmodSync, lstatSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { ConfiguratorError, errorCodeName } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';
import {
  controlSocketPath,
  encodeLine,
  MAX_REQUEST_BYTES,
  parseRequest,
  type ConnectRequest,
  type ControlReply,
  type ControlRequest,
} from './control-protocol.js';
import { ConnectRefused, type ConnectOutcome, type ConnectProgress } from './outgoing-sessions.js';

/** What the daemon does for each request. */
export interface ControlHandlers {
  connect(
    request: ConnectRequest,
    onProgress: (p: ConnectProgress) => void,
  ): Promise<ConnectOutcome>;
}

export interface ControlSocketOptions {
  readonly dataDir: string;
  readonly handlers: ControlHandlers;
  readonly log: Logger;
  /**
   * A client that has not sent its whole request by then is answered with an error; one that keeps
   * its side open this long after its answer is disconnected.
   */
  readonly requestTimeoutMs?: number | undefined;
  /** Connections at most at once; more are closed at accept. */
  readonly maxConnections?: number | undefined;
}

/** sun_path holds 108 bytes with its NUL; a longer path would be cut short, silently, elsewhere. */
export const MAX_SOCKET_PATH_BYTES = 107;

function unavailable(message: string): ConfiguratorError {
  return new ConfiguratorError(DaemonErrorCode.ControlSocketUnavailable, message);
}

/** The data dir must be a directory only its owner, this process's user, can enter. */
function requireOwnerOnly(dataDir: string): void {
  const st = statSync(dataDir);
  if (!st.isDirectory()) throw unavailable(`${dataDir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw unavailable(`${dataDir} belongs to uid ${st.uid}, not to this process's uid ${uid}`);
  if ((st.mode & 0o077) !== 0)
    throw unavailable(
      `${dataDir} is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, not owner-only: ` +
        `chmod 700 it to have the control socket`,
    );
}

/** Whether something accepts connections on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** A socket file left by a daemon that did not stop cleanly goes; a live one or any other file stays. */
async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw unavailable(`${path} exists and is not a socket: not touching it`);
  if (await answers(path))
    throw new ConfiguratorError(
      DaemonErrorCode.ControlSocketInUse,
      `${path} is served by another daemon on this data dir`,
    );
  unlinkSync(path);
}

export class ControlSocket {
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly path: string,
    private readonly server: Server,
    private readonly options: ControlSocketOptions,
  ) {}

  /**
   * Serve the control socket. Throws ControlSocketUnavailable (the data dir is not owner-only,
   * the path is too long or is some other file) or ControlSocketInUse (another daemon serves it).
   */
  static async start(options: ControlSocketOptions): Promise<ControlSocket> {
    const path = controlSocketPath(options.dataDir);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES)
      throw unavailable(
        `${path} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path may have`,
      );
    requireOwnerOnly(options.dataDir);
    await clearStaleSocket(path);
    // Half-open: a client may end its side after the request and still read the answer.
    const server = createServer({ allowHalfOpen: true });
    server.maxConnections = options.maxConnections ?? 32;
    const control = new ControlSocket(path, server, options);
    server.on('connection', (socket) => control.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        throw new ConfiguratorError(
          DaemonErrorCode.ControlSocketInUse,
          `${path} is served by another daemon on this data dir`,
        );
      throw unavailable(`cannot listen on ${path}: ${e.message}`);
    });
    try {
      // The data dir already keeps others out; the socket's own mode says so as well.
      chmodSync(path, 0o600);
    } catch (e) {
      server.close();
      throw unavailable(`cannot make ${path} mode 0600: ${(e as Error).message}`);
    }
    server.on('error', (e) => options.log.error({ err: e.message }, 'control socket error'));
    return control;
  }

  private get timeoutMs(): number {
    return this.options.requestTimeoutMs ?? 30_000;
  }

  /** Stop accepting; resolves when every connection has closed (forced after `lingerMs`). */
  async stop(lingerMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const force = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, lingerMs);
    await closed;
    clearTimeout(force);
  }

  private serve(socket: Socket): void {
    const { log } = this.options;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (e) => log.debug({ err: e.message }, 'control connection error'));
    socket.setTimeout(this.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = false;
    // From the connection's start, not from its last byte: a client that sends a byte now and
    // then does not hold the connection for longer.
    const requestDeadline = setTimeout(() => {
      if (!taken)
        take(
          undefined,
          new ConfiguratorError(DaemonErrorCode.ControlBadRequest, 'no whole request line in time'),
        );
    }, this.timeoutMs);
    socket.on('close', () => clearTimeout(requestDeadline));
    const take = (line: string | undefined, error?: ConfiguratorError): void => {
      taken = true;
      clearTimeout(requestDeadline);
      socket.setTimeout(0);
      chunks.length = 0;
      void this.answer(socket, line, error);
    };
    socket.on('timeout', () => {
      // Answered (the timeout is off while a request is carried out), and the client has not
      // closed its side: it has had its answer.
      if (taken) {
        socket.destroy();
        return;
      }
      take(
        undefined,
        new ConfiguratorError(DaemonErrorCode.ControlBadRequest, 'no whole request line in time'),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      // After the request, whatever else arrives is read and dropped.
      if (taken) return;
      const newline = chunk.indexOf(0x0a);
      const upTo = newline === -1 ? chunk.length : newline;
      if (size + upTo > MAX_REQUEST_BYTES) {
        take(
          undefined,
          new ConfiguratorError(
            DaemonErrorCode.ControlRequestTooLarge,
            `a request is at most ${MAX_REQUEST_BYTES} bytes`,
          ),
        );
        return;
      }
      chunks.push(chunk.subarray(0, upTo));
      size += upTo;
      if (newline !== -1) take(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('end', () => {
      // A last line without its newline is still the request.
      if (!taken && size > 0) take(Buffer.concat(chunks).toString('utf8'));
      else if (!taken) socket.end();
    });
  }

  private async carryOut(
    request: ControlRequest,
    send: (reply: ControlReply) => void,
  ): Promise<void> {
    const { handlers, log } = this.options;
    switch (request.op) {
      case 'connect': {
        log.info(
          { host: request.host, port: request.port, device: request.device },
          'control request: connect',
        );
        const outcome = await handlers.connect(request, (p) => send({ type: 'progress', ...p }));
        send({ type: 'outcome', ...outcome });
        return;
      }
    }
  }

  /** Carry out one request (or refuse it) and answer; never throws. */
  private async answer(
    socket: Socket,
    line: string | undefined,
    early: ConfiguratorError | undefined,
  ): Promise<void> {
    const { log } = this.options;
    const send = (reply: ControlReply): void => {
      if (!socket.destroyed && socket.writable) socket.write(encodeLine(reply));
    };
    try {
      if (early !== undefined) throw early;
      const parsed = parseRequest((line ?? '').replace(/\r$/, ''));
      if (!parsed.ok) throw parsed.error;
      await this.carryOut(parsed.value, send);
    } catch (e) {
      send(errorReply(e, log));
    } finally {
      if (!socket.destroyed) {
        socket.end();
        socket.setTimeout(this.timeoutMs);
      }
    }
  }
}

/** The error line for a refused or failed request; an unexpected error is logged, not shown. */
function errorReply(e: unknown, log: Logger): ControlReply {
  if (e instanceof ConfiguratorError) {
    log.info({ code: e.code }, `control request refused: ${e.message}`);
    const keyHash = e instanceof ConnectRefused ? e.keyHash : undefined;
    return {
      type: 'error',
      code: e.code,
      name: errorCodeName(e.code),
      message: e.message,
      ...(keyHash === undefined ? {} : { keyHash }),
    };
  }
  log.error({ err: e }, 'internal error serving a control request');
  return {
    type: 'error',
    code: DaemonErrorCode.ControlInternal,
    name: errorCodeName(DaemonErrorCode.ControlInternal),
    message: "internal error (the daemon's log has it)",
  };
}
