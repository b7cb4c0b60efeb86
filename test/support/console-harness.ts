/**
 * A console on a running daemon: the daemon on the in-memory air (real bundles, a PSK LwM2M
 * account per device), its SQLite stores in a private temp dir, and the console on 127.0.0.1:0.
 * Requests go through fastify's inject (no sockets) unless a test needs the network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { silentLogger, type Logger } from '../../daemon/logging.js';
import { ConsoleServer, type ConsoleSettings } from '../../daemon/console/server.js';
import { consoleStoresOf } from '../../daemon/console/start-console.js';
import { readTokens, type ConsoleTokens } from '../../daemon/console/tokens.js';
import { openStores, type SqliteStores } from '../../daemon/service/stores.js';
import { PSK_LWM2M } from './adversary-air.js';
import { startHarness, type Harness } from './daemon-harness.js';

export interface ConsoleHarness {
  readonly h: Harness;
  readonly server: ConsoleServer;
  readonly stores: SqliteStores;
  readonly dataDir: string;
  readonly tokens: ConsoleTokens;
  /** A request with a bearer token (admin unless said otherwise). */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Log in with a token; the cookie header and the CSRF token of the session. */
  login(token: string, name?: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export async function startConsoleHarness(
  options: {
    settings?: Partial<ConsoleSettings>;
    log?: Logger;
    /** Several bridges by name (the daemon harness's radio group). */
    bridges?: readonly string[];
  } = {},
): Promise<ConsoleHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'configurator-console-'));
  const stores = openStores(dataDir);
  const h = await startHarness({
    stores,
    realBundles: true,
    profile: { lwm2m: PSK_LWM2M },
    ...(options.bridges === undefined ? {} : { bridges: options.bridges }),
  });
  const server = await ConsoleServer.start({
    settings: { host: '127.0.0.1', port: 0, tls: 'off', ...options.settings },
    dataDir,
    baseDir: dataDir,
    log: options.log ?? silentLogger(),
    stores: consoleStoresOf(stores),
    daemon: h.daemon,
  });
  const tokens = readTokens(dataDir)!;
  const call: ConsoleHarness['call'] = (method, url, o = {}) =>
    server.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${o.token ?? tokens.admin}`, ...o.headers },
      ...(o.body === undefined ? {} : { payload: o.body as object }),
    });
  return {
    h,
    server,
    stores,
    dataDir,
    tokens,
    call,
    async login(token, name) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/login',
        payload: name === undefined ? { token } : { token, name },
      });
      if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'dppc_session');
      return {
        cookie: `dppc_session=${cookie!.value}`,
        csrf: res.json<{ csrfToken: string }>().csrfToken,
      };
    },
    async close() {
      await server.stop();
      await h.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
