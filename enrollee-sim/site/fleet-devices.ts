/**
 * The fleet's devices, persisted in `<keys dir>/devices.json` (mode 0600) so a re-run is the same
 * devices: label, MAC, role, and the private bootstrapping key. Roles: `whitelisted` (goes on the
 * whitelist), `unknown` (never does), `spoofer` (announces the first whitelisted device's key).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { makeIdentity, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair, publicKeyOf } from '../../protocol/dpp/crypto/p256.js';
import { formatDppUri } from '../../protocol/dpp/uri.js';

export type FleetRole = 'whitelisted' | 'unknown' | 'spoofer';

export interface FleetDevice {
  readonly label: string;
  readonly mac: string;
  readonly role: FleetRole;
  readonly serial: string;
  readonly identity: BootstrapIdentity;
}

interface StoredDevice {
  label: string;
  mac: string;
  role: FleetRole;
  serial: string;
  privateKey: string;
}

export interface FleetShape {
  readonly count: number;
  readonly unknown: number;
  readonly spoofers: number;
}

function macOf(index: number): string {
  const b = [0x02, 0x5e, 0x00, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function roleOf(index: number, shape: FleetShape): FleetRole {
  const whitelisted = shape.count - shape.unknown - shape.spoofers;
  if (index < whitelisted) return 'whitelisted';
  return index < whitelisted + shape.unknown ? 'unknown' : 'spoofer';
}

function checkShape(shape: FleetShape): void {
  if (shape.unknown + shape.spoofers >= shape.count) {
    throw new Error('a fleet needs at least one whitelisted device');
  }
}

function newDevices(shape: FleetShape): StoredDevice[] {
  return Array.from({ length: shape.count }, (_, i) => ({
    label: `sim-${String(i + 1).padStart(4, '0')}`,
    mac: macOf(i + 1),
    role: roleOf(i, shape),
    serial: `SIM${String(100000 + i)}`,
    privateKey: toHex(generateKeyPair().privateKey),
  }));
}

function fromStored(d: StoredDevice): FleetDevice {
  const privateKey = fromHex(d.privateKey);
  return {
    label: d.label,
    mac: d.mac,
    role: d.role,
    serial: d.serial,
    identity: makeIdentity(encodeBootstrapKey(publicKeyOf(privateKey)), privateKey),
  };
}

/** A fresh fleet of this shape, kept nowhere (tests). */
export function createFleet(shape: FleetShape): FleetDevice[] {
  checkShape(shape);
  return newDevices(shape).map(fromStored);
}

/** Load the fleet from `keysDir`, or create it there; a stored fleet of another shape is refused. */
export function loadOrCreateFleet(keysDir: string, shape: FleetShape): FleetDevice[] {
  checkShape(shape);
  const file = join(keysDir, 'devices.json');
  let stored: StoredDevice[];
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8')) as StoredDevice[];
    const roles = stored.map((d) => d.role).join();
    const wanted = Array.from({ length: shape.count }, (_, i) => roleOf(i, shape)).join();
    if (roles !== wanted) throw new Error(`${file} holds another fleet; use another --keys folder`);
  } else {
    stored = newDevices(shape);
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(stored, null, 1)}\n`, { mode: 0o600 });
  }
  return stored.map(fromStored);
}

/** The device's DPP URI, as printed on its label: key, MAC, channel 6, serial. */
export function deviceUri(d: FleetDevice): string {
  return formatDppUri({
    key: d.identity.key,
    channels: [{ opClass: 81, channel: 6 }],
    mac: fromHex(d.mac.replace(/:/g, '')),
    info: d.serial,
    version: 2,
    host: null,
    supportedCurves: null,
    unknownTokens: [],
  });
}
