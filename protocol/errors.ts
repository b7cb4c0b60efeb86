/**
 * The one error type of the project. Callers branch on `code`, never on message text.
 * Codes are grouped by area in blocks of 100 so a log reader can tell the area at a glance.
 */
export enum ErrorCode {
  // 100–199: decoding untrusted bytes (frames, attributes, TLVs)
  DecodeTruncated = 100,
  DecodeOversized = 101,
  DecodeBadHeader = 102,
  DecodeUnknownFrameType = 103,
  DecodeAttributeOverrun = 104,
  DecodeDuplicateAttribute = 105,
  DecodeMissingAttribute = 106,
  DecodeUnexpectedAttribute = 107,
  DecodeAttributeOrder = 108,
  DecodeBadAttributeLength = 109,
  DecodeBadValue = 110,
  DecodeTrailingBytes = 111,
  DecodeBadJson = 112,
  DecodeBadGas = 113,

  // 200–299: bootstrapping URI and keys
  UriSyntax = 200,
  UriMissingKey = 201,
  UriBadKey = 202,
  UriUnsupportedCurve = 203,
  UriBadChannel = 204,
  UriBadMac = 205,
  UriBadInfo = 206,
  UriBadVersion = 207,
  UriBadHost = 208,
  UriDuplicateToken = 209,
  UriBadSupportedCurves = 210,
  KeyNotOnCurve = 211,
  KeyBadEncoding = 212,
  KeyChirpMismatch = 213,

  // 300–399: cryptography and authentication
  CryptoUnwrapFailed = 300,
  CryptoBadAuthTag = 301,
  CryptoBadPoint = 302,
  CryptoKeyMismatch = 303,
  AuthNotForUs = 304,
  AuthMutualRequired = 305,
  AuthUnknownInitiator = 306,
  AuthStatusFailure = 307,
  AuthNonceMismatch = 308,
  AuthCapabilities = 309,
  AuthVersion = 310,
  AuthTimeout = 311,
  AuthUnexpectedFrame = 312,
  SessionAborted = 313,

  // 400–499: configuration exchange
  ConfigBadRequest = 400,
  ConfigBadObject = 401,
  ConfigRejected = 402,
  ConfigTooLarge = 403,

  // 500–599: transports and framing
  TransportFrameTooLarge = 500,
  TransportClosed = 501,
  BridgeBadFraming = 502,
  BridgeBadCrc = 503,
  BridgeOversize = 504,
  BridgeUnknownType = 505,
  BridgeTruncated = 506,
  BridgeTrailingBytes = 507,
  BridgeBadPayloadLength = 508,
  BridgeBadText = 509,
  BridgeFieldRange = 510,
  EspNowBadFragment = 511,
  // 530–549: the daemon's serial bridge link (daemon/transports/bridge-link.ts, serial-*.ts)
  BridgeVersionUnsupported = 530,
  BridgeReportedError = 531,
  BridgeUnknownTxId = 532,
  BridgeTxRefused = 533,
  BridgeQueueFull = 534,
  BridgeUnexpectedMessage = 535,
  BridgeBadHello = 536,
  BridgeRadioError = 537,
  BridgeNoSerialPort = 538,
  BridgeAmbiguousSerialPort = 539,

  // 600–699: whitelist
  WhitelistNotFound = 600,
  WhitelistRefused = 601,
  WhitelistDuplicate = 602,
  WhitelistBadEntry = 603,
  WhitelistImportRejected = 604,
  WhitelistImportTooLarge = 605,
  WhitelistImportFormat = 606,
  WhitelistAmbiguousPrefix = 607,
  StoreSchemaTooNew = 620,
  StoreOpenFailed = 621,
  StoreBadRecord = 622,

  // 700–799: configuration of the daemon itself
  ConfigurationInvalid = 700,

  // 800–899: LwM2M bundle (protocol/lwm2m/): the SenML CBOR codec, then the bundle rules
  Lwm2mTruncated = 800,
  Lwm2mMalformed = 801,
  Lwm2mIndefiniteLength = 802,
  Lwm2mNonCanonical = 803,
  Lwm2mTrailingBytes = 804,
  Lwm2mTooLarge = 805,
  Lwm2mUnknownLabel = 806,
  Lwm2mBadPath = 807,
  Lwm2mWrongType = 808,
  Lwm2mBadValue = 809,
  Lwm2mBadDescription = 810,
  Lwm2mEmptyBundle = 811,
  Lwm2mDuplicatePath = 812,
  Lwm2mUnknownResource = 813,
  Lwm2mUnsupportedResource = 814,
  Lwm2mExecutableResource = 815,
  Lwm2mMissingResource = 816,
  Lwm2mUnsupportedSecurityMode = 817,
  Lwm2mBadUri = 818,
  Lwm2mUriSchemeMismatch = 819,
  Lwm2mMissingCredential = 820,
  Lwm2mUnexpectedCredential = 821,
  Lwm2mShortServerIdMismatch = 822,
  Lwm2mDuplicateShortServerId = 823,
  Lwm2mOrphanSecurity = 824,
  Lwm2mBadBinding = 825,
  Lwm2mMultipleBootstrap = 826,
  Lwm2mBadDeclaration = 827,
  // 850–869: per-device LwM2M credentials, templates and export (daemon/lwm2m/)
  Lwm2mTemplateInvalid = 850,
  Lwm2mTemplateMissingValue = 851,
  Lwm2mMaterialInvalid = 852,
  Lwm2mSecretsInvalid = 853,
  Lwm2mExportFailed = 854,
}

export class DppError extends Error {
  override readonly name = 'DppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** `E110 bad value: …` — the form every refusal is logged in. */
  describe(): string {
    return `E${this.code} ${ErrorCode[this.code]}: ${this.message}`;
  }
}

export function isDppError(e: unknown, code?: ErrorCode): e is DppError {
  return e instanceof DppError && (code === undefined || e.code === code);
}

/** Result type for total decoders: a value, or a typed error, never a throw. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: DppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: new DppError(code, message) };
}

/** Unwrap a Result inside code that reports failures by throwing DppError. */
export function must<T>(r: Result<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** Run code that throws DppError and give its outcome as a Result; other errors still throw. */
export function attempt<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof DppError) return { ok: false, error: e };
    throw e;
  }
}
