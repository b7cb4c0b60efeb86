/**
 * Which channel each bridge goes on, and what is wrong with it, from one scan of the air. A device
 * that joins its access point moves to the AP's channel and sends its Connection Status Result
 * there, to the bridge that served it: a bridge on another channel than its profile's AP never
 * hears it. `auto` takes the channel of the strongest 2.4 GHz access point of the profile's SSID;
 * when the air could not be looked at, or the SSID is not heard on 2.4 GHz, the bridge goes on the
 * fallback channel with a warning (a reload looks again).
 *
 * A reload plans against the channel each bridge is on (`keep`): moving a working bridge loses the
 * sessions it serves and the Connection Status Results on their way to it. So a scan that fails or
 * hears nothing keeps it where it is (a warning only), and a bridge whose configuration did not
 * change stays while its channel still has an AP of the SSID.
 */
import { bridgeLabel, DEFAULT_BRIDGE_CHANNEL, type BridgeSetting } from '../config/bridges.js';
import type { Profile } from '../engine/profile.js';
import { bandOf } from './check.js';
import type { AccessPoint, ScanResult } from './wifi-scan.js';

/**
 * fixed: as configured; access point: `auto`, found; fallback: `auto`, not found; kept: `auto` at a
 * reload, not found (or not looked for yet), so left on the channel it was on.
 */
export type ChannelSource = 'fixed' | 'access point' | 'fallback' | 'kept';

export interface BridgeChannel {
  readonly name: string;
  readonly port: string;
  readonly profile: string;
  /** As configured: a channel, or `auto`. */
  readonly configured: number | 'auto';
  /** The channel the bridge is put on. */
  readonly channel: number;
  readonly source: ChannelSource;
  /** `auto`: the access point whose channel it took. */
  readonly accessPoint?: { readonly bssid: string; readonly signal: number } | undefined;
  /** The bridge's channel is not one its profile's AP is on, or `auto` found no AP. */
  readonly warning?: string | undefined;
}

/** The profile's access points on 2.4 GHz (the band ESP-NOW uses), strongest first. */
function on24GHz(profile: Profile, accessPoints: readonly AccessPoint[]): AccessPoint[] {
  return accessPoints
    .filter((ap) => ap.ssid === profile.ssid && bandOf(ap.frequencyMHz) === '2.4 GHz')
    .filter((ap) => ap.channel >= 1 && ap.channel <= 14)
    .sort((a, b) => b.signal - a.signal);
}

function channelList(aps: readonly AccessPoint[]): string {
  return [...new Set(aps.map((ap) => ap.channel))].sort((a, b) => a - b).join(', ');
}

/** A reload's view of a bridge: the channel it is on, and whether its configuration changed. */
export interface KeepChannel {
  readonly channel: number;
  /** Its channel, profile or the profile's SSID changed: take the strongest AP, not its channel. */
  readonly changed: boolean;
}

function planOne(
  bridge: BridgeSetting,
  profiles: ReadonlyMap<string, Profile>,
  scan: ScanResult | undefined,
  keep: KeepChannel | undefined,
): BridgeChannel {
  const base = {
    name: bridge.name,
    port: bridge.port,
    profile: bridge.profile,
    configured: bridge.channel,
  };
  const label = bridgeLabel(bridge);
  const profile = profiles.get(bridge.profile);
  if (bridge.channel !== 'auto') {
    const fixed = { ...base, channel: bridge.channel, source: 'fixed' as const };
    if (scan === undefined || !scan.ok || profile === undefined) return fixed;
    const aps = on24GHz(profile, scan.accessPoints);
    if (aps.length === 0 || aps.some((ap) => ap.channel === bridge.channel)) return fixed;
    return {
      ...fixed,
      warning: `${label} is on channel ${bridge.channel} (${bridge.key}.channel), profile ${profile.name}'s "${profile.ssid}" on channel ${channelList(aps)}: devices that join it move there, where this bridge does not hear their Connection Status Result`,
    };
  }
  const fallback = (why: string): BridgeChannel => ({
    ...base,
    channel: DEFAULT_BRIDGE_CHANNEL,
    source: 'fallback',
    warning: `${label}: ${bridge.key}.channel auto, but ${why}: on channel ${DEFAULT_BRIDGE_CHANNEL} until a reload (SIGHUP) finds it`,
  });
  // At a reload, not knowing better is no reason to move: the bridge stays where it works.
  const kept = (why: string | undefined): BridgeChannel => ({
    ...base,
    channel: keep!.channel,
    source: 'kept',
    warning:
      why === undefined
        ? undefined
        : `${label}: ${bridge.key}.channel auto, but ${why}: kept on channel ${keep!.channel} until a reload (SIGHUP) finds it`,
  });
  const notFound = (why: string): BridgeChannel => (keep === undefined ? fallback(why) : kept(why));
  if (profile === undefined)
    return notFound(`there is no profile ${bridge.profile} to find the access point of`);
  // A reload's plan before its scan answers: no warning yet, the scan says what it finds.
  if (scan === undefined && keep !== undefined) return kept(undefined);
  if (scan === undefined || !scan.ok)
    return notFound(
      `Wi-Fi was not checked (${scan === undefined ? 'no scan' : scan.reason}), so profile ${profile.name}'s access point is not known`,
    );
  const aps = on24GHz(profile, scan.accessPoints);
  const here =
    keep !== undefined && !keep.changed ? aps.find((ap) => ap.channel === keep.channel) : undefined;
  const best = here ?? aps[0];
  if (best === undefined)
    return notFound(`profile ${profile.name}'s "${profile.ssid}" is not heard on 2.4 GHz here`);
  return {
    ...base,
    channel: best.channel,
    source: 'access point',
    accessPoint: { bssid: best.bssid, signal: best.signal },
  };
}

/**
 * One plan per bridge, in order. `scan` undefined: the air was not looked at (no warnings).
 * `keep`, at a reload: each bridge's current channel (see KeepChannel), in the same order.
 */
export function planBridgeChannels(
  bridges: readonly BridgeSetting[],
  profiles: ReadonlyMap<string, Profile>,
  scan: ScanResult | undefined,
  keep?: readonly (KeepChannel | undefined)[],
): BridgeChannel[] {
  return bridges.map((b, i) => planOne(b, profiles, scan, keep?.[i]));
}

/** Whether working out the bridges' channels needs a scan whatever radio.preflight says. */
export function needsScan(bridges: readonly BridgeSetting[]): boolean {
  return bridges.some((b) => b.channel === 'auto');
}
