/**
 * The project's one error class, ConfiguratorError, and the code table of the protocol layer.
 * Callers branch on `code`, never on message text. Codes come in blocks of 100 by area, so a log
 * reader can tell the area at a glance; each layer defines its own blocks in its own file
 * (whitelist/errors.ts, daemon/errors.ts) through defineErrorCodes, which checks that a code lies
 * in its layer's blocks and is nobody else's.
 *
 * The error style, everywhere: a decoder of untrusted input returns a Result and never throws;
 * code that refuses something throws a ConfiguratorError with its code and a reason, and a
 * boundary turns that into a Result (attempt) or a log line, an exit code, a DPP status; a
 * RangeError or TypeError is a programming error and is never caught to go on.
 */

const codeNames = new Map<number, string>();

/**
 * A layer's code table: every code within the layer's blocks (inclusive ranges) and not taken by
 * another layer. Throws at load time otherwise, so a clash cannot ship.
 */
export function defineErrorCodes<const T extends Record<string, number>>(
  layer: string,
  blocks: readonly (readonly [number, number])[],
  codes: T,
): T {
  for (const [name, code] of Object.entries(codes)) {
    if (!blocks.some(([from, to]) => code >= from && code <= to))
      throw new RangeError(`${layer} error code ${name} = ${code} lies outside its blocks`);
    const taken = codeNames.get(code);
    if (taken !== undefined && taken !== name)
      throw new RangeError(`${layer} error code ${name} = ${code} is already ${taken}`);
    codeNames.set(code, name);
  }
  return codes;
}

/** The name of a code, whichever layer defined it. */
export function errorCodeName(code: number): string {
  return codeNames.get(code) ?? 'Unknown';
}

/** Codes of the protocol layer: decoding, URIs and keys, crypto, DPP, transports, LwM2M bundles. */
export const ErrorCode = defineErrorCodes(
  'protocol',
  [
    [100, 599],
    [800, 849],
  ],
  {
    // 100–199: decoding untrusted bytes (frames, attributes, TLVs)
    DecodeTruncated: 100,
    DecodeOversized: 101,
    DecodeBadHeader: 102,
    DecodeUnknownFrameType: 103,
    DecodeAttributeOverrun: 104,
    DecodeDuplicateAttribute: 105,
    DecodeMissingAttribute: 106,
    DecodeUnexpectedAttribute: 107,
    DecodeAttributeOrder: 108,
    DecodeBadAttributeLength: 109,
    DecodeBadValue: 110,
    DecodeTrailingBytes: 111,
    DecodeBadJson: 112,
    DecodeBadGas: 113,

    // 200–299: bootstrapping URI and keys
    UriSyntax: 200,
    UriMissingKey: 201,
    UriBadKey: 202,
    UriUnsupportedCurve: 203,
    UriBadChannel: 204,
    UriBadMac: 205,
    UriBadInfo: 206,
    UriBadVersion: 207,
    UriBadHost: 208,
    UriDuplicateToken: 209,
    UriBadSupportedCurves: 210,
    KeyNotOnCurve: 211,
    KeyBadEncoding: 212,
    KeyChirpMismatch: 213,

    // 300–399: cryptography and authentication
    CryptoUnwrapFailed: 300,
    CryptoBadAuthTag: 301,
    CryptoBadPoint: 302,
    CryptoKeyMismatch: 303,
    AuthNotForUs: 304,
    AuthMutualRequired: 305,
    AuthUnknownInitiator: 306,
    AuthStatusFailure: 307,
    AuthNonceMismatch: 308,
    AuthCapabilities: 309,
    AuthVersion: 310,
    AuthTimeout: 311,
    AuthUnexpectedFrame: 312,
    SessionAborted: 313,

    // 400–499: configuration exchange
    ConfigBadRequest: 400,
    ConfigBadObject: 401,
    ConfigRejected: 402,
    ConfigTooLarge: 403,

    // 500–599: transports and framing
    TransportFrameTooLarge: 500,
    TransportClosed: 501,
    BridgeBadFraming: 502,
    BridgeBadCrc: 503,
    BridgeOversize: 504,
    BridgeUnknownType: 505,
    BridgeTruncated: 506,
    BridgeTrailingBytes: 507,
    BridgeBadPayloadLength: 508,
    BridgeBadText: 509,
    BridgeFieldRange: 510,
    EspNowBadFragment: 511,
    // 550–569: the Bluetooth LE carrier of a DPP URI (protocol/ble/, docs/ble-discovery.md)
    BleBadAdvertisement: 550,
    BleNoServiceData: 551,
    BleBadServiceData: 552,
    BleUnsupportedVersion: 553,
    BleUriEmpty: 554,
    BleUriTooLong: 555,
    BleUriNotAscii: 556,
    BleUriKeyMismatch: 557,
    // 530–549: the host half of the bridge serial link (protocol/bridge/bridge-link.ts)
    BridgeVersionUnsupported: 530,
    BridgeReportedError: 531,
    BridgeUnknownTxId: 532,
    BridgeTxRefused: 533,
    BridgeQueueFull: 534,
    BridgeUnexpectedMessage: 535,
    BridgeBadHello: 536,
    BridgeRadioError: 537,

    // 800–899: LwM2M bundle (protocol/lwm2m/): the SenML CBOR codec, then the bundle rules
    Lwm2mTruncated: 800,
    Lwm2mMalformed: 801,
    Lwm2mIndefiniteLength: 802,
    Lwm2mNonCanonical: 803,
    Lwm2mTrailingBytes: 804,
    Lwm2mTooLarge: 805,
    Lwm2mUnknownLabel: 806,
    Lwm2mBadPath: 807,
    Lwm2mWrongType: 808,
    Lwm2mBadValue: 809,
    Lwm2mBadDescription: 810,
    Lwm2mEmptyBundle: 811,
    Lwm2mDuplicatePath: 812,
    Lwm2mUnknownResource: 813,
    Lwm2mUnsupportedResource: 814,
    Lwm2mExecutableResource: 815,
    Lwm2mMissingResource: 816,
    Lwm2mUnsupportedSecurityMode: 817,
    Lwm2mBadUri: 818,
    Lwm2mUriSchemeMismatch: 819,
    Lwm2mMissingCredential: 820,
    Lwm2mUnexpectedCredential: 821,
    Lwm2mShortServerIdMismatch: 822,
    Lwm2mDuplicateShortServerId: 823,
    Lwm2mOrphanSecurity: 824,
    Lwm2mBadBinding: 825,
    Lwm2mMultipleBootstrap: 826,
    Lwm2mBadDeclaration: 827,
  },
);
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ConfiguratorError extends Error {
  override readonly name = 'ConfiguratorError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  /** `E110 DecodeBadValue: …` — the form every refusal is logged in. */
  describe(): string {
    return `E${this.code} ${errorCodeName(this.code)}: ${this.message}`;
  }
}

export function isConfiguratorError(e: unknown, code?: number): e is ConfiguratorError {
  return e instanceof ConfiguratorError && (code === undefined || e.code === code);
}

/** Result type for total decoders: a value, or a typed error, never a throw. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ConfiguratorError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(code: number, message: string): Result<T> {
  return { ok: false, error: new ConfiguratorError(code, message) };
}

/** Unwrap a Result inside code that reports failures by throwing ConfiguratorError. */
export function must<T>(r: Result<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** Run code that throws ConfiguratorError and give its outcome as a Result; other errors still throw. */
export function attempt<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof ConfiguratorError) return { ok: false, error: e };
    throw e;
  }
}
