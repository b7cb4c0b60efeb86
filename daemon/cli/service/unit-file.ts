/**
 * The systemd unit `configurator service install` writes: deploy/dpp-configurator.service (the
 * reference unit, with all its hardening) with this machine's lines put in. Only the lines that
 * differ per machine are replaced, so the hardening has one source.
 */
import { posix } from 'node:path';

export interface UnitSettings {
  /** Absolute path of the node that runs the daemon (this machine's process.execPath). */
  readonly nodePath: string;
  /** Absolute path of the installed package (holds dist/ and docs/). */
  readonly packageRoot: string;
  readonly user: string;
  readonly group: string;
  readonly dataDir: string;
  readonly configFile: string;
  /** The configuration enables Bluetooth LE discovery: the unit lets noble open its HCI socket. */
  readonly ble?: boolean | undefined;
}

/** What noble's raw HCI socket needs (docs/ble-discovery.md, "Under systemd"). */
const BLE_ADDRESS_FAMILY = 'AF_BLUETOOTH';
const BLE_CAPABILITY = 'CAP_NET_RAW';

/** Under /var/lib, systemd makes the data dir itself (StateDirectory=, mode 0700, owned by User=). */
const STATE_ROOT = '/var/lib';

/** The data dir as a StateDirectory= name, or undefined when it lies outside /var/lib. */
export function stateDirectoryName(dataDir: string): string | undefined {
  const rel = posix.relative(STATE_ROOT, dataDir);
  return rel !== '' && !rel.startsWith('..') && !posix.isAbsolute(rel) ? rel : undefined;
}

type Edit = readonly [key: string, replacement: readonly string[]];

/** Replaces the one line that starts with each `key`; a template without it is a broken install. */
function applyEdits(template: string, edits: readonly Edit[]): string {
  let lines = template.split('\n');
  for (const [key, replacement] of edits) {
    const at = lines.flatMap((line, i) => (line.startsWith(key) ? [i] : []));
    if (at.length !== 1)
      throw new Error(
        `the unit template has ${at.length} lines starting "${key}", not one: reinstall the package`,
      );
    const i = at[0]!;
    lines = [...lines.slice(0, i), ...replacement, ...lines.slice(i + 1)];
  }
  return lines.join('\n');
}

/** Drops the template's opening comment: it describes the template, not the unit written. */
function withoutLeadingComment(template: string): string {
  const lines = template.split('\n');
  const first = lines.findIndex((l) => !l.startsWith('#'));
  return lines.slice(first).join('\n');
}

/**
 * With Bluetooth LE discovery on: the Bluetooth address family and CAP_NET_RAW (LE commands and
 * ACL data on a raw HCI socket, Linux's hci_sock.c), and nothing more; without it, neither.
 */
function bleEdits(template: string, ble: boolean): Edit[] {
  if (!ble) return [];
  const families = template.split('\n').find((l) => l.startsWith('RestrictAddressFamilies='));
  return [
    [
      'RestrictAddressFamilies=',
      [`${families ?? 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'} ${BLE_ADDRESS_FAMILY}`],
    ],
    [
      'CapabilityBoundingSet=',
      [
        '# Bluetooth LE discovery (ble.enabled): noble sends LE commands on a raw HCI socket.',
        `CapabilityBoundingSet=${BLE_CAPABILITY}`,
        `AmbientCapabilities=${BLE_CAPABILITY}`,
      ],
    ],
  ];
}

export function renderUnit(template: string, s: UnitSettings): string {
  const stateDir = stateDirectoryName(s.dataDir);
  const entry = posix.join(s.packageRoot, 'dist', 'harness', 'configurator.js');
  const body = applyEdits(withoutLeadingComment(template), [
    [
      'Documentation=',
      [`Documentation=file://${posix.join(s.packageRoot, 'docs', 'deployment.md')}`],
    ],
    ['User=', [`User=${s.user}`]],
    ['Group=', [`Group=${s.group}`]],
    ['Environment=CONFIGURATOR_DATA_DIR=', [`Environment=CONFIGURATOR_DATA_DIR=${s.dataDir}`]],
    ['ExecStart=', [`ExecStart=${s.nodePath} ${entry} start --config ${s.configFile}`]],
    [
      '# /var/lib/dpp-configurator, mode 0700',
      [
        stateDir !== undefined
          ? `# ${s.dataDir}, mode 0700, owned by the service user.`
          : `# ${s.dataDir} (made 0700 for the service user at install); the rest of the system is read-only.`,
      ],
    ],
    ['StateDirectory=', stateDir !== undefined ? [`StateDirectory=${stateDir}`] : []],
    [
      'StateDirectoryMode=',
      stateDir !== undefined ? ['StateDirectoryMode=0700'] : [`ReadWritePaths=${s.dataDir}`],
    ],
    ...bleEdits(template, s.ble === true),
  ]);
  return [
    '# Written by `configurator service install` (docs/deployment.md). Run it again after moving',
    '# node or the package; for other changes use `systemctl edit dpp-configurator`.',
    body,
  ].join('\n');
}
