/**
 * Raw TCP peers for the DPP/TCP limits tests: connect from a chosen loopback address (Linux
 * answers the whole of 127/8, so 127.0.0.2 is another address than 127.0.0.1), write, and see
 * whether the other side closed.
 */
import { createConnection, type Socket } from 'node:net';
import { drain } from './virtual-clock.js';

/** Wait for something the event loop will bring (a socket event); the bound only ends a hang. */
export async function eventually(condition: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`${what}: did not happen`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface RawPeer {
  readonly socket: Socket;
  readonly closed: boolean;
  /** Write, and give the other side's event loop its turn to read it. */
  send(bytes: Uint8Array): Promise<void>;
}

export function connectFrom(localAddress: string, port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port, localAddress });
    let closed = false;
    const peer: RawPeer = {
      socket,
      get closed() {
        return closed;
      },
      send: async (bytes) => {
        if (closed) return;
        await new Promise<void>((r) => socket.write(bytes, () => r()));
        await new Promise((r) => setTimeout(r, 5));
        await drain();
      },
    };
    socket.on('close', () => (closed = true));
    socket.on('error', () => {}); // a reset by the listener is what some cases expect
    socket.once('connect', () => resolve(peer));
    socket.once('error', reject);
  });
}
