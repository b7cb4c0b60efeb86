/**
 * What this computer's Wi-Fi hears, from NetworkManager's `nmcli` (docs/site-radio.md says why it
 * is called directly rather than through node-wifi). The command runs in a child process with its
 * own locale; this process's environment is never changed.
 */
import { execFile } from 'node:child_process';
import { splitTerseLine } from './nmcli-terse.js';

/** Key management an access point offers, from nmcli's WPA-FLAGS and RSN-FLAGS. */
export type KeyManagement = 'psk' | 'sae' | '802.1X' | 'owe' | 'open';

export interface AccessPoint {
  /** Empty for a hidden network (it does not broadcast its name). */
  readonly ssid: string;
  readonly bssid: string;
  readonly channel: number;
  readonly frequencyMHz: number;
  /** NetworkManager's signal quality, 0–100 %. */
  readonly signal: number;
  /** As nmcli names it: "WPA2", "WPA2 WPA3", "" for an open network … */
  readonly security: string;
  readonly offers: readonly KeyManagement[];
}

export type ScanResult =
  | { readonly ok: true; readonly accessPoints: readonly AccessPoint[] }
  | { readonly ok: false; readonly reason: string };

const SCAN_FIELDS = 'SSID,BSSID,CHAN,FREQ,SIGNAL,SECURITY,WPA-FLAGS,RSN-FLAGS';
export const SCAN_ARGS = ['-t', '-e', 'yes', '-f', SCAN_FIELDS, 'device', 'wifi', 'list'];
const DEVICE_ARGS = ['-t', '-e', 'yes', '-f', 'DEVICE,TYPE,STATE', 'device'];
/** A scan can take seconds; a NetworkManager that does not answer must not hang a command. */
const NMCLI_TIMEOUT_MS = 30_000;

/** Flags as nmcli prints them ("pair_ccmp group_ccmp psk sae", "(none)") → key management. */
function keyManagement(wpaFlags: string, rsnFlags: string, security: string): KeyManagement[] {
  const flags = new Set(`${wpaFlags} ${rsnFlags}`.split(/\s+/));
  const offers: KeyManagement[] = [];
  for (const k of ['psk', 'sae', '802.1X', 'owe'] as const) if (flags.has(k)) offers.push(k);
  if (offers.length === 0 && security === '') offers.push('open');
  return offers;
}

export function parseScan(stdout: string): AccessPoint[] {
  const aps: AccessPoint[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = splitTerseLine(line);
    if (f.length !== 8) continue;
    const [ssid, bssid, chan, freq, signal, security, wpaFlags, rsnFlags] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    aps.push({
      ssid,
      bssid,
      channel: Number.parseInt(chan, 10),
      frequencyMHz: Number.parseInt(freq, 10),
      signal: Number.parseInt(signal, 10),
      security,
      offers: keyManagement(wpaFlags, rsnFlags, security),
    });
  }
  return aps;
}

interface NmcliOutput {
  readonly stdout: string;
  readonly failure?: string;
}

function runNmcli(args: readonly string[]): Promise<NmcliOutput> {
  return new Promise((resolve) => {
    execFile(
      'nmcli',
      args,
      {
        // Untranslated, UTF-8 output (an SSID in another script stays intact), for nmcli only.
        env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
        timeout: NMCLI_TIMEOUT_MS,
        encoding: 'utf8',
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ stdout });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT')
          return resolve({ stdout, failure: 'nmcli not found: NetworkManager is not installed' });
        const said = stderr
          .trim()
          .split('\n')[0]
          ?.replace(/^Error:\s*/, '');
        const why = error.killed
          ? `no answer within ${NMCLI_TIMEOUT_MS / 1000} s`
          : said || `exit ${String(code)}`;
        resolve({ stdout, failure: `nmcli failed: ${why}` });
      },
    );
  });
}

/** An empty scan: no Wi-Fi device, one that is off, or nothing in range. Says which. */
async function whyNothingHeard(): Promise<string | undefined> {
  const devices = await runNmcli(DEVICE_ARGS);
  if (devices.failure !== undefined) return devices.failure;
  const wifi = devices.stdout
    .split('\n')
    .map(splitTerseLine)
    .filter((f) => f[1] === 'wifi');
  if (wifi.length === 0) return 'no Wi-Fi device (nmcli lists none)';
  if (wifi.every((f) => f[2] === 'unavailable'))
    return `Wi-Fi device ${wifi.map((f) => f[0]).join(', ')} unavailable (radio off or blocked: nmcli radio wifi on, rfkill)`;
  return undefined;
}

export async function scanWifi(): Promise<ScanResult> {
  const scan = await runNmcli(SCAN_ARGS);
  if (scan.failure !== undefined) return { ok: false, reason: scan.failure };
  const accessPoints = parseScan(scan.stdout);
  if (accessPoints.length === 0) {
    const why = await whyNothingHeard();
    if (why !== undefined) return { ok: false, reason: why };
  }
  return { ok: true, accessPoints };
}
