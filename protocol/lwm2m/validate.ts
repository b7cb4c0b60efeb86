/**
 * The rules a factory bundle obeys before it is encoded (and after it is decoded). The client
 * wipes its configuration and applies the bundle as a whole, so a bundle must be complete and
 * consistent; these rules refuse what Anjay refuses and also what it accepts but should never be
 * sent (field notes §4). Every refusal is a ConfiguratorError whose message starts with the path.
 *
 * Per resource: the path names a registered, non-executable, supported resource (a
 * single-instance object has instance 0 only); the value has the registry's type and range; no
 * path appears twice; strings carry no NUL (C clients would cut them short).
 *
 * Per bundle:
 *  - not empty, and at least one Security (/0) instance: a bundle without an account is not a
 *    complete configuration;
 *  - every instance carries its object's mandatory resources: Security 0, 1, 2 and 10, except
 *    that the bootstrap account (/0/x/1 true) needs no Short Server ID; Server 0, 1, 6, 7;
 *  - Security Mode: RPK (1) refused; the URI scheme matches the mode: coaps:// or coaps+tcp://
 *    for PSK (0), Certificate (2) and EST (4), coap:// or coap+tcp:// for NoSec (3);
 *  - credentials: PSK needs a non-empty identity (/0/x/3) and key (/0/x/5); Certificate needs a
 *    non-empty certificate (/0/x/3) and private key (/0/x/5) (the server certificate /0/x/4 is
 *    optional); EST needs none; NoSec carries no non-empty 3, 4 or 5 (a secret sent for nothing
 *    is a mistake);
 *  - at most one bootstrap account;
 *  - Short Server IDs: each Server instance has exactly one non-bootstrap Security instance with
 *    its SSID and each non-bootstrap Security instance exactly one Server instance; no SSID
 *    twice on either side. The bootstrap account has no Server instance; an SSID on it is
 *    allowed but must not be one a Server instance uses;
 *  - Binding (/1/x/7) is one of the LwM2M 1.0 modes U, UQ, S, SQ, US, UQS, or an LwM2M 1.1
 *    binding: one or more of the transports U (UDP), T (TCP), S (SMS), N (Non-IP), each at most
 *    once, in any order. This is the union Anjay accepts with LwM2M 1.1 enabled, minus the
 *    empty string; a 1.0-only client accepts the first six only.
 *
 * Pure code, no I/O.
 */
import { ConfiguratorError, ErrorCode, fail, ok, type Result } from '../errors.js';
import {
  DEFAULT_REGISTRY,
  SECURITY_OBJECT,
  SERVER_OBJECT,
  SecurityMode,
  SecurityResource,
  ServerResource,
  type ObjectDef,
  type Registry,
  type ResourceDef,
} from './registry.js';
import {
  formatPath,
  LONE_SURROGATE,
  type Lwm2mValue,
  type ResourcePath,
  type SenmlRecord,
} from './senml-cbor.js';

export const LWM2M_1_0_BINDINGS: readonly string[] = ['U', 'UQ', 'S', 'SQ', 'US', 'UQS'];
export const LWM2M_1_1_TRANSPORTS = 'UTSN';

