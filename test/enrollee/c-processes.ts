/**
 * Processes for the end-to-end tests of the C enrollee: the radio hub, the bridge's host build,
 * the real daemon (through its CLI) and enrollee-host, each started as a program and waited for
 * by the lines it prints, never by sleeping. Only node built-ins: the programs are the interface.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest folder above this file that holds firmware-enrollee/. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'firmware-enrollee', 'Makefile'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find firmware-enrollee/ above ${import.meta.url}`);
    dir = parent;
  }
}

const ROOT = repositoryRoot();
export const PATHS = {
  cli: join(ROOT, 'dist', 'harness', 'configurator.js'),
  hub: join(ROOT, 'dist', 'enrollee-sim', 'radio', 'hub-main.js'),
  bridge: join(ROOT, 'firmware-bridge', 'build-host', 'bridge-host'),
  enrollee: join(ROOT, 'firmware-enrollee', 'build-host', 'enrollee-host'),
  vectors: join(ROOT, 'firmware-enrollee', 'build-host', 'enrollee-vectors'),
};

/** A running program and every line it has printed (stdout and stderr). */
export class Program {
  readonly lines: string[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        for (const w of this.waiters.splice(0)) w();
      });
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line matching, waiting for it up to timeoutMs (a deadline, not a delay). */
  async line(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const l of this.lines) {
        const m = pattern.exec(l);
        if (m !== null) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0 || !this.running) {
        throw new Error(
          `${this.name}: no line matching ${pattern} (last lines: ${this.lines.slice(-5).join(' | ')})`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    await this.exited;
  }
}

export function start(name: string, command: string, args: readonly string[]): Program {
  return new Program(name, spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Wait until check() holds, asking again every 100 ms, up to timeoutMs. */
export async function until<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A device's key file and its DPP URI (from the C core itself). */
export async function makeDeviceKey(
  dir: string,
  name: string,
  channels: string,
): Promise<{ keyFile: string; uri: string }> {
  let hex = randomBytes(32).toString('hex');
  while (hex.startsWith('ff')) hex = randomBytes(32).toString('hex'); // keep the scalar below n
  const keyFile = join(dir, `${name}.key`);
  await writeFile(keyFile, `${hex}\n`, { mode: 0o600 });
  const r = spawnSync(PATHS.vectors, [], {
    input: `boot_priv ${hex}\nchannels ${channels}\nstart\n`,
    encoding: 'utf8',
  });
  const uri = /^uri (\S+)$/m.exec(r.stdout)?.[1];
  if (uri === undefined) throw new Error(`enrollee-vectors gave no URI: ${r.stdout}${r.stderr}`);
  return { keyFile, uri };
}

export interface DaemonDevice {
  readonly keyHash: string;
  readonly state: string;
  readonly reason?: string | null;
  readonly mac?: string | null;
  readonly deviceInfo?: string | null;
}

/** The air (hub), the bridge on it and the real daemon behind the bridge. */
export class Site {
  private readonly programs: Program[] = [];
  hubPort = 0;
  daemon: Program | undefined;
  private bridge: { program: Program; args: string[] } | undefined;

  private constructor(readonly dir: string) {}

  static async create(): Promise<Site> {
    return new Site(await mkdtemp(join(tmpdir(), 'c-enrollee-')));
  }

  cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(
      process.execPath,
      [PATHS.cli, '--data-dir', join(this.dir, 'data'), ...args],
      {
        encoding: 'utf8',
      },
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  devices(): DaemonDevice[] {
    const r = this.cli(['devices', '--json']);
    if (r.status !== 0) return [];
    return JSON.parse(r.stdout) as DaemonDevice[];
  }

  /** The whole site: hub (with its fault options), bridge on `channel`, daemon with this profile. */
  async start(opts: {
    hubArgs?: string[];
    channel?: number;
    requireMutual?: boolean;
    connStatusTimeoutMs?: number;
    /** The bridge speaks ESP-NOW v2 (1470-byte payloads). */
    v2?: boolean;
  }): Promise<void> {
    const hub = this.own(
      start('hub', process.execPath, [PATHS.hub, '--port', '0', ...(opts.hubArgs ?? [])]),
    );
    this.hubPort = Number((await hub.line(/^HUB (\d+)/))[1]);
    const channel = opts.channel ?? 6;
    const pty = join(this.dir, 'bridge-pty');
    const bridgeArgs = [
      '--channel',
      String(channel),
      '--radio-port',
      String(this.hubPort),
      '--link',
      pty,
      ...(opts.v2 === true ? ['--v2'] : []),
    ];
    const bridge = this.own(start('bridge-host', PATHS.bridge, bridgeArgs));
    this.bridge = { program: bridge, args: bridgeArgs };
    await bridge.line(/^PTY /);
    await writeFile(join(this.dir, 'wifi.pass'), 'lab passphrase 1\n', { mode: 0o600 });
    const config = [
      'radio:',
      `  port: ${pty}`,
      `  channel: ${channel}`,
      '  preflight: false',
      'tcp:',
      '  enabled: false',
      'console:',
      '  port: 0',
      'sessions:',
      `  connStatusTimeoutMs: ${opts.connStatusTimeoutMs ?? 30000}`,
      'defaultProfile: lab',
      'profiles:',
      '  lab:',
      '    wifi: { ssid: lab-ap, passphraseFile: wifi.pass }',
      `    requireMutual: ${opts.requireMutual ?? false}`,
      '    lwm2m:',
      '      endpoint: "urn:dev:ops:acme-{serial}"',
      '      servers:',
      '        - uri: coaps://lwm2m.example:5684',
      '          shortServerId: 1',
      '          securityMode: psk',
      'log:',
      '  level: info',
      '  format: json',
      '',
    ].join('\n');
    await writeFile(join(this.dir, 'config.yaml'), config, { mode: 0o600 });
    await chmod(join(this.dir, 'config.yaml'), 0o600);
    this.daemon = this.own(
      start('daemon', process.execPath, [
        PATHS.cli,
        '--data-dir',
        join(this.dir, 'data'),
        'start',
        '--config',
        join(this.dir, 'config.yaml'),
      ]),
    );
    await this.daemon.line(/"msg":"radio up"/);
  }

  /** enrollee-host as a device of this site, whose access point (lab-ap) is on apChannel. */
  device(args: readonly string[], apChannel = 6): Program {
    return this.own(
      start('enrollee-host', PATHS.enrollee, [
        '--radio-port',
        String(this.hubPort),
        '--ap',
        `lab-ap:${join(this.dir, 'wifi.pass')}:${apChannel}`,
        ...args,
      ]),
    );
  }

  /** SIGKILL the bridge (as a USB unplug or a crash does), then start it again on the same link. */
  async killAndRestartBridge(): Promise<void> {
    const old = this.bridge!;
    old.program.child.kill('SIGKILL');
    await old.program.exited;
    const program = this.own(start('bridge-host', PATHS.bridge, old.args));
    this.bridge = { program, args: old.args };
    await program.line(/^PTY /);
  }

  private own(p: Program): Program {
    this.programs.push(p);
    return p;
  }

  async stop(): Promise<void> {
    for (const p of [...this.programs].reverse()) await p.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
