/**
 * Logged-in browsers: a login with a token opens a session, kept in memory only (a restart logs
 * everyone out, which is what a rotated token or a reinstalled daemon should do anyway). Each has
 * its own CSRF token, which the page sends back in a header with every change. Bounded: the
 * oldest session goes first when a flood of logins would fill it.
 */
import { randomBytes } from 'node:crypto';
import type { ConsoleRole } from './tokens.js';

export interface LoginSession {
  readonly id: string;
  readonly role: ConsoleRole;
  /** Who the audit log names: the name given at login, or the role and the address. */
  readonly actor: string;
  readonly csrfToken: string;
  /** The token generation it was opened with (tokens.ts): a rotation ends it. */
  readonly generation: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'dppc_session';
/** A session lasts this long after its last request. */
export const SESSION_IDLE_MS = 12 * 3600_000;
const MAX_SESSIONS = 1000;

export class LoginSessions {
  private readonly sessions = new Map<string, LoginSession>();

  constructor(private readonly now: () => number = Date.now) {}

  open(role: ConsoleRole, actor: string, generation: string): LoginSession {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: LoginSession = {
      id: randomBytes(32).toString('base64url'),
      role,
      actor,
      csrfToken: randomBytes(24).toString('base64url'),
      generation,
      expiresAt: this.now() + SESSION_IDLE_MS,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its lifetime extended; undefined when none or expired. */
  touch(id: string, generationNow: (role: ConsoleRole) => string): LoginSession | undefined {
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now() || generationNow(session.role) !== session.generation) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAt = this.now() + SESSION_IDLE_MS;
    // Most recently used last: the bound drops the longest unused first.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}