export function isValidBinding(binding: string): boolean {
  if (LWM2M_1_0_BINDINGS.includes(binding)) return true;
  if (binding.length === 0) return false;
  const seen = new Set<string>();
  for (const c of binding) {
    if (!LWM2M_1_1_TRANSPORTS.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

const SECURE_SCHEMES = ['coaps', 'coaps+tcp'];
const PLAIN_SCHEMES = ['coap', 'coap+tcp'];
const URI_RE =
  /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::([0-9]{1,5}))?(\/[^\s?#]*)?$/;

/** The scheme of an LwM2M Server URI: scheme://host[:port][/path], lowercase scheme. */
export function serverUriScheme(uri: string): string | undefined {
  const m = URI_RE.exec(uri);
  if (!m) return undefined;
  if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return undefined;
  return m[1]!;
}

export function comparePaths(a: ResourcePath, b: ResourcePath): number {
  return a.objectId - b.objectId || a.instanceId - b.instanceId || a.resourceId - b.resourceId;
}

function err(code: ErrorCode, path: string, message: string): ConfiguratorError {
  return new ConfiguratorError(code, `${path}: ${message}`);
}

/** The registry's definition of a path's resource, or why the path never belongs in a bundle. */
export function resolveResource(
  registry: Registry,
  path: ResourcePath,
): Result<{ object: ObjectDef; resource: ResourceDef }> {
  const p = formatPath(path);
  const object = registry.get(path.objectId);
  if (!object)
    return fail(ErrorCode.Lwm2mUnknownResource, `${p}: object ${path.objectId} is not registered`);
  if (!object.multiInstance && path.instanceId !== 0)
    return fail(
      ErrorCode.Lwm2mBadPath,
      `${p}: ${object.name} (/${object.id}) is single-instance; its instance is 0`,
    );
  const resource = object.resources.get(path.resourceId);
  if (!resource)
    return fail(
      ErrorCode.Lwm2mUnknownResource,
      `${p}: ${object.name} (/${object.id}) has no resource ${path.resourceId}`,
    );
  if (resource.executable)
    return fail(
      ErrorCode.Lwm2mExecutableResource,
      `${p}: ${resource.name} is executable and never belongs in a bundle`,
    );
  if (resource.unsupported !== undefined)
    return fail(
      ErrorCode.Lwm2mUnsupportedResource,
      `${p}: ${resource.name} is ${resource.unsupported}`,
    );
  return ok({ object, resource });
}

function describeValue(v: Lwm2mValue): string {
  return v.type === 'string' ? 'a string' : v.type === 'opaque' ? 'opaque bytes' : `an ${v.type}`;
}

/** Type and range of one value against its resource definition. */
export function checkValue(path: ResourcePath, resource: ResourceDef, v: Lwm2mValue): Result<void> {
  const p = formatPath(path);
  if (v.type !== resource.type) {
    const expected = resource.type === 'opaque' ? 'opaque bytes' : `a ${resource.type}`;
    return fail(
      ErrorCode.Lwm2mWrongType,
      `${p}: ${resource.name} is ${expected}, got ${describeValue(v)}`,
    );
  }
  if (v.type === 'integer') {
    if (
      (resource.min !== undefined && v.value < resource.min) ||
      (resource.max !== undefined && v.value > resource.max)
    )
      return fail(
        ErrorCode.Lwm2mBadValue,
        `${p}: ${resource.name} ${v.value} is outside ${resource.min ?? '…'}..${resource.max ?? '…'}`,
      );
  }
  if (v.type === 'string' && v.value.includes('\0'))
    return fail(ErrorCode.Lwm2mBadValue, `${p}: ${resource.name} contains a NUL character`);
  if (v.type === 'string' && LONE_SURROGATE.test(v.value))
    return fail(ErrorCode.Lwm2mBadValue, `${p}: ${resource.name} is not valid Unicode`);
  return ok(undefined);
}

type Instance = Map<number, Lwm2mValue>;

function groupInstances(records: readonly SenmlRecord[]): Map<number, Map<number, Instance>> {
  const objects = new Map<number, Map<number, Instance>>();
  for (const { path, value } of records) {
    let instances = objects.get(path.objectId);
    if (!instances) objects.set(path.objectId, (instances = new Map()));
    let instance = instances.get(path.instanceId);
    if (!instance) instances.set(path.instanceId, (instance = new Map()));
    instance.set(path.resourceId, value);
  }
  return objects;
}

function int(instance: Instance, id: number): bigint | undefined {
  const v = instance.get(id);
  return v?.type === 'integer' ? v.value : undefined;
}

function bytesLength(instance: Instance, id: number): number {
  const v = instance.get(id);
  return v?.type === 'opaque' ? v.value.length : 0;
}

const MODE_NAMES: Record<number, string> = {
  [SecurityMode.Psk]: 'PSK (0)',
  [SecurityMode.Rpk]: 'RPK (1)',
  [SecurityMode.Certificate]: 'Certificate (2)',
  [SecurityMode.NoSec]: 'NoSec (3)',
  [SecurityMode.Est]: 'Certificate with EST (4)',
};

function checkSecurityInstance(iid: number, instance: Instance): ConfiguratorError | undefined {
  const at = (rid: number): string => `/${SECURITY_OBJECT}/${iid}/${rid}`;
  const mode = Number(int(instance, SecurityResource.SecurityMode));
  const modeName = MODE_NAMES[mode] ?? String(mode);
  if (mode === SecurityMode.Rpk)
    return err(
      ErrorCode.Lwm2mUnsupportedSecurityMode,
      at(SecurityResource.SecurityMode),
      'RPK mode (1) is not supported; use PSK, Certificate, EST or NoSec',
    );

  const uriValue = instance.get(SecurityResource.ServerUri);
  const uri = uriValue?.type === 'string' ? uriValue.value : '';
  const scheme = serverUriScheme(uri);
  if (scheme === undefined || ![...SECURE_SCHEMES, ...PLAIN_SCHEMES].includes(scheme))
    return err(
      ErrorCode.Lwm2mBadUri,
      at(SecurityResource.ServerUri),
      `${JSON.stringify(uri)} is not a coap://, coaps://, coap+tcp:// or coaps+tcp:// URI with a host`,
    );
  const wanted = mode === SecurityMode.NoSec ? PLAIN_SCHEMES : SECURE_SCHEMES;
  if (!wanted.includes(scheme))
    return err(
      ErrorCode.Lwm2mUriSchemeMismatch,
      at(SecurityResource.ServerUri),
      `${scheme}:// does not match Security Mode ${modeName}, which needs ${wanted
        .map((s) => `${s}://`)
        .join(' or ')}`,
    );

  if (mode === SecurityMode.Psk || mode === SecurityMode.Certificate) {
    const [identity, secret] =
      mode === SecurityMode.Psk ? ['PSK identity', 'PSK key'] : ['certificate', 'private key'];
    if (bytesLength(instance, SecurityResource.PublicKeyOrIdentity) === 0)
      return err(
        ErrorCode.Lwm2mMissingCredential,
        at(SecurityResource.PublicKeyOrIdentity),
        `${modeName} needs the ${identity} (Public Key or Identity)`,
      );
    if (bytesLength(instance, SecurityResource.SecretKey) === 0)
      return err(
        ErrorCode.Lwm2mMissingCredential,
        at(SecurityResource.SecretKey),
        `${modeName} needs the ${secret} (Secret Key)`,
      );
  }
  if (mode === SecurityMode.NoSec) {
    for (const rid of [
      SecurityResource.PublicKeyOrIdentity,
      SecurityResource.ServerPublicKey,
      SecurityResource.SecretKey,
    ]) {
      if (bytesLength(instance, rid) > 0)
        return err(
          ErrorCode.Lwm2mUnexpectedCredential,
          at(rid),
          `NoSec mode (3) uses no credentials; remove this key material`,
        );
    }
  }
  return undefined;
}

/**
 * Checks a whole bundle against the registry and the rules above. Returns the records sorted
 * by path (object, instance, resource), the order the bundle is encoded in.
 */
export function validateBundle(
  records: readonly SenmlRecord[],
  registry: Registry = DEFAULT_REGISTRY,
): Result<SenmlRecord[]> {
  if (records.length === 0)
    return fail(ErrorCode.Lwm2mEmptyBundle, '/: an empty bundle would wipe the configuration');

  // Each resource on its own, in the order given.
  const seen = new Set<string>();
  for (const { path, value } of records) {
    const p = formatPath(path);
    const resolved = resolveResource(registry, path);
    if (!resolved.ok) return resolved;
    const checked = checkValue(path, resolved.value.resource, value);
    if (!checked.ok) return checked;
    if (seen.has(p))
      return fail(ErrorCode.Lwm2mDuplicatePath, `${p}: appears more than once in the bundle`);
    seen.add(p);
  }

  const objects = groupInstances(records);
  const security = objects.get(SECURITY_OBJECT) ?? new Map<number, Instance>();
  const server = objects.get(SERVER_OBJECT) ?? new Map<number, Instance>();
  if (security.size === 0)
    return fail(
      ErrorCode.Lwm2mMissingResource,
      `/${SECURITY_OBJECT}: a bundle needs at least one Security instance (a server account)`,
    );

  const isBootstrap = (instance: Instance): boolean => {
    const v = instance.get(SecurityResource.BootstrapServer);
    return v?.type === 'boolean' && v.value;
  };

  // Mandatory resources, object by object, instance by instance, in ID order.
  for (const [oid, instances] of [...objects].sort(([a], [b]) => a - b)) {
    const def = registry.get(oid)!;
    const mandatory = [...def.resources.values()].filter((r) => r.mandatory);
    for (const [iid, instance] of [...instances].sort(([a], [b]) => a - b)) {
      for (const r of mandatory) {
        if (instance.has(r.id)) continue;
        if (
          oid === SECURITY_OBJECT &&
          r.id === SecurityResource.ShortServerId &&
          isBootstrap(instance)
        )
          continue;
        return fail(
          ErrorCode.Lwm2mMissingResource,
          `/${oid}/${iid}/${r.id}: ${def.name} instance ${iid} needs ${r.name}`,
        );
      }
    }
  }

  // Security instances: mode, URI, credentials, one bootstrap account.
  let bootstrapIid: number | undefined;
  const sortedSecurity = [...security].sort(([a], [b]) => a - b);
  for (const [iid, instance] of sortedSecurity) {
    const e = checkSecurityInstance(iid, instance);
    if (e) return { ok: false, error: e };
    if (isBootstrap(instance)) {
      if (bootstrapIid !== undefined)
        return fail(
          ErrorCode.Lwm2mMultipleBootstrap,
          `/${SECURITY_OBJECT}/${iid}/${SecurityResource.BootstrapServer}: a second bootstrap account (the first is /${SECURITY_OBJECT}/${bootstrapIid})`,
        );
      bootstrapIid = iid;
    }
  }

  // Server instances: binding, then Short Server IDs on both sides.
  const sortedServer = [...server].sort(([a], [b]) => a - b);
  for (const [iid, instance] of sortedServer) {
    const binding = instance.get(ServerResource.Binding);
    const text = binding?.type === 'string' ? binding.value : '';
    if (!isValidBinding(text))
      return fail(
        ErrorCode.Lwm2mBadBinding,
        `/${SERVER_OBJECT}/${iid}/${ServerResource.Binding}: binding ${JSON.stringify(text)} is not an LwM2M binding (U, UQ, S, SQ, US, UQS, or distinct letters of U, T, S, N)`,
      );
  }

  const securityBySsid = new Map<bigint, number>();
  for (const [iid, instance] of sortedSecurity) {
    if (isBootstrap(instance)) continue;
    const ssid = int(instance, SecurityResource.ShortServerId)!;
    const other = securityBySsid.get(ssid);
    if (other !== undefined)
      return fail(
        ErrorCode.Lwm2mDuplicateShortServerId,
        `/${SECURITY_OBJECT}/${iid}/${SecurityResource.ShortServerId}: Short Server ID ${ssid} is already used by /${SECURITY_OBJECT}/${other}`,
      );
    securityBySsid.set(ssid, iid);
  }
  if (bootstrapIid !== undefined) {
    const ssid = int(security.get(bootstrapIid)!, SecurityResource.ShortServerId);
    const other = ssid === undefined ? undefined : securityBySsid.get(ssid);
    if (other !== undefined)
      return fail(
        ErrorCode.Lwm2mDuplicateShortServerId,
        `/${SECURITY_OBJECT}/${bootstrapIid}/${SecurityResource.ShortServerId}: the bootstrap account's Short Server ID ${ssid} is also used by /${SECURITY_OBJECT}/${other}`,
      );
  }
  const serverBySsid = new Map<bigint, number>();
  for (const [iid, instance] of sortedServer) {
    const ssid = int(instance, ServerResource.ShortServerId)!;
    const at = `/${SERVER_OBJECT}/${iid}/${ServerResource.ShortServerId}`;
    const other = serverBySsid.get(ssid);
    if (other !== undefined)
      return fail(
        ErrorCode.Lwm2mDuplicateShortServerId,
        `${at}: Short Server ID ${ssid} is already used by /${SERVER_OBJECT}/${other}`,
      );
    serverBySsid.set(ssid, iid);
    if (!securityBySsid.has(ssid)) {
      const onBootstrap =
        bootstrapIid !== undefined &&
        int(security.get(bootstrapIid)!, SecurityResource.ShortServerId) === ssid;
      return fail(
        ErrorCode.Lwm2mShortServerIdMismatch,
        onBootstrap
          ? `${at}: Short Server ID ${ssid} belongs to the bootstrap account /${SECURITY_OBJECT}/${bootstrapIid}, which has no Server instance`
          : `${at}: no Security instance has Short Server ID ${ssid}`,
      );
    }
  }
  for (const [ssid, iid] of securityBySsid) {
    if (!serverBySsid.has(ssid))
      return fail(
        ErrorCode.Lwm2mOrphanSecurity,
        `/${SECURITY_OBJECT}/${iid}/${SecurityResource.ShortServerId}: no Server instance has Short Server ID ${ssid}; only the bootstrap account may stand alone`,
      );
  }

  return ok([...records].sort((a, b) => comparePaths(a.path, b.path)));
}
