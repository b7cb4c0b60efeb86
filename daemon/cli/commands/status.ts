import type { Command } from 'commander';
import { DeviceStore } from '../../../whitelist/device-store.js';
import { DEVICE_STATES, type DeviceRecord, type DeviceState } from '../../../whitelist/types.js';
import { WhitelistStore } from '../../../whitelist/whitelist-store.js';
import {
  UnlistedStore,
  uriOfUnlisted,
  type UnlistedDevice,
} from '../../../whitelist/unlisted-store.js';
import {
  readDaemonState,
  type BleState,
  type BridgeState,
  type DaemonState,
} from '../../service/state-file.js';
import { dataDirOf, openDatabaseForReading } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';
import { positiveInt } from '../support/option-values.js';
import { formatTable } from '../support/table.js';

interface StatusOptions {
  json?: boolean;
  recent?: string;
}

interface DevicesOptions {
  json?: boolean;
  state?: string;
  limit?: string;
  unlisted?: boolean;
}

function openStoresReadOnly(dataDir: string): {
  devices: DeviceStore;
  whitelist: WhitelistStore;
  unlisted: UnlistedStore;
  close(): void;
} {
  const db = openDatabaseForReading(dataDir);
  return {
    devices: new DeviceStore(db),
    whitelist: new WhitelistStore(db),
    unlisted: new UnlistedStore(db),
    close: () => db.close(),
  };
}

function deviceRow(d: DeviceRecord, labels: Map<string, string | undefined>): string[] {
  let serial = '';
  if (d.deviceInfo !== undefined) {
    try {
      serial = String((JSON.parse(d.deviceInfo) as { serial?: unknown }).serial ?? '');
    } catch {
      serial = '';
    }
  }
  return [
    d.keyHash.slice(0, 16),
    labels.get(d.keyHash) ?? '',
    d.state,
    d.mac ?? d.transport ?? '',
    serial,
    String(d.attempts),
    d.lastSeen.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    d.reason ?? '',
  ];
}

