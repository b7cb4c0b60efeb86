/**
 * The Bluetooth LE carrier of a DPP URI (docs/ble-discovery.md): a legacy advertisement whose
 * service data names the key hash's first 8 bytes, and a GATT characteristic that serves the URI.
 * Pure code, no I/O. The parsers never throw: bad input from the air gives a ConfiguratorError
 * whose code says what is wrong.
 *
 *   advertisement (31 bytes): 02 01 06 | 1b 21 <service UUID, little-endian> <service data>
 *   service data (10 bytes):  version (1) | flags (1) | SHA-256(DER SubjectPublicKeyInfo)[0..8)
 *   URI characteristic:       `DPP:…;;` in printable ASCII, 1–255 bytes
 */
import { bytesEqual, concatBytes, fromHex, toHex } from '../bytes.js';
import { ErrorCode, fail, ok, type Result } from '../errors.js';
import { bootstrapKeyHash } from '../dpp/bootstrap-key.js';
import { parseDppUri, type DppUri } from '../dpp/uri.js';

export const DPP_BLE_SERVICE_UUID = '8f42633b-b4e6-4d5d-8032-4eacfd0eaab7';
export const DPP_BLE_URI_CHARACTERISTIC_UUID = '136abbf5-0f6e-4ab7-bb2c-fa5a8bf168bc';

export const BLE_CARRIER_VERSION = 1;
export const KEY_HASH_PREFIX_LENGTH = 8;
export const SERVICE_DATA_LENGTH = 2 + KEY_HASH_PREFIX_LENGTH;
/** The URI characteristic's value at most (docs/ble-discovery.md, "GATT"). */
export const BLE_URI_MAX_LENGTH = 255;
/** A legacy advertisement's payload (Core Spec Vol 6 Part B 2.3.1.1: AdvData 0–31 octets). */
export const LEGACY_ADVERTISEMENT_LENGTH = 31;

/** AD types (Assigned Numbers, "Common Data Types"). */
const AD_FLAGS = 0x01;
const AD_SERVICE_DATA_128 = 0x21;
/** LE General Discoverable Mode, BR/EDR Not Supported. */
const FLAGS_GENERAL_DISCOVERABLE_LE_ONLY = 0x06;

export interface BleServiceData {
  readonly version: number;
  /** None defined yet: a sender sets 0, a receiver ignores the bits it does not know. */
  readonly flags: number;
  /** The first 8 bytes of the key hash. */
  readonly keyHashPrefix: Uint8Array;
}

/** A URI read from the characteristic and found to belong to the advertised key. */
export interface VerifiedBleUri {
  readonly uri: string;
  readonly parsed: DppUri;
  readonly keyHash: Uint8Array;
}

/** A UUID's 16 bytes in the order they go on the air (little-endian, as every AD structure). */
export function uuidOnAir(uuid: string): Uint8Array {
  return fromHex(uuid.replace(/-/g, '')).reverse();
}

const SERVICE_UUID_ON_AIR = uuidOnAir(DPP_BLE_SERVICE_UUID);

export function encodeServiceData(
  keyHashPrefix: Uint8Array,
  flags = 0,
  version = BLE_CARRIER_VERSION,
): Uint8Array {
  if (keyHashPrefix.length !== KEY_HASH_PREFIX_LENGTH)
    throw new RangeError(`a key hash prefix is ${KEY_HASH_PREFIX_LENGTH} bytes`);
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) throw new RangeError('flags: 0..255');
  return concatBytes(Uint8Array.of(version, flags), keyHashPrefix);
}

export function parseServiceData(data: Uint8Array): Result<BleServiceData> {
  if (data.length !== SERVICE_DATA_LENGTH)
    return fail(
      ErrorCode.BleBadServiceData,
      `service data is ${data.length} bytes, not ${SERVICE_DATA_LENGTH}`,
    );
  const version = data[0]!;
  if (version !== BLE_CARRIER_VERSION)
    return fail(
      ErrorCode.BleUnsupportedVersion,
      `carrier version ${version}; only ${BLE_CARRIER_VERSION} is known`,
    );
  return ok({ version, flags: data[1]!, keyHashPrefix: data.slice(2) });
}

