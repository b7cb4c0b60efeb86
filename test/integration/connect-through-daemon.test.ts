/**
 * `configurator connect` beside a daemon process started by `configurator start`: the daemon runs
 * the session (it is in that daemon's counters, as `configurator status` shows them), and the
 * command opens no daemon of its own.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { controlSocketPath } from '../../daemon/service/control-protocol.js';
import { readDaemonState, type DaemonState } from '../../daemon/service/state-file.js';
import {
  CLI_MAIN,
  freePort,
  startDaemonProcess,
  writeTcpConfig,
} from '../support/daemon-process.js';
import { newIdentity, uriOfIdentity } from '../support/dpp-fixtures.js';
import { listenTcpEnrollee } from '../support/tcp-enrollee.js';

describe('configurator connect through a daemon process', function () {
  this.timeout(60_000);
  let dataDir: string;
  let daemon: ChildProcess | undefined;

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, ...args], { encoding: 'utf8' });

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-connect-'));
  });
  after(() => {
    daemon?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('provisions the device in the running daemon, whose status then counts it', async () => {
    writeTcpConfig(dataDir, await freePort());
    const id = newIdentity();
    const keyHash = toHex(id.hash);
    const added = cli('whitelist', 'add', '--uri', uriOfIdentity(id), '--label', 'sensor-1');
    assert.equal(added.status, 0, added.stderr);
    daemon = await startDaemonProcess(dataDir);
    assert.equal(lstatSync(controlSocketPath(dataDir)).mode & 0o777, 0o600);

    const enrollee = await listenTcpEnrollee(id);
    let stdout = '';
    let stderr = '';
    try {
      const child = spawn(
        process.execPath,
        [
          CLI_MAIN,
          '--data-dir',
          dataDir,
          'connect',
          `127.0.0.1:${enrollee.port}`,
          '--device',
          keyHash.slice(0, 8),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(status, 0, stderr);
      assert.equal((await enrollee.result).outcome?.result, 'configured');
    } finally {
      enrollee.close();
    }
    assert.equal(stdout, `${keyHash} connected\n`);
    assert.match(stderr, /^connect: through the running daemon/m);

    // The running daemon's counters (its state file, rewritten every second) count the session:
    // it ran there, not in a daemon of the command's own.
    for (let i = 0; i < 600 && (readDaemonState(dataDir)?.counters['connected'] ?? 0) < 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    const status = cli('status', '--json');
    assert.equal(status.status, 0, status.stderr);
    const state = (JSON.parse(status.stdout) as { daemon: DaemonState | null }).daemon;
    assert.equal(state?.pid, daemon.pid);
    assert.equal(state?.counters['admitted'], 1);
    assert.equal(state?.counters['connected'], 1);
    const devices = JSON.parse(cli('devices', '--json').stdout) as {
      keyHash: string;
      state: string;
    }[];
    assert.deepEqual(
      devices.map((d) => [d.keyHash, d.state]),
      [[keyHash, 'connected']],
    );
  });
});
