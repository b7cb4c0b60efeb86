/**
 * The console's live events as a command reads them: GET /api/events (server-sent events) with a
 * bearer token, over HTTP, or over HTTPS trusting exactly one certificate. The certificate is the
 * only trust anchor given (`ca`) and its SHA-256 fingerprint must match what the server presents,
 * so neither a public CA nor a host name vouches for a server: the token is sent to that
 * certificate's holder or to nobody (the check is part of the handshake, before any request
 * byte). Nothing here changes how the rest of the process verifies certificates.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

/** The certificate a console must present. */
export interface PinnedCertificate {
  /** Where it was read from, for messages. */
  readonly file: string;
  readonly pem: string;
  /** SHA-256 of its DER, AB:CD:… (as X509Certificate.fingerprint256 gives it). */
  readonly fingerprint: string;
  /**
   * An admin's own certificate may be issued by a public CA that vouches for the chain; the
   * fingerprint must still be its own. A self-signed one is its own only anchor.
   */
  readonly withPublicRoots: boolean;
}

export interface StreamTarget {
  /** The console's address (its root, e.g. https://127.0.0.1:8909/). */
  readonly url: URL;
  readonly token: string;
  /** Required for https. */
  readonly pin?: PinnedCertificate | undefined;
}

/**
 * Why a stream did not open: `unreachable` (nothing answers there, yet), `certificate` (not the
 * pinned one), `refused` (the token: 401 or 403), `failed` (anything else the server said).
 */
export interface StreamFailure {
  readonly kind: 'unreachable' | 'certificate' | 'refused' | 'failed';
  readonly message: string;
}

export type StreamEnd =
  | { readonly opened: false; readonly failure: StreamFailure }
  | { readonly opened: true; readonly why: string };

export interface StreamHandlers {
  readonly onOpen: () => void;
  /** One event: its type and its data, parsed as JSON (events whose data is not JSON are skipped). */
  readonly onEvent: (type: string, data: unknown) => void;
  /** The server's `retry:` advice, in ms. */
  readonly onRetry?: (ms: number) => void;
}

export interface EventStream {
  /** Settles once: the stream did not open, or it ended (closed here, or dropped). */
  readonly ended: Promise<StreamEnd>;
  close(): void;
}

/** Silence after which a stream counts as dropped: the console sends a status every 2 s. */
export const STREAM_IDLE_MS = 30_000;
/** A line longer than this is no event the console sends. */
const MAX_LINE_CHARS = 1024 * 1024;
/** The start of an error answer's body kept for the message. */
const MAX_ERROR_BODY = 4096;

class PinMismatch extends Error {}

/** Codes node and OpenSSL give a handshake whose certificate is not trusted. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Server-sent events, line by line (WHATWG HTML, "event stream interpretation"). */
export class EventStreamParser {
  private pending = '';
  private type = '';
  private data: string[] = [];

  constructor(
    private readonly emit: (type: string, data: string) => void,
    private readonly onRetry: (ms: number) => void = () => undefined,
  ) {}

  /** Feed text; throws when a line grows past any event the console sends. */
  push(chunk: string): void {
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, newline).replace(/\r$/, '');
      this.pending = this.pending.slice(newline + 1);
      this.line(line);
    }
    if (this.pending.length > MAX_LINE_CHARS) throw new Error('an overlong line in the stream');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0)
        this.emit(this.type === '' ? 'message' : this.type, this.data.join('\n'));
      this.type = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) this.onRetry(Number(value));
  }
}

function failureOf(e: NodeJS.ErrnoException, target: StreamTarget): StreamFailure {
  const where = target.url.origin;
  if (e instanceof PinMismatch) return { kind: 'certificate', message: e.message };
  const code = e.code ?? '';
  if (CERTIFICATE_CODES.has(code) && target.pin !== undefined)
    return {
      kind: 'certificate',
      message: `the console at ${where} does not present the certificate in ${target.pin.file} (SHA-256 ${target.pin.fingerprint}): ${e.message}; not connecting`,
    };
  const https = target.url.protocol === 'https:';
  if (UNREACHABLE_CODES.has(code)) {
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET' && !https
          ? `${e.message}: does it serve https?`
          : e.message;
    return { kind: 'unreachable', message: `no console answers at ${where} (${what})` };
  }
  const hint = code === 'EPROTO' && https ? ' (does it serve plain http?)' : '';
  return { kind: 'failed', message: `${where}: ${e.message}${hint}` };
}

