/**
 * `configurator watch` against a real console: the device events of a device provisioned through
 * it, as lines and as JSON lines; a dropped stream said and reconnected; the console of the daemon
 * running on the data dir found from its state file, across a restart that moves it; a console
 * whose certificate is not the pinned one refused at the handshake; no daemon, no console or
 * nothing answering said in one line, exit 1. Output is awaited with generous deadlines; no
 * duration is asserted.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityUri } from '../../daemon/keys/identity.js';
import { ConsoleServer } from '../../daemon/console/server.js';
import { consoleStoresOf } from '../../daemon/console/start-console.js';
import { CERT_FILE, consoleTls } from '../../daemon/console/tls.js';
import { loadOrCreateTokens } from '../../daemon/console/tokens.js';
import { silentLogger } from '../../daemon/logging.js';
import { readDaemonState } from '../../daemon/service/state-file.js';
import { toHex } from '../../protocol/bytes.js';
import { bootstrapKeyHash } from '../../protocol/dpp/bootstrap-key.js';
import { AirEnrollee } from '../support/air-enrollee.js';
import { runConfigurator } from '../support/cli-in-process.js';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.js';
import {
  CLI_MAIN,
  freePort,
  startDaemonProcess,
  writeTcpConfig,
} from '../support/daemon-process.js';
import { writeRunningState } from '../support/daemon-state.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const DEADLINE_MS = 30_000;

async function until(what: string, check: () => boolean, ms = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `configurator watch` as its own process (stdout a pipe, so one line per event). */
class Watch {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(dataDir: string, ...args: string[]) {
    this.child = spawn(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'watch', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Wait until stdout or stderr matches. */
  async says(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
    await until(
      `watch's ${stream} to match ${pattern}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`,
      () => pattern.test(this[stream]),
    );
    return pattern.exec(this[stream])!;
  }

  /** Ctrl-C; the exit code. */
  interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const hashOf = (id: ReturnType<typeof newIdentity>): string => toHex(bootstrapKeyHash(id.key));

describe('configurator watch (CLI)', () => {
  let c: ConsoleHarness | undefined;
  const watches: Watch[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const watch = (dataDir: string, ...args: string[]): Watch => {
    const w = new Watch(dataDir, ...args);
    watches.push(w);
    return w;
  };
  afterEach(async () => {
    for (const w of watches.splice(0)) w.kill();
    for (const clean of cleanups.splice(0).reverse()) await clean();
    await c?.close();
    c = undefined;
  });

  it("prints the device events of a device provisioned through the console's daemon, as lines and as JSON lines", async () => {
    c = await startConsoleHarness();
    const lines = watch(c.dataDir, '--url', c.server.url);
    const json = watch(c.dataDir, '--url', c.server.url, '--json');
    await lines.says('stderr', /^watching http:\/\/127\.0\.0\.1:\d+\/$/m);
    await lines.says('stdout', /status 0\/0 provisioned or connected; no devices yet/);
    await json.says('stdout', /"type":"status"/);

    const id = newIdentity();
    const hash = hashOf(id);
    const added = await c.call('POST', '/api/whitelist', {
      body: { uri: identityUri(id), label: 'Pump 1' },
    });
    assert.equal(added.statusCode, 201, added.body);
    const device = new AirEnrollee(c.h.air.attach('02:00:00:00:00:01'), {
      identity: id,
      serial: 'SN-1',
    }).start();
    cleanups.push(() => device.stop());
    assert.equal((await device.done).result, 'configured');

    const short = hash.slice(0, 16);
    await lines.says(
      'stdout',
      new RegExp(
        `^\\S+ device ${short} "Pump 1" connected via 02:00:00:00:00:01 \\(espnow\\)$`,
        'm',
      ),
    );
    assert.match(
      lines.stdout,
      new RegExp(`^\\S+ whitelist added ${short} by console:admin-token@127\\.0\\.0\\.1$`, 'm'),
    );
    await lines.says('stdout', /status 1\/1 provisioned or connected; connected 1;/);

    await json.says('stdout', /"type":"device"[^\n]*"state":"connected"/);
    const events = json.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; keyHash?: string; state?: string });
    const states = events.filter((e) => e.type === 'device').map((e) => e.state);
    assert.equal(states.at(-1), 'connected', states.join());
    assert.ok(events.filter((e) => e.type === 'device').every((e) => e.keyHash === hash));
    assert.ok(events.some((e) => e.type === 'whitelist' && e.keyHash === hash));

    assert.equal(await lines.interrupt(), 0);
    assert.equal(await json.interrupt(), 0);
  });

  it('says when the stream drops, and reconnects when the console is back', async () => {
    c = await startConsoleHarness();
    const w = watch(c.dataDir, '--url', c.server.url);
    await w.says('stdout', /status /);
    const port = Number(new URL(c.server.url).port);
    await c.server.stop();
    await w.says(
      'stderr',
      /^the event stream from http:\/\/127\.0\.0\.1:\d+\/ ended \(.+\): the daemon stopped or restarted\? reconnecting$/m,
    );
    const before = w.stdout.length;
    const again = await ConsoleServer.start({
      settings: { host: '127.0.0.1', port, tls: 'off' },
      dataDir: c.dataDir,
      baseDir: c.dataDir,
      log: silentLogger(),
      stores: consoleStoresOf(c.stores),
      daemon: c.h.daemon,
    });
    cleanups.push(() => again.stop());
    await w.says('stderr', new RegExp(`^reconnected to http://127\\.0\\.0\\.1:${port}/$`, 'm'));
    await until('a status after the reconnection', () => /status /.test(w.stdout.slice(before)));
    assert.equal(await w.interrupt(), 0);
  });

  it('trusts exactly the certificate in the data dir: it watches over HTTPS, and refuses another', async () => {
    c = await startConsoleHarness({ settings: { tls: 'on' } });
    const ok = watch(c.dataDir, '--url', c.server.url);
    await ok.says('stderr', /^watching https:\/\/127\.0\.0\.1:\d+\/$/m);
    await ok.says('stdout', /status /);
    assert.equal(await ok.interrupt(), 0);

    // Another certificate for the same names, put where the console's own was.
    const elsewhere = mkdtempSync(join(tmpdir(), 'dpp-watch-other-cert-'));
    cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
    const other = consoleTls({ host: '127.0.0.1', tls: 'on' }, elsewhere, elsewhere)!;
    assert.notEqual(other.fingerprint, c.server.tls!.fingerprint);
    copyFileSync(other.certFile, join(c.dataDir, CERT_FILE));
    const refused = watch(c.dataDir, '--url', c.server.url);
    assert.equal(await refused.exited, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `^configurator: the console at https://127\\.0\\.0\\.1:\\d+ does not present the certificate in ${join(c.dataDir, CERT_FILE).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(SHA-256 ${other.fingerprint}\\): .*not connecting\\n$`,
      ),
    );
    assert.equal(refused.stdout, '');
  });

  it('finds the console of the daemon running on the data dir, and follows it across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dpp-watch-daemon-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The console on port 0: only the daemon can tell where it listens.
    writeTcpConfig(dataDir, await freePort());
    let daemon = await startDaemonProcess(dataDir);
    cleanups.push(() => void daemon.kill('SIGKILL'));
    await until('the console announced', () => readDaemonState(dataDir)?.console !== undefined);
    const first = readDaemonState(dataDir)!.console!.url;

    const w = watch(dataDir);
    await w.says('stderr', new RegExp(`^watching ${first}$`, 'm'));
    await w.says('stdout', /status 0\/0 provisioned or connected/);

    const stopped = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await stopped;
    await w.says('stderr', /ended \(.+\): the daemon stopped or restarted\? reconnecting$/m);
    daemon = await startDaemonProcess(dataDir);
    await w.says('stderr', /^reconnected to http:\/\/127\.0\.0\.1:\d+\/$/m);
    const url = /^reconnected to (\S+)$/m.exec(w.stderr)![1];
    await until(
      'the console announced again',
      () => readDaemonState(dataDir)?.console !== undefined,
    );
    assert.equal(url, readDaemonState(dataDir)!.console!.url);
    assert.equal(await w.interrupt(), 0);
  });

  it('says in one line, exit 1, when no daemon runs, its console is disabled, or nothing answers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dpp-watch-none-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const oneLine = async (args: string[], message: RegExp): Promise<void> => {
      const r = await runConfigurator('--data-dir', dataDir, 'watch', ...args);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.equal(r.stdout, '');
    };
    await oneLine([], /^configurator: no daemon is running on .*dpp-watch-none-/);

    writeFileSync(join(dataDir, 'config.yaml'), 'console: { enabled: false }\n', { mode: 0o600 });
    writeRunningState(dataDir);
    await oneLine([], /^configurator: the daemon on .* runs without its console/);

    loadOrCreateTokens(dataDir);
    const port = await freePort();
    await oneLine(
      ['--url', `http://127.0.0.1:${port}`],
      new RegExp(
        `^configurator: no console answers at http://127\\.0\\.0\\.1:${port} \\(connection refused\\)`,
      ),
    );

    const bad = await runConfigurator('--data-dir', dataDir, 'watch', '--url', 'ftp://x/');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--url: "ftp:\/\/x\/" is neither http:\/\/ nor https:\/\//);
  });
});
