/** One preflight: hear the air, then judge each profile (or the one named) and each bridge against it. */
import type { DaemonConfig } from '../config/load.js';
import { planBridgeChannels, type BridgeChannel } from './bridge-channels.js';
import { checkProfiles, type ProfileFindings } from './check.js';
import { scanWifi, type ScanResult } from './wifi-scan.js';

export type PreflightResult =
  | {
      readonly ok: true;
      readonly profiles: readonly ProfileFindings[];
      /** Each bridge's channel (what `auto` finds), with its warning. */
      readonly bridges: readonly BridgeChannel[];
    }
  | { readonly ok: false; readonly reason: string };

export async function runPreflight(
  config: DaemonConfig,
  profileNames: readonly string[] = [...config.profiles.keys()],
  scan: () => Promise<ScanResult> = scanWifi,
): Promise<PreflightResult> {
  const heard = await scan();
  if (!heard.ok) return heard;
  const profiles = profileNames.flatMap((n) => config.profiles.get(n) ?? []);
  const settings = config.radio.bridges;
  const bridges = planBridgeChannels(settings, config.profiles, heard);
  return {
    ok: true,
    profiles: checkProfiles({
      profiles,
      bridges: bridges.map((b, i) => ({ ...b, key: settings[i]!.key })),
      accessPoints: heard.accessPoints,
    }),
    // One profile asked for: its bridges only.
    bridges:
      profileNames.length === config.profiles.size
        ? bridges
        : bridges.filter((b) => profileNames.includes(b.profile)),
  };
}