/** An answer other than the stream: its status and the console's reason. */
function refusal(res: IncomingMessage, target: StreamTarget, settle: (e: StreamEnd) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    if (body.length < MAX_ERROR_BODY) body += d;
  });
  res.on('close', () => {
    let reason = body.slice(0, 200).trim();
    try {
      const parsed = JSON.parse(body) as { error?: unknown };
      if (typeof parsed.error === 'string') reason = parsed.error;
    } catch {
      // not JSON: the text as it came
    }
    const status = res.statusCode ?? 0;
    settle({
      opened: false,
      failure: {
        kind: status === 401 || status === 403 ? 'refused' : 'failed',
        message: `the console at ${target.url.origin} answered ${status}${reason === '' ? '' : `: ${reason}`}`,
      },
    });
  });
}

/** Open the stream; events reach `handlers` until it ends or close() is called. */
export function openEventStream(target: StreamTarget, handlers: StreamHandlers): EventStream {
  let settle!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => {
    let settled = false;
    settle = (end) => {
      if (settled) return;
      settled = true;
      resolve(end);
    };
  });
  let opened = false;
  let closedHere = false;
  const url = new URL('api/events', target.url);
  const options = {
    method: 'GET',
    headers: { authorization: `Bearer ${target.token}`, accept: 'text/event-stream' },
    // A connection of its own: no pooled socket, no TLS session resumed past the checks below.
    agent: false as const,
    timeout: STREAM_IDLE_MS,
  };
  let req: ClientRequest;
  if (url.protocol === 'https:') {
    const pin = target.pin;
    if (pin === undefined) throw new Error('an https console needs a pinned certificate');
    req = httpsRequest(url, {
      ...options,
      ca: pin.withPublicRoots ? [pin.pem, ...rootCertificates] : [pin.pem],
      rejectUnauthorized: true,
      // Called once the chain is trusted: the certificate must be the pinned one itself, which
      // stands in for the host name check (a self-signed one names the hosts it was made for).
      checkServerIdentity: (_host, cert) =>
        cert.fingerprint256 === pin.fingerprint
          ? undefined
          : new PinMismatch(
              `the console at ${target.url.origin} presents the certificate SHA-256 ${cert.fingerprint256}, not the one in ${pin.file} (SHA-256 ${pin.fingerprint}); not connecting`,
            ),
    });
  } else {
    req = httpRequest(url, options);
  }

  req.on('timeout', () =>
    req.destroy(
      Object.assign(new Error(`nothing heard for ${STREAM_IDLE_MS / 1000} s`), {
        code: 'ETIMEDOUT',
      }),
    ),
  );
  req.on('error', (e: NodeJS.ErrnoException) => {
    if (closedHere)
      settle(
        opened
          ? { opened: true, why: 'closed' }
          : { opened: false, failure: { kind: 'failed', message: 'closed' } },
      );
    else if (opened) settle({ opened: true, why: e.message });
    else settle({ opened: false, failure: failureOf(e, target) });
  });
  req.on('response', (res) => {
    if (res.statusCode !== 200) return refusal(res, target, settle);
    const type = res.headers['content-type'] ?? '';
    if (!type.startsWith('text/event-stream')) {
      res.resume();
      settle({
        opened: false,
        failure: {
          kind: 'failed',
          message: `${url.href} answered ${type || 'no content type'}, not an event stream: is it a configurator console?`,
        },
      });
      req.destroy();
      return;
    }
    opened = true;
    handlers.onOpen();
    const parser = new EventStreamParser((eventType, text) => {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        return;
      }
      handlers.onEvent(eventType, data);
    }, handlers.onRetry);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      try {
        parser.push(chunk);
      } catch (e) {
        req.destroy(e as Error);
      }
    });
    res.on('error', (e: NodeJS.ErrnoException) =>
      settle({
        opened: true,
        why: closedHere ? 'closed' : e.code === 'ETIMEDOUT' ? e.message : 'the connection closed',
      }),
    );
    res.on('close', () =>
      settle({ opened: true, why: closedHere ? 'closed' : 'the console ended the stream' }),
    );
  });
  req.end();

  return {
    ended,
    close() {
      closedHere = true;
      req.destroy();
    },
  };
}
