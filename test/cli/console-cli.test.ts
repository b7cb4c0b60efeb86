/** `configurator console token`: the token to log in with, a new one on --rotate, and the
 * console's address (the running daemon's, else the configuration's). */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokens, tokensPath } from '../../daemon/console/tokens.js';
import { writeRunningState } from '../support/daemon-state.js';
import { runConfigurator } from '../support/cli-in-process.js';

describe('configurator console token (CLI)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-console-cli-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the admin token (made if there is none), the viewer token with --role viewer, and rotates one', async () => {
    const first = await runConfigurator('--data-dir', dataDir, 'console', 'token');
    assert.equal(first.status, 0, first.stderr);
    const tokens = readTokens(dataDir)!;
    assert.equal(first.stdout.trim(), tokens.admin);
    assert.equal(statSync(tokensPath(dataDir)).mode & 0o777, 0o600);
    const viewer = await runConfigurator(
      '--data-dir',
      dataDir,
      'console',
      'token',
      '--role',
      'viewer',
    );
    assert.equal(viewer.stdout.trim(), tokens.viewer);
    const rotated = await runConfigurator('--data-dir', dataDir, 'console', 'token', '--rotate');
    assert.notEqual(rotated.stdout.trim(), tokens.admin);
    assert.equal(rotated.stdout.trim(), readTokens(dataDir)!.admin);
    assert.equal(readTokens(dataDir)!.viewer, tokens.viewer);
    assert.match(rotated.stderr, /sessions opened with the old one have ended/);
    const bad = await runConfigurator('--data-dir', dataDir, 'console', 'token', '--role', 'root');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--role: "root" is not admin or viewer/);
  });

  it('says where the configuration puts the console, HTTPS off loopback', async () => {
    writeFileSync(join(dataDir, 'config.yaml'), 'console: { host: 0.0.0.0, port: 8443 }\n', {
      mode: 0o600,
    });
    const r = await runConfigurator('--data-dir', dataDir, 'console', 'token', '--json');
    const out = JSON.parse(r.stdout) as { url: string; admin: string };
    assert.equal(out.url, 'https://0.0.0.0:8443/');
    assert.match(out.admin, /^admin-/);
  });

  it("says where the running daemon's console listens, whatever the configuration says", async () => {
    writeFileSync(join(dataDir, 'config.yaml'), 'console: { port: 0 }\n', { mode: 0o600 });
    writeRunningState(dataDir, { console: { url: 'http://127.0.0.1:40123/' } });
    const r = await runConfigurator('--data-dir', dataDir, 'console', 'token', '--json');
    assert.equal((JSON.parse(r.stdout) as { url: string }).url, 'http://127.0.0.1:40123/');
  });

  it('refuses a token file others may read', async () => {
    await runConfigurator('--data-dir', dataDir, 'console', 'token');
    chmodSync(tokensPath(dataDir), 0o644);
    const r = await runConfigurator('--data-dir', dataDir, 'console', 'token');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /open to group or others/);
    assert.match(r.stderr, /chmod 600/);
  });

  it('refuses a token file that is not JSON, or lacks a valid token, and says how to make a new one; --rotate does', async () => {
    await runConfigurator('--data-dir', dataDir, 'console', 'token');
    for (const [text, why] of [
      ['{"admin": "admin-', /not JSON/],
      ['{"admin": "viewer-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}', /no valid admin token/],
    ] as const) {
      writeFileSync(tokensPath(dataDir), text, { mode: 0o600 });
      const r = await runConfigurator('--data-dir', dataDir, 'console', 'token');
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /console token --rotate/);
      assert.doesNotMatch(r.stdout, /admin-/, 'no token printed from a broken file');
    }
    const rotated = await runConfigurator('--data-dir', dataDir, 'console', 'token', '--rotate');
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stderr, /both roles have new tokens/);
    assert.ok(readTokens(dataDir)?.admin.startsWith('admin-'));
  });
});
