/**
 * What a factory bundle may contain: the LwM2M 1.1 Security (/0) and Server (/1) objects, the
 * informational resources of the Device object (/3), and objects the caller declares.
 *
 * Flags are the bundle's rules, not the object definitions' access rights:
 *  - `mandatory`: every instance of the object in a bundle must carry it (the client wipes its
 *    configuration and applies the bundle as a whole). Security /0/x/10 is mandatory except on
 *    the bootstrap account (validate.ts).
 *  - `executable`: an action, never a value; never in a bundle.
 *  - `unsupported`: defined by the object but never sent in a bundle, with the reason (read-only
 *    runtime state the client reports itself, or a multi-instance resource, which needs
 *    /O/I/R/RI paths this format does not carry).
 * Anything not listed is unknown and refused.
 *
 * Pure data, no I/O.
 */
import { ConfiguratorError, ErrorCode } from '../errors.js';
import { MAX_PATH_ID, type Lwm2mType } from './senml-cbor.js';

export interface ResourceDef {
  readonly id: number;
  readonly name: string;
  /** The value type; 'none' for executable resources. */
  readonly type: Lwm2mType | 'none';
  readonly mandatory: boolean;
  readonly executable: boolean;
  /** Why the resource never goes into a bundle; undefined when it may. */
  readonly unsupported?: string | undefined;
  /** Inclusive bounds of an integer resource. */
  readonly min?: bigint | undefined;
  readonly max?: bigint | undefined;
}

export interface ObjectDef {
  readonly id: number;
  readonly name: string;
  /** A single-instance object has only instance 0. */
  readonly multiInstance: boolean;
  readonly resources: ReadonlyMap<number, ResourceDef>;
}

export type Registry = ReadonlyMap<number, ObjectDef>;

export const SECURITY_OBJECT = 0;
export const SERVER_OBJECT = 1;
export const DEVICE_OBJECT = 3;

/** Security object resource IDs the validator checks by name. */
export const SecurityResource = {
  ServerUri: 0,
  BootstrapServer: 1,
  SecurityMode: 2,
  PublicKeyOrIdentity: 3,
  ServerPublicKey: 4,
  SecretKey: 5,
  ShortServerId: 10,
} as const;

/** Server object resource IDs the validator checks by name. */
export const ServerResource = {
  ShortServerId: 0,
  Lifetime: 1,
  NotificationStoring: 6,
  Binding: 7,
} as const;

/** Security Mode (/0/x/2) values. */
export enum SecurityMode {
  Psk = 0,
  Rpk = 1,
  Certificate = 2,
  NoSec = 3,
  Est = 4,
}

const INT32_MAX = 2n ** 31n - 1n;

interface Opts {
  mandatory?: boolean;
  min?: bigint;
  max?: bigint;
}

function value(id: number, name: string, type: Lwm2mType, opts: Opts = {}): ResourceDef {
  return {
    id,
    name,
    type,
    mandatory: opts.mandatory ?? false,
    executable: false,
    min: opts.min,
    max: opts.max,
  };
}

function exec(id: number, name: string): ResourceDef {
  return { id, name, type: 'none', mandatory: false, executable: true };
}

function unsupported(id: number, name: string, type: Lwm2mType, why: string): ResourceDef {
  return { id, name, type, mandatory: false, executable: false, unsupported: why };
}

function object(
  id: number,
  name: string,
  multiInstance: boolean,
  resources: ResourceDef[],
): ObjectDef {
  return { id, name, multiInstance, resources: new Map(resources.map((r) => [r.id, r])) };
}

const MULTI = 'a multiple-instance resource (needs /O/I/R/RI paths)';
const RUNTIME = 'read-only state the client reports itself';

