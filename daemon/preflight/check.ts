/**
 * The preflight's judgement, apart from how the air was heard: for each profile, is its network
 * here, on which channels and bands, does it accept what the profile delivers, how strong is it,
 * and is the bridge on its channel. Problems make `configurator preflight` exit 1; warnings do not.
 */
import type { Akm } from '../../protocol/dpp/config-object.js';
import type { Profile } from '../engine/profile.js';
import type { BridgeChannel } from './bridge-channels.js';
import type { AccessPoint, KeyManagement } from './wifi-scan.js';

export type Band = '2.4 GHz' | '5 GHz' | '6 GHz';

export interface HeardAccessPoint {
  readonly bssid: string;
  readonly channel: number;
  readonly band: Band | undefined;
  readonly signal: number;
  readonly security: string;
}

export interface ProfileFindings {
  readonly profile: string;
  readonly ssid: string;
  readonly akm: Akm;
  readonly accessPoints: readonly HeardAccessPoint[];
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

export interface PreflightInput {
  readonly profiles: readonly Profile[];
  /** The bridges and their channels (none: radio.port none), with their own warnings. */
  readonly bridges: readonly (Pick<BridgeChannel, 'channel' | 'profile' | 'warning'> & {
    readonly key: string;
  })[];
  readonly accessPoints: readonly AccessPoint[];
}

/** Below this the network is weak where this computer stands (NetworkManager's 0–100 %). */
export const WEAK_SIGNAL_PERCENT = 30;

const AKM_NAMES: Record<Akm, string> = {
  psk: 'WPA2-PSK',
  sae: 'WPA3-SAE',
  'psk+sae': 'WPA2-PSK and WPA3-SAE',
};

export function bandOf(frequencyMHz: number): Band | undefined {
  if (frequencyMHz >= 2400 && frequencyMHz < 2500) return '2.4 GHz';
  if (frequencyMHz >= 5150 && frequencyMHz < 5925) return '5 GHz';
  if (frequencyMHz >= 5925 && frequencyMHz <= 7125) return '6 GHz';
  return undefined;
}

/** Whether a device given this profile's credential can join an AP offering these. */
function accepts(offers: readonly KeyManagement[], akm: Akm): boolean {
  const psk = offers.includes('psk');
  const sae = offers.includes('sae');
  return akm === 'psk' ? psk : akm === 'sae' ? sae : psk || sae;
}

function describeOffers(offers: readonly KeyManagement[]): string {
  const names: Record<KeyManagement, string> = {
    psk: 'WPA2-PSK',
    sae: 'WPA3-SAE',
    '802.1X': 'WPA-Enterprise (802.1X)',
    owe: 'Enhanced Open (OWE)',
    open: 'open (no password)',
  };
  return offers.length === 0 ? 'unknown security' : offers.map((o) => names[o]).join(' + ');
}

function channelList(channels: readonly number[]): string {
  return [...new Set(channels)].sort((a, b) => a - b).join(', ');
}

function checkProfile(
  profile: Profile,
  input: PreflightInput,
  hidden: readonly AccessPoint[],
): ProfileFindings {
  const akm = profile.credential.akm;
  const name = `profile ${profile.name}: "${profile.ssid}"`;
  const mine = input.accessPoints
    .filter((ap) => ap.ssid === profile.ssid)
    .sort((a, b) => b.signal - a.signal);
  const problems: string[] = [];
  const warnings: string[] = [];
  const heard = mine.map((ap) => ({
    bssid: ap.bssid,
    channel: ap.channel,
    band: bandOf(ap.frequencyMHz),
    signal: ap.signal,
    security: ap.security,
  }));
  const findings = { profile: profile.name, ssid: profile.ssid, akm, accessPoints: heard };
  if (mine.length === 0) {
    const maybeHidden =
      hidden.length === 0
        ? ''
        : ` (${hidden.length} hidden network(s) on channel ${channelList(hidden.map((h) => h.channel))} do not say their name; it may be one of them)`;
    problems.push(`${name} is not visible here${maybeHidden}`);
    return { ...findings, problems, warnings };
  }

  const joinable = mine.filter((ap) => accepts(ap.offers, akm));
  if (joinable.length === 0) {
    problems.push(
      `${name} offers ${describeOffers(mine[0]!.offers)}; the profile delivers ${AKM_NAMES[akm]} (wifi.akm: ${akm}), so devices cannot join it`,
    );
  } else if (joinable.length < mine.length) {
    const others = mine.filter((ap) => !joinable.includes(ap));
    warnings.push(
      `${name}: access point(s) ${others.map((ap) => ap.bssid).join(', ')} offer ${describeOffers(others[0]!.offers)}, not the profile's ${AKM_NAMES[akm]}; devices that pick them fail to join`,
    );
  }

  const on24 = mine.filter((ap) => bandOf(ap.frequencyMHz) === '2.4 GHz');
  if (on24.length === 0) {
    problems.push(
      `${name} is heard only on ${[...new Set(heard.map((h) => h.band ?? `${h.channel}`))].join(', ')} (channel ${channelList(mine.map((ap) => ap.channel))}); 2.4 GHz devices (most ESP32) cannot join it, and the bridge (channels 1–14) cannot follow them`,
    );
  } else if (input.bridges.length > 0) {
    const channels = [...new Set(input.bridges.map((b) => b.channel))].sort((a, b) => a - b);
    const elsewhere = on24.filter((ap) => !channels.includes(ap.channel));
    // A bridge of this profile on the wrong channel says so itself, naming every channel.
    const said = input.bridges.some((b) => b.profile === profile.name && b.warning !== undefined);
    const only = input.bridges.length === 1 ? input.bridges[0] : undefined;
    if (elsewhere.length > 0 && !said)
      warnings.push(
        only !== undefined
          ? `${name} is on channel ${channelList(elsewhere.map((ap) => ap.channel))}, the bridge on ${only.channel} (${only.key}.channel): devices that join it move to its channel, where the bridge does not hear their Connection Status Result`
          : `${name} is on channel ${channelList(elsewhere.map((ap) => ap.channel))}, where no bridge is (they are on ${channels.join(', ')}): devices that join it there move to its channel, where no bridge hears their Connection Status Result`,
      );
  }

  const best = mine[0]!.signal;
  if (best < WEAK_SIGNAL_PERCENT)
    warnings.push(`${name} is weak here: ${best} % at best (below ${WEAK_SIGNAL_PERCENT} %)`);
  return { ...findings, problems, warnings };
}

export function checkProfiles(input: PreflightInput): ProfileFindings[] {
  const hidden = input.accessPoints.filter((ap) => ap.ssid === '');
  return input.profiles.map((p) => checkProfile(p, input, hidden));
}
