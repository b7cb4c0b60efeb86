/**
 * Which channel each bridge goes on, and what is wrong with it, from one scan of the air. A device
 * that joins its access point moves to the AP's channel and sends its Connection Status Result
 * there, to the bridge that served it: a bridge on another channel than its profile's AP never
 * hears it. `auto` takes the channel of the strongest 2.4 GHz access point of the profile's SSID;
 * when the air could not be looked at, or the SSID is not heard on 2.4 GHz, the bridge goes on the
 * fallback channel with a warning (a reload looks again).
 */
import { bridgeLabel, DEFAULT_BRIDGE_CHANNEL, type BridgeSetting } from '../config/bridges.js';
import type { Profile } from '../engine/profile.js';
import { bandOf } from './check.js';
import type { AccessPoint, ScanResult } from './wifi-scan.js';

/** fixed: as configured; access point: `auto`, found; fallback: `auto`, not found. */
export type ChannelSource = 'fixed' | 'access point' | 'fallback';

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

function planOne(
  bridge: BridgeSetting,
  profiles: ReadonlyMap<string, Profile>,
  scan: ScanResult | undefined,
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
  if (profile === undefined)
    return fallback(`there is no profile ${bridge.profile} to find the access point of`);
  if (scan === undefined || !scan.ok)
    return fallback(
      `Wi-Fi was not checked (${scan === undefined ? 'no scan' : scan.reason}), so profile ${profile.name}'s access point is not known`,
    );
  const best = on24GHz(profile, scan.accessPoints)[0];
  if (best === undefined)
    return fallback(`profile ${profile.name}'s "${profile.ssid}" is not heard on 2.4 GHz here`);
  return {
    ...base,
    channel: best.channel,
    source: 'access point',
    accessPoint: { bssid: best.bssid, signal: best.signal },
  };
}

/** One plan per bridge, in order. `scan` undefined: the air was not looked at (no warnings). */
export function planBridgeChannels(
  bridges: readonly BridgeSetting[],
  profiles: ReadonlyMap<string, Profile>,
  scan: ScanResult | undefined,
): BridgeChannel[] {
  return bridges.map((b) => planOne(b, profiles, scan));
}

/** Whether working out the bridges' channels needs a scan whatever radio.preflight says. */
export function needsScan(bridges: readonly BridgeSetting[]): boolean {
  return bridges.some((b) => b.channel === 'auto');
}
