/**
 * HTTPS for the console: a certificate made at first start for this host (kept, owner-only, and
 * the same on the next start), or the admin's own; a key that does not match is refused at start;
 * cookies are Secure under TLS.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { CERT_FILE, KEY_FILE } from '../../daemon/console/tls.js';
import { isConfiguratorError } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../../daemon/errors.js';
import { ConsoleServer } from '../../daemon/console/server.js';
import { consoleStoresOf } from '../../daemon/console/start-console.js';
import { silentLogger } from '../../daemon/logging.js';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.js';

/** The certificate the server presents, as a TLS client sees it. */
function servedCertificate(url: string): Promise<X509Certificate> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: u.hostname, port: Number(u.port), rejectUnauthorized: false },
      () => {
        const cert = socket.getPeerX509Certificate();
        socket.end();
        if (cert === undefined) reject(new Error('no certificate'));
        else resolve(cert);
      },
    );
    socket.on('error', reject);
  });
}

describe('console: HTTPS', () => {
  let c: ConsoleHarness;
  afterEach(async () => c?.close());

  it('makes a certificate for this host at first start and serves it', async () => {
    c = await startConsoleHarness({ settings: { tls: 'on' } });
    assert.match(c.server.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(statSync(join(c.dataDir, KEY_FILE)).mode & 0o777, 0o600);
    const made = new X509Certificate(readFileSync(join(c.dataDir, CERT_FILE)));
    assert.match(made.subjectAltName ?? '', /DNS:localhost/);
    assert.match(made.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal(made.checkHost('localhost'), 'localhost');
    const served = await servedCertificate(c.server.url);
    assert.equal(served.fingerprint256, c.server.tls!.fingerprint);
    assert.equal(served.fingerprint256, made.fingerprint256);
    const login = await c.server.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { token: c.tokens.admin },
    });
    assert.equal(login.cookies.find((k) => k.name === 'dppc_session')!.secure, true);
    // Under HSTS a browser would not let the admin accept a self-signed certificate at all.
    assert.equal(login.headers['strict-transport-security'], undefined);
    // The next start serves the same certificate: a browser's exception for it still holds.
    const again = await ConsoleServer.start({
      settings: { host: '127.0.0.1', port: 0, tls: 'on' },
      dataDir: c.dataDir,
      baseDir: c.dataDir,
      log: silentLogger(),
      stores: consoleStoresOf(c.stores),
      daemon: c.h.daemon,
    });
    assert.equal(again.tls!.fingerprint, made.fingerprint256);
    await again.stop();
  });

  it("refuses an admin's certificate whose key is not its own", async () => {
    c = await startConsoleHarness({ settings: { tls: 'on' } });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const keyFile = join(c.dataDir, 'other-key.pem');
    writeFileSync(keyFile, otherKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await assert.rejects(
      ConsoleServer.start({
        settings: {
          host: '127.0.0.1',
          port: 0,
          tls: 'on',
          certFile: CERT_FILE,
          keyFile: 'other-key.pem',
        },
        dataDir: c.dataDir,
        baseDir: c.dataDir,
        log: silentLogger(),
        stores: consoleStoresOf(c.stores),
        daemon: c.h.daemon,
      }),
      (e: unknown) =>
        isConfiguratorError(e, DaemonErrorCode.ConsoleTlsInvalid) &&
        /is not the key of/.test(e.message),
    );
  });
});
