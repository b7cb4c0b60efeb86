/**
 * Configuration Objects (Wi-Fi Easy Connect §4.5) for an infrastructure station with legacy
 * credentials, the Enrollee's Configuration Request object (§4.4, "configAttrib"), and the
 * Connection Status object (§6.4.5). JSON text in, typed values out; every parser refuses with a
 * reason that names the member.
 *
 * Extension members (documented in docs/protocol.md):
 *  - Configuration Object `lwm2m_bundle`: the LwM2M factory bundle (SenML CBOR) as base64url
 *    without padding, at most MAX_LWM2M_BUNDLE_LEN bytes once decoded. Enrollees that do not know
 *    the member ignore it, as they ignore any unknown member.
 *  - Configuration Request `deviceInfo`: {manufacturer, model, serial, firmware}, printable strings.
 */
import { ConfiguratorError, ErrorCode } from '../errors.js';

export const LWM2M_BUNDLE_MEMBER = 'lwm2m_bundle';
export const DEVICE_INFO_MEMBER = 'deviceInfo';
/** Decoded size limit of the LwM2M bundle: a Certificate-mode bundle with CA, device cert and key fits. */
export const MAX_LWM2M_BUNDLE_LEN = 4096;
/** Limit on any JSON object received from a peer, before parsing. */
export const MAX_JSON_LEN = 8192;

export type Akm = 'psk' | 'sae' | 'psk+sae';

export interface WifiCredential {
  readonly akm: Akm;
  /** WPA2 passphrase (8–63 printable ASCII) or SAE password (1–128 bytes). */
  readonly pass?: string | undefined;
  /** WPA2 PSK as 64 hex digits, instead of a passphrase (akm "psk" only). */
  readonly pskHex?: string | undefined;
}

export interface ConfigurationObject {
  /** SSID bytes: sent as "ssid" when printable ASCII, else as "ssid64". */
  readonly ssid: Uint8Array;
  readonly credential: WifiCredential;
  readonly lwm2mBundle?: Uint8Array | undefined;
}

export interface DeviceInfo {
  readonly manufacturer?: string | undefined;
  readonly model?: string | undefined;
  readonly serial?: string | undefined;
  readonly firmware?: string | undefined;
}

export interface ConfigurationRequest {
  readonly name: string;
  readonly wifiTech: string;
  readonly netRole: string;
  readonly deviceInfo?: DeviceInfo | undefined;
}

export interface ConnectionStatus {
  /** A DPP status code: 0 OK, 8 NO_MATCH, 10 NO_AP, 2 AUTH_FAILURE … */
  readonly result: number;
  readonly ssid?: Uint8Array | undefined;
  readonly channelList?: string | undefined;
}

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });

function bad(message: string): ConfiguratorError {
  return new ConfiguratorError(ErrorCode.ConfigBadObject, message);
}

