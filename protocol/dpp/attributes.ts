/**
 * DPP attributes: TLVs with a 2-byte little-endian id and a 2-byte little-endian length.
 * Ids and status codes carry the specification's numbers (Wi-Fi Easy Connect, Table 30/31).
 */
import { concatBytes, readU16le, u16le } from '../bytes.js';
import { ErrorCode, fail, ok, type Result } from '../errors.js';

export const AttributeId = {
  Status: 0x1000,
  InitiatorBootstrappingKeyHash: 0x1001,
  ResponderBootstrappingKeyHash: 0x1002,
  InitiatorProtocolKey: 0x1003,
  WrappedData: 0x1004,
  InitiatorNonce: 0x1005,
  InitiatorCapabilities: 0x1006,
  ResponderNonce: 0x1007,
  ResponderCapabilities: 0x1008,
  ResponderProtocolKey: 0x1009,
  InitiatorAuthTag: 0x100a,
  ResponderAuthTag: 0x100b,
  ConfigurationObject: 0x100c,
  Connector: 0x100d,
  ConfigurationRequestObject: 0x100e,
  BootstrappingKey: 0x100f,
  FiniteCyclicGroup: 0x1012,
  EncryptedKey: 0x1013,
  EnrolleeNonce: 0x1014,
  CodeIdentifier: 0x1015,
  TransactionId: 0x1016,
  BootstrappingInfo: 0x1017,
  Channel: 0x1018,
  ProtocolVersion: 0x1019,
  EnvelopedData: 0x101a,
  SendConnStatus: 0x101b,
  ConnStatus: 0x101c,
  ReconfigFlags: 0x101d,
  CSignKeyHash: 0x101e,
  CsrAttributesRequest: 0x101f,
  ANonce: 0x1020,
  EPrimeId: 0x1021,
  ConfiguratorNonce: 0x1022,
} as const;
export type AttributeId = (typeof AttributeId)[keyof typeof AttributeId];

export const DppStatus = {
  Ok: 0,
  NotCompatible: 1,
  AuthFailure: 2,
  UnwrapFailure: 3,
  BadGroup: 4,
  ConfigureFailure: 5,
  ResponsePending: 6,
  InvalidConnector: 7,
  NoMatch: 8,
  ConfigRejected: 9,
  NoAp: 10,
  ConfigurePending: 11,
  CsrNeeded: 12,
  CsrBad: 13,
  NewKeyNeeded: 14,
} as const;
export type DppStatus = (typeof DppStatus)[keyof typeof DppStatus];

/** Capabilities bits in I-capabilities / R-capabilities. */
export const Capability = { Enrollee: 0x01, Configurator: 0x02 } as const;

export interface Attribute {
  readonly id: number;
  readonly value: Uint8Array;
}

export const ATTRIBUTE_HEADER_LEN = 4;
/** No DPP message we handle needs more attributes than this; a flood of tiny TLVs is refused. */
export const MAX_ATTRIBUTES = 64;

export function attributeName(id: number): string {
  for (const [name, value] of Object.entries(AttributeId)) if (value === id) return name;
  return `0x${id.toString(16).padStart(4, '0')}`;
}

export function encodeAttribute(id: number, value: Uint8Array): Uint8Array {
  if (value.length > 0xffff)
    throw new RangeError(`attribute ${attributeName(id)} too long: ${value.length}`);
  return concatBytes(u16le(id), u16le(value.length), value);
}

export function encodeAttributes(attrs: readonly Attribute[]): Uint8Array {
  return concatBytes(...attrs.map((a) => encodeAttribute(a.id, a.value)));
}

/**
 * Split bytes into TLVs. Total: any input gives a list or a typed error. Values are views into
 * the input (no copies), so memory stays bounded by the input size.
 */
export function decodeAttributes(bytes: Uint8Array): Result<Attribute[]> {
  const attrs: Attribute[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < ATTRIBUTE_HEADER_LEN) {
      return fail(ErrorCode.DecodeTruncated, `truncated attribute header at offset ${pos}`);
    }
    const id = readU16le(bytes, pos);
    const length = readU16le(bytes, pos + 2);
    const start = pos + ATTRIBUTE_HEADER_LEN;
    if (start + length > bytes.length) {
      return fail(
        ErrorCode.DecodeAttributeOverrun,
        `attribute ${attributeName(id)} claims ${length} bytes, only ${bytes.length - start} remain`,
      );
    }
    if (attrs.length === MAX_ATTRIBUTES) {
      return fail(ErrorCode.DecodeOversized, `more than ${MAX_ATTRIBUTES} attributes`);
    }
    attrs.push({ id, value: bytes.subarray(start, start + length) });
    pos = start + length;
  }
  return ok(attrs);
}

/** One attribute of a message, by id: absent is undefined; two of the same is an error. */
export type AttributeSchema = Readonly<
  Record<string, { id: number; length?: number; optional?: boolean }>
>;

export type Parsed<S extends AttributeSchema> = {
  [K in keyof S]: S[K]['optional'] extends true ? Uint8Array | undefined : Uint8Array;
};

/**
 * Pick the attributes a message defines. Rejects duplicates, missing mandatory ones and wrong
 * fixed lengths; unknown attributes are ignored (the specification asks receivers to skip them).
 */
export function pickAttributes<S extends AttributeSchema>(
  attrs: readonly Attribute[],
  schema: S,
  what: string,
): Result<Parsed<S>> {
  const out: Record<string, Uint8Array | undefined> = {};
  for (const [key, rule] of Object.entries(schema)) {
    let found: Uint8Array | undefined;
    for (const a of attrs) {
      if (a.id !== rule.id) continue;
      if (found !== undefined) {
        return fail(
          ErrorCode.DecodeDuplicateAttribute,
          `${what}: duplicate ${attributeName(rule.id)} attribute`,
        );
      }
      found = a.value;
    }
    if (found === undefined && !rule.optional) {
      return fail(
        ErrorCode.DecodeMissingAttribute,
        `${what}: missing ${attributeName(rule.id)} attribute`,
      );
    }
    if (found !== undefined && rule.length !== undefined && found.length !== rule.length) {
      return fail(
        ErrorCode.DecodeBadAttributeLength,
        `${what}: ${attributeName(rule.id)} must be ${rule.length} bytes, got ${found.length}`,
      );
    }
    out[key] = found;
  }
  return ok(out as Parsed<S>);
}
