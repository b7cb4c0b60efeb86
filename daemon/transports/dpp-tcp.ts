/**
 * DPP over TCP (Wi-Fi Easy Connect §5.3; hostap's dpp_tcp.c): a listener for enrollee-initiated
 * sessions and relayed Presence Announcements, and outgoing connections to enrollees that listen.
 * Each connection is one peer (dpp-tcp-connection.ts: framing, deadlines); messages are
 * length-prefixed (protocol/dpp/tcp-framing.ts). TCP_NODELAY everywhere: every DPP message is a
 * small request waiting for its answer.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../protocol/clock.js';
import type { PeerChannel } from '../engine/peer-channel.js';
import {
  DppTcpConnection,
  type TcpConnectionLimits,
  type TcpPeerHandler,
} from './dpp-tcp-connection.js';

export type { TcpConnectionLimits, TcpPeerHandler } from './dpp-tcp-connection.js';

export interface DppTcpOptions extends TcpConnectionLimits {
  readonly host: string;
  readonly port: number;
  /** Connections at most at once; more are closed at accept. */
  readonly maxConnections: number;
  /** Connections from one address at most at once, so one address cannot take every slot. */
  readonly maxConnectionsPerAddress: number;
}

/** The address a peer's connections are counted under (an IPv4 peer on a dual-stack socket too). */
function peerHost(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  return address?.startsWith('::ffff:') === true ? address.slice('::ffff:'.length) : address;
}

export class DppTcpListener {
  private server: Server | undefined;
  private port: number | undefined;
  private readonly connections = new Set<DppTcpConnection>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly options: DppTcpOptions,
    private readonly handler: TcpPeerHandler,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Connections open now. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Listen; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accepted(socket));
    server.maxConnections = this.options.maxConnections;
    // Refusals at accept are logged at debug: a flood would otherwise fill the log at its rate.
    server.on('drop', (peer) =>
      this.log.debug(
        { peer: peer?.remoteAddress },
        `DPP/TCP connection refused: ${this.options.maxConnections} connections open (sessions.maxConcurrent)`,
      ),
    );
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
    this.port = typeof address === 'object' && address !== null ? address.port : this.options.port;
    return this.port;
  }

  private accepted(socket: Socket): void {
    const host = peerHost(socket);
    if (host === undefined) {
      socket.destroy(); // gone before we saw it
      return;
    }
    const open = this.perAddress.get(host) ?? 0;
    if (open >= this.options.maxConnectionsPerAddress) {
      this.log.debug(
        { peer: host, open },
        `DPP/TCP connection refused: ${open} connections from this address already (tcp.maxConnectionsPerAddress)`,
      );
      socket.destroy();
      return;
    }
    this.perAddress.set(host, open + 1);
    const connection = new DppTcpConnection(
      socket,
      this.handler,
      this.log,
      this.options,
      this.clock,
      this.port,
    );
    this.connections.add(connection);
    socket.on('close', () => {
      this.connections.delete(connection);
      const left = (this.perAddress.get(host) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(host);
      else this.perAddress.set(host, left);
    });
  }

  /** Stop accepting; resolves when every connection has closed (forced after `lingerMs`). */
  async stop(lingerMs = 10_000): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const force = setTimeout(() => {
      for (const c of this.connections) c.close('the daemon is stopping', 'info');
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
  limits: TcpConnectionLimits,
  clock: Clock = systemClock,
): Promise<PeerChannel> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, noDelay: true });
    // A host that never answers (a SYN into nowhere) would otherwise hold the caller for the
    // kernel's retries, minutes: it gets one message deadline to accept.
    const deadline = clock.setTimer(limits.messageTimeoutMs, () => {
      socket.destroy();
      reject(new Error(`no connection within ${limits.messageTimeoutMs} ms`));
    });
    socket.once('error', (e) => {
      deadline.cancel();
      reject(e);
    });
    socket.once('connect', () => {
      deadline.cancel();
      socket.removeAllListeners('error');
      resolve(new DppTcpConnection(socket, handler, log, limits, clock).channel);
    });
  });
}
