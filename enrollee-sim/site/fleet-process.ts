/** Running the fleet process (fleet-main.ts) from the demo and the benchmark. */
import { spawn, type ChildProcess } from 'node:child_process';
import { compiledScript } from './processes.js';
import type { FleetRole } from './fleet-devices.js';

export interface FleetLine {
  readonly type: 'enrollee';
  readonly label: string;
  readonly mac: string;
  readonly role: FleetRole;
  readonly keyHash: string;
  readonly result: string;
  readonly reason: string;
  readonly joined: boolean;
  readonly ttpMs: number | null;
  /**
   * From the first Authentication Request the device took up to its Configuration Result: the
   * sessions' part of the time to provision, without the wait to be heard (TypeScript devices on
   * the radio; absent otherwise).
   */
  readonly sessionMs?: number | null;
  readonly attempts: number;
}

export interface FleetRunOptions {
  readonly hubPort: number;
  /** DPP over TCP instead of the radio: the configurator's port and DPP URI. */
  readonly tcpPort?: number | undefined;
  readonly configuratorUri?: string | undefined;
  readonly count: number;
  readonly unknown: number;
  readonly spoofers: number;
  readonly keysDir: string;
  readonly apSsid: string;
  readonly apPassFile: string;
  readonly chirpMs?: number;
  readonly giveUpS?: number;
  readonly staggerMs?: number;
  /** Which enrollee runs the devices: the TypeScript SimDevice, or our C enrollee (enrollee-host). */
  readonly enrollee?: 'ts' | 'c';
  readonly onLine?: (line: FleetLine) => void;
  /** The fleet process once it runs, for a caller that must be able to stop it. */
  readonly onSpawn?: (child: ChildProcess) => void;
}

function run(
  args: string[],
  onStdoutLine: (line: string) => void,
  onSpawn?: (child: ChildProcess) => void,
): Promise<void> {
  const child = spawn(process.execPath, [compiledScript('site/fleet-main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    buffer += c.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onStdoutLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(stderr.trim() || `fleet exited ${code}`)),
    );
  });
}

function shapeArgs(o: {
  count: number;
  unknown: number;
  spoofers: number;
  keysDir: string;
}): string[] {
  return [
    '--count',
    String(o.count),
    '--unknown',
    String(o.unknown),
    '--spoofers',
    String(o.spoofers),
    '--keys',
    o.keysDir,
  ];
}

/** Create (or load) the fleet's devices and write the whitelisted ones' URIs to `urisFile`. */
export function writeFleetUris(o: {
  count: number;
  unknown: number;
  spoofers: number;
  keysDir: string;
  urisFile: string;
}): Promise<void> {
  return run([...shapeArgs(o), '--write-uris', o.urisFile], () => {});
}

/** Run the fleet until every device is done; resolves with one line per device. */
export async function runFleetProcess(o: FleetRunOptions): Promise<FleetLine[]> {
  const lines: FleetLine[] = [];
  const args = [
    ...shapeArgs(o),
    '--hub-port',
    String(o.hubPort),
    '--ap-ssid',
    o.apSsid,
    '--ap-pass-file',
    o.apPassFile,
  ];
  if (o.tcpPort !== undefined && o.configuratorUri !== undefined) {
    args.push('--tcp-port', String(o.tcpPort), '--configurator-uri', o.configuratorUri);
  }
  if (o.chirpMs !== undefined) args.push('--chirp-ms', String(o.chirpMs));
  if (o.giveUpS !== undefined) args.push('--give-up-s', String(o.giveUpS));
  if (o.staggerMs !== undefined) args.push('--stagger-ms', String(o.staggerMs));
  if (o.enrollee !== undefined) args.push('--enrollee', o.enrollee);
  await run(
    args,
    (text) => {
      let parsed: { type?: string };
      try {
        parsed = JSON.parse(text) as { type?: string };
      } catch {
        return;
      }
      if (parsed.type !== 'enrollee') return;
      const line = parsed as FleetLine;
      lines.push(line);
      o.onLine?.(line);
    },
    o.onSpawn,
  );
  return lines;
}
