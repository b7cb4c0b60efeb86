/**
 * Who is asking, and may they: every request but the login and the page's static files needs a
 * caller, from a session cookie (browsers) or an `Authorization: Bearer <token>` header (scripts,
 * `configurator watch`, Prometheus). A browser's change also needs its session's CSRF token in the
 * `X-CSRF-Token` header and, when the browser names it, an Origin of this very server; a viewer
 * changes nothing. Each refusal is answered with its reason and logged.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Logger } from 'pino';
import type { ConsoleApp } from './context.js';
import { LoginSessions, SESSION_COOKIE, type LoginSession } from './login-sessions.js';
import type { ConsoleRole, TokenKeeper } from './tokens.js';

/** public: anyone (the login, the page's files); viewer: any caller; admin: admins only. */
export type Access = 'public' | 'viewer' | 'admin';

export interface Caller {
  readonly role: ConsoleRole;
  /** Who the audit log names for a change made in this request. */
  readonly actor: string;
  readonly session?: LoginSession | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthDeps {
  readonly tokens: TokenKeeper;
  readonly sessions: LoginSessions;
  readonly log: Logger;
}

/** The caller of a request that passed the hook (routes with viewer or admin access). */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === undefined) throw new Error('route reached without a caller');
  return request.caller;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function installAuth(app: ConsoleApp, deps: AuthDeps): void {
  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    reason: string,
  ): FastifyReply => {
    deps.log.info(
      { method: request.method, url: request.url, ip: request.ip, status },
      `console refused: ${reason}`,
    );
    return reply.code(status).send({ error: reason });
  };

  app.addHook('onRequest', async (request, reply) => {
    const access: Access =
      request.routeOptions.config.access ?? (SAFE_METHODS.has(request.method) ? 'viewer' : 'admin');
    if (access === 'public') return;
    const caller = identify(request, deps);
    if (caller === undefined)
      return refuse(request, reply, 401, 'log in first (or send Authorization: Bearer <token>)');
    if (!SAFE_METHODS.has(request.method) && caller.session !== undefined) {
      const origin = request.headers.origin;
      if (origin !== undefined && !sameOrigin(origin, request))
        return refuse(request, reply, 403, `a change from another origin (${origin}) is refused`);
      const csrf = request.headers['x-csrf-token'];
      if (typeof csrf !== 'string' || !sameText(csrf, caller.session.csrfToken))
        return refuse(request, reply, 403, 'missing or wrong X-CSRF-Token header');
    }
    if (access === 'admin' && caller.role !== 'admin')
      return refuse(request, reply, 403, 'the viewer role cannot change anything');
    request.caller = caller;
    return undefined;
  });
}

function identify(request: FastifyRequest, deps: AuthDeps): Caller | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([\x21-\x7e]{1,200})$/.exec(header);
    const role = match === null ? undefined : deps.tokens.roleOf(match[1]!);
    return role === undefined ? undefined : { role, actor: `console:${role}-token@${request.ip}` };
  }
  const id = request.cookies[SESSION_COOKIE];
  if (id === undefined) return undefined;
  const session = deps.sessions.touch(id, (role) => deps.tokens.generation(role));
  return session === undefined ? undefined : { role: session.role, actor: session.actor, session };
}

/** Whether the browser's Origin is this server as the browser reached it (its Host header). */
function sameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    const from = new URL(origin);
    // Through URL both ways, so that a default port reads the same on both sides.
    return from.host === new URL(`${from.protocol}//${request.headers.host ?? ''}`).host;
  } catch {
    return false;
  }
}
