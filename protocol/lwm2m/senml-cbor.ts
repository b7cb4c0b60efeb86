/**
 * SenML CBOR (RFC 8428 §6) as LwM2M factory bundles use it (AVSystem Anjay's
 * `anjay_factory_provision`): one definite-length array of records, each a map of exactly two
 * entries, the name first and then one value:
 *
 *   [ {0: "/O/I/R", <label>: value}, … ]
 *
 * Labels: 0 name (absolute path), 3 vs (String), 8 vd (Opaque), 2 v (Integer), 4 vb (Boolean),
 * and the text label "vlo" (Objlnk, "OID:IID"). Nothing else: no base name, no times, no units.
 *
 * One bundle has exactly one encoding: integers and lengths in their shortest form, definite
 * lengths only, canonical decimal paths, nothing after the array. The decoder accepts exactly
 * what the encoder produces, so `encodeSenmlCbor(decodeSenmlCbor(b)) = b` for every accepted b.
 *
 * Why not cbor-x (measured with cbor-x 1.6.9): its defaults give other bytes than Anjay's (tag 64
 * on every Uint8Array, tag 259 on integer-keyed Maps: 196 or 226 bytes for the 192-byte golden
 * vector). With `useRecords: false, tagUint8Array: false, mapsAsObjects: false` it matches the
 * golden vector, but integers from 2^32 to 2^53 come out as float64 (a type change an LwM2M
 * client refuses) and every BigInt takes 9 bytes, so shortest-form integers would rest on a
 * number/BigInt split around undocumented behaviour. Its decoder cannot tell an indefinite
 * length or a non-shortest integer from a canonical one, and it interprets tags (dates, typed
 * arrays, records, shared references) in untrusted input. The strict decoder had to be written
 * anyway; the encoder beside it is forty lines, and the project needs no extra dependency.
 *
 * Pure code, no I/O. decodeSenmlCbor never throws: any bytes give records or a ConfiguratorError.
 */
import { MAX_LWM2M_BUNDLE_LEN } from '../dpp/config-object.js';
import { ConfiguratorError, ErrorCode, fail, ok, type Result } from '../errors.js';

export type Lwm2mType = 'string' | 'opaque' | 'integer' | 'boolean' | 'objlnk';

export interface ObjectLink {
  readonly objectId: number;
  readonly instanceId: number;
}

export type Lwm2mValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'opaque'; readonly value: Uint8Array }
  | { readonly type: 'integer'; readonly value: bigint }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'objlnk'; readonly value: ObjectLink };

export interface ResourcePath {
  readonly objectId: number;
  readonly instanceId: number;
  readonly resourceId: number;
}

export interface SenmlRecord {
  readonly path: ResourcePath;
  readonly value: Lwm2mValue;
}

export const SENML_NAME = 0;
export const SENML_VALUE = 2;
export const SENML_STRING_VALUE = 3;
export const SENML_BOOLEAN_VALUE = 4;
export const SENML_DATA_VALUE = 8;
export const SENML_OBJLNK_VALUE = 'vlo';

/** Highest Object, Instance and Resource ID in a path; 65535 is reserved (LwM2M MAX_ID). */
export const MAX_PATH_ID = 65534;
/** Object link components go up to 65535: "65535:65535" is the null link. */
export const MAX_OBJLNK_ID = 65535;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** Smallest possible record: a2 00 66 "/0/0/0" 02 00. Bounds a declared record count. */
const MIN_RECORD_LEN = 11;

const LABEL_OF: Record<Lwm2mType, number | string> = {
  string: SENML_STRING_VALUE,
  opaque: SENML_DATA_VALUE,
  integer: SENML_VALUE,
  boolean: SENML_BOOLEAN_VALUE,
  objlnk: SENML_OBJLNK_VALUE,
};

// ---- paths and object links ------------------------------------------------------------------

