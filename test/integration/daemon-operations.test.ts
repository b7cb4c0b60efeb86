/**
 * Operating the daemon process: SIGHUP reloads the configuration during a batch without dropping
 * a session, and a bad new configuration is refused with its key named while the old one stays;
 * `status` says why the radio is down and when it tries again; a configuration with nothing to
 * serve and a taken port are refused with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A loaded machine may take seconds per exchange: wait, never judge speed. */
const PATIENT = { timeoutMs: 60_000 };

describe('daemon process: reload, status and refusals', function () {
  this.timeout(120_000);
  let dataDir: string;
  let daemon: ChildProcess | undefined;
  const logLines: string[] = [];

  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, ...args], {
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  /** Wait until the daemon has logged a line matching `re` after the first `after` lines. */
  async function logged(re: RegExp, after: number): Promise<string> {
    for (let i = 0; i < 1200; i++) {
      const line = logLines.slice(after).find((l) => re.test(l));
      if (line !== undefined) return line;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`the daemon never logged ${re}: ${logLines.slice(after).join('\n')}`);
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-ops-'));
    logLines.length = 0;
  });
  afterEach(() => {
    daemon?.kill('SIGKILL');
    daemon = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reloads on SIGHUP during a batch; refuses a bad configuration and keeps the running one', async () => {
    const port = await freePort();
    writeTcpConfig(dataDir, port);
    const configPath = join(dataDir, 'config.yaml');
    // At info, to see the reload's lines.
    const original = readFileSync(configPath, 'utf8').replace('level: warn', 'level: info');
    writeFileSync(configPath, original, { mode: 0o600 });
    const devices = Array.from({ length: 12 }, () => newIdentity());
    for (const d of devices)
      assert.equal(cli('whitelist', 'add', '--uri', uriOfIdentity(d)).status, 0);
    daemon = await startDaemonProcess(dataDir, { onLog: (l) => logLines.push(l) });
    const configurator = makePeer(loadIdentity(dataDir)!.key);

    // A batch, and a reload to a renamed network in its middle.
    writeFileSync(configPath, original.replace('ssid: Plant-IoT', 'ssid: Plant-IoT-2'), {
      mode: 0o600,
    });
    const mark = logLines.length;
    const batch = devices
      .slice(0, 10)
      .map((d, i) =>
        new Promise((r) => setTimeout(r, i * 20)).then(() =>
          runTcpEnrollee(port, d, configurator, PATIENT),
        ),
      );
    daemon.kill('SIGHUP');
    const results = await Promise.all(batch);
    for (const r of results)
      assert.equal(
        r.outcome?.result,
        'configured',
        `no session dropped: ${JSON.stringify({ ...r, config: undefined })}\n${logLines.slice(mark).join('\n')}`,
      );
    const reloaded = JSON.parse(await logged(/"msg":"configuration reloaded"/, mark)) as {
      applied: string[];
      restartNeeded: string[];
    };
    assert.ok(reloaded.applied.includes('profiles'));
    assert.deepEqual(reloaded.restartNeeded, []);
    const after = await runTcpEnrollee(port, devices[10]!, configurator, PATIENT);
    assert.equal(new TextDecoder().decode(after.config!.ssid), 'Plant-IoT-2');

    // A bad one: refused, key named; the daemon goes on with the one in force.
    writeFileSync(configPath, original.replace('"correct horse battery staple"', 'short'), {
      mode: 0o600,
    });
    const badMark = logLines.length;
    daemon.kill('SIGHUP');
    const refused = await logged(/configuration reload refused/, badMark);
    assert.match(refused, /profiles\.plant\.wifi/);
    assert.match(refused, /the running configuration stays/);
    const still = await runTcpEnrollee(port, devices[11]!, configurator, PATIENT);
    assert.equal(new TextDecoder().decode(still.config!.ssid), 'Plant-IoT-2');
    assert.equal(daemon.exitCode, null);

    // A listener change waits for a restart, and the log says so.
    writeFileSync(configPath, original.replace(`port: ${port}`, `port: ${port + 1}`), {
      mode: 0o600,
    });
    const tcpMark = logLines.length;
    daemon.kill('SIGHUP');
    const line = JSON.parse(await logged(/"msg":"configuration reloaded"/, tcpMark)) as {
      restartNeeded: string[];
    };
    assert.deepEqual(line.restartNeeded, ['tcp']);
  });

  it('warns after a reload, as at start, of entries naming a profile the configuration no longer has', async () => {
    const port = await freePort();
    writeTcpConfig(dataDir, port);
    const configPath = join(dataDir, 'config.yaml');
    const office = [
      '  office:',
      '    wifi: { ssid: Office, passphrase: "another long passphrase" }',
    ].join('\n');
    const original = readFileSync(configPath, 'utf8').replace('level: warn', 'level: info');
    const withOffice = original.replace('profiles:\n', `profiles:\n${office}\n`);
    writeFileSync(configPath, withOffice, { mode: 0o600 });
    const device = newIdentity();
    assert.equal(
      cli('whitelist', 'add', '--uri', uriOfIdentity(device), '--profile', 'office').status,
      0,
    );
    daemon = await startDaemonProcess(dataDir, { onLog: (l) => logLines.push(l) });
    assert.equal(
      logLines.find((l) => /profile the configuration lacks/.test(l)),
      undefined,
      'nothing to warn of while the profile exists',
    );
    writeFileSync(configPath, original, { mode: 0o600 });
    const mark = logLines.length;
    daemon.kill('SIGHUP');
    await logged(/"msg":"configuration reloaded"/, mark);
    const warning = await logged(/profile the configuration lacks/, mark);
    assert.match(warning, /office/);
  });

  it('status says why the radio is down and when it tries again', async () => {
    writeFileSync(
      join(dataDir, 'config.yaml'),
      [
        `radio: { port: ${join(dataDir, 'no-such-tty')}, preflight: false }`,
        'tcp: { port: 0 }',
        'console: { port: 0 }',
        'profiles: { default: { wifi: { ssid: Plant, passphrase: "correct horse battery" } } }',
      ].join('\n'),
      { mode: 0o600 },
    );
    daemon = await startDaemonProcess(dataDir);
    const down =
      /^radio: DOWN \(cannot open the bridge serial port: [^;]+; last tried \d{4}-\d\d-\d\d [\d:]+Z; next try \d{4}-\d\d-\d\d [\d:]+Z\) via /m;
    const consoleLine = /^console: http:\/\/127\.0\.0\.1:\d+\/$/m;
    // The state file is rewritten every second: the console comes up after the daemon, and a
    // retry in progress has no next try yet. Look until both show.
    let status = cli('status');
    for (
      let i = 0;
      i < 120 && !(down.test(status.stdout) && consoleLine.test(status.stdout));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 250));
      status = cli('status');
    }
    assert.match(status.stdout, down);
    assert.match(status.stdout, consoleLine);
  });

  it('refuses a configuration with nothing to serve, and names the key of a port in use', async () => {
    writeFileSync(
      join(dataDir, 'config.yaml'),
      'radio: { port: none }\ntcp: { enabled: false }\nprofiles: { default: { wifi: { ssid: P, passphrase: "correct horse battery" } } }\n',
      { mode: 0o600 },
    );
    const none = cli('start');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /nothing to serve: radio\.port is none and tcp\.enabled is false/);

    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    writeTcpConfig(dataDir, port);
    const clash = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'start'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    taken.close();
    assert.equal(clash.status, 1);
    assert.match(clash.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is in use`));
    assert.match(clash.stderr, /set tcp\.port \(or CONFIGURATOR_TCP_PORT\)/);
  });
});
