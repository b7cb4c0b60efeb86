/**
 * A fleet device run by our C enrollee (firmware-enrollee's `enrollee-host`, the same core a device
 * maker links) as a process of its own on the radio hub, instead of the TypeScript SimDevice. Its
 * stdout says what happened (`CREDENTIALS`, `WIFI <status> <channel>`, `STATE done <reason>`); the
 * result is the same line the TypeScript fleet prints.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { toHex } from '../../protocol/bytes.js';
import type { FleetDevice } from './fleet-devices.js';
import type { FleetLine } from './fleet-process.js';
import { repositoryRoot } from './processes.js';

export function enrolleeBinary(): string {
  return join(repositoryRoot(), 'firmware-enrollee', 'build-host', 'enrollee-host');
}

export interface CDeviceOptions {
  readonly hubPort: number;
  /** Where the device's key file is written (0600, the private key as 64 hex digits). */
  readonly keysDir: string;
  /** The simulated access point: SSID, the file holding its passphrase, its channel. */
  readonly ap: { readonly ssid: string; readonly passFile: string; readonly channel: number };
  /** The device's channel plan (its URI's `C:` channels). */
  readonly channels: readonly number[];
  /** Give up (kill the process) after this long. */
  readonly giveUpMs: number;
}

/** Run one device to its end; the fleet line that says how it went. */
export function runCDevice(
  d: FleetDevice,
  o: CDeviceOptions,
): Promise<Omit<FleetLine, 'type' | 'label' | 'mac' | 'role' | 'keyHash'>> {
  const binary = enrolleeBinary();
  if (!existsSync(binary)) {
    return Promise.reject(
      new Error(
        `${binary} is missing: run npm run build:enrollee (make -C firmware-enrollee; needs libssl-dev)`,
      ),
    );
  }
  const keyFile = join(o.keysDir, `${d.label}.key`);
  writeFileSync(keyFile, `${toHex(d.identity.privateKey)}\n`, { mode: 0o600 });
  const child = spawn(
    binary,
    [
      '--key',
      keyFile,
      '--serial',
      d.serial,
      '--mac',
      d.mac,
      '--radio-port',
      String(o.hubPort),
      '--channels',
      o.channels.join(','),
      '--ap',
      `${o.ap.ssid}:${o.ap.passFile}:${o.ap.channel}`,
      '--exit-when-done',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const started = performance.now();
  let configuredAt: number | undefined;
  let wifi: number | undefined;
  let done: number | undefined;
  let attempts = 1;
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < 2000) stderr += b.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [what, a] = line.split(' ');
    if (what === 'CREDENTIALS' && configuredAt === undefined) configuredAt = performance.now();
    else if (what === 'WIFI') wifi = Number(a);
    else if (what === 'STATE' && a === 'done') done = Number(line.split(' ')[2]);
    else if (what === 'STATE' && a === 'announcing' && configuredAt === undefined) attempts++;
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), o.giveUpMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const configured = configuredAt !== undefined;
      resolve({
        result: configured ? 'configured' : 'not configured',
        reason: configured
          ? wifi === 0
            ? 'joined the simulated AP'
            : 'did not join the simulated AP'
          : done === undefined
            ? code === 0 || code === null
              ? `no configuration after ${o.giveUpMs / 1000} s`
              : `enrollee-host exited ${code}: ${stderr.trim().split('\n')[0] ?? ''}`
            : `the session ended without a configuration (status ${done})`,
        joined: wifi === 0,
        ttpMs: configuredAt === undefined ? null : Math.round(configuredAt - started),
        attempts: Math.max(1, attempts - 1),
      });
    });
  });
}