const ID = '(0|[1-9][0-9]{0,4})';
const PATH_RE = new RegExp(`^/${ID}/${ID}/${ID}$`);
const OBJLNK_RE = new RegExp(`^${ID}:${ID}$`);

export function formatPath(path: ResourcePath): string {
  return `/${path.objectId}/${path.instanceId}/${path.resourceId}`;
}

export function formatObjectLink(link: ObjectLink): string {
  return `${link.objectId}:${link.instanceId}`;
}

/** "/O/I/R" with canonical decimals (no leading zeros, no sign), each ID 0..65534. */
export function parsePath(text: string): Result<ResourcePath> {
  const m = PATH_RE.exec(text);
  if (!m) {
    const why = !text.startsWith('/')
      ? 'not an absolute path (it must start with "/")'
      : 'not an /Object/Instance/Resource path with decimal IDs';
    return fail(ErrorCode.Lwm2mBadPath, `${JSON.stringify(text)}: ${why}`);
  }
  const ids = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  if (ids.some((id) => id > MAX_PATH_ID))
    return fail(ErrorCode.Lwm2mBadPath, `${text}: IDs go up to ${MAX_PATH_ID}`);
  return ok({ objectId: ids[0], instanceId: ids[1], resourceId: ids[2] });
}

/** "OID:IID" with canonical decimals, each 0..65535. */
export function parseObjectLink(text: string): Result<ObjectLink> {
  const m = OBJLNK_RE.exec(text);
  const objectId = m ? Number(m[1]) : NaN;
  const instanceId = m ? Number(m[2]) : NaN;
  if (!(objectId <= MAX_OBJLNK_ID && instanceId <= MAX_OBJLNK_ID))
    return fail(
      ErrorCode.Lwm2mBadValue,
      `object link ${JSON.stringify(text)} is not "OID:IID" with IDs 0..${MAX_OBJLNK_ID}`,
    );
  return ok({ objectId, instanceId });
}

function validPath(p: ResourcePath): boolean {
  return [p.objectId, p.instanceId, p.resourceId].every(
    (id) => Number.isInteger(id) && id >= 0 && id <= MAX_PATH_ID,
  );
}

function validLink(l: ObjectLink): boolean {
  return [l.objectId, l.instanceId].every(
    (id) => Number.isInteger(id) && id >= 0 && id <= MAX_OBJLNK_ID,
  );
}

// ---- encoder ----------------------------------------------------------------------------------

const te = new TextEncoder();
export const LONE_SURROGATE = /\p{Cs}/u;

class Writer {
  readonly bytes: number[] = [];

  /** A CBOR head in its shortest form (RFC 8949 §4.2.1). */
  head(major: number, arg: bigint): void {
    const m = major << 5;
    if (arg < 24n) {
      this.bytes.push(m | Number(arg));
      return;
    }
    const info = arg < 0x100n ? 24 : arg < 0x10000n ? 25 : arg < 0x100000000n ? 26 : 27;
    const width = 1 << (info - 24);
    this.bytes.push(m | info);
    for (let i = width - 1; i >= 0; i--) this.bytes.push(Number((arg >> BigInt(8 * i)) & 0xffn));
  }

  text(s: string): void {
    // TextEncoder would silently turn a lone surrogate into U+FFFD: refuse instead.
    if (LONE_SURROGATE.test(s))
      throw new ConfiguratorError(
        ErrorCode.Lwm2mBadValue,
        `${JSON.stringify(s)} is not valid Unicode`,
      );
    const b = te.encode(s);
    this.head(3, BigInt(b.length));
    for (const x of b) this.bytes.push(x);
  }

  data(b: Uint8Array): void {
    this.head(2, BigInt(b.length));
    for (const x of b) this.bytes.push(x);
  }

  integer(v: bigint): void {
    if (v >= 0n) this.head(0, v);
    else this.head(1, -1n - v);
  }
}

