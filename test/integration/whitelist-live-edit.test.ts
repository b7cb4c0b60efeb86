/**
 * Admin edits through the CLI while the daemon process runs a batch: an entry added mid-batch is
 * admitted on its next attempt, an entry revoked mid-batch is refused from then on, without a
 * restart.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { makePeer } from '../../protocol/dpp/auth-common.js';
import { loadIdentity } from '../../daemon/keys/identity.js';
import { newIdentity, uriOfIdentity } from '../support/dpp-fixtures.js';
import {
  CLI_MAIN,
  freePort,
  startDaemonProcess,
  writeTcpConfig,
} from '../support/daemon-process.js';
import { runTcpEnrollee } from '../support/tcp-enrollee.js';

describe('whitelist edits reach a running daemon process at once', function () {
  this.timeout(30_000);
  let dataDir: string;
  let daemon: ChildProcess;

  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, ...args], {
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-live-edit-'));
  });
  after(() => {
    daemon?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('admits a device added mid-batch and refuses one revoked mid-batch', async () => {
    const port = await freePort();
    writeTcpConfig(dataDir, port);
    const first = newIdentity();
    const late = newIdentity();
    assert.equal(
      cli('whitelist', 'add', '--uri', uriOfIdentity(first), '--label', 'first').status,
      0,
    );
    daemon = await startDaemonProcess(dataDir);
    const configurator = makePeer(loadIdentity(dataDir)!.key);

    // Not yet on the whitelist: refused.
    const before = await runTcpEnrollee(port, late, configurator);
    assert.equal(before.config, undefined);
    // Added while the daemon runs: admitted on the next attempt.
    const added = cli('whitelist', 'add', '--uri', uriOfIdentity(late), '--label', 'late');
    assert.equal(added.status, 0, added.stderr);
    const after = await runTcpEnrollee(port, late, configurator);
    assert.equal(after.outcome?.result, 'configured');

    // Provisioned once; revoked while the daemon runs: refused from then on.
    assert.equal((await runTcpEnrollee(port, first, configurator)).outcome?.result, 'configured');
    const revoked = cli('whitelist', 'revoke', toHex(first.hash));
    assert.equal(revoked.status, 0, revoked.stderr);
    const again = await runTcpEnrollee(port, first, configurator);
    assert.equal(again.config, undefined);

    const show = cli('devices', '--json');
    const devices = JSON.parse(show.stdout) as {
      keyHash: string;
      state: string;
      reason?: string;
    }[];
    const firstRecord = devices.find((d) => d.keyHash === toHex(first.hash));
    assert.match(firstRecord?.reason ?? '', /revoked/);
  });
});
