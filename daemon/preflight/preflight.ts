/** One preflight: hear the air, then judge each profile (or the one named) against it. */
import type { DaemonConfig } from '../config/load.js';
import { checkProfiles, type ProfileFindings } from './check.js';
import { scanWifi, type ScanResult } from './wifi-scan.js';

export type PreflightResult =
  | { readonly ok: true; readonly profiles: readonly ProfileFindings[] }
  | { readonly ok: false; readonly reason: string };

export async function runPreflight(
  config: DaemonConfig,
  profileNames: readonly string[] = [...config.profiles.keys()],
  scan: () => Promise<ScanResult> = scanWifi,
): Promise<PreflightResult> {
  const heard = await scan();
  if (!heard.ok) return heard;
  const profiles = profileNames.flatMap((n) => config.profiles.get(n) ?? []);
  return {
    ok: true,
    profiles: checkProfiles({
      profiles,
      bridgeChannel: config.radio.port === 'none' ? undefined : config.radio.channel,
      accessPoints: heard.accessPoints,
    }),
  };
}
