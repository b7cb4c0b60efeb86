/** The console API from the page: the session cookie goes by itself; changes carry the CSRF
 * token the login gave; an error answer becomes an ApiError with the daemon's reason. */
import type { SessionInfo } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

let session: SessionInfo | undefined;

export function currentSession(): SessionInfo | undefined {
  return session;
}

export function setSession(s: SessionInfo | undefined): void {
  session = s;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session?.csrfToken !== undefined)
    headers['x-csrf-token'] = session.csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = { error: text };
  }
  if (!res.ok) {
    const b = (parsed ?? {}) as Record<string, unknown>;
    throw new ApiError(
      res.status,
      typeof b['error'] === 'string' ? b['error'] : `HTTP ${res.status}`,
      b,
    );
  }
  return parsed as T;
}

export function isAdmin(): boolean {
  return session?.role === 'admin';
}

/** The message to show for a failed call. */
export function reasonOf(e: unknown): string {
  if (e instanceof ApiError) {
    const problems = e.body['problems'];
    if (Array.isArray(problems))
      return `${e.message}\n${problems.map((p: { where: string; reason: string }) => `${p.where}: ${p.reason}`).join('\n')}`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
