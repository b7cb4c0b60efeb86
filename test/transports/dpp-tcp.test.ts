import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../daemon/logging.js';
import { DppTcpConnection } from '../../daemon/transports/dpp-tcp-connection.js';
import type { PeerChannel } from '../../daemon/engine/peer-channel.js';
import {
  connectDppTcp,
  DppTcpListener,
  type DppTcpOptions,
} from '../../daemon/transports/dpp-tcp.js';
import { frameForTcp } from '../../protocol/dpp/tcp-framing.js';
import { connectFrom, eventually, type RawPeer } from '../support/tcp-peers.js';
import { drain, VirtualClock } from '../support/virtual-clock.js';

/**
 * The listener on real sockets, its deadlines on a virtual clock: time moves only when a test
 * advances it, so no case depends on how fast the machine is. Peers that misbehave connect from
 * 127.0.0.2, the well-behaved one from 127.0.0.1.
 */

describe('DPP over TCP: limits on slow and greedy peers', () => {
  let listener: DppTcpListener;
  let clock: VirtualClock;
  let port: number;
  let clients: RawPeer[];
  let logLines: { msg: string; peer?: string }[];
  let messages: string[];
  let channels: PeerChannel[];
  let gone: string[];

  async function listen(options: Partial<DppTcpOptions>): Promise<void> {
    clock = new VirtualClock();
    logLines = [];
    messages = [];
    channels = [];
    gone = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n'))
          if (line !== '') logLines.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    listener = new DppTcpListener(
      {
        host: '127.0.0.1',
        port: 0,
        maxConnections: 100,
        maxConnectionsPerAddress: 100,
        messageTimeoutMs: 1000,
        connectionTimeoutMs: 60_000,
        idleMs: 3_600_000,
        ...options,
      },
      {
        onMessage: (channel: PeerChannel, bytes: Uint8Array) => {
          messages.push(`${channel.address} ${bytes.length}`);
          channels.push(channel);
        },
        onPeerGone: (_id: string, reason: string) => gone.push(reason),
      },
      createLogger({ level: 'debug', format: 'json', destination }),
      clock,
    );
    port = await listener.start();
  }

  async function connect(from: string): Promise<RawPeer> {
    const client = await connectFrom(from, port);
    clients.push(client);
    return client;
  }

  beforeEach(() => {
    clients = [];
  });
  afterEach(async () => {
    for (const c of clients) c.socket.destroy();
    await listener.stop(0);
  });

  it('closes a peer whose message trickles in, though every byte comes well within the idle time', async () => {
    await listen({ messageTimeoutMs: 1000 });
    const slow = await connect('127.0.0.2');
    await eventually(() => listener.openConnections === 1, 'accepted');
    // A 256-byte message, one byte every 300 ms: the deadline is not moved by each byte.
    const frame = frameForTcp(new Uint8Array(256));
    for (let i = 0; i < 8 && !slow.closed; i++) {
      await slow.send(frame.subarray(i, i + 1));
      await clock.advance(300);
      await drain();
    }
    await eventually(() => slow.closed, 'the slow peer closed');
    assert.equal(gone.length, 1);
    assert.match(gone[0]!, /a message was not complete within 1000 ms \(tcp\.messageTimeoutMs\)/);
    assert.ok(
      logLines.some((l) => /^DPP\/TCP connection closed: a message was not complete/.test(l.msg)),
      JSON.stringify(logLines),
    );
    assert.deepEqual(messages, []);
  });

  it('lets a peer whose messages each arrive whole go on, and closes it when the exchange is too long', async () => {
    await listen({ messageTimeoutMs: 1000, connectionTimeoutMs: 5000 });
    const peer = await connect('127.0.0.2');
    await eventually(() => listener.openConnections === 1, 'accepted');
    // Each message split in two, its halves 600 ms apart (within messageTimeoutMs) …
    const frame = frameForTcp(new Uint8Array(40));
    for (let i = 0; i < 4; i++) {
      await peer.send(frame.subarray(0, 10));
      await clock.advance(600);
      await peer.send(frame.subarray(10));
      await clock.advance(600);
    }
    assert.equal(peer.closed, false);
    assert.equal(messages.length, 4);
    // … until the whole exchange has taken connectionTimeoutMs.
    await clock.advance(5000 - 4 * 1200);
    await eventually(() => peer.closed, 'the long exchange closed');
    assert.match(gone[0]!, /exchange was not over within 5000 ms \(tcp\.connectionTimeoutMs\)/);
  });

  it('keeps one address from taking every connection: the rest of it is refused at accept, and another address still gets in', async () => {
    await listen({ maxConnections: 4, maxConnectionsPerAddress: 2 });
    const greedy: RawPeer[] = [];
    for (let i = 0; i < 4; i++) greedy.push(await connect('127.0.0.2'));
    await eventually(() => greedy.filter((c) => c.closed).length === 2, 'two refused');
    assert.equal(listener.openConnections, 2);
    assert.ok(
      logLines.some((l) => /tcp\.maxConnectionsPerAddress/.test(l.msg)),
      JSON.stringify(logLines),
    );
    const device = await connect('127.0.0.1');
    await eventually(() => listener.openConnections === 3, 'the other address accepted');
    await device.send(frameForTcp(new Uint8Array(8)));
    await eventually(() => messages.length === 1, 'its message heard');
    assert.match(messages[0]!, /^127\.0\.0\.1:\d+ 8$/);
    assert.equal(device.closed, false);
    // A slot freed by the address is its own again.
    greedy.find((c) => !c.closed)!.socket.destroy();
    await eventually(() => listener.openConnections === 2, 'one of the address closed');
    const again = await connect('127.0.0.2');
    await eventually(() => listener.openConnections === 3, 'the address accepted again');
    assert.equal(again.closed, false);
  });

  it('logs why each connection closed: the session being over, the peer leaving', async () => {
    await listen({});
    const a = await connect('127.0.0.1');
    const b = await connect('127.0.0.1');
    await eventually(() => listener.openConnections === 2, 'accepted');
    await a.send(frameForTcp(new Uint8Array(8)));
    await eventually(() => channels.length === 1, 'its message heard');
    channels[0]!.close();
    b.socket.end();
    await eventually(() => a.closed && b.closed && gone.length === 2, 'both closed');
    const reasons = logLines.map((l) => l.msg).filter((m) => m.startsWith('DPP/TCP connection'));
    assert.deepEqual(reasons.sort(), [
      'DPP/TCP connection closed: the peer closed the connection',
      'DPP/TCP connection closed: the session is over',
    ]);
  });
});

