/**
 * The `lwm2m` section of a profile: what every device of the profile gets in its factory bundle,
 * with per-device values as placeholders (placeholders.ts) and per-device credentials made once
 * per device (credentials.ts). The daemon's configuration schema nests it under
 * `profiles.<name>.lwm2m`; every issue carries the key path. docs/lwm2m.md describes each key.
 *
 * What can be checked without reading files is checked here: one bootstrap account at most, a
 * Short Server ID on every other account and none twice, the URI scheme against the security
 * mode, bindings, certificate options where a certificate account needs them, placeholders, and
 * extra objects against their own declarations. material.ts reads and checks the files.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../../protocol/errors.js';
import {
  declareObjects,
  DEFAULT_REGISTRY,
  type ObjectDecl,
} from '../../protocol/lwm2m/registry.js';
import { MAX_PATH_ID, parseObjectLink } from '../../protocol/lwm2m/senml-cbor.js';
import { isValidBinding, serverUriScheme } from '../../protocol/lwm2m/validate.js';
import { parsePattern, placeholdersOf } from './placeholders.js';
import { DaemonErrorCode } from '../errors.js';

const INT32_MAX = 2 ** 31 - 1;
const int32 = (min: number) => z.number().int().min(min).max(INT32_MAX);
const id = z.number().int().min(0).max(MAX_PATH_ID);

/** A string with placeholders (placeholders.ts). */
const pattern = z.string().superRefine((text, ctx) => {
  const parts = parsePattern(text);
  if (!parts.ok) ctx.addIssue({ code: 'custom', message: parts.error.message });
});

export const SECURITY_MODES = ['nosec', 'psk', 'certificate'] as const;

const serverSchema = z.strictObject({
  /** LwM2M Server URI (/0/x/0): coaps:// for psk and certificate, coap:// for nosec. */
  uri: z.string().min(1),
  /** The bootstrap account (/0/x/1); it has no Server (/1) instance. */
  bootstrap: z.boolean().default(false),
  /** /0/x/10 and /1/x/0; required on every account but the bootstrap one. */
  shortServerId: z.number().int().min(1).max(65534).optional(),
  securityMode: z.enum(SECURITY_MODES),
  /** /1/x/1 in seconds; default 86400. */
  lifetime: int32(1).optional(),
  /** /1/x/7; default "U". */
  binding: z.string().optional(),
  /** /1/x/6; default false. */
  notificationStoring: z.boolean().optional(),
  defaultMinPeriod: int32(0).optional(),
  defaultMaxPeriod: int32(1).optional(),
  disableTimeout: int32(0).optional(),
  /** /0/x/11 in seconds. */
  clientHoldOffTime: int32(0).optional(),
  /** /0/x/12 in seconds; the bootstrap account only. */
  bootstrapAccountTimeout: int32(0).optional(),
  /** /0/x/14, the TLS Server Name Indication. */
  sni: z.string().min(1).max(255).optional(),
  /** This server's certificate (/0/x/4); overrides certificate.serverCertFile for this account. */
  serverCertFile: z.string().min(1).optional(),
});

const SERVER_ONLY = [
  'lifetime',
  'binding',
  'notificationStoring',
  'defaultMinPeriod',
  'defaultMaxPeriod',
  'disableTimeout',
] as const;

const pskSchema = z.strictObject({
  /** The PSK identity (/0/x/3, UTF-8); default the endpoint name. */
  identity: pattern.default('{endpoint}'),
  /** Bytes of random key per device and account (/0/x/5). */
  keyLength: z.number().int().min(16).max(64).default(16),
});

const certificateSchema = z.strictObject({
  /** The CA that signs device certificates (PEM or DER) and its private key (PEM or DER). */
  caCertFile: z.string().min(1).optional(),
  caKeyFile: z.string().min(1).optional(),
  /** Each device signs its own certificate instead (the server must then trust each one). */
  selfSigned: z.boolean().default(false),
  /** The LwM2M server's certificate (PEM or DER), sent as /0/x/4 to certificate accounts. */
  serverCertFile: z.string().min(1).optional(),
  validityDays: z.number().int().min(1).max(36500).default(3650),
});

const deviceSchema = z.strictObject({
  manufacturer: pattern.optional(),
  model: pattern.optional(),
  serial: pattern.optional(),
  firmware: pattern.optional(),
  deviceType: pattern.optional(),
  hardwareVersion: pattern.optional(),
  softwareVersion: pattern.optional(),
});

/** Device (/3) resource IDs of the keys above. */
export const DEVICE_RESOURCES: readonly (readonly [keyof z.infer<typeof deviceSchema>, number])[] =
  [
    ['manufacturer', 0],
    ['model', 1],
    ['serial', 2],
    ['firmware', 3],
    ['deviceType', 17],
    ['hardwareVersion', 18],
    ['softwareVersion', 19],
  ];

const RESOURCE_TYPES = ['string', 'opaque', 'integer', 'boolean', 'objlnk'] as const;

