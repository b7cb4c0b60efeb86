/**
 * One DPP/TCP connection as a peer: length-prefixed messages in and out, and the limits that keep
 * a slow or silent peer from holding its slot. A message whose first byte has arrived must be
 * complete within `messageTimeoutMs`, however its bytes trickle in (an idle timeout alone is
 * restarted by every byte, so one byte every few seconds held a connection for ever); the whole
 * exchange must be over within `connectionTimeoutMs`; a connection that sends nothing at all for
 * `idleMs` is closed. Every close is logged once, with its reason.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../../protocol/clock.js';
import { frameForTcp, TcpFrameReader } from '../../protocol/dpp/tcp-framing.js';
import type { PeerChannel, PeerHandler } from '../engine/peer-channel.js';

export type TcpPeerHandler = Pick<PeerHandler, 'onMessage' | 'onPeerGone'>;

export interface TcpConnectionLimits {
  /** A message whose first byte has arrived must be complete within this. */
  readonly messageTimeoutMs: number;
  /** The whole exchange on one connection, from accept (or connect) to close. */
  readonly connectionTimeoutMs: number;
  /** A connection that sends nothing for this long is closed. */
  readonly idleMs: number;
}

type CloseLevel = 'debug' | 'info';

export class DppTcpConnection {
  readonly channel: PeerChannel;
  private readonly reader = new TcpFrameReader();
  private readonly exchangeTimer: Timer;
  private messageTimer: Timer | undefined;
  private closing: { reason: string; level: CloseLevel } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: TcpPeerHandler,
    private readonly log: Logger,
    private readonly limits: TcpConnectionLimits,
    private readonly clock: Clock,
    /** The listener's port for an accepted connection (spares asking the socket, a system call). */
    localPort = socket.localPort,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs);
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.channel = {
      // The local port too: outgoing connections to one enrollee share its address and port.
      id: `tcp:${address}/${localPort ?? 0}`,
      transport: 'tcp',
      address,
      // One write per message: frameForTcp gives the prefix and the body in one buffer.
      send: (message) => {
        if (socket.writable) socket.write(frameForTcp(message));
        return undefined;
      },
      close: () => this.close('the session is over', 'debug', 'end'),
    };
    this.exchangeTimer = clock.setTimer(limits.connectionTimeoutMs, () =>
      this.close(
        `the exchange was not over within ${limits.connectionTimeoutMs} ms (tcp.connectionTimeoutMs)`,
        'info',
      ),
    );
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('timeout', () => this.close(`nothing received for ${limits.idleMs} ms`, 'info'));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`, 'debug'));
    socket.on('close', () => this.closed());
  }

  /** Close with `reason` (the first reason given is the one logged); `end` lets writes drain. */
  close(reason: string, level: CloseLevel, how: 'end' | 'destroy' = 'destroy'): void {
    this.closing ??= { reason, level };
    if (how === 'end') this.socket.end();
    else this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    let messages: Uint8Array[];
    try {
      messages = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.close(`bad framing: ${(e as Error).message}`, 'info');
      return;
    }
    if (this.reader.pending === 0) {
      this.messageTimer?.cancel();
      this.messageTimer = undefined;
    } else if (this.messageTimer === undefined || messages.length > 0) {
      // A new message has started: its own deadline, which later bytes of it do not move.
      this.messageTimer?.cancel();
      const ms = this.limits.messageTimeoutMs;
      this.messageTimer = this.clock.setTimer(ms, () =>
        this.close(`a message was not complete within ${ms} ms (tcp.messageTimeoutMs)`, 'info'),
      );
    }
    for (const m of messages) this.handler.onMessage(this.channel, m);
  }

  private closed(): void {
    this.exchangeTimer.cancel();
    this.messageTimer?.cancel();
    const { reason, level } = this.closing ?? {
      reason: 'the peer closed the connection',
      level: 'debug',
    };
    this.log[level]({ peer: this.channel.address }, `DPP/TCP connection closed: ${reason}`);
    this.handler.onPeerGone(this.channel.id, `the TCP connection closed (${reason})`);
  }
}
