/**
 * The preflight when the daemon starts: its findings are warnings in the log, it does not hold
 * the daemon up while nmcli is busy, and radio.preflight: false skips it.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { loadConfig } from '../../daemon/config/load.js';
import { createLogger } from '../../daemon/logging.js';
import { preflightInBackground } from '../../daemon/preflight/at-start.js';
import { controlSocketPath } from '../../daemon/service/control-protocol.js';
import { exchange, onlyReply } from '../support/control-exchange.js';
import { freePort, startDaemonProcess } from '../support/daemon-process.js';

const FAKE_NMCLI_DIR = fileURLToPath(new URL('../../../test/preflight/nmcli/', import.meta.url));

/** Waits for a condition; the bound only keeps a failure from hanging the run. */
async function eventually(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
}

describe('preflight when the daemon starts', function () {
  this.timeout(120_000);
  let dir: string;
  let daemon: ChildProcess | undefined;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-preflight-start-'));
    process.env.PATH = `${FAKE_NMCLI_DIR}:${saved.PATH}`;
    process.env.FAKE_NMCLI_RECORDING = join(FAKE_NMCLI_DIR, 'site');
    process.env.FAKE_NMCLI_CALLS = join(dir, 'nmcli-calls');
  });
  afterEach(() => {
    daemon?.kill('SIGKILL');
    daemon = undefined;
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (radio: string, tcpPort: number): void =>
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        `radio: ${radio}`,
        `tcp: { host: 127.0.0.1, port: ${tcpPort} }`,
        'console: { enabled: false }',
        'defaultProfile: plant',
        'profiles:',
        '  plant: { wifi: { ssid: Nowhere, passphrase: "correct horse battery staple" } }',
      ].join('\n'),
      { mode: 0o600 },
    );

  it('serves while nmcli is still busy, then logs a warning per problem', async () => {
    writeConfig('{ port: none }', await freePort());
    const release = join(dir, 'release');
    process.env.FAKE_NMCLI_RELEASE = release;
    const lines: string[] = [];
    daemon = await startDaemonProcess(dir, { onLog: (l) => lines.push(l) });
    const calls = join(dir, 'nmcli-calls');
    await eventually('nmcli was called', () => existsSync(calls));
    // nmcli has not answered: the daemon must still answer its control socket.
    const reply = onlyReply(await exchange(controlSocketPath(dir), '{"op":"nope"}\n'));
    assert.equal(reply.type, 'error');
    assert.ok(!lines.some((l) => l.includes('preflight:')), 'no finding before nmcli answered');

    writeFileSync(release, '');
    const finding = (): string | undefined => lines.find((l) => l.includes('preflight:'));
    await eventually('the preflight warning is logged', () => finding() !== undefined);
    const entry = JSON.parse(finding()!) as { level: number; msg: string };
    assert.equal(entry.level, 40, 'a warning');
    assert.match(entry.msg, /^preflight: profile plant: "Nowhere" is not visible here/);
    assert.equal(daemon.exitCode, null, 'still running');
  });

  it('radio.preflight: false does not run nmcli', async () => {
    writeConfig('{ port: none, preflight: false }', 0);
    const out: string[] = [];
    const destination = new Writable({
      write: (chunk: Buffer, _enc, done) => (out.push(chunk.toString()), done()),
    });
    const log = createLogger({ level: 'info', format: 'json', destination });
    const config = loadConfig({ dataDir: dir });
    await preflightInBackground(config, log);
    assert.equal(existsSync(join(dir, 'nmcli-calls')), false);
    assert.deepEqual(out, []);

    writeConfig('{ port: none }', 0);
    await preflightInBackground(loadConfig({ dataDir: dir }), log);
    assert.match(readFileSync(join(dir, 'nmcli-calls'), 'utf8'), /device wifi list/);
    assert.match(out.join(''), /preflight: profile plant: \\"Nowhere\\" is not visible here/);
  });
});
