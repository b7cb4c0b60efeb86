/**
 * The daemon as a real process on real SQLite: a batch of devices initiating over DPP/TCP, the
 * daemon killed with SIGKILL in the middle and started again. Every device ends configured, none
 * gets a second credential set, and no audit record written before the kill is missing after it.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { bootstrapKeyHash } from '../../protocol/dpp/bootstrap-key.js';
import { loadIdentity } from '../../daemon/keys/identity.js';
import { openStores } from '../../daemon/service/stores.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { freePort, startDaemonProcess, writeTcpConfig } from '../support/daemon-process.js';
import { runTcpEnrollee } from '../support/tcp-enrollee.js';

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe('daemon process: SIGKILL mid-batch and restart (DPP over TCP, SQLite)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let daemon: ChildProcess | undefined;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-restart-'));
  });
  after(() => {
    daemon?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes the batch without a second credential set or a lost audit record', async () => {
    const port = await freePort();
    writeTcpConfig(dataDir, port);
    daemon = await startDaemonProcess(dataDir);
    const configurator = makePeer(loadIdentity(dataDir)!.key);
    const devices: BootstrapIdentity[] = Array.from({ length: 24 }, () => newIdentity());
    const admin = openStores(dataDir);
    for (const d of devices) {
      admin.whitelistStore.add(
        { keyHash: toHex(bootstrapKeyHash(d.key)), publicKey: d.key.der },
        'test',
      );
    }

    const configured = new Map<string, string>();
    const bundles = new Map<string, string[]>();
    let killedAt = -1;
    let auditBeforeKill = 0;
    // Each device keeps trying (as a real one re-initiates) until it is configured.
    const runDevice = async (d: BootstrapIdentity, index: number): Promise<void> => {
      await sleep(index * 40);
      for (let attempt = 0; attempt < 40 && !configured.has(toHex(d.hash)); attempt++) {
        const r = await runTcpEnrollee(port, d, configurator, { timeoutMs: 3000 }).catch(
          () => undefined,
        );
        if (r?.config !== undefined && r.outcome?.result === 'configured') {
          configured.set(
            toHex(d.hash),
            JSON.stringify({
              pass: r.config.credential.pass,
              bundle: [...(r.config.lwm2mBundle ?? [])],
            }),
          );
          bundles.set(toHex(d.hash), [
            ...(bundles.get(toHex(d.hash)) ?? []),
            toHex(r.config.lwm2mBundle ?? new Uint8Array()),
          ]);
        } else await sleep(150);
      }
    };
    const batch = Promise.all(devices.map((d, i) => runDevice(d, i)));
    // Kill once a few devices are through, while others are mid-session.
    while (configured.size < 6) await sleep(10);
    auditBeforeKill = admin.auditLog.count();
    daemon.kill('SIGKILL');
    killedAt = configured.size;
    await new Promise((r) => daemon!.once('exit', r));
    await sleep(300);
    daemon = await startDaemonProcess(dataDir);
    await batch;

    assert.ok(killedAt < devices.length, 'the kill happened mid-batch');
    assert.equal(configured.size, devices.length, 'every device ends configured');
    assert.equal(
      new Set(configured.values()).size,
      devices.length,
      'each device its own LwM2M bundle',
    );
    // A device provisioned more than once (its session cut by the kill) got the very same bundle.
    for (const [, seen] of bundles) assert.equal(new Set(seen).size, 1);
    assert.equal(admin.secretStore.list().length, devices.length, 'one secret set per device');
    assert.ok(admin.auditLog.count() >= auditBeforeKill, 'no audit record lost');
    // A device is done when its Connection Status is sent; the daemon records it a moment later
    // (a generous bound: a loaded machine may take seconds). One whose Configuration Result came
    // while no daemon ran is closed as interrupted by the restarted daemon, saying its
    // configuration was delivered.
    const done = ['connected', 'provisioned', 'interrupted'];
    const settled = (): boolean =>
      devices.every((d) => done.includes(admin.deviceStore.get(toHex(d.hash))?.state ?? ''));
    for (let waited = 0; waited < 30_000 && !settled(); waited += 50) await sleep(50);
    const delivered = admin.auditLog.list({ kind: 'configuration-delivered' });
    for (const d of devices) {
      const keyHash = toHex(d.hash);
      assert.ok(
        delivered.some((r) => r.keyHash === keyHash),
        `delivery to ${keyHash} audited`,
      );
      const record = admin.deviceStore.get(keyHash)!;
      assert.ok(done.includes(record.state), `${keyHash}: ${record.state}`);
      if (record.state === 'interrupted')
        assert.match(record.reason ?? '', /^configuration delivered before the daemon stopped/);
    }
    admin.close();
  });
});
