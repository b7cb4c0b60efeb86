/**
 * The daemon's control socket: where it is and who may use it, a stale socket replaced and a live
 * one left alone, and hostile requests answered with an error while the daemon goes on.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmodSync, existsSync, lstatSync, renameSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '../../daemon/logging.js';
import { controlSocketPath } from '../../daemon/service/control-protocol.js';
import { ControlSocket } from '../../daemon/service/control-socket.js';
import { DaemonErrorCode } from '../../daemon/errors.js';
import { isConfiguratorError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/bytes.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { exchange, onlyReply } from '../support/control-exchange.js';
import { listenTcpEnrollee } from '../support/tcp-enrollee.js';

const neverCalled = {
  connect: () => Promise.reject(new Error('not expected in this test')),
};

/** A device that accepts DPP/TCP connections on 127.0.0.1 and never answers. */
async function listenSilently(): Promise<{ port: number; held: Socket[]; close: () => void }> {
  const held: Socket[] = [];
  const server = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    close: () => {
      for (const s of held) s.destroy();
      server.close();
    },
  };
}

describe('control socket', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('is <dataDir>/control.sock, a socket of mode 0600', async () => {
    h = await startHarness({ controlSocket: true });
    const path = controlSocketPath(h.dataDir);
    assert.equal(h.daemon.controlSocketPath, path);
    const st = lstatSync(path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('is not served from a data dir others may enter', async () => {
    // The daemon itself refuses such a data dir at start (whitelist/private-files.ts); the
    // socket checks again on its own, for a mode changed while the daemon runs.
    h = await startHarness({ controlSocket: false });
    chmodSync(h.dataDir, 0o750);
    await assert.rejects(
      ControlSocket.start({ dataDir: h.dataDir, handlers: neverCalled, log: silentLogger() }),
      (e: unknown) =>
        isConfiguratorError(e, DaemonErrorCode.ControlSocketUnavailable) &&
        /mode 0750, not owner-only/.test(e.message),
    );
    assert.equal(existsSync(controlSocketPath(h.dataDir)), false);
    chmodSync(h.dataDir, 0o700);
  });

  it('replaces a socket file nobody listens on (left by a crash)', async () => {
    h = await startHarness({ controlSocket: false });
    const path = controlSocketPath(h.dataDir);
    // A socket file with no listener: bound elsewhere, moved into place, then its server closed.
    const elsewhere = join(h.dataDir, 'old.sock');
    const old = createServer();
    await new Promise<void>((resolve) => old.listen(elsewhere, resolve));
    renameSync(elsewhere, path);
    await new Promise<void>((resolve) => old.close(() => resolve()));
    assert.ok(lstatSync(path).isSocket());
    const control = await ControlSocket.start({
      dataDir: h.dataDir,
      handlers: neverCalled,
      log: silentLogger(),
    });
    try {
      const reply = onlyReply(await exchange(path, 'not json\n'));
      assert.equal(reply['code'], DaemonErrorCode.ControlBadRequest);
    } finally {
      await control.stop();
    }
  });

  it('answers a client that drips its request byte by byte once the request deadline is up', async () => {
    h = await startHarness({ controlSocket: false });
    const control = await ControlSocket.start({
      dataDir: h.dataDir,
      handlers: neverCalled,
      log: silentLogger(),
      requestTimeoutMs: 300,
    });
    const client = createConnection(control.path);
    const received: Buffer[] = [];
    client.on('data', (d: Buffer) => received.push(d));
    // A byte every 50 ms: an idle timeout of 300 ms would never fire.
    const drip = setInterval(() => client.write('{'), 50);
    try {
      for (let waited = 0; received.length === 0 && waited < 20_000; waited += 25)
        await new Promise((r) => setTimeout(r, 25));
      const reply = JSON.parse(Buffer.concat(received).toString().split('\n')[0]!) as Record<
        string,
        unknown
      >;
      assert.equal(reply['code'], DaemonErrorCode.ControlBadRequest);
      assert.match(String(reply['message']), /no whole request line in time/);
    } finally {
      clearInterval(drip);
      client.destroy();
      await control.stop();
    }
  });

  it('an outcome is on disk when the client hears it', async () => {
    h = await startHarness({});
    const id = newIdentity();
    h.stores.addKey(id.key);
    const enrollee = await listenTcpEnrollee(id);
    try {
      const outcome = await h.daemon.connectOut({
        host: '127.0.0.1',
        port: enrollee.port,
        device: toHex(id.hash),
      });
      assert.equal(outcome.state, 'connected');
      assert.equal(h.stores.committedAuditRecords, h.stores.auditRecords.length);
    } finally {
      enrollee.close();
    }
  });

  it('never takes over a socket another daemon serves', async () => {
    h = await startHarness({ controlSocket: true });
    const path = controlSocketPath(h.dataDir);
    await assert.rejects(
      ControlSocket.start({ dataDir: h.dataDir, handlers: neverCalled, log: silentLogger() }),
      (e: unknown) => isConfiguratorError(e, DaemonErrorCode.ControlSocketInUse),
    );
    // The first daemon still answers on it.
    const reply = onlyReply(await exchange(path, '{}\n'));
    assert.equal(reply['code'], DaemonErrorCode.ControlBadRequest);
  });

  it('leaves alone a file in its place that is not a socket', async () => {
    h = await startHarness({ controlSocket: false });
    const path = controlSocketPath(h.dataDir);
    writeFileSync(path, 'mine', { mode: 0o600 });
    await assert.rejects(
      ControlSocket.start({ dataDir: h.dataDir, handlers: neverCalled, log: silentLogger() }),
      (e: unknown) =>
        isConfiguratorError(e, DaemonErrorCode.ControlSocketUnavailable) &&
        /not a socket/.test(e.message),
    );
    assert.ok(lstatSync(path).isFile());
  });

  it('answers hostile and garbage requests with an error, one each, and goes on serving', async () => {
    h = await startHarness({ controlSocket: true });
    const path = controlSocketPath(h.dataDir);
    const cases: [string | Buffer, number, RegExp][] = [
      ['not json at all\n', DaemonErrorCode.ControlBadRequest, /not one JSON object/],
      ['[1,2,3]\n', DaemonErrorCode.ControlBadRequest, /bad request/],
      ['{"op":"format-disk"}\n', DaemonErrorCode.ControlBadRequest, /bad request/],
      [
        '{"op":"connect","host":"127.0.0.1","port":70000,"device":"abcdef01"}\n',
        DaemonErrorCode.ControlBadRequest,
        /port/,
      ],
      [
        '{"op":"connect","host":"127.0.0.1","port":1,"device":"abcdef01","extra":1}\n',
        DaemonErrorCode.ControlBadRequest,
        /extra/,
      ],
      [
        '{"op":"connect","host":"a b","port":1,"device":"abcdef01"}\n',
        DaemonErrorCode.ControlBadRequest,
        /host/,
      ],
      ['{"op":"connect","__proto__":{"x":1}}\n', DaemonErrorCode.ControlBadRequest, /bad request/],
      [Buffer.from([0xff, 0xfe, 0x00, 0x0a]), DaemonErrorCode.ControlBadRequest, /JSON/],
      ['x'.repeat(100_000), DaemonErrorCode.ControlRequestTooLarge, /at most 4096 bytes/],
      ['\n', DaemonErrorCode.ControlBadRequest, /not one JSON object/],
    ];
    for (const [bytes, code, message] of cases) {
      const reply = onlyReply(await exchange(path, bytes));
      const what = JSON.stringify(reply);
      assert.equal(reply['type'], 'error', what);
      assert.equal(reply['code'], code, what);
      assert.match(String(reply['message']), message, what);
    }
    // A client that connects and goes away without a word, and one that sends half a request.
    assert.deepEqual(await exchange(path, ''), []);
    assert.equal(
      onlyReply(await exchange(path, '{"op":"conn'))['code'],
      DaemonErrorCode.ControlBadRequest,
    );

    // Still serving: a real request runs a session to its end.
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const enrollee = await listenTcpEnrollee(id);
    try {
      const lines = await exchange(
        path,
        `${JSON.stringify({ op: 'connect', host: '127.0.0.1', port: enrollee.port, device: keyHash })}\n`,
      );
      const replies = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        replies.map((r) => [r['type'], r['state']]),
        [
          ['progress', 'authenticating'],
          ['progress', 'configuring'],
          ['outcome', 'connected'],
        ],
      );
      assert.equal(replies.at(-1)!['keyHash'], keyHash);
    } finally {
      enrollee.close();
    }
    assert.equal(h.stores.deviceRecords.get(keyHash)?.state, 'connected');
  });

  it('finishes the session of a client that went away before its outcome', async () => {
    h = await startHarness({ controlSocket: true });
    const path = controlSocketPath(h.dataDir);
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const enrollee = await listenTcpEnrollee(id);
    try {
      const gone = new Promise<void>((resolve) => {
        h.daemon.engine.records.on('device', (e) => {
          if (e.keyHash === keyHash && e.state === 'authenticating') resolve();
        });
      });
      const { createConnection } = await import('node:net');
      const client = createConnection(path, () =>
        client.write(
          `${JSON.stringify({ op: 'connect', host: '127.0.0.1', port: enrollee.port, device: keyHash })}\n`,
        ),
      );
      await gone;
      client.destroy();
      assert.equal((await enrollee.result).outcome?.result, 'configured');
      await h.expectDevice(keyHash, 'connected');
    } finally {
      enrollee.close();
    }
  });

  it("a second connect to the same enrollee does not end the first one's session", async () => {
    h = await startHarness({ sessions: { authTimeoutMs: 60_000 } });
    const keyHash = h.stores.addKey(newIdentity().key);
    // A device that accepts connections and never answers: the first session stays under way.
    const { port, held, close } = await listenSilently();
    try {
      const first = h.daemon.connectOut({ host: '127.0.0.1', port, device: keyHash });
      while (h.daemon.engine.activeSessions === 0) await new Promise((r) => setTimeout(r, 10));
      const second = await h.daemon.connectOut({ host: '127.0.0.1', port, device: keyHash });
      assert.equal(second.state, 'refused');
      assert.match(second.reason ?? '', /already running/);
      // Both connections came from 127.0.0.1 to one port; only the second one closed, and the
      // daemon has seen it go (its side closed first).
      while (held.length < 2) await new Promise((r) => setTimeout(r, 10));
      await once(held[1]!, 'close');
      await new Promise((r) => setImmediate(r));
      assert.equal(h.daemon.engine.activeSessions, 1, 'the first session runs on');
      assert.ok(!h.stores.auditRecords.some((r) => r.kind === 'authentication-failed'));
      for (const s of held) s.destroy();
      const outcome = await first;
      assert.equal(outcome.state, 'failed');
      assert.doesNotMatch(outcome.reason ?? '', /no room/);
    } finally {
      close();
    }
  });

  it('tells a client whose session the daemon parked as it stopped', async () => {
    h = await startHarness({ controlSocket: true });
    const path = controlSocketPath(h.dataDir);
    const keyHash = h.stores.addKey(newIdentity().key);
    // A device that accepts the connection and never answers.
    const { port, close } = await listenSilently();
    try {
      h.daemon.engine.records.on('device', (e) => {
        // Once the session is under way (the event comes as it starts).
        if (e.keyHash === keyHash && e.state === 'authenticating')
          setImmediate(() => void h.daemon.stop(0));
      });
      const lines = await exchange(
        path,
        `${JSON.stringify({ op: 'connect', host: '127.0.0.1', port, device: keyHash })}\n`,
      );
      const outcome = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
      assert.equal(outcome['type'], 'outcome');
      assert.equal(outcome['state'], 'failed');
      assert.match(String(outcome['reason']), /the daemon stopped during the session \(parked\)/);
      // It never authenticated, so the device's row was never the session's to write.
      assert.equal(h.stores.deviceRecords.get(keyHash), undefined);
    } finally {
      close();
    }
  });
});