/**
 * The canonical bytes of a list of records, in the order given (the bundle builder sorts them).
 * Throws ConfiguratorError for a value no decoder would accept back: a path ID outside 0..65534, an
 * integer outside int64, an object link outside 0..65535.
 */
export function encodeSenmlCbor(records: readonly SenmlRecord[]): Uint8Array {
  const w = new Writer();
  w.head(4, BigInt(records.length));
  for (const { path, value } of records) {
    if (!validPath(path))
      throw new ConfiguratorError(
        ErrorCode.Lwm2mBadPath,
        `${formatPath(path)}: IDs must be integers 0..${MAX_PATH_ID}`,
      );
    w.head(5, 2n);
    w.integer(BigInt(SENML_NAME));
    w.text(formatPath(path));
    const label = LABEL_OF[value.type];
    if (typeof label === 'string') w.text(label);
    else w.integer(BigInt(label));
    switch (value.type) {
      case 'string':
        w.text(value.value);
        break;
      case 'opaque':
        w.data(value.value);
        break;
      case 'integer':
        if (value.value < INT64_MIN || value.value > INT64_MAX)
          throw new ConfiguratorError(
            ErrorCode.Lwm2mBadValue,
            `${formatPath(path)}: integer ${value.value} is outside int64`,
          );
        w.integer(value.value);
        break;
      case 'boolean':
        w.bytes.push(value.value ? 0xf5 : 0xf4);
        break;
      case 'objlnk':
        if (!validLink(value.value))
          throw new ConfiguratorError(
            ErrorCode.Lwm2mBadValue,
            `${formatPath(path)}: object link IDs must be integers 0..${MAX_OBJLNK_ID}`,
          );
        w.text(formatObjectLink(value.value));
        break;
    }
  }
  return Uint8Array.from(w.bytes);
}

// ---- decoder ----------------------------------------------------------------------------------

const MAJOR_NAMES = [
  'an unsigned integer',
  'a negative integer',
  'a byte string',
  'a text string',
  'an array',
  'a map',
  'a tag',
  'a simple value or float',
] as const;

/** SenML labels we refuse, named in the error so the sender knows what to drop. */
const KNOWN_SENML_LABELS: Record<string, string> = {
  '-1': 'bver',
  '-2': 'bn (base name)',
  '-3': 'bt (base time)',
  '-4': 'bu (base unit)',
  '-5': 'bv (base value)',
  '-6': 'bs (base sum)',
  '1': 'u (unit)',
  '5': 's (sum)',
  '6': 't (time)',
  '7': 'ut (update time)',
};

interface Head {
  readonly major: number;
  /** The low 5 bits of the initial byte. */
  readonly info: number;
  /** The argument; for major 7 with info 20..23 the simple value. */
  readonly arg: bigint;
}

type Label = 'name' | Lwm2mType;