/** A value of an extra object's resource: its form follows the declared type. */
const objectValueSchema = z.union([
  z.string(),
  z.number().int(),
  z.boolean(),
  z.strictObject({ text: z.string() }),
  z.strictObject({
    hex: z.string().regex(/^(?:[0-9a-fA-F]{2})*$/, 'an even number of hex digits'),
  }),
  z.strictObject({ objlnk: z.string() }),
]);

const objectSchema = z.strictObject({
  id,
  name: z.string().min(1),
  multiInstance: z.boolean().default(false),
  resources: z
    .array(
      z.strictObject({
        id,
        name: z.string().min(1),
        type: z.enum(RESOURCE_TYPES),
        mandatory: z.boolean().default(false),
        min: z.number().int().optional(),
        max: z.number().int().optional(),
      }),
    )
    .min(1),
  /** Values per instance: { id: 0, values: { "0": "…", "1": 5 } }. */
  instances: z
    .array(
      z.strictObject({
        id: id.default(0),
        values: z.record(z.string().regex(/^\d{1,5}$/, 'a resource ID'), objectValueSchema),
      }),
    )
    .min(1),
});

export const lwm2mTemplateSchema = z
  .strictObject({
    /** The endpoint name pattern; also the certificate's CN. */
    endpoint: pattern.default('dpp-{keyHash16}'),
    servers: z.array(serverSchema).min(1),
    psk: pskSchema.prefault({}),
    certificate: certificateSchema.optional(),
    /** Device (/3) resources written into the bundle; a client may refuse them (templateWarnings). */
    device: deviceSchema.optional(),
    /** Further objects of the device, declared here and given values. */
    objects: z.array(objectSchema).default([]),
  })
  .superRefine((t, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    if (placeholdersOf(t.endpoint).includes('endpoint'))
      issue(['endpoint'], 'the endpoint name cannot contain {endpoint}');

    let bootstrapAt: number | undefined;
    const ssids = new Map<number, number>();
    t.servers.forEach((s, i) => {
      const at = (key: string): (string | number)[] => ['servers', i, key];
      if (s.bootstrap) {
        if (bootstrapAt !== undefined)
          issue(
            at('bootstrap'),
            `a second bootstrap account (the first is servers.${bootstrapAt})`,
          );
        bootstrapAt ??= i;
        if (s.shortServerId !== undefined)
          issue(at('shortServerId'), 'the bootstrap account has no Short Server ID');
        for (const key of SERVER_ONLY)
          if (s[key] !== undefined)
            issue(at(key), 'the bootstrap account has no Server instance; this does not apply');
      } else {
        if (s.bootstrapAccountTimeout !== undefined)
          issue(at('bootstrapAccountTimeout'), 'applies to the bootstrap account only');
        if (s.shortServerId === undefined)
          issue(at('shortServerId'), 'required on every account but the bootstrap one');
        else if (ssids.has(s.shortServerId))
          issue(
            at('shortServerId'),
            `Short Server ID ${s.shortServerId} is already used by servers.${ssids.get(s.shortServerId)}`,
          );
        else ssids.set(s.shortServerId, i);
      }
      const scheme = serverUriScheme(s.uri);
      const secure = s.securityMode !== 'nosec';
      if (scheme === undefined || !['coap', 'coaps', 'coap+tcp', 'coaps+tcp'].includes(scheme))
        issue(at('uri'), 'not a coap://, coaps://, coap+tcp:// or coaps+tcp:// URI with a host');
      else if (scheme.startsWith('coaps') !== secure)
        issue(
          at('uri'),
          `${scheme}:// does not match securityMode ${s.securityMode}, which needs ${secure ? 'coaps://' : 'coap://'}`,
        );
      if (s.binding !== undefined && !isValidBinding(s.binding))
        issue(at('binding'), 'not an LwM2M binding (U, UQ, S, SQ, US, UQS, or letters of UTSN)');
      if (
        s.defaultMinPeriod !== undefined &&
        s.defaultMaxPeriod !== undefined &&
        s.defaultMinPeriod > s.defaultMaxPeriod
      )
        issue(at('defaultMaxPeriod'), 'is below defaultMinPeriod');
      if (s.serverCertFile !== undefined && s.securityMode !== 'certificate')
        issue(at('serverCertFile'), 'a server certificate is for certificate mode only');
    });

    const usesCertificate = t.servers.some((s) => s.securityMode === 'certificate');
    const c = t.certificate;
    if (usesCertificate && c === undefined)
      issue(['certificate'], 'required: a server account uses certificate mode');
    if (c !== undefined) {
      const hasCa = c.caCertFile !== undefined || c.caKeyFile !== undefined;
      if (c.selfSigned && hasCa)
        issue(['certificate', 'selfSigned'], 'give either caCertFile and caKeyFile, or selfSigned');
      else if (!c.selfSigned && c.caCertFile === undefined)
        issue(['certificate', 'caCertFile'], 'required unless selfSigned is true');
      else if (!c.selfSigned && c.caKeyFile === undefined)
        issue(['certificate', 'caKeyFile'], 'required with caCertFile');
    }

    checkObjects(t.objects, (path, message) => issue(['objects', ...path], message));
  });

