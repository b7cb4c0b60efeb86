/**
 * Who may use the console: every route of the API refuses a request without a token or session,
 * a viewer changes nothing, a browser's change needs its CSRF token and this server's origin,
 * logins are rate-limited, and a rotated token ends the sessions opened with the old one.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { rotateToken, tokensPath } from '../../daemon/console/tokens.js';
import { LOGIN_ATTEMPTS_PER_MINUTE } from '../../daemon/console/routes/session.js';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.js';

const HASH = 'ab'.repeat(32);

/** Every route in the OpenAPI document, with its path parameters filled in. */
function apiRoutes(c: ConsoleHarness): { method: string; url: string }[] {
  const doc = c.server.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({
      method: method.toUpperCase(),
      url: path.replace('{hash}', HASH).replace('{id}', HASH),
    })),
  );
}

describe('console: authentication and roles', () => {
  let c: ConsoleHarness;
  afterEach(async () => c?.close());

  it('makes its tokens at first start, owner-only, one per role', async () => {
    c = await startConsoleHarness();
    assert.equal(statSync(tokensPath(c.dataDir)).mode & 0o777, 0o600);
    assert.match(c.tokens.admin, /^admin-[A-Za-z0-9_-]{43}$/);
    assert.match(c.tokens.viewer, /^viewer-[A-Za-z0-9_-]{43}$/);
  });

  it('refuses every API route without a token or a session', async () => {
    c = await startConsoleHarness();
    const routes = apiRoutes(c).filter((r) => r.url !== '/api/login');
    assert.ok(routes.length >= 15, `only ${routes.length} routes documented`);
    for (const r of routes) {
      const res = await c.server.app.inject({ method: r.method as 'GET', url: r.url });
      assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
      assert.match(res.json<{ error: string }>().error, /log in first/);
      const wrong = await c.call(r.method as 'GET', r.url, { token: `admin-${'A'.repeat(43)}` });
      assert.equal(wrong.statusCode, 401, `${r.method} ${r.url} with a made-up token`);
    }
  });

  it('lets a viewer read everything and change nothing', async () => {
    c = await startConsoleHarness();
    for (const r of apiRoutes(c).filter((r) => r.method !== 'GET' && r.url !== '/api/login')) {
      if (r.url === '/api/logout') continue;
      const res = await c.call(r.method as 'POST', r.url, { token: c.tokens.viewer, body: {} });
      assert.equal(res.statusCode, 403, `${r.method} ${r.url}`);
      assert.match(res.json<{ error: string }>().error, /viewer role cannot change anything/);
    }
    const list = await c.call('GET', '/api/whitelist', { token: c.tokens.viewer });
    assert.equal(list.statusCode, 200);
    assert.equal(c.stores.whitelistStore.count(), 0);
  });

  it('turns a token into an HttpOnly, SameSite=Strict session cookie', async () => {
    c = await startConsoleHarness();
    const res = await c.server.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { token: c.tokens.admin, name: 'Ann' },
    });
    assert.equal(res.statusCode, 200);
    const cookie = res.cookies.find((k) => k.name === 'dppc_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.secure, undefined, 'plain HTTP on loopback: no Secure flag');
    assert.equal(res.json<{ role: string }>().role, 'admin');
    assert.match(res.json<{ actor: string }>().actor, /^console:Ann \(admin@127\.0\.0\.1\)$/);
  });

  it("refuses a browser's change without its CSRF token, or from another origin", async () => {
    c = await startConsoleHarness();
    const { cookie, csrf } = await c.login(c.tokens.admin, 'Ann');
    const add = (headers: Record<string, string>) =>
      c.server.app.inject({
        method: 'POST',
        url: '/api/whitelist',
        headers: { cookie, ...headers },
        payload: { hash: HASH },
      });
    const none = await add({});
    assert.equal(none.statusCode, 403);
    assert.match(none.json<{ error: string }>().error, /X-CSRF-Token/);
    assert.equal((await add({ 'x-csrf-token': `${csrf}x` })).statusCode, 403);
    const foreign = await add({ 'x-csrf-token': csrf, origin: 'https://evil.example' });
    assert.equal(foreign.statusCode, 403);
    assert.match(foreign.json<{ error: string }>().error, /another origin/);
    assert.equal(c.stores.whitelistStore.count(), 0);
    const ok = await add({
      'x-csrf-token': csrf,
      origin: 'http://localhost:80',
      host: 'localhost:80',
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const [record] = c.stores.auditLog.list({ kind: 'whitelist-added' });
    assert.equal(record!.actor, 'console:Ann (admin@127.0.0.1)');
  });

  it('limits login attempts per address', async () => {
    c = await startConsoleHarness();
    const attempt = () =>
      c.server.app.inject({ method: 'POST', url: '/api/login', payload: { token: 'guess' } });
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_MINUTE; i++)
      assert.equal((await attempt()).statusCode, 401);
    const limited = await attempt();
    assert.equal(limited.statusCode, 429);
    // Even the right token waits: the limit counts attempts, not failures.
    const right = await c.server.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { token: c.tokens.admin },
    });
    assert.equal(right.statusCode, 429);
  });

  it('ends the sessions and refuses the token of a role whose token was rotated', async () => {
    c = await startConsoleHarness();
    const { cookie } = await c.login(c.tokens.viewer);
    const before = await c.server.app.inject({
      method: 'GET',
      url: '/api/status',
      headers: { cookie },
    });
    assert.equal(before.statusCode, 200);
    const rotated = rotateToken(c.dataDir, 'viewer').tokens;
    assert.notEqual(rotated.viewer, c.tokens.viewer);
    assert.equal(rotated.admin, c.tokens.admin);
    const after = await c.server.app.inject({
      method: 'GET',
      url: '/api/status',
      headers: { cookie },
    });
    assert.equal(after.statusCode, 401);
    assert.equal((await c.call('GET', '/api/status', { token: c.tokens.viewer })).statusCode, 401);
    assert.equal((await c.call('GET', '/api/status', { token: rotated.viewer })).statusCode, 200);
    assert.equal((await c.call('GET', '/api/status')).statusCode, 200, 'the admin token stays');
  });

  it('ends a session at logout', async () => {
    c = await startConsoleHarness();
    const { cookie, csrf } = await c.login(c.tokens.admin);
    const out = await c.server.app.inject({
      method: 'POST',
      url: '/api/logout',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    assert.equal(out.statusCode, 204);
    const after = await c.server.app.inject({
      method: 'GET',
      url: '/api/status',
      headers: { cookie },
    });
    assert.equal(after.statusCode, 401);
  });

  it('serves the page and its files without a login, with a strict content security policy', async () => {
    c = await startConsoleHarness();
    for (const url of [
      '/',
      '/style.css',
      '/assets/app.js',
      '/vendor/barcode-detector.js',
      '/vendor/zxing_reader.wasm',
    ]) {
      const res = await c.server.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
    }
    for (const url of [
      '/assets/..%2Fdaemon%2Fconsole%2Fserver.js',
      '/assets/nothing.js',
      '/vendor/x.js',
    ])
      assert.equal((await c.server.app.inject({ method: 'GET', url })).statusCode, 404, url);
  });
});
