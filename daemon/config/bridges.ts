/**
 * The ESP32 bridges the configuration names, in either form: `radio.bridges` (several, each on its
 * own channel) or the single `radio.port` / `radio.channel`. Both come out as one list; a bridge
 * list that cannot work (both forms at once, a port twice, two ports to discover) is refused with
 * the key named.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigFile } from './schema.js';

/** The channel a bridge is put on when nothing else says which: the historical default. */
export const DEFAULT_BRIDGE_CHANNEL = 6;

export interface BridgeSetting {
  /** Its name as given, else its port: what the log, status and warnings call it. */
  readonly name: string;
  /** A path, or `auto` (discovery). */
  readonly port: string;
  readonly channel: number | 'auto';
  /** The profile whose access point it serves: its own, else defaultProfile. */
  readonly profile: string;
  /** Where it is configured, for messages: `radio` (the single form) or `radio.bridges.N`. */
  readonly key: string;
}

/** `bridge <name>`, or `bridge (port auto)` for an unnamed bridge found by discovery. */
export function bridgeLabel(bridge: Pick<BridgeSetting, 'name'>): string {
  return bridge.name === 'auto' ? 'bridge (port auto)' : `bridge ${bridge.name}`;
}

/** Two paths that name one device (a by-id link and the tty it points at) are one port. */
function sameDevice(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === 'auto' || b === 'auto') return false;
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/**
 * The bridges, or the refusal as `key: why` (the caller adds the file). Profiles named by a
 * bridge must exist; the default profile is checked with the rest of what a start needs.
 */
export function resolveBridges(
  radio: ConfigFile['radio'],
  defaultProfile: string,
  profileNames: readonly string[],
): { ok: true; bridges: BridgeSetting[] } | { ok: false; error: string } {
  if (radio.bridges === undefined) {
    const port = radio.port ?? 'auto';
    if (port === 'none') return { ok: true, bridges: [] };
    return {
      ok: true,
      bridges: [
        {
          name: port,
          port,
          channel: radio.channel ?? DEFAULT_BRIDGE_CHANNEL,
          profile: defaultProfile,
          key: 'radio',
        },
      ],
    };
  }
  const single =
    radio.port !== undefined
      ? 'radio.port'
      : radio.channel !== undefined
        ? 'radio.channel'
        : undefined;
  if (single !== undefined)
    return {
      ok: false,
      error:
        `radio.bridges: ${single} is set too (in the file or by CONFIGURATOR_${single === 'radio.port' ? 'RADIO_PORT' : 'RADIO_CHANNEL'}); ` +
        'give every bridge its port and channel in radio.bridges, or use radio.port and radio.channel alone',
    };
  const bridges: BridgeSetting[] = [];
  for (const [i, b] of radio.bridges.entries()) {
    const key = `radio.bridges.${i}`;
    if (b.port === 'none')
      return {
        ok: false,
        error: `${key}.port: none is not a bridge; for no bridge at all, leave radio.bridges out and set radio.port: none`,
      };
    const samePort = bridges.find((o) => sameDevice(o.port, b.port));
    if (samePort !== undefined)
      return {
        ok: false,
        error:
          b.port === 'auto'
            ? `${key}.port: auto is ${samePort.key}'s port too; discovery finds one bridge only, so give each other bridge its path (/dev/serial/by-id/…)`
            : `${key}.port: ${b.port} is ${samePort.key}'s port too (one bridge, one port)`,
      };
    if (b.profile !== undefined && !profileNames.includes(b.profile))
      return {
        ok: false,
        error: `${key}.profile: no profile "${b.profile}" (profiles: ${profileNames.join(', ') || 'none'})`,
      };
    const name = b.name ?? b.port;
    const sameName = bridges.find((o) => o.name === name);
    if (sameName !== undefined)
      return {
        ok: false,
        error: `${key}.name: "${name}" is also what ${sameName.key} is called; give each bridge its own name`,
      };
    bridges.push({
      name,
      port: b.port,
      channel: b.channel ?? DEFAULT_BRIDGE_CHANNEL,
      profile: b.profile ?? defaultProfile,
      key,
    });
  }
  return { ok: true, bridges };
}