const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  private err(code: ErrorCode, message: string): ConfiguratorError {
    return new ConfiguratorError(code, `offset ${this.pos}: ${message}`);
  }

  private remaining(): number {
    return this.buf.length - this.pos;
  }

  private byte(what: string): number {
    if (this.pos >= this.buf.length)
      throw this.err(ErrorCode.Lwm2mTruncated, `input ends inside ${what}`);
    return this.buf[this.pos++]!;
  }

  /** One CBOR head, refusing reserved, indefinite and non-shortest forms. */
  private head(what: string): Head {
    const start = this.pos;
    const initial = this.byte(what);
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info < 24) return { major, info, arg: BigInt(info) };
    if (info === 31) {
      this.pos = start;
      if (major >= 2 && major <= 5)
        throw this.err(
          ErrorCode.Lwm2mIndefiniteLength,
          `${MAJOR_NAMES[major]} of indefinite length in ${what}`,
        );
      throw this.err(ErrorCode.Lwm2mMalformed, `unexpected break or reserved form in ${what}`);
    }
    if (info > 27) {
      this.pos = start;
      throw this.err(ErrorCode.Lwm2mMalformed, `reserved additional information ${info}`);
    }
    const width = 1 << (info - 24);
    let arg = 0n;
    for (let i = 0; i < width; i++) arg = (arg << 8n) | BigInt(this.byte(what));
    // A one-byte simple value or a half / single / double float: never a valid item here, and
    // refused by every caller, so its argument is not checked further.
    if (major === 7) return { major, info, arg };
    const shortest = info === 24 ? 24n : 1n << BigInt(4 * width);
    if (arg < shortest) {
      this.pos = start;
      throw this.err(ErrorCode.Lwm2mNonCanonical, `${what} is not in its shortest form`);
    }
    return { major, info, arg };
  }

  /** A declared length, refused before anything is allocated when the input cannot hold it. */
  private length(h: Head, what: string): number {
    if (h.arg > BigInt(this.remaining()))
      throw this.err(
        ErrorCode.Lwm2mTruncated,
        `${what} declares ${h.arg} bytes but ${this.remaining()} remain`,
      );
    return Number(h.arg);
  }

  private textBody(h: Head, what: string): string {
    const n = this.length(h, what);
    const start = this.pos;
    this.pos += n;
    try {
      return td.decode(this.buf.subarray(start, start + n));
    } catch {
      this.pos = start;
      throw this.err(ErrorCode.Lwm2mMalformed, `${what} is not valid UTF-8`);
    }
  }

  private label(what: string): Label {
    const h = this.head(what);
    if (h.major === 0 || h.major === 1) {
      const n = h.major === 0 ? h.arg : -1n - h.arg;
      switch (n) {
        case BigInt(SENML_NAME):
          return 'name';
        case BigInt(SENML_VALUE):
          return 'integer';
        case BigInt(SENML_STRING_VALUE):
          return 'string';
        case BigInt(SENML_BOOLEAN_VALUE):
          return 'boolean';
        case BigInt(SENML_DATA_VALUE):
          return 'opaque';
      }
      const known = KNOWN_SENML_LABELS[n.toString()];
      throw this.err(ErrorCode.Lwm2mUnknownLabel, `label ${n}${known ? ` ${known}` : ''}`);
    }
    if (h.major === 3) {
      const text = this.textBody(h, what);
      if (text === SENML_OBJLNK_VALUE) return 'objlnk';
      throw this.err(ErrorCode.Lwm2mUnknownLabel, `label ${JSON.stringify(text)}`);
    }
    throw this.err(
      ErrorCode.Lwm2mMalformed,
      `${what} is ${MAJOR_NAMES[h.major]}, not an integer or text label`,
    );
  }

  private wrongType(h: Head, expected: string): ConfiguratorError {
    const got =
      h.major === 7
        ? h.info >= 25
          ? 'a float'
          : h.info === 22
            ? 'null'
            : h.info === 20 || h.info === 21
              ? 'a boolean'
              : 'a simple value'
        : MAJOR_NAMES[h.major];
    return new ConfiguratorError(ErrorCode.Lwm2mWrongType, `expected ${expected}, got ${got}`);
  }

  private value(label: Lwm2mType): Lwm2mValue {
    const h = this.head('the value');
    switch (label) {
      case 'string':
        if (h.major !== 3) throw this.wrongType(h, 'a text string (vs)');
        return { type: 'string', value: this.textBody(h, 'the value') };
      case 'opaque': {
        if (h.major !== 2) throw this.wrongType(h, 'a byte string (vd)');
        const n = this.length(h, 'the value');
        const value = this.buf.slice(this.pos, this.pos + n);
        this.pos += n;
        return { type: 'opaque', value };
      }
      case 'integer': {
        if (h.major !== 0 && h.major !== 1) throw this.wrongType(h, 'an integer (v)');
        const value = h.major === 0 ? h.arg : -1n - h.arg;
        if (value < INT64_MIN || value > INT64_MAX)
          throw new ConfiguratorError(ErrorCode.Lwm2mBadValue, `integer ${value} is outside int64`);
        return { type: 'integer', value };
      }
      case 'boolean':
        if (h.major !== 7 || (h.info !== 20 && h.info !== 21))
          throw this.wrongType(h, 'a boolean (vb)');
        return { type: 'boolean', value: h.info === 21 };
      case 'objlnk': {
        if (h.major !== 3) throw this.wrongType(h, 'an "OID:IID" text string (vlo)');
        const link = parseObjectLink(this.textBody(h, 'the value'));
        if (!link.ok) throw link.error;
        return { type: 'objlnk', value: link.value };
      }
    }
  }

  private record(index: number): SenmlRecord {
    const what = `record ${index}`;
    const h = this.head(what);
    if (h.major !== 5)
      throw this.err(ErrorCode.Lwm2mMalformed, `${what} is ${MAJOR_NAMES[h.major]}, not a map`);
    if (h.arg !== 2n)
      throw this.err(
        ErrorCode.Lwm2mMalformed,
        `${what} has ${h.arg} entries; a record is a name and one value`,
      );
    if (this.label(`the first label of ${what}`) !== 'name')
      throw this.err(ErrorCode.Lwm2mMalformed, `${what}: the name (label 0) must come first`);
    const nameHead = this.head(`the name of ${what}`);
    if (nameHead.major !== 3)
      throw this.err(
        ErrorCode.Lwm2mMalformed,
        `the name of ${what} is ${MAJOR_NAMES[nameHead.major]}, not a text string`,
      );
    const name = this.textBody(nameHead, `the name of ${what}`);
    const path = parsePath(name);
    if (!path.ok) throw path.error;
    // From here on, every refusal names the path.
    try {
      const label = this.label('the value label');
      if (label === 'name') throw this.err(ErrorCode.Lwm2mMalformed, 'a second name');
      return { path: path.value, value: this.value(label) };
    } catch (e) {
      if (e instanceof ConfiguratorError)
        throw new ConfiguratorError(e.code, `${name}: ${e.message}`);
      throw e;
    }
  }

  bundle(): SenmlRecord[] {
    const h = this.head('the bundle');
    if (h.major !== 4)
      throw this.err(
        ErrorCode.Lwm2mMalformed,
        `a bundle is one array of records, not ${MAJOR_NAMES[h.major]}`,
      );
    if (h.arg * BigInt(MIN_RECORD_LEN) > BigInt(this.remaining()))
      throw this.err(
        ErrorCode.Lwm2mTruncated,
        `the bundle declares ${h.arg} records but only ${this.remaining()} bytes follow`,
      );
    const records: SenmlRecord[] = [];
    for (let i = 0; i < Number(h.arg); i++) records.push(this.record(i));
    if (this.pos !== this.buf.length)
      throw this.err(
        ErrorCode.Lwm2mTrailingBytes,
        `${this.remaining()} bytes after the end of the bundle`,
      );
    return records;
  }
}

/**
 * Records of a SenML CBOR bundle, strictly: the syntax above and nothing more. Type checks
 * against the registry and the LwM2M rules are validate.ts's job. Refuses more than
 * MAX_LWM2M_BUNDLE_LEN bytes; allocates no more than the input holds.
 */
export function decodeSenmlCbor(bytes: Uint8Array): Result<SenmlRecord[]> {
  if (bytes.length > MAX_LWM2M_BUNDLE_LEN)
    return fail(
      ErrorCode.Lwm2mTooLarge,
      `a bundle of ${bytes.length} bytes exceeds ${MAX_LWM2M_BUNDLE_LEN}`,
    );
  try {
    return ok(new Reader(bytes).bundle());
  } catch (e) {
    if (e instanceof ConfiguratorError) return { ok: false, error: e };
    throw e;
  }
}