const SECURITY = object(SECURITY_OBJECT, 'LwM2M Security', true, [
  value(0, 'LwM2M Server URI', 'string', { mandatory: true }),
  value(1, 'Bootstrap-Server', 'boolean', { mandatory: true }),
  value(2, 'Security Mode', 'integer', { mandatory: true, min: 0n, max: 4n }),
  value(3, 'Public Key or Identity', 'opaque'),
  value(4, 'Server Public Key', 'opaque'),
  value(5, 'Secret Key', 'opaque'),
  value(6, 'SMS Security Mode', 'integer', { min: 0n, max: 255n }),
  value(7, 'SMS Binding Key Parameters', 'opaque'),
  value(8, 'SMS Binding Secret Key(s)', 'opaque'),
  value(9, 'LwM2M Server SMS Number', 'string'),
  value(10, 'Short Server ID', 'integer', { mandatory: true, min: 1n, max: 65534n }),
  value(11, 'Client Hold Off Time', 'integer', { min: 0n, max: INT32_MAX }),
  value(12, 'Bootstrap-Server Account Timeout', 'integer', { min: 0n, max: INT32_MAX }),
  value(13, 'Matching Type', 'integer', { min: 0n, max: 3n }),
  value(14, 'SNI', 'string'),
  value(15, 'Certificate Usage', 'integer', { min: 0n, max: 3n }),
  unsupported(16, 'DTLS/TLS Ciphersuite', 'integer', MULTI),
  value(17, 'OSCORE Security Mode', 'objlnk'),
]);

const SERVER = object(SERVER_OBJECT, 'LwM2M Server', true, [
  value(0, 'Short Server ID', 'integer', { mandatory: true, min: 1n, max: 65534n }),
  // Anjay keeps the lifetime as int32 and refuses a non-positive one.
  value(1, 'Lifetime', 'integer', { mandatory: true, min: 1n, max: INT32_MAX }),
  value(2, 'Default Minimum Period', 'integer', { min: 0n, max: INT32_MAX }),
  value(3, 'Default Maximum Period', 'integer', { min: 1n, max: INT32_MAX }),
  exec(4, 'Disable'),
  value(5, 'Disable Timeout', 'integer', { min: 0n, max: INT32_MAX }),
  value(6, 'Notification Storing When Disabled or Offline', 'boolean', { mandatory: true }),
  value(7, 'Binding', 'string', { mandatory: true }),
  exec(8, 'Registration Update Trigger'),
  exec(9, 'Bootstrap-Request Trigger'),
  value(10, 'APN Link', 'objlnk'),
  unsupported(11, 'TLS-DTLS Alert Code', 'integer', RUNTIME),
  unsupported(12, 'Last Bootstrapped', 'integer', RUNTIME),
  value(13, 'Registration Priority Order', 'integer', { min: 0n, max: INT32_MAX }),
  value(14, 'Initial Registration Delay Timer', 'integer', { min: 0n, max: INT32_MAX }),
  value(15, 'Registration Failure Block', 'boolean'),
  value(16, 'Bootstrap on Registration Failure', 'boolean'),
  value(17, 'Communication Retry Count', 'integer', { min: 0n, max: INT32_MAX }),
  value(18, 'Communication Retry Timer', 'integer', { min: 0n, max: INT32_MAX }),
  value(19, 'Communication Sequence Delay Timer', 'integer', { min: 0n, max: INT32_MAX }),
  value(20, 'Communication Sequence Retry Count', 'integer', { min: 0n, max: INT32_MAX }),
  value(21, 'Trigger', 'boolean'),
  value(22, 'Preferred Transport', 'string'),
  value(23, 'Mute Send', 'boolean'),
]);

