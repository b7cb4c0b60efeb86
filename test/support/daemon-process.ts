/** The daemon as a child process on a temporary data dir, for the integration tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDaemonState } from '../../daemon/service/state-file.js';

export const CLI_MAIN = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A config.yaml for DPP over TCP only, on `port`, with one profile "plant" (Wi-Fi + LwM2M PSK). */
export function writeTcpConfig(dataDir: string, port: number): void {
  writeFileSync(
    join(dataDir, 'config.yaml'),
    [
      'radio: { port: none, preflight: false }',
      `tcp: { host: 127.0.0.1, port: ${port} }`,
      'console: { port: 0 }',
      'defaultProfile: plant',
      'profiles:',
      '  plant:',
      '    wifi: { ssid: Plant-IoT, passphrase: "correct horse battery staple" }',
      '    lwm2m:',
      '      endpoint: "dev-{keyHash16}"',
      '      servers:',
      '        - { uri: "coaps://lwm2m.example:5684", shortServerId: 1, securityMode: psk }',
      'log: { level: warn }',
    ].join('\n'),
    { mode: 0o600 },
  );
}

/**
 * `configurator start`; resolves once it has published its state file (its transports listen).
 * `onLog` gets each line the daemon logs (JSON).
 */
export async function startDaemonProcess(
  dataDir: string,
  options: { onLog?: (line: string) => void } = {},
): Promise<ChildProcess> {
  const { onLog } = options;
  const child = spawn(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'start'], {
    stdio: ['ignore', onLog === undefined ? 'ignore' : 'pipe', 'pipe'],
    env: { ...process.env, CONFIGURATOR_LOG_FORMAT: 'json' },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  if (onLog !== undefined) {
    let partial = '';
    child.stdout?.on('data', (c: Buffer) => {
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLog(line);
    });
  }
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${stderr}`);
    if (readDaemonState(dataDir)?.pid === child.pid) return child;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`daemon did not start: ${stderr}`);
}