export type Lwm2mTemplate = z.infer<typeof lwm2mTemplateSchema>;
export type Lwm2mObjectTemplate = z.infer<typeof objectSchema>;

/** The declarations of a template's extra objects, for declareObjects. */
export function objectDecls(objects: readonly Lwm2mObjectTemplate[]): ObjectDecl[] {
  return objects.map((o) => ({
    id: o.id,
    name: o.name,
    multiInstance: o.multiInstance,
    resources: o.resources.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      mandatory: r.mandatory,
      ...(r.min === undefined ? {} : { min: BigInt(r.min) }),
      ...(r.max === undefined ? {} : { max: BigInt(r.max) }),
    })),
  }));
}

function valueMatches(type: (typeof RESOURCE_TYPES)[number], v: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? undefined : 'a string';
    case 'integer':
      return typeof v === 'number' ? undefined : 'an integer';
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'true or false';
    case 'opaque':
      return typeof v === 'object' && v !== null && ('text' in v || 'hex' in v)
        ? undefined
        : '{text: "…"} or {hex: "…"}';
    case 'objlnk':
      return typeof v === 'object' && v !== null && 'objlnk' in v
        ? undefined
        : '{objlnk: "OID:IID"}';
  }
}

function checkObjects(
  objects: readonly Lwm2mObjectTemplate[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  try {
    declareObjects(DEFAULT_REGISTRY, objectDecls(objects));
  } catch (e) {
    issue([], e instanceof Error ? e.message : String(e));
    return;
  }
  objects.forEach((o, oi) => {
    const seen = new Set<number>();
    o.instances.forEach((inst, ii) => {
      const at = (...rest: (string | number)[]): (string | number)[] => [
        oi,
        'instances',
        ii,
        ...rest,
      ];
      if (!o.multiInstance && inst.id !== 0)
        issue(at('id'), `object ${o.id} is single-instance; its instance is 0`);
      if (seen.has(inst.id)) issue(at('id'), `instance ${inst.id} is given twice`);
      seen.add(inst.id);
      for (const [key, v] of Object.entries(inst.values)) {
        const r = o.resources.find((d) => d.id === Number(key));
        if (r === undefined) {
          issue(at('values', key), `object ${o.id} declares no resource ${key}`);
          continue;
        }
        const wanted = valueMatches(r.type, v);
        if (wanted !== undefined) {
          issue(at('values', key), `${r.name} is ${r.type}: write ${wanted}`);
          continue;
        }
        const text = typeof v === 'string' ? v : typeof v === 'object' && 'text' in v ? v.text : '';
        const parts = parsePattern(text);
        if (!parts.ok) issue(at('values', key), parts.error.message);
        if (typeof v === 'object' && 'objlnk' in v) {
          const link = parseObjectLink(v.objlnk);
          if (!link.ok) issue(at('values', key), link.error.message);
        }
      }
      for (const r of o.resources)
        if (r.mandatory && inst.values[String(r.id)] === undefined)
          issue(at('values'), `${r.name} (resource ${r.id}) is mandatory`);
    });
  });
}

/**
 * What a valid template risks on a real client: LwM2M clients apply a factory bundle all or nothing
 * (Anjay 3.14's factory provisioning does), so one write the client refuses, to a Device (/3)
 * resource its Device object keeps read-only (Anjay's demo client) or to an object it does not
 * have, loses the whole bundle, servers and credentials included. One warning per part at risk.
 */
export function templateWarnings(t: Lwm2mTemplate, where: string): string[] {
  const allOrNothing =
    'a client applies the bundle all or nothing (Anjay 3.14 does): one refused write fails the whole bundle, servers and credentials included';
  const warnings: string[] = [];
  const deviceKeys = Object.entries(t.device ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (deviceKeys.length > 0)
    warnings.push(
      `${where}.device (${deviceKeys.join(', ')}): ${allOrNothing}; a client whose Device object (/3) refuses these writes, as Anjay's demo client does, gets no LwM2M account: keep them only for clients known to accept them`,
    );
  if (t.objects.length > 0)
    warnings.push(
      `${where}.objects (${t.objects.map((o) => `/${o.id} ${o.name}`).join(', ')}): ${allOrNothing}; a client that lacks one of these objects or refuses a write to it gets no LwM2M account`,
    );
  return warnings;
}

/** `key.path: message` per issue, each path under `where` (e.g. profiles.factory.lwm2m). */
export function formatTemplateIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((i) => [where, ...i.path.map(String)].filter((p) => p !== '').join('.') + `: ${i.message}`)
    .join('; ');
}

/** Parses a raw `lwm2m` section; errors name every bad key under `where`. */
export function parseTemplate(raw: unknown, where = 'lwm2m'): Result<Lwm2mTemplate> {
  const parsed = lwm2mTemplateSchema.safeParse(raw);
  if (!parsed.success)
    return fail(DaemonErrorCode.Lwm2mTemplateInvalid, formatTemplateIssues(parsed.error, where));
  return ok(parsed.data);
}