const DEVICE = object(DEVICE_OBJECT, 'Device', false, [
  value(0, 'Manufacturer', 'string'),
  value(1, 'Model Number', 'string'),
  value(2, 'Serial Number', 'string'),
  value(3, 'Firmware Version', 'string'),
  exec(4, 'Reboot'),
  exec(5, 'Factory Reset'),
  unsupported(6, 'Available Power Sources', 'integer', MULTI),
  unsupported(7, 'Power Source Voltage', 'integer', MULTI),
  unsupported(8, 'Power Source Current', 'integer', MULTI),
  unsupported(9, 'Battery Level', 'integer', RUNTIME),
  unsupported(10, 'Memory Free', 'integer', RUNTIME),
  unsupported(11, 'Error Code', 'integer', MULTI),
  exec(12, 'Reset Error Code'),
  unsupported(13, 'Current Time', 'integer', RUNTIME),
  unsupported(14, 'UTC Offset', 'string', 'a device setting, not factory information'),
  unsupported(15, 'Timezone', 'string', 'a device setting, not factory information'),
  unsupported(16, 'Supported Binding and Modes', 'string', RUNTIME),
  value(17, 'Device Type', 'string'),
  value(18, 'Hardware Version', 'string'),
  value(19, 'Software Version', 'string'),
  unsupported(20, 'Battery Status', 'integer', RUNTIME),
  unsupported(21, 'Memory Total', 'integer', RUNTIME),
  unsupported(22, 'ExtDevInfo', 'objlnk', MULTI),
]);

/** Security, Server and Device. */
export const DEFAULT_REGISTRY: Registry = new Map([
  [SECURITY.id, SECURITY],
  [SERVER.id, SERVER],
  [DEVICE.id, DEVICE],
]);

export interface ResourceDecl {
  readonly id: number;
  readonly name: string;
  readonly type: Lwm2mType;
  readonly mandatory?: boolean;
  readonly min?: bigint;
  readonly max?: bigint;
}

export interface ObjectDecl {
  readonly id: number;
  readonly name: string;
  readonly multiInstance: boolean;
  readonly resources: readonly ResourceDecl[];
}

const TYPES: readonly string[] = ['string', 'opaque', 'integer', 'boolean', 'objlnk'];

function badDecl(message: string): ConfiguratorError {
  return new ConfiguratorError(ErrorCode.Lwm2mBadDeclaration, message);
}

function validId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= MAX_PATH_ID;
}

/**
 * A registry with more objects, e.g. an application object of the device:
 *
 *   declareObjects(DEFAULT_REGISTRY, [{ id: 33000, name: 'Site', multiInstance: false,
 *     resources: [{ id: 0, name: 'Site Code', type: 'string', mandatory: true }] }])
 *
 * Throws ConfiguratorError (Lwm2mBadDeclaration) for an ID outside 0..65534, an object already in the
 * registry (Security, Server and Device cannot be redefined), a duplicate resource, an unknown
 * type, or bounds on a non-integer resource.
 */
export function declareObjects(base: Registry, decls: readonly ObjectDecl[]): Registry {
  const out = new Map(base);
  for (const d of decls) {
    if (!validId(d.id)) throw badDecl(`object ID ${d.id} is outside 0..${MAX_PATH_ID}`);
    if (out.has(d.id)) throw badDecl(`object ${d.id} is already declared`);
    if (d.name.trim() === '') throw badDecl(`object ${d.id} needs a name`);
    const resources = new Map<number, ResourceDef>();
    for (const r of d.resources) {
      const where = `/${d.id}/x/${r.id}`;
      if (!validId(r.id)) throw badDecl(`${where}: resource ID is outside 0..${MAX_PATH_ID}`);
      if (resources.has(r.id)) throw badDecl(`${where}: declared twice`);
      if (!TYPES.includes(r.type)) throw badDecl(`${where}: unknown type ${String(r.type)}`);
      if ((r.min !== undefined || r.max !== undefined) && r.type !== 'integer')
        throw badDecl(`${where}: bounds apply to integer resources only`);
      if (r.min !== undefined && r.max !== undefined && r.min > r.max)
        throw badDecl(`${where}: min is above max`);
      resources.set(r.id, {
        id: r.id,
        name: r.name,
        type: r.type,
        mandatory: r.mandatory ?? false,
        executable: false,
        min: r.min,
        max: r.max,
      });
    }
    out.set(d.id, { id: d.id, name: d.name, multiInstance: d.multiInstance, resources });
  }
  return out;
}
