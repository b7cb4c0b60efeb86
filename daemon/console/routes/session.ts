/**
 * Logging in and out: a token (admin or viewer) becomes a session cookie, HttpOnly and
 * SameSite=Strict (Secure under TLS), plus a CSRF token the page keeps in memory and sends back
 * with every change. Login attempts are rate-limited per address.
 */
import { z } from 'zod';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { callerOf } from '../auth.js';
import { HttpRefusal } from '../http-errors.js';
import { SESSION_COOKIE, type LoginSessions } from '../login-sessions.js';
import type { TokenKeeper } from '../tokens.js';
import { CONSOLE_ROLES } from '../tokens.js';
import { errorView } from '../views.js';

/** Attempts per address per minute: enough for typos, far too few to guess 256 bits. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

const sessionView = z.object({
  role: z.enum(CONSOLE_ROLES),
  actor: z.string(),
  /** Send it back in the X-CSRF-Token header with every change. */
  csrfToken: z.string().optional(),
});

export interface SessionRouteDeps {
  readonly tokens: TokenKeeper;
  readonly sessions: LoginSessions;
  readonly secureCookies: boolean;
}

/** A name for the audit log: printable, short; the role and address always follow it. */
const loginName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^\p{C}]+$/u, 'a name without control characters');

export function sessionRoutes(app: ConsoleApp, ctx: ConsoleContext, deps: SessionRouteDeps): void {
  app.post(
    '/api/login',
    {
      config: {
        access: 'public',
        rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        summary: 'Log in with the admin or viewer token; sets the session cookie',
        tags: ['session'],
        body: z.strictObject({ token: z.string().min(1).max(200), name: loginName.optional() }),
        response: { 200: sessionView, 401: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      const role = deps.tokens.roleOf(request.body.token);
      if (role === undefined) throw new HttpRefusal(401, 'not a console token');
      const where = `${role}@${request.ip}`;
      const { name } = request.body;
      const actor = name === undefined ? `console:${where}` : `console:${name} (${where})`;
      const session = deps.sessions.open(role, actor, deps.tokens.generation(role));
      reply.setCookie(SESSION_COOKIE, session.id, {
        httpOnly: true,
        sameSite: 'strict',
        secure: deps.secureCookies,
        path: '/',
      });
      ctx.log.info({ role, actor, ip: request.ip }, 'console login');
      return { role, actor, csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/logout',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'End this session',
        tags: ['session'],
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const session = callerOf(request).session;
      if (session !== undefined) deps.sessions.close(session.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/session',
    {
      schema: {
        summary: 'Who is logged in, with the CSRF token (the page calls it when it loads)',
        tags: ['session'],
        response: { 200: sessionView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return { role: caller.role, actor: caller.actor, csrfToken: caller.session?.csrfToken };
    },
  );
}