function parseJsonObject(text: Uint8Array, what: string): Record<string, unknown> {
  if (text.length > MAX_JSON_LEN)
    throw new ConfiguratorError(
      ErrorCode.ConfigTooLarge,
      `${what}: ${text.length} bytes exceeds ${MAX_JSON_LEN}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(td.decode(text));
  } catch {
    throw new ConfiguratorError(ErrorCode.DecodeBadJson, `${what}: not valid UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfiguratorError(ErrorCode.DecodeBadJson, `${what}: not a JSON object`);
  return value as Record<string, unknown>;
}

function str(obj: Record<string, unknown>, key: string, what: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`${what}: "${key}" must be a string`);
  return v;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function validateCredential(c: WifiCredential): void {
  if (c.akm !== 'psk' && c.akm !== 'sae' && c.akm !== 'psk+sae')
    throw bad(`cred: unsupported akm "${String(c.akm)}"`);
  if (c.pskHex !== undefined) {
    if (c.akm !== 'psk') throw bad('cred: "psk_hex" is only valid with akm "psk"');
    if (c.pass !== undefined) throw bad('cred: give "pass" or "psk_hex", not both');
    if (!/^[0-9a-fA-F]{64}$/.test(c.pskHex)) throw bad('cred: "psk_hex" must be 64 hex digits');
    return;
  }
  if (c.pass === undefined)
    throw bad(`cred: akm "${c.akm}" needs "pass"${c.akm === 'psk' ? ' or "psk_hex"' : ''}`);
  if (c.akm === 'sae') {
    const n = te.encode(c.pass).length;
    if (n < 1 || n > 128) throw bad('cred: SAE password must be 1–128 bytes');
  } else if (!PRINTABLE_ASCII.test(c.pass) || c.pass.length < 8 || c.pass.length > 63) {
    throw bad('cred: WPA2 passphrase must be 8–63 printable ASCII characters');
  }
}

function validateSsid(ssid: Uint8Array): void {
  if (ssid.length < 1 || ssid.length > 32)
    throw bad(`discovery: SSID must be 1–32 bytes, got ${ssid.length}`);
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;

export function fromBase64url(text: string, what: string): Uint8Array {
  // Padding is tolerated on input (some implementations send it), never produced.
  const body = text.replace(/=+$/, '');
  if (!BASE64URL_RE.test(body) || body.length % 4 === 1) throw bad(`${what}: not base64url`);
  const bytes = new Uint8Array(Buffer.from(body, 'base64url'));
  // Canonical only: unused trailing bits must be zero ("YR" is not another spelling of "YQ").
  if (base64url(bytes) !== body) throw bad(`${what}: not canonical base64url`);
  return bytes;
}

/** The JSON text of a Configuration Object, with members in hostap's order. */
export function encodeConfigurationObject(obj: ConfigurationObject): Uint8Array {
  validateSsid(obj.ssid);
  validateCredential(obj.credential);
  if (obj.lwm2mBundle && obj.lwm2mBundle.length === 0) throw bad('LwM2M bundle is empty');
  if (obj.lwm2mBundle && obj.lwm2mBundle.length > MAX_LWM2M_BUNDLE_LEN) {
    throw new ConfiguratorError(
      ErrorCode.ConfigTooLarge,
      `LwM2M bundle of ${obj.lwm2mBundle.length} bytes exceeds ${MAX_LWM2M_BUNDLE_LEN}`,
    );
  }
  // hostap's JSON writer and parser treat non-ASCII byte by byte: only printable ASCII SSIDs go
  // as "ssid", every other SSID as "ssid64".
  const asText = String.fromCharCode(...obj.ssid);
  const discovery = PRINTABLE_ASCII.test(asText)
    ? { ssid: asText }
    : { ssid64: base64url(obj.ssid) };
  const cred: Record<string, string> = { akm: obj.credential.akm };
  if (obj.credential.pskHex !== undefined) cred.psk_hex = obj.credential.pskHex.toLowerCase();
  else cred.pass = obj.credential.pass!;
  const json: Record<string, unknown> = { 'wi-fi_tech': 'infra', discovery, cred };
  if (obj.lwm2mBundle) json[LWM2M_BUNDLE_MEMBER] = base64url(obj.lwm2mBundle);
  return te.encode(JSON.stringify(json));
}

export function parseConfigurationObject(text: Uint8Array): ConfigurationObject {
  const what = 'Configuration Object';
  const o = parseJsonObject(text, what);
  const tech = str(o, 'wi-fi_tech', what);
  if (tech !== 'infra')
    throw bad(`${what}: "wi-fi_tech" must be "infra", got ${JSON.stringify(tech)}`);
  const discovery = o.discovery;
  if (typeof discovery !== 'object' || discovery === null || Array.isArray(discovery))
    throw bad(`${what}: "discovery" object missing`);
  const d = discovery as Record<string, unknown>;
  const ssidText = str(d, 'ssid', 'discovery');
  const ssid64 = str(d, 'ssid64', 'discovery');
  if ((ssidText === undefined) === (ssid64 === undefined))
    throw bad('discovery: exactly one of "ssid" and "ssid64" is required');
  const ssid =
    ssidText !== undefined ? te.encode(ssidText) : fromBase64url(ssid64!, 'discovery.ssid64');
  validateSsid(ssid);
  const cred = o.cred;
  if (typeof cred !== 'object' || cred === null || Array.isArray(cred))
    throw bad(`${what}: "cred" object missing`);
  const c = cred as Record<string, unknown>;
  const akm = str(c, 'akm', 'cred');
  if (akm === undefined) throw bad('cred: "akm" missing');
  if (akm === 'dpp' || akm.includes('dpp'))
    throw bad(`cred: akm "${akm}" needs a Connector, which this configurator does not issue`);
  const pass = str(c, 'pass', 'cred');
  const pskHex = str(c, 'psk_hex', 'cred');
  const credential: WifiCredential = {
    akm: akm as Akm,
    ...(pass !== undefined && { pass }),
    ...(pskHex !== undefined && { pskHex }),
  };
  validateCredential(credential);
  let lwm2mBundle: Uint8Array | undefined;
  const bundle = str(o, LWM2M_BUNDLE_MEMBER, what);
  if (bundle !== undefined) {
    if (bundle.length > Math.ceil((MAX_LWM2M_BUNDLE_LEN * 4) / 3) + 2) {
      throw new ConfiguratorError(
        ErrorCode.ConfigTooLarge,
        `${what}: "${LWM2M_BUNDLE_MEMBER}" exceeds ${MAX_LWM2M_BUNDLE_LEN} bytes`,
      );
    }
    lwm2mBundle = fromBase64url(bundle, LWM2M_BUNDLE_MEMBER);
    if (lwm2mBundle.length > MAX_LWM2M_BUNDLE_LEN) {
      throw new ConfiguratorError(
        ErrorCode.ConfigTooLarge,
        `${what}: "${LWM2M_BUNDLE_MEMBER}" of ${lwm2mBundle.length} bytes exceeds ${MAX_LWM2M_BUNDLE_LEN}`,
      );
    }
    if (lwm2mBundle.length === 0) throw bad(`${what}: "${LWM2M_BUNDLE_MEMBER}" is empty`);
  }
  return { ssid, credential, ...(lwm2mBundle && { lwm2mBundle }) };
}

const DEVICE_INFO_KEYS = ['manufacturer', 'model', 'serial', 'firmware'] as const;
const MAX_NAME_LEN = 64;

function checkText(
  value: string,
  what: string,
  max: number,
  code: ErrorCode = ErrorCode.ConfigBadRequest,
): void {
  if (value.length > max)
    throw new ConfiguratorError(code, `${what}: longer than ${max} characters`);
  // Printable Unicode only: no control characters that could corrupt logs or terminals.
  if (/\p{Cc}/u.test(value))
    throw new ConfiguratorError(code, `${what}: contains control characters`);
}

export function encodeConfigurationRequest(req: ConfigurationRequest): Uint8Array {
  const json: Record<string, unknown> = {
    name: req.name,
    'wi-fi_tech': req.wifiTech,
    netRole: req.netRole,
  };
  if (req.deviceInfo) {
    const info: Record<string, string> = {};
    for (const k of DEVICE_INFO_KEYS)
      if (req.deviceInfo[k] !== undefined) info[k] = req.deviceInfo[k]!;
    json[DEVICE_INFO_MEMBER] = info;
  }
  return te.encode(JSON.stringify(json));
}

/** The Enrollee's configAttrib object. Unknown members (mudurl, bandSupport, pkcs10 …) are ignored. */
export function parseConfigurationRequest(text: Uint8Array): ConfigurationRequest {
  const what = 'Configuration Request';
  let o: Record<string, unknown>;
  try {
    o = parseJsonObject(text, what);
  } catch (e) {
    if (e instanceof ConfiguratorError)
      throw new ConfiguratorError(ErrorCode.ConfigBadRequest, e.message);
    throw e;
  }
  const req = (key: string): string => {
    const v = o[key];
    if (typeof v !== 'string')
      throw new ConfiguratorError(ErrorCode.ConfigBadRequest, `${what}: "${key}" must be a string`);
    checkText(v, `${what}: "${key}"`, MAX_NAME_LEN);
    return v;
  };
  const name = req('name');
  const wifiTech = req('wi-fi_tech');
  const netRole = req('netRole');
  let deviceInfo: DeviceInfo | undefined;
  const di = o[DEVICE_INFO_MEMBER];
  if (di !== undefined) {
    if (typeof di !== 'object' || di === null || Array.isArray(di))
      throw new ConfiguratorError(
        ErrorCode.ConfigBadRequest,
        `${what}: "${DEVICE_INFO_MEMBER}" must be an object`,
      );
    const info: Record<string, string> = {};
    for (const k of DEVICE_INFO_KEYS) {
      const v = (di as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (typeof v !== 'string')
        throw new ConfiguratorError(
          ErrorCode.ConfigBadRequest,
          `${what}: "${DEVICE_INFO_MEMBER}.${k}" must be a string`,
        );
      checkText(v, `${what}: "${DEVICE_INFO_MEMBER}.${k}"`, MAX_NAME_LEN);
      info[k] = v;
    }
    deviceInfo = info;
  }
  return { name, wifiTech, netRole, deviceInfo };
}

export function encodeConnectionStatus(s: ConnectionStatus): Uint8Array {
  const json: Record<string, unknown> = { result: s.result };
  if (s.ssid) json.ssid64 = base64url(s.ssid);
  if (s.channelList) json.channelList = s.channelList;
  return te.encode(JSON.stringify(json));
}

export function parseConnectionStatus(text: Uint8Array): ConnectionStatus {
  const what = 'Connection Status';
  const o = parseJsonObject(text, what);
  const result = o.result;
  if (typeof result !== 'number' || !Number.isInteger(result) || result < 0 || result > 255)
    throw bad(`${what}: "result" must be an integer 0–255`);
  const ssid64 = str(o, 'ssid64', what);
  const channelList = str(o, 'channelList', what);
  if (channelList !== undefined)
    checkText(channelList, `${what}: "channelList"`, 256, ErrorCode.ConfigBadObject);
  const ssid = ssid64 !== undefined ? fromBase64url(ssid64, 'ssid64') : undefined;
  if (ssid) validateSsid(ssid);
  return { result, ssid, channelList };
}