describe('DPP over TCP: sending', () => {
  it('sends each DPP message with one socket write, its length prefix included', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const serverPort = typeof address === 'object' && address !== null ? address.port : 0;
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const client = await connectFrom('127.0.0.1', serverPort);
    const socket = await accepted;
    const writes: Uint8Array[] = [];
    const write = socket.write.bind(socket) as (b: Uint8Array) => boolean;
    socket.write = ((bytes: Uint8Array) => {
      writes.push(bytes);
      return write(bytes);
    }) as typeof socket.write;
    const connection = new DppTcpConnection(
      socket,
      { onMessage: () => {}, onPeerGone: () => {} },
      silentLogger(),
      { messageTimeoutMs: 1000, connectionTimeoutMs: 60_000, idleMs: 3_600_000 },
      new VirtualClock(),
    );
    const message = new Uint8Array(300).fill(7);
    connection.channel.send(message);
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0], frameForTcp(message));
    client.socket.destroy();
    socket.destroy();
    await new Promise((r) => server.close(r));
  });
});

describe('DPP over TCP: outgoing connections', () => {
  it('gives up on a host that never answers after one message deadline', async function () {
    const clock = new VirtualClock();
    // 192.0.2.0/24 is reserved for documentation: nothing answers there. Where the network
    // refuses at once (no route), there is no wait to bound, and the case says nothing.
    const attempt = connectDppTcp(
      '192.0.2.1',
      8908,
      { onMessage: () => {}, onPeerGone: () => {} },
      silentLogger(),
      { messageTimeoutMs: 5000, connectionTimeoutMs: 60_000, idleMs: 10_000 },
      clock,
    );
    const settled = attempt.then(
      () => 'connected',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    const early = await Promise.race([settled, drain().then(() => undefined)]);
    if (early !== undefined) this.skip();
    await clock.advance(5000);
    const result = await settled;
    // The refusal may also come later, from a gateway that answers for the address.
    if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(result)) this.skip();
    assert.equal(result, 'no connection within 5000 ms');
  });
});
