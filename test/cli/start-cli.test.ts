import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databasePath, openDatabase } from '../../whitelist/database.js';
import { CLI_MAIN } from '../support/daemon-process.js';

/**
 * A process of its own: were the configuration accepted, `start` would run a daemon until a
 * signal. The bound only keeps such a failure from hanging the run; it says nothing about speed.
 */
function start(dataDir: string, config: string): { status: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [CLI_MAIN, '--data-dir', dataDir, 'start', '--config', config],
    { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' },
  );
  return { status: r.status, stderr: r.stderr };
}

describe('configurator start (CLI): refused before the daemon runs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-start-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an SSID of 17 × "é" (34 bytes in UTF-8) with exit 2, naming the key', () => {
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        radio: { port: 'none' },
        tcp: { enabled: false },
        defaultProfile: 'plant',
        profiles: { plant: { wifi: { ssid: 'é'.repeat(17), passphrase: 'correct horse' } } },
      }),
      { mode: 0o600 },
    );
    const dataDir = join(dir, 'data');
    const r = start(dataDir, config);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /profiles\.plant\.wifi\.ssid: an SSID is 1–32 bytes in UTF-8/);
    assert.match(r.stderr, /34 bytes/);
    assert.equal(existsSync(databasePath(dataDir)), false, 'refused before the database opened');
  });

  it("refuses a database chmod 0644 (it holds every device's PSK) with the fix, and leaves it", () => {
    const dataDir = join(dir, 'data');
    openDatabase(dataDir).close();
    chmodSync(databasePath(dataDir), 0o644);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        // Something to serve (or start refuses that first); the database is refused before
        // anything listens.
        radio: { port: 'none' },
        tcp: { host: '127.0.0.1', port: 0 },
        console: { enabled: false },
        defaultProfile: 'plant',
        profiles: { plant: { wifi: { ssid: 'Plant', passphrase: 'correct horse' } } },
        log: { format: 'json' },
      }),
      { mode: 0o600 },
    );
    const r = start(dataDir, config);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Fix: chmod 600 ${databasePath(dataDir)} `));
    assert.equal(statSync(databasePath(dataDir)).mode & 0o777, 0o644);
  });
});
