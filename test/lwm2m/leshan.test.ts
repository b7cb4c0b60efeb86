/**
 * Leshan SecurityInfo bodies (2.x and 1.x forms) and the push to a Leshan REST API, against a
 * local HTTP server that records each request and answers 200 or 400 per endpoint.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExportEntry } from '../../daemon/lwm2m/export.js';
import {
  describePushFailures,
  leshanSecurityInfos,
  pushTarget,
  pushToLeshan,
  securityUrl,
  type LeshanSecurityInfo,
} from '../../daemon/lwm2m/leshan.js';

const KEY_A = '00112233445566778899aabbccddeeff';
const KEY_B = 'ffeeddccbbaa99887766554433221100';

function entry(endpoint: string, accounts: ExportEntry['secrets']['accounts']): ExportEntry {
  return {
    device: { keyHash: 'a'.repeat(64) },
    secrets: { version: 1, endpoint, accounts },
  };
}

const PSK = entry('ep-psk', [
  { account: 'bootstrap', mode: 'psk', identity: 'bs-id', key: KEY_B },
  { account: 'server:1', mode: 'psk', identity: 'dm-id', key: KEY_A },
]);
const CERT = entry('ep-cert', [{ account: 'server:1', mode: 'certificate' }]);
const NOSEC = entry('ep-nosec', [{ account: 'server:1', mode: 'nosec' }]);

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

describe('Leshan security info', () => {
  it('builds Leshan 2.x bodies for PSK and X.509, skipping nosec', () => {
    const { infos, skipped } = leshanSecurityInfos([PSK, CERT, NOSEC]);
    assert.deepEqual(infos, [
      { endpoint: 'ep-psk', tls: { mode: 'psk', details: { identity: 'dm-id', key: KEY_A } } },
      { endpoint: 'ep-cert', tls: { mode: 'x509' } },
    ]);
    assert.deepEqual(skipped, [{ endpoint: 'ep-nosec', reason: 'server:1 uses nosec' }]);
  });

  it('builds Leshan 1.x bodies, and picks the account asked for', () => {
    const v1 = leshanSecurityInfos([PSK, CERT], { version: 1 }).infos;
    assert.deepEqual(v1, [
      { endpoint: 'ep-psk', psk: { identity: 'dm-id', key: KEY_A } },
      { endpoint: 'ep-cert', x509: true },
    ]);
    const bs = leshanSecurityInfos([PSK, CERT], { account: 'bootstrap' });
    assert.deepEqual(bs.infos, [
      { endpoint: 'ep-psk', tls: { mode: 'psk', details: { identity: 'bs-id', key: KEY_B } } },
    ]);
    assert.deepEqual(bs.skipped, [{ endpoint: 'ep-cert', reason: 'no account bootstrap' }]);
  });

  it('puts to <base>/api/security/clients/ with or without a trailing slash', () => {
    assert.equal(securityUrl('http://h:8080'), 'http://h:8080/api/security/clients/');
    assert.equal(securityUrl('http://h:8080/leshan'), 'http://h:8080/leshan/api/security/clients/');
    assert.equal(
      securityUrl('http://h:8080/leshan/'),
      'http://h:8080/leshan/api/security/clients/',
    );
  });

  describe('the --push URL', () => {
    it('takes user and password out of the URL into a Basic header', () => {
      const t = pushTarget('https://admin:s%40cret@leshan.example:8443/', false);
      assert.ok(t.ok);
      assert.equal(t.value.url, 'https://leshan.example:8443/');
      assert.deepEqual(t.value.headers, {
        authorization: `Basic ${Buffer.from('admin:s@cret').toString('base64')}`,
      });
    });

    it('refuses plain http to another machine unless told, and allows it to this one', () => {
      const remote = pushTarget('http://leshan.example:8080/', false);
      assert.ok(!remote.ok);
      assert.match(remote.error.message, /in the clear: use https:\/\/, or --insecure-http/);
      assert.ok(pushTarget('http://leshan.example:8080/', true).ok);
      for (const local of [
        'http://localhost:8080/',
        'http://127.0.0.1:8080/',
        'http://[::1]:8080/',
      ])
        assert.ok(pushTarget(local, false).ok, local);
    });

    it('refuses what is not an http(s) URL', () => {
      assert.ok(!pushTarget('leshan.example', false).ok);
      assert.ok(!pushTarget('ftp://leshan.example/', false).ok);
    });
  });

  describe('push', () => {
    let server: Server;
    let base: string;
    const requests: Recorded[] = [];

    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const parsed: unknown = JSON.parse(body);
          requests.push({
            method: req.method ?? '',
            url: req.url ?? '',
            contentType: req.headers['content-type'],
            body: parsed,
          });
          const refused =
            typeof parsed === 'object' &&
            parsed !== null &&
            'endpoint' in parsed &&
            parsed.endpoint === 'ep-taken';
          // Leshan answers a refused entry with 400 and a reason that may quote the request.
          res.writeHead(refused ? 400 : 200, { 'content-type': 'text/plain' });
          res.end(refused ? `Invalid request body: ${body}` : '');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      requests.length = 0;
    });

    it('PUTs one JSON body per device and reports each success', async () => {
      const { infos } = leshanSecurityInfos([PSK, CERT]);
      const results = await pushToLeshan(base, infos);
      assert.deepEqual(results, [
        { endpoint: 'ep-psk', ok: true, status: 200 },
        { endpoint: 'ep-cert', ok: true, status: 200 },
      ]);
      assert.deepEqual(
        requests.map((r) => [r.method, r.url, r.contentType]),
        [
          ['PUT', '/api/security/clients/', 'application/json'],
          ['PUT', '/api/security/clients/', 'application/json'],
        ],
      );
      assert.deepEqual(
        requests.map((r) => r.body),
        infos,
      );
    });

    it('reports a 400 with the endpoint and status, never the key, and goes on', async () => {
      const taken: LeshanSecurityInfo = {
        endpoint: 'ep-taken',
        tls: { mode: 'psk', details: { identity: 'dup', key: KEY_B } },
      };
      const { infos } = leshanSecurityInfos([PSK]);
      const results = await pushToLeshan(base, [taken, ...infos]);
      assert.deepEqual(results, [
        { endpoint: 'ep-taken', ok: false, status: 400, error: 'HTTP 400 Bad Request' },
        { endpoint: 'ep-psk', ok: true, status: 200 },
      ]);
      assert.equal(requests.length, 2);
      const lines = describePushFailures(results);
      assert.deepEqual(lines, ['ep-taken: HTTP 400 Bad Request']);
      assert.doesNotMatch(JSON.stringify(results), new RegExp(KEY_B));
    });

    it('reports a server that cannot be reached, per device', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const results = await pushToLeshan(
        `http://127.0.0.1:${port}`,
        leshanSecurityInfos([PSK]).infos,
      );
      assert.equal(results.length, 1);
      assert.equal(results[0]!.ok, false);
      assert.equal(results[0]!.error, 'ECONNREFUSED');
    });

    it('uses an injected fetch', async () => {
      const seen: string[] = [];
      const results = await pushToLeshan(
        'http://leshan.invalid',
        leshanSecurityInfos([CERT]).infos,
        {
          fetch: (url, init) => {
            seen.push(`${init.method} ${url} ${init.body}`);
            return Promise.resolve({
              status: 204,
              statusText: 'No Content',
              text: () => Promise.resolve(''),
            });
          },
        },
      );
      assert.deepEqual(seen, [
        'PUT http://leshan.invalid/api/security/clients/ {"endpoint":"ep-cert","tls":{"mode":"x509"}}',
      ]);
      assert.deepEqual(results, [{ endpoint: 'ep-cert', ok: true, status: 204 }]);
      assert.equal(requests.length, 0);
    });
  });
});
