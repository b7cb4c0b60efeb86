/**
 * A whitelist entry must name a profile the configuration has: `whitelist add`, `update` and
 * `import` refuse another when they can read the configuration (as `start` finds it, or
 * --config), go ahead with a warning when they cannot, and `start` warns of entries already
 * naming a missing profile.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { bootstrapKeyHash, encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { readDaemonState } from '../../daemon/service/state-file.js';
import { runConfigurator, type CliResult } from '../support/cli-in-process.js';
import { CLI_MAIN, freePort } from '../support/daemon-process.js';
import { uriOfKey } from '../support/dpp-fixtures.js';

function newDevice(): { uri: string; keyHash: string } {
  const key = encodeBootstrapKey(generateKeyPair().publicKey);
  return { uri: uriOfKey(key), keyHash: toHex(bootstrapKeyHash(key)) };
}

function configYaml(profiles: readonly string[], port = 0): string {
  return [
    'radio: { port: none }',
    `tcp: { host: 127.0.0.1, port: ${port} }`,
    'console: { enabled: false }',
    `defaultProfile: ${profiles[0]}`,
    'profiles:',
    ...profiles.map(
      (p) => `  ${p}: { wifi: { ssid: ${p}-net, passphrase: "correct horse battery" } }`,
    ),
    'log: { level: warn }',
  ].join('\n');
}

describe('whitelist profiles checked against the configuration (CLI)', () => {
  let dir: string;
  let dataDir: string;
  const run = (...args: string[]): Promise<CliResult> =>
    runConfigurator('--data-dir', dataDir, 'whitelist', ...args);
  const profiles = async (): Promise<(string | null)[]> => {
    const r = await run('list', '--json');
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { profile: string | null }[]).map((e) => e.profile);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-profile-check-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('add and update refuse a profile the data dir’s configuration lacks, and accept its own', async () => {
    writeFileSync(join(dataDir, 'config.yaml'), configYaml(['plant', 'office']), { mode: 0o600 });
    const a = newDevice();
    let r = await run('add', '--uri', a.uri, '--profile', 'warehouse');
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /config\.yaml: no profile named "warehouse" \(profiles: plant, office\)/,
    );
    assert.deepEqual(await profiles(), []);

    r = await run('add', '--uri', a.uri, '--profile', 'office');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    r = await run('update', a.keyHash, '--profile', 'warehouse');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no profile named "warehouse"/);
    r = await run('update', a.keyHash, '--profile', 'plant');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await profiles(), ['plant']);
    // Clearing the profile (the default applies) needs no check.
    r = await run('update', a.keyHash, '--profile', '');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await profiles(), [null]);
  });

  it('--config names the configuration to check against', async () => {
    const elsewhere = join(dir, 'site.yaml');
    writeFileSync(elsewhere, configYaml(['warehouse']), { mode: 0o600 });
    writeFileSync(join(dataDir, 'config.yaml'), configYaml(['plant']), { mode: 0o600 });
    const r = await run(
      'add',
      '--uri',
      newDevice().uri,
      '--profile',
      'warehouse',
      '--config',
      elsewhere,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await profiles(), ['warehouse']);
  });

  it('without a readable configuration the entry is added, saying the profile was not checked', async () => {
    let r = await run('add', '--uri', newDevice().uri, '--profile', 'warehouse');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: profile "warehouse" not checked: no configuration found/);
    r = await run(
      'add',
      '--uri',
      newDevice().uri,
      '--profile',
      'x',
      '--config',
      join(dir, 'none.yaml'),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /profile "x" not checked: configuration file .*none\.yaml does not exist/,
    );
    assert.deepEqual(await profiles(), ['warehouse', 'x']);
  });

  it('import lists each row naming a missing profile and imports nothing', async () => {
    writeFileSync(join(dataDir, 'config.yaml'), configYaml(['plant']), { mode: 0o600 });
    const file = join(dir, 'batch.csv');
    const [a, b, c] = [newDevice(), newDevice(), newDevice()];
    writeFileSync(file, `uri,profile\n"${a.uri}",plant\n"${b.uri}",warehouse\n"${c.uri}",\n`);
    let r = await run('import', file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^line 3: no profile named "warehouse" \(profiles: plant\)$/m);
    assert.deepEqual(await profiles(), []);
    r = await run('import', file, '--skip-invalid');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await profiles(), ['plant', null]);
  });

  it('start warns of entries naming a profile the configuration lacks', async function () {
    this.timeout(120_000);
    const [a, b, c] = [newDevice(), newDevice(), newDevice()];
    for (const [d, p] of [
      [a, 'warehouse'],
      [b, 'plant'],
      [c, 'warehouse'],
    ] as const)
      assert.equal((await run('add', '--uri', d.uri, '--profile', p)).status, 0);
    assert.equal((await run('revoke', c.keyHash)).status, 0);
    writeFileSync(join(dataDir, 'config.yaml'), configYaml(['plant'], await freePort()), {
      mode: 0o600,
    });
    const child = spawn(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CONFIGURATOR_LOG_FORMAT: 'json' },
    });
    // The log is on stdout (systemd's journal); stderr would hold a refusal.
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 2400 && readDaemonState(dataDir)?.pid !== child.pid; i++) {
        if (child.exitCode !== null) assert.fail(`daemon exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
    const warning = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => typeof l['msg'] === 'string' && l['msg'].includes('profile'));
    assert.ok(warning, stdout + stderr);
    assert.match(
      String(warning['msg']),
      /^1 whitelist entry names a profile the configuration lacks \(warehouse\)/,
    );
    // The revoked entry is refused anyway: not listed.
    assert.deepEqual(warning['entries'], [a.keyHash]);
    assert.deepEqual(warning['missingProfiles'], { warehouse: 1 });
  });
});