/** Why the radio is down, and its retries: ` (reason; last tried …, next try …)`. */
function radioDown(
  radio: Pick<BridgeState, 'downReason' | 'lastAttemptAt' | 'nextAttemptAt'>,
): string {
  const time = (t: string): string => t.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const parts = [
    radio.downReason,
    radio.lastAttemptAt === undefined ? undefined : `last tried ${time(radio.lastAttemptAt)}`,
    radio.nextAttemptAt === undefined ? undefined : `next try ${time(radio.nextAttemptAt)}`,
  ].filter((p) => p !== undefined);
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

/** `on channel 11 (auto)`, and where the daemon is moving it when it is not there yet. */
function channelText(b: BridgeState): string {
  const how =
    b.configuredChannel === 'auto'
      ? ` (auto${b.channelSource === 'fallback' || b.channelSource === 'kept' ? `, ${b.channelSource}` : ''})`
      : '';
  const moving =
    b.channel !== undefined && b.channel !== b.plannedChannel
      ? `, moving to ${b.plannedChannel}`
      : '';
  return `channel ${b.channel ?? b.plannedChannel}${how}${moving}`;
}

/** One bridge: `up, <mac> on channel 6 (<firmware>) via <port>` or `DOWN (why …) via <port>`. */
function bridgeText(b: BridgeState): string {
  const via = b.path !== undefined && b.path !== b.port ? `${b.port} (${b.path})` : b.port;
  return b.up
    ? `up, ${b.mac ?? '?'} on ${channelText(b)} (${b.firmware ?? '?'}) via ${via}`
    : `DOWN${radioDown(b)} via ${via}, ${channelText(b)}`;
}

/** The radio's lines: one for a single bridge (as ever), else a line per bridge under a total. */
function radioLines(radio: NonNullable<DaemonState['radio']>): string[] {
  const bridges = radio.bridges ?? [];
  const only = bridges.length === 1 ? bridges[0] : undefined;
  if (bridges.length === 0)
    // A state file from before bridges were listed.
    return [
      `radio: ${radio.up ? `up, ${radio.mac ?? '?'} on channel ${radio.channel ?? '?'} (${radio.firmware ?? '?'})` : `DOWN${radioDown(radio)}`} via ${radio.port}`,
    ];
  if (only !== undefined)
    return [
      `radio: ${bridgeText(only)}`,
      ...(only.channelWarning === undefined ? [] : [`radio: warning: ${only.channelWarning}`]),
    ];
  const up = bridges.filter((b) => b.up).length;
  return [
    `radio: ${bridges.length} bridges, ${up} up`,
    ...bridges.flatMap((b) => [
      `  bridge ${b.name}: ${bridgeText(b)}`,
      ...(b.channelWarning === undefined ? [] : [`    warning: ${b.channelWarning}`]),
    ]),
  ];
}

function unlistedJson(d: UnlistedDevice): Record<string, unknown> {
  const { publicKey, ...rest } = d;
  return { ...rest, uri: uriOfUnlisted({ uri: d.uri, publicKey }) };
}

function unlistedRow(d: UnlistedDevice): string[] {
  const time = (t: string): string => t.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return [
    d.keyHash !== undefined ? d.keyHash.slice(0, 16) : `chirp ${d.chirpHash?.slice(0, 10) ?? ''}`,
    d.publicKey !== undefined ? 'yes' : 'no',
    d.address,
    d.rssi === undefined ? '' : String(d.rssi),
    d.transport,
    d.heardBy ?? '',
    String(d.count),
    time(d.firstSeen),
    time(d.lastSeen),
  ];
}

const UNLISTED_HEADER = [
  'KEY HASH',
  'KEY',
  'PEER',
  'RSSI',
  'TRANSPORT',
  'HEARD BY',
  'HEARD',
  'FIRST SEEN',
  'LAST SEEN',
];

/** What the bridge reported dropping or refusing, or nothing while it dropped nothing. */
function bridgeLine(link: Record<string, number>): string | undefined {
  const dropped = link['bridgeRxDropped'] ?? 0;
  const serialErrors = link['bridgeSerialErrors'] ?? 0;
  if (dropped === 0 && serialErrors === 0) return undefined;
  const broadcast = link['bridgeRxDroppedBroadcast'];
  const unicast = link['bridgeRxDroppedUnicast'];
  // A version-1 bridge does not count by kind.
  const byKind =
    broadcast === undefined || unicast === undefined
      ? ''
      : `: ${broadcast} broadcast, ${unicast} unicast`;
  return `bridge: ${dropped} received frame(s) dropped (its receive queue was full${byKind}), ${serialErrors} serial frame(s) from the daemon refused (as of its last report)`;
}

/** Bluetooth LE discovery: on or off (and why), and what it heard, read and refused. */
function bleLine(ble: BleState): string {
  const { heard, read, refused } = ble.counters;
  const what = `${heard} advertisement(s) heard, ${read} URI(s) read, ${refused} refused`;
  return ble.state === 'poweredOn'
    ? `Bluetooth LE: ${ble.scanning ? 'scanning' : 'on'} with ${ble.adapter}; ${what}`
    : `Bluetooth LE: OFF (${ble.offReason ?? ble.state}); ${what}`;
}

const DEVICE_HEADER = [
  'KEY HASH',
  'LABEL',
  'STATE',
  'PEER',
  'SERIAL',
  'TRIES',
  'LAST SEEN',
  'REASON',
];

export function registerStatusCommands(program: Command): void {
  program
    .command('status')
    .description('is the daemon running; devices by state; the most recent devices')
    .option('--json', 'one JSON object')
    .option('--recent <n>', 'how many recent devices to show', '10')
    .action((options: StatusOptions, command: Command) => {
      const dataDir = dataDirOf(command);
      const recent = positiveInt('--recent', options.recent, 10);
      const daemon = readDaemonState(dataDir);
      const stores = openStoresReadOnly(dataDir);
      try {
        const counts = stores.devices.countsByState();
        const devices = stores.devices.list({ limit: recent });
        const whitelisted = stores.whitelist.count();
        const unlisted = stores.unlisted.totals();
        if (options.json === true) {
          process.stdout.write(
            `${JSON.stringify({ dataDir, daemon: daemon ?? null, whitelisted, counts, unlisted, recent: devices })}\n`,
          );
          return;
        }
        const out: string[] = [];
        if (daemon === undefined) out.push(`daemon: not running (data dir ${dataDir})`);
        else {
          out.push(
            `daemon: running, pid ${daemon.pid}, since ${daemon.startedAt}, ${daemon.activeSessions} session(s) in progress${(daemon.waitingSessions ?? 0) > 0 ? `, ${daemon.waitingSessions} device(s) waiting for their turn` : ''}`,
          );
          if (daemon.radio !== null) {
            out.push(...radioLines(daemon.radio));
            const line = bridgeLine(daemon.link ?? {});
            if (line !== undefined) out.push(line);
          } else out.push('radio: none configured');
          if (daemon.tcp !== null) out.push(`DPP over TCP: ${daemon.tcp.host}:${daemon.tcp.port}`);
          if (daemon.ble !== undefined) out.push(bleLine(daemon.ble));
          if (daemon.console !== undefined) out.push(`console: ${daemon.console.url}`);
        }
        out.push(`whitelist: ${whitelisted} entr${whitelisted === 1 ? 'y' : 'ies'}`);
        out.push(`devices: ${DEVICE_STATES.map((s) => `${s} ${counts[s]}`).join(', ')}`);
        if (unlisted.devices > 0)
          out.push(
            `heard but not listed: ${unlisted.devices} device(s) refused as unknown, heard ${unlisted.heard} time(s) (configurator devices --unlisted)`,
          );
        process.stdout.write(`${out.join('\n')}\n`);
        if (devices.length > 0) {
          const labels = new Map(
            devices.map((d) => [d.keyHash, stores.whitelist.get(d.keyHash)?.label]),
          );
          process.stdout.write(
            `\n${formatTable(
              DEVICE_HEADER,
              devices.map((d) => deviceRow(d, labels)),
            )}`,
          );
        }
      } finally {
        stores.close();
      }
    });

  program
    .command('devices')
    .description('every device the daemon has dealt with, most recently seen first')
    .option('--json', 'a JSON array')
    .option('--state <state>', `only this state: ${DEVICE_STATES.join(', ')}`)
    .option('--limit <n>', 'at most this many')
    .option(
      '--unlisted',
      'devices heard but not listed: refused as unknown, most recently heard first (never trusted: add one with whitelist add once you have checked it)',
    )
    .action((options: DevicesOptions, command: Command) => {
      const dataDir = dataDirOf(command);
      if (options.unlisted === true && options.state !== undefined)
        throw new CliExit(EXIT_INVALID_INPUT, '--state and --unlisted do not go together');
      if (
        options.state !== undefined &&
        !(DEVICE_STATES as readonly string[]).includes(options.state)
      ) {
        throw new CliExit(
          EXIT_INVALID_INPUT,
          `--state: "${options.state}" is not one of ${DEVICE_STATES.join(', ')}`,
        );
      }
      const limit =
        options.limit === undefined ? undefined : positiveInt('--limit', options.limit, 1);
      const stores = openStoresReadOnly(dataDir);
      try {
        if (options.unlisted === true) {
          const heard = stores.unlisted.list({ limit });
          process.stdout.write(
            options.json === true
              ? `${JSON.stringify(heard.map(unlistedJson))}\n`
              : formatTable(UNLISTED_HEADER, heard.map(unlistedRow)),
          );
          return;
        }
        const devices = stores.devices.list({
          state: options.state as DeviceState | undefined,
          limit,
        });
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(devices)}\n`);
          return;
        }
        const labels = new Map(
          devices.map((d) => [d.keyHash, stores.whitelist.get(d.keyHash)?.label]),
        );
        process.stdout.write(
          formatTable(
            DEVICE_HEADER,
            devices.map((d) => deviceRow(d, labels)),
          ),
        );
      } finally {
        stores.close();
      }
    });
}
