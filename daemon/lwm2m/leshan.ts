/**
 * Eclipse Leshan's security store, filled over its demo servers' REST API: one
 * `PUT <base>/api/security/clients/` per device with a JSON SecurityInfo (leshan-demo-server and
 * leshan-demo-bsserver mount SecurityServlet at /api/security/*; 200 when stored, 400 with a
 * reason when refused, e.g. a PSK identity already used by another endpoint).
 *
 * Leshan 2.x bodies (JacksonSecurityDeserializer):
 *   {"endpoint":"…","tls":{"mode":"psk","details":{"identity":"…","key":"<hex>"}}}
 *   {"endpoint":"…","tls":{"mode":"x509"}}
 * Leshan 1.x (SecurityDeserializer) takes the older form on the same path:
 *   {"endpoint":"…","psk":{"identity":"…","key":"<hex>"}}   {"endpoint":"…","x509":true}
 *
 * x509 tells Leshan to accept the endpoint's certificate when it chains to a CA in Leshan's
 * trust store and its CN is the endpoint name, so the CA (or, with self-signed device
 * certificates, each device certificate) must be in that trust store. nosec accounts need no
 * entry and are skipped.
 *
 * Reports name the endpoint and the HTTP status, never a key or a response body (a parse
 * error's text may quote the request).
 */
import { fail, ok, type Result } from '../../protocol/errors.js';
import type { ExportEntry } from './export.js';
import { DaemonErrorCode } from '../errors.js';

export const LESHAN_SECURITY_PATH = 'api/security/clients/';

export type LeshanVersion = 1 | 2;

export type LeshanSecurityInfo =
  | {
      readonly endpoint: string;
      readonly tls:
        | { readonly mode: 'psk'; readonly details: { identity: string; key: string } }
        | { readonly mode: 'x509' };
    }
  | { readonly endpoint: string; readonly psk: { identity: string; key: string } }
  | { readonly endpoint: string; readonly x509: true };

export interface LeshanOptions {
  /** The account whose credentials the Leshan server checks: "server:<SSID>" or "bootstrap";
   *  default the first account that is not the bootstrap one. */
  readonly account?: string | undefined;
  readonly version?: LeshanVersion | undefined;
}

export interface LeshanInfos {
  readonly infos: LeshanSecurityInfo[];
  /** Devices without an entry, and why. */
  readonly skipped: { endpoint: string; reason: string }[];
}

/** The SecurityInfo body of each device for one account. */
export function leshanSecurityInfos(
  entries: readonly ExportEntry[],
  options: LeshanOptions = {},
): LeshanInfos {
  const version = options.version ?? 2;
  const infos: LeshanSecurityInfo[] = [];
  const skipped: { endpoint: string; reason: string }[] = [];
  for (const { secrets } of entries) {
    const endpoint = secrets.endpoint;
    const account =
      options.account === undefined
        ? secrets.accounts.find((a) => a.account !== 'bootstrap')
        : secrets.accounts.find((a) => a.account === options.account);
    if (account === undefined) {
      skipped.push({ endpoint, reason: `no account ${options.account ?? 'but bootstrap'}` });
    } else if (account.mode === 'nosec') {
      skipped.push({ endpoint, reason: `${account.account} uses nosec` });
    } else if (account.mode === 'psk') {
      const details = { identity: account.identity, key: account.key };
      infos.push(
        version === 2 ? { endpoint, tls: { mode: 'psk', details } } : { endpoint, psk: details },
      );
    } else {
      infos.push(version === 2 ? { endpoint, tls: { mode: 'x509' } } : { endpoint, x509: true });
    }
  }
  return { infos, skipped };
}

export interface PushResult {
  readonly endpoint: string;
  readonly ok: boolean;
  /** The HTTP status, when the server answered. */
  readonly status?: number | undefined;
  /** Why it failed: `HTTP 400 Bad Request`, or the connection error's code. */
  readonly error?: string | undefined;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ status: number; statusText: string; text(): Promise<string> }>;

export interface PushOptions {
  readonly fetch?: FetchLike | undefined;
  /** Extra request headers, e.g. Authorization for a server behind a proxy. */
  readonly headers?: Record<string, string> | undefined;
}

/** `<base>/api/security/clients/`, whether or not the base URL ends in a slash. */
export function securityUrl(baseUrl: string): string {
  const base = new URL(baseUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(LESHAN_SECURITY_PATH, base).toString();
}

function errorCode(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  if (
    typeof cause === 'object' &&
    cause !== null &&
    'code' in cause &&
    typeof cause.code === 'string'
  )
    return cause.code;
  return cause instanceof Error ? cause.message : 'request failed';
}

/** PUTs each SecurityInfo in turn; one result per device, in order. Never throws. */
export async function pushToLeshan(
  baseUrl: string,
  infos: readonly LeshanSecurityInfo[],
  options: PushOptions = {},
): Promise<PushResult[]> {
  const url = securityUrl(baseUrl);
  const doFetch: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const results: PushResult[] = [];
  for (const info of infos) {
    const endpoint = info.endpoint;
    try {
      const response = await doFetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(info),
      });
      // Drain the body so the connection is reused; its text is not reported.
      await response.text().catch(() => '');
      const ok = response.status >= 200 && response.status < 300;
      results.push(
        ok
          ? { endpoint, ok, status: response.status }
          : {
              endpoint,
              ok,
              status: response.status,
              error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
            },
      );
    } catch (e) {
      results.push({ endpoint, ok: false, error: errorCode(e) });
    }
  }
  return results;
}

/** One line per failed push: `endpoint: HTTP 400 Bad Request`. */
export function describePushFailures(results: readonly PushResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `${r.endpoint}: ${r.error ?? 'failed'}`);
}

/** Where to push, as the admin may type it: credentials in the URL become a header. */
export interface PushTarget {
  /** The URL without user and password. */
  readonly url: string;
  readonly headers: Record<string, string>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The --push URL, checked: http or https; `user:password@` taken out of the URL (fetch refuses
 * such URLs, and the URL is printed) into a Basic Authorization header; plain http only to this
 * machine unless `insecureHttp`, since every device's PSK travels in the body.
 */
export function pushTarget(text: string, insecureHttp: boolean): Result<PushTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(DaemonErrorCode.ConfigurationInvalid, 'not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return fail(DaemonErrorCode.ConfigurationInvalid, `${url.protocol} is not http: or https:`);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname) && !insecureHttp)
    return fail(
      DaemonErrorCode.ConfigurationInvalid,
      `http://${url.host} would carry every device's PSK in the clear: use https://, or --insecure-http for a link you trust`,
    );
  return ok({ url: url.toString(), headers });
}
