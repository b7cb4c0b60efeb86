/**
 * Finds the ESP32 bridge's serial port when the configuration says `auto`: every tty whose USB
 * device (found by walking up from /sys/class/tty/<name>/device) has a vendor:product of a chip
 * that ESP32 boards use, or whose /dev/serial/by-id name says Espressif. The by-id path is
 * preferred, since it survives unplugging and replugging.
 *
 * Reads sysfs and /dev directly: serialport's list() runs `udevadm`, and where that is missing
 * (minimal images, containers) the spawn error escapes as an uncaught exception.
 */
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fail, ok, type Result } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';

export interface UsbSerialChip {
  readonly vendorId: string;
  /** null: any product of this vendor. */
  readonly productId: string | null;
  readonly name: string;
}

export const KNOWN_BRIDGE_CHIPS: readonly UsbSerialChip[] = [
  {
    vendorId: '303a',
    productId: null,
    name: 'Espressif native USB (USB Serial/JTAG or TinyUSB CDC)',
  },
  { vendorId: '10c4', productId: 'ea60', name: 'Silicon Labs CP210x' },
  { vendorId: '1a86', productId: '7523', name: 'WCH CH340' },
  { vendorId: '1a86', productId: '55d4', name: 'WCH CH9102/CH343' },
  { vendorId: '0403', productId: '6001', name: 'FTDI FT232R' },
  { vendorId: '0403', productId: '6010', name: 'FTDI FT2232' },
  { vendorId: '0403', productId: '6014', name: 'FTDI FT232H' },
  { vendorId: '0403', productId: '6015', name: 'FTDI FT230X' },
];

export interface DiscoveryOptions {
  /** Root of sysfs; tests point it at a fake tree. */
  readonly sysRoot?: string;
  /** Root of the device nodes (holds serial/by-id). */
  readonly devRoot?: string;
  /**
   * Ports other bridges of this daemon are configured on (paths or by-id links): never a
   * candidate, so one `auto` bridge can sit beside bridges that name their ports.
   */
  readonly exclude?: readonly string[];
}

export interface SerialCandidate {
  /** What to open: the by-id symlink when there is one, else /dev/<tty>. */
  readonly path: string;
  readonly tty: string;
  /** e.g. "303a:1001", when sysfs tells. */
  readonly usbId: string | null;
  /** Why this port was taken, for the log and for the "several ports" error. */
  readonly reason: string;
}

/** A USB device directory is this many levels above a tty at most (interface, then device). */
const MAX_WALK_UP = 6;

async function readTrimmed(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim().toLowerCase();
  } catch {
    return null;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/** vendor:product of the USB device a tty belongs to, or null when it is not on USB. */
async function usbIdOf(
  sysRoot: string,
  tty: string,
): Promise<{ vendor: string; product: string } | null> {
  let dir: string;
  try {
    dir = await realpath(join(sysRoot, 'class', 'tty', tty, 'device'));
  } catch {
    return null;
  }
  const stop = await realpath(sysRoot).catch(() => resolve(sysRoot));
  for (let i = 0; i < MAX_WALK_UP && dir.startsWith(stop) && dir !== stop; i++) {
    const vendor = await readTrimmed(join(dir, 'idVendor'));
    const product = await readTrimmed(join(dir, 'idProduct'));
    if (vendor !== null && product !== null) return { vendor, product };
    dir = dirname(dir);
  }
  return null;
}

function knownChip(vendor: string, product: string): UsbSerialChip | undefined {
  return KNOWN_BRIDGE_CHIPS.find(
    (c) => c.vendorId === vendor && (c.productId === null || c.productId === product),
  );
}

/** tty name → its /dev/serial/by-id path. */
async function byIdLinks(devRoot: string): Promise<Map<string, string>> {
  const dir = join(devRoot, 'serial', 'by-id');
  const links = new Map<string, string>();
  for (const name of (await listDir(dir)).sort()) {
    try {
      const target = await readlink(join(dir, name));
      const tty = basename(resolve(dir, target));
      if (!links.has(tty)) links.set(tty, join(dir, name));
    } catch {
      // not a symlink: not udev's
    }
  }
  return links;
}

/** The tty a path names: itself, or what its link (a by-id link) points at, even dangling. */
async function ttyNameOf(path: string): Promise<string> {
  const target = await realpath(path).catch(() =>
    readlink(path).then(
      (to) => resolve(dirname(path), to),
      () => path,
    ),
  );
  return basename(target);
}

/** Every port that may be a bridge, in tty name order. Never throws. */
export async function findBridgeCandidates(
  options: DiscoveryOptions = {},
): Promise<SerialCandidate[]> {
  const sysRoot = options.sysRoot ?? '/sys';
  const devRoot = options.devRoot ?? '/dev';
  const byId = await byIdLinks(devRoot);
  const ttys = new Set([...(await listDir(join(sysRoot, 'class', 'tty'))), ...byId.keys()]);
  // By tty name: a by-id link and the /dev node it points at are one port.
  const excluded = new Set(await Promise.all((options.exclude ?? []).map(ttyNameOf)));
  const candidates: SerialCandidate[] = [];
  for (const tty of [...ttys].sort()) {
    if (excluded.has(tty)) continue;
    const stable = byId.get(tty);
    const path = stable ?? join(devRoot, tty);
    const id = await usbIdOf(sysRoot, tty);
    if (id !== null) {
      const chip = knownChip(id.vendor, id.product);
      if (chip === undefined) continue;
      const usbId = `${id.vendor}:${id.product}`;
      candidates.push({ path, tty, usbId, reason: `USB ${usbId}, ${chip.name}` });
    } else if (stable !== undefined && /espressif/i.test(basename(stable))) {
      // No sysfs (some containers pass /dev through only): udev's name still says what it is.
      candidates.push({ path, tty, usbId: null, reason: `by-id name ${basename(stable)}` });
    }
  }
  return candidates;
}

function describeSearch(options: DiscoveryOptions): string {
  const ids = KNOWN_BRIDGE_CHIPS.map((c) => `${c.vendorId}:${c.productId ?? '*'}`).join(', ');
  const sysRoot = options.sysRoot ?? '/sys';
  const devRoot = options.devRoot ?? '/dev';
  return (
    `looked for USB serial ports with ids ${ids} under ${join(sysRoot, 'class', 'tty')}, ` +
    `and Espressif names in ${join(devRoot, 'serial', 'by-id')}`
  );
}

/** The one bridge port, or why there is none to choose: no candidate, or several. */
export async function discoverBridgePort(
  options: DiscoveryOptions = {},
): Promise<Result<SerialCandidate>> {
  const candidates = await findBridgeCandidates(options);
  const [only] = candidates;
  if (only !== undefined && candidates.length === 1) return ok(only);
  if (only === undefined)
    return fail(
      DaemonErrorCode.BridgeNoSerialPort,
      `no ESP32 bridge found: ${describeSearch(options)}; is it plugged in? Set radio.port to its path otherwise`,
    );
  const list = candidates.map((c) => `${c.path} (${c.reason})`).join('; ');
  return fail(
    DaemonErrorCode.BridgeAmbiguousSerialPort,
    `${candidates.length} possible ESP32 bridges: ${list}; set radio.port to the one to use`,
  );
}
