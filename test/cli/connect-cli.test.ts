import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN } from '../support/daemon-process.js';
import { spawnSync } from 'node:child_process';

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('configurator connect', () => {
  let dataDir: string;
  let server: Server;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-connect-'));
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => {
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 1 when the device is not provisioned (here refused: the entry has no public key)', async () => {
    writeFileSync(join(dataDir, 'wifi.pass'), 'correct horse battery staple', { mode: 0o600 });
    const config = join(dataDir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        radio: { port: 'none' },
        defaultProfile: 'site',
        profiles: { site: { wifi: { ssid: 'Plant', passphraseFile: join(dataDir, 'wifi.pass') } } },
        log: { level: 'error' },
      }),
    );
    const hash = 'ab'.repeat(32);
    const add = spawnSync(
      process.execPath,
      [CLI_MAIN, '--data-dir', dataDir, 'whitelist', 'add', '--hash', hash],
      { encoding: 'utf8' },
    );
    assert.equal(add.status, 0, add.stderr);
    const port = (server.address() as AddressInfo).port;
    const r = await run([
      '--data-dir',
      dataDir,
      'connect',
      `127.0.0.1:${port}`,
      '--device',
      hash,
      '--config',
      config,
    ]);
    assert.match(r.stdout, new RegExp(`^${hash} refused: `));
    assert.equal(r.status, 1, r.stderr);
  });
});