/** The whole legacy advertisement a device sends (ADV_IND's AdvData), 31 bytes. */
export function encodeAdvertisement(keyHashPrefix: Uint8Array, flags = 0): Uint8Array {
  const serviceData = encodeServiceData(keyHashPrefix, flags);
  const adv = concatBytes(
    Uint8Array.of(2, AD_FLAGS, FLAGS_GENERAL_DISCOVERABLE_LE_ONLY),
    Uint8Array.of(1 + SERVICE_UUID_ON_AIR.length + serviceData.length, AD_SERVICE_DATA_128),
    SERVICE_UUID_ON_AIR,
    serviceData,
  );
  if (adv.length !== LEGACY_ADVERTISEMENT_LENGTH) throw new Error('advertisement layout broken');
  return adv;
}

/**
 * Our service data out of a legacy advertisement's AD structures (length, type, data; a zero
 * length ends the significant part, Core Spec Vol 3 Part C 11). Other structures are skipped.
 */
export function parseAdvertisement(adv: Uint8Array): Result<BleServiceData> {
  if (adv.length > LEGACY_ADVERTISEMENT_LENGTH)
    return fail(
      ErrorCode.BleBadAdvertisement,
      `advertisement is ${adv.length} bytes; a legacy one is at most ${LEGACY_ADVERTISEMENT_LENGTH}`,
    );
  let found: Uint8Array | undefined;
  for (let at = 0; at < adv.length;) {
    const length = adv[at]!;
    if (length === 0) break;
    if (at + 1 + length > adv.length)
      return fail(
        ErrorCode.BleBadAdvertisement,
        `AD structure at offset ${at} claims ${length} bytes; ${adv.length - at - 1} are left`,
      );
    const type = adv[at + 1]!;
    const data = adv.subarray(at + 2, at + 1 + length);
    if (
      type === AD_SERVICE_DATA_128 &&
      data.length >= 16 &&
      bytesEqual(data.subarray(0, 16), SERVICE_UUID_ON_AIR)
    )
      // Two of ours cannot fit in 31 bytes (18 each at least).
      found = data.subarray(16);
    at += 1 + length;
  }
  if (found === undefined)
    return fail(ErrorCode.BleNoServiceData, `no service data for ${DPP_BLE_SERVICE_UUID}`);
  return parseServiceData(found);
}

/** What the URI characteristic serves: the URI's ASCII bytes, checked as a receiver would. */
export function encodeUriValue(uri: string): Uint8Array {
  const bytes = Buffer.from(uri, 'latin1');
  if (bytes.length === 0 || bytes.length > BLE_URI_MAX_LENGTH || !isPrintableAscii(bytes))
    throw new RangeError(`a URI value is 1–${BLE_URI_MAX_LENGTH} bytes of printable ASCII`);
  return new Uint8Array(bytes);
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b >= 0x20 && b <= 0x7e);
}

/**
 * The URI characteristic's value, checked: 1–255 bytes of printable ASCII, a DPP URI by the
 * rules of `whitelist add`, whose key's SHA-256 starts with the advertised prefix.
 */
export function verifyUriValue(
  value: Uint8Array,
  keyHashPrefix: Uint8Array,
): Result<VerifiedBleUri> {
  if (value.length === 0) return fail(ErrorCode.BleUriEmpty, 'the URI characteristic is empty');
  if (value.length > BLE_URI_MAX_LENGTH)
    return fail(
      ErrorCode.BleUriTooLong,
      `the URI characteristic holds ${value.length} bytes; at most ${BLE_URI_MAX_LENGTH}`,
    );
  const bad = value.findIndex((b) => b < 0x20 || b > 0x7e);
  if (bad >= 0)
    return fail(
      ErrorCode.BleUriNotAscii,
      `the URI characteristic has byte 0x${value[bad]!.toString(16).padStart(2, '0')} at offset ${bad}: not printable ASCII`,
    );
  const uri = Buffer.from(value).toString('latin1');
  const parsed = parseDppUri(uri);
  if (!parsed.ok) return parsed;
  const keyHash = bootstrapKeyHash(parsed.value.key);
  const prefix = keyHash.subarray(0, KEY_HASH_PREFIX_LENGTH);
  if (!bytesEqual(prefix, keyHashPrefix))
    return fail(
      ErrorCode.BleUriKeyMismatch,
      `the URI's key hash starts ${toHex(prefix)}, the advertisement said ${toHex(keyHashPrefix)}`,
    );
  return ok({ uri, parsed: parsed.value, keyHash });
}
