/**
 * `configurator connect`: through the running daemon when one answers on the control socket, in
 * its own process otherwise; a device named by a unique prefix; a device the daemon would refuse
 * refused before any connection is opened, either way.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { runConfigurator } from '../support/cli-in-process.js';
import { recordConnections, type ConnectionRecorder } from '../support/connection-recorder.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { CLI_MAIN, writeTcpConfig } from '../support/daemon-process.js';
import { writeRunningState } from '../support/daemon-state.js';
import { newIdentity, uriOfIdentity } from '../support/dpp-fixtures.js';
import { listenTcpEnrollee } from '../support/tcp-enrollee.js';

/** The CLI as its own process (it may start a daemon of its own). */
function spawnCli(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('configurator connect, through the running daemon', () => {
  let h: Harness;
  let listener: ConnectionRecorder | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    await h.close();
  });

  const connect = (port: number, device: string) =>
    runConfigurator('--data-dir', h.dataDir, 'connect', `127.0.0.1:${port}`, '--device', device);

  it('asks the daemon, which runs the session itself: a prefix of 8 hex digits names the device', async () => {
    h = await startHarness({ controlSocket: true });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const enrollee = await listenTcpEnrollee(id);
    try {
      const r = await connect(enrollee.port, keyHash.slice(0, 8).toUpperCase());
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${keyHash} connected\n`);
      assert.match(r.stderr, /^connect: through the running daemon \(.*control\.sock\)$/m);
      assert.match(r.stderr, /^connect: authenticating$/m);
      assert.equal((await enrollee.result).outcome?.result, 'configured');
    } finally {
      enrollee.close();
    }
    // The session is the running daemon's: in its records and its counters.
    assert.equal(h.stores.deviceRecords.get(keyHash)?.state, 'connected');
    assert.equal(h.daemon.engine.counters.admitted, 1);
    assert.equal(h.daemon.engine.counters.connected, 1);
    h.expectAudit(keyHash, ['admitted', 'authenticated', 'configuration-delivered', 'connected']);
  });

  it('refuses a prefix shorter than 8 hex digits, an ambiguous one and an unknown hash (exit 2), connecting to nothing', async () => {
    h = await startHarness({ controlSocket: true });
    const shared = 'abcdef01';
    for (const rest of ['0'.repeat(56), 'f'.repeat(56)]) {
      const keyHash = shared + rest;
      h.stores.entries.set(keyHash, { keyHash, status: 'active' });
    }
    listener = await recordConnections();
    const cases: [string, RegExp][] = [
      ['abcdef0', /"abcdef0" is not a key hash or a prefix of at least 8 hex digits/],
      [shared, /abcdef01 is the start of more than one key hash: give more digits/],
      ['12345678', /no whitelist entry starts with 12345678/],
      ['cd'.repeat(32), new RegExp(`not on the whitelist: ${'cd'.repeat(32)}`)],
    ];
    for (const [device, message] of cases) {
      const r = await connect(listener.port, device);
      assert.equal(r.status, 2, `${device}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.equal(listener.connections, 0);
    assert.equal(h.daemon.engine.counters.admitted, 0);
  });

  it('refuses a revoked, a disabled and a hash-only device (exit 1) with the reason, connecting to nothing', async () => {
    h = await startHarness({ controlSocket: true });
    const revoked = h.stores.addKey(newIdentity().key, { status: 'revoked' });
    const disabled = h.stores.addKey(newIdentity().key, { status: 'inactive' });
    const hashOnly = h.stores.addKey(newIdentity().key, { byHashOnly: true });
    listener = await recordConnections();
    const cases: [string, RegExp][] = [
      [revoked, /refused, not connecting: whitelist entry is revoked/],
      [disabled, /refused, not connecting: whitelist entry is inactive/],
      [hashOnly, /refused, not connecting: the whitelist holds only its key hash/],
    ];
    for (const [keyHash, message] of cases) {
      const r = await connect(listener.port, keyHash);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, new RegExp(keyHash));
    }
    assert.equal(listener.connections, 0);
    assert.equal(h.daemon.engine.counters.admitted, 0);
  });

  it('reports a session that fails, with exit 1', async () => {
    h = await startHarness({ controlSocket: true, sessions: { authTimeoutMs: 300 } });
    const keyHash = h.stores.addKey(newIdentity().key);
    // Someone else listens there: it cannot answer for the whitelisted key.
    const impostor = await listenTcpEnrollee(newIdentity());
    try {
      const r = await connect(impostor.port, keyHash);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^${keyHash} failed: authentication failed: timed out waiting for Authentication Response`,
        ),
      );
    } finally {
      impostor.close();
    }
    assert.equal(h.daemon.engine.counters.admitted, 1);
  });
});

describe('configurator connect, without a daemon', function () {
  this.timeout(60_000);
  let dataDir: string;
  let listener: ConnectionRecorder | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-connect-'));
    writeTcpConfig(dataDir, 1);
  });
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  const add = (...args: string[]): void => {
    const r = cli('whitelist', 'add', ...args);
    assert.equal(r.status, 0, r.stderr);
  };

  it('runs the session in its own process, and says so', async () => {
    const id = newIdentity();
    add('--uri', uriOfIdentity(id));
    const keyHash = toHex(id.hash);
    const enrollee = await listenTcpEnrollee(id);
    try {
      const r = await spawnCli([
        '--data-dir',
        dataDir,
        'connect',
        `127.0.0.1:${enrollee.port}`,
        '--device',
        keyHash.slice(0, 10),
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${keyHash} connected\n`);
      assert.match(
        r.stderr,
        /^connect: no daemon runs on .*: running the session in this process$/m,
      );
    } finally {
      enrollee.close();
    }
    const devices = JSON.parse(cli('devices', '--json').stdout) as {
      keyHash: string;
      state: string;
    }[];
    assert.deepEqual(
      devices.map((d) => [d.keyHash, d.state]),
      [[keyHash, 'connected']],
    );
  });

  it('refuses an unknown, a revoked and a hash-only device before connecting', async () => {
    const revoked = newIdentity();
    add('--uri', uriOfIdentity(revoked));
    assert.equal(cli('whitelist', 'revoke', toHex(revoked.hash)).status, 0);
    const hashOnly = 'ab'.repeat(32);
    add('--hash', hashOnly);
    listener = await recordConnections();
    const cases: [string, number, RegExp][] = [
      ['12345678', 2, /no whitelist entry starts with 12345678/],
      [toHex(revoked.hash), 1, /refused, not connecting: whitelist entry is revoked/],
      [hashOnly, 1, /refused, not connecting: the whitelist holds only its key hash/],
    ];
    for (const [device, status, message] of cases) {
      const r = await spawnCli([
        '--data-dir',
        dataDir,
        'connect',
        `127.0.0.1:${listener.port}`,
        '--device',
        device,
      ]);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
    }
    assert.equal(listener.connections, 0);
  });

  it('does not start a second daemon beside one that runs but does not answer', async () => {
    const id = newIdentity();
    add('--uri', uriOfIdentity(id));
    // A daemon (this process) runs on the data dir, without a control socket.
    writeRunningState(dataDir);
    listener = await recordConnections();
    const r = await spawnCli([
      '--data-dir',
      dataDir,
      'connect',
      `127.0.0.1:${listener.port}`,
      '--device',
      toHex(id.hash),
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`a daemon runs on .* \\(pid ${process.pid}\\) but does not answer`),
    );
    assert.equal(listener.connections, 0);
  });

  it('creates nothing where there is no database', async () => {
    const missing = join(dataDir, 'not-here');
    const r = await spawnCli([
      '--data-dir',
      missing,
      'connect',
      '127.0.0.1:1',
      '--device',
      'ab'.repeat(32),
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no database at /);
    assert.equal(existsSync(missing), false);
  });
});
