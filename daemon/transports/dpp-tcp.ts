/**
 * DPP over TCP (Wi-Fi Easy Connect §5.3; hostap's dpp_tcp.c): a listener for enrollee-initiated
 * sessions and relayed Presence Announcements, and outgoing connections to enrollees that listen.
 * Each connection is one peer; messages are length-prefixed (protocol/dpp/tcp-framing.ts).
 * TCP_NODELAY everywhere: every DPP message is a small request waiting for its answer.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { frameForTcp, TcpFrameReader } from '../../protocol/dpp/tcp-framing.js';
import type { PeerChannel, PeerHandler } from '../engine/peer-channel.js';

export type TcpPeerHandler = Pick<PeerHandler, 'onMessage' | 'onPeerGone'>;

export interface DppTcpOptions {
  readonly host: string;
  readonly port: number;
  /** Connections at most at once; more are closed at accept. */
  readonly maxConnections: number;
  /** A connection that sends nothing for this long is closed. */
  readonly idleMs: number;
}

/** Wraps one socket as a peer; closes after the last write when the session ends. */
function attachSocket(
  socket: Socket,
  handler: TcpPeerHandler,
  log: Logger,
  idleMs: number,
): PeerChannel {
  socket.setNoDelay(true);
  socket.setTimeout(idleMs);
  const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
  const channel: PeerChannel = {
    id: `tcp:${address}`,
    transport: 'tcp',
    address,
    send: (message) => {
      if (!socket.writable) return;
      socket.write(frameForTcp(message));
    },
    close: () => {
      socket.end();
    },
  };
  const reader = new TcpFrameReader();
  socket.on('data', (chunk: Buffer) => {
    let messages: Uint8Array[];
    try {
      messages = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      log.info({ peer: address }, `closing DPP/TCP connection: ${(e as Error).message}`);
      socket.destroy();
      return;
    }
    for (const m of messages) handler.onMessage(channel, m);
  });
  socket.on('timeout', () => {
    log.debug({ peer: address }, 'DPP/TCP connection idle; closing');
    socket.destroy();
  });
  socket.on('error', (e) => log.debug({ peer: address, err: e.message }, 'DPP/TCP socket error'));
  socket.on('close', () => handler.onPeerGone(channel.id, 'the TCP connection closed'));
  return channel;
}

export class DppTcpListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly options: DppTcpOptions,
    private readonly handler: TcpPeerHandler,
    private readonly log: Logger,
  ) {}

  /** Listen; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      attachSocket(socket, this.handler, this.log, this.options.idleMs);
    });
    server.maxConnections = this.options.maxConnections;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error({ err: e.message }, 'DPP/TCP listener error'));
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  /** Stop accepting; resolves when every connection has closed (forced after `lingerMs`). */
  async stop(lingerMs = 10_000): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const force = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, lingerMs);
    await closed;
    clearTimeout(force);
  }
}

/**
 * Connect to an enrollee listening for DPP over TCP (hostap: DPP_CONTROLLER_START role=enrollee);
 * resolves with the peer once connected. The caller starts the session as initiator on it.
 */
export function connectDppTcp(
  host: string,
  port: number,
  handler: TcpPeerHandler,
  log: Logger,
  idleMs: number,
): Promise<PeerChannel> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(attachSocket(socket, handler, log, idleMs));
    });
  });
}
