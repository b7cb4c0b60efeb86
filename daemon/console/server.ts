/**
 * The console's HTTP(S) server: fastify with zod schemas on every route (they validate requests
 * and answers, and make the OpenAPI document at /api/openapi.json), authentication on every
 * request but the login and the page's own files, and security headers on every answer. It runs
 * in the daemon's process on the daemon's stores; docs/console.md describes it.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { ConfiguratorError } from '../../protocol/errors.js';
import { VERSION } from '../version.js';
import { DaemonErrorCode } from '../errors.js';
import { installAuth } from './auth.js';
import type { ConsoleApp, ConsoleContext, ConsoleDaemon, ConsoleStores } from './context.js';
import { ConsoleEvents } from './events.js';
import { answerError } from './http-errors.js';
import { LoginSessions } from './login-sessions.js';
import { ExchangeDurations } from './metrics.js';
import { pageRoutes } from './page-routes.js';
import { auditRoutes } from './routes/audit.js';
import { deviceRoutes } from './routes/devices.js';
import { eventRoutes } from './routes/events.js';
import { sessionRoutes } from './routes/session.js';
import { statusRoutes } from './routes/status.js';
import { whitelistRoutes } from './routes/whitelist.js';
import { consoleTls, type ConsoleTls, type ConsoleTlsSettings } from './tls.js';
import { TokenKeeper } from './tokens.js';

export interface ConsoleSettings extends ConsoleTlsSettings {
  readonly port: number;
}

export interface ConsoleOptions {
  readonly settings: ConsoleSettings;
  readonly dataDir: string;
  /** Where relative certFile/keyFile paths start (the configuration file's folder). */
  readonly baseDir: string;
  readonly log: Logger;
  readonly stores: ConsoleStores;
  readonly daemon: ConsoleDaemon;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; " +
    // The QR decoder is WebAssembly (zxing-wasm), compiled in the page.
    "script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export class ConsoleServer {
  private constructor(
    readonly app: ConsoleApp,
    readonly url: string,
    readonly tls: ConsoleTls | undefined,
    private readonly events: ConsoleEvents,
  ) {}

  static async start(options: ConsoleOptions): Promise<ConsoleServer> {
    const { settings, log } = options;
    const tls = consoleTls(settings, options.dataDir, options.baseDir);
    const tokens = new TokenKeeper(options.dataDir);
    const events = new ConsoleEvents(options.daemon, options.stores.audit, log);
    const ctx: ConsoleContext = { stores: options.stores, daemon: options.daemon, events, log };
    const app = await buildApp(ctx, {
      tokens,
      sessions: new LoginSessions(),
      tls,
      durations: new ExchangeDurations(options.daemon),
    });
    try {
      await app.listen({ host: settings.host, port: settings.port });
    } catch (e) {
      await app.close();
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfiguratorError(
        DaemonErrorCode.ConsoleUnavailable,
        code === 'EADDRINUSE'
          ? `console: ${settings.host}:${settings.port} is in use (another daemon?): set console.port ` +
              '(or CONFIGURATOR_CONSOLE_PORT), or console.enabled: false'
          : `console: cannot listen on ${settings.host}:${settings.port}: ${(e as Error).message}`,
      );
    }
    events.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : settings.port;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    return new ConsoleServer(
      app,
      `${tls === undefined ? 'http' : 'https'}://${host}:${port}/`,
      tls,
      events,
    );
  }

  async stop(): Promise<void> {
    this.events.stop();
    await this.app.close();
  }
}

interface AppParts {
  readonly tokens: TokenKeeper;
  readonly sessions: LoginSessions;
  readonly tls: ConsoleTls | undefined;
  readonly durations: ExchangeDurations;
}

async function buildApp(ctx: ConsoleContext, parts: AppParts): Promise<ConsoleApp> {
  const { tls } = parts;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // Open event streams must not hold a shutdown.
    forceCloseConnections: true,
    serverFactory: (handler) =>
      tls === undefined
        ? createHttpServer(handler)
        : // Same request/response API; typed as http's so one app type serves both.
          (createHttpsServer({ cert: tls.cert, key: tls.key }, handler) as unknown as Server),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) =>
    answerError(ctx.log, error as FastifyError, request, reply),
  );
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `no such page or route: ${request.method} ${request.url}` }),
  );
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      if (!reply.hasHeader(name)) reply.header(name, value);
    // Not for a self-signed certificate: under HSTS a browser no longer lets its user accept one.
    if (tls !== undefined && !tls.selfSigned)
      reply.header('strict-transport-security', 'max-age=31536000');
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'dpp-configurator console',
        version: VERSION,
        description:
          'Whitelist, devices, audit log and live events of a DPP configurator daemon. ' +
          'Authenticate with a session cookie (POST /api/login) plus X-CSRF-Token on changes, ' +
          'or with Authorization: Bearer <token>.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'dppc_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  installAuth(app, { tokens: parts.tokens, sessions: parts.sessions, log: ctx.log });
  sessionRoutes(app, ctx, {
    tokens: parts.tokens,
    sessions: parts.sessions,
    secureCookies: tls !== undefined,
  });
  whitelistRoutes(app, ctx);
  deviceRoutes(app, ctx);
  auditRoutes(app, ctx);
  statusRoutes(app, ctx, parts.durations);
  eventRoutes(app, ctx);
  pageRoutes(app);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
