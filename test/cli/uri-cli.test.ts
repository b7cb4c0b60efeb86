import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigurator } from '../support/cli-in-process.js';
import { readPrivateKeyFile } from '../../daemon/keys/key-file.js';
import { parseDppUri } from '../../protocol/dpp/uri.js';

const KEY = 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=';
const KEY_HASH = 'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302';
const CHIRP_HASH = '826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3';

/** In this process: every case here is a command that needs no stdin and starts no daemon. */
const run = runConfigurator;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('configurator uri (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-uri-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('uri parse', () => {
    it('prints the field-notes key as one JSON line', async () => {
      const r = await run('uri', 'parse', `DPP:K:${KEY};;`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(
        r.stdout,
        `{"keyHash":"${KEY_HASH}","chirpHash":"${CHIRP_HASH}","curve":"P-256","channels":[],"mac":null,"info":null,"version":null,"host":null}\n`,
      );
      assert.equal(r.stderr, '');
    });

    it('prints every token of a full URI', async () => {
      const r = await run(
        'uri',
        'parse',
        `DPP:C:81/1,115/36;M:5254005828E5;I:SN=4774LH2b4044;V:2;B:12;H:192.168.1.1:12345;Z:later;K:${KEY};;`,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(
        r.stdout,
        `{"keyHash":"${KEY_HASH}","chirpHash":"${CHIRP_HASH}","curve":"P-256",` +
          `"channels":[{"opClass":81,"channel":1},{"opClass":115,"channel":36}],` +
          `"mac":"52:54:00:58:28:e5","info":"SN=4774LH2b4044","version":2,"host":"192.168.1.1:12345"}\n`,
      );
    });

    it('trims surrounding whitespace and newlines before parsing', async () => {
      const r = await run('uri', 'parse', `  DPP:K:${KEY};;\r\n`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).keyHash, KEY_HASH);
    });

    for (const [name, uri, reason] of [
      ['bad channel', `DPP:C:81/1a;K:${KEY};;`, /C: /],
      ['missing key', 'DPP:C:81/1;;', /K:/],
      ['not a URI', 'hello\nworld', /DPP:/],
    ] as const) {
      it(`refuses a URI with a ${name}: exit 2, one stderr line`, async () => {
        const r = await run('uri', 'parse', uri);
        assert.equal(r.status, 2);
        assert.equal(r.stdout, '');
        const err = lines(r.stderr);
        assert.equal(err.length, 1, r.stderr);
        assert.match(err[0]!, /^configurator: invalid DPP URI: /);
        assert.match(err[0]!, reason);
      });
    }
  });

  describe('uri generate', () => {
    it('prints a URI that parses and notes on stderr that the key was not saved', async () => {
      const r = await run(
        'uri',
        'generate',
        '--channel',
        '81/1,115/36',
        '--mac',
        'AA:BB:CC:DD:EE:FF',
        '--info',
        'unit 7',
        '--host',
        'cfg.example:8908',
      );
      assert.equal(r.status, 0, r.stderr);
      const out = lines(r.stdout);
      assert.equal(out.length, 1);
      const parsed = parseDppUri(out[0]!);
      assert.ok(parsed.ok, out[0]);
      assert.deepEqual(parsed.value.channels, [
        { opClass: 81, channel: 1 },
        { opClass: 115, channel: 36 },
      ]);
      assert.deepEqual(parsed.value.mac, Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff));
      assert.equal(parsed.value.info, 'unit 7');
      assert.equal(parsed.value.host, 'cfg.example:8908');
      assert.equal(parsed.value.key.der.length, 59);
      const err = lines(r.stderr);
      assert.equal(err.length, 1);
      assert.match(err[0]!, /not saved/);
    });

    it('--out-key writes a 0600 key file that matches the printed URI', async () => {
      const file = join(dir, 'bootstrap.pem');
      const r = await run('uri', 'generate', '--out-key', file);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
      const parsed = parseDppUri(r.stdout.trim());
      assert.ok(parsed.ok, r.stdout);
      assert.deepEqual(readPrivateKeyFile(file).publicKey, parsed.value.key.point);
    });

    it('--out-key refuses to overwrite an existing file', async () => {
      const file = join(dir, 'existing.pem');
      writeFileSync(file, 'keep me');
      const r = await run('uri', 'generate', '--out-key', file);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      const err = lines(r.stderr);
      assert.equal(err.length, 1);
      assert.match(err[0]!, /^configurator: refusing to overwrite .*existing\.pem/);
      assert.equal(readFileSync(file, 'utf8'), 'keep me');
    });

    for (const [flag, value] of [
      ['--channel', '81/1,,6'],
      ['--mac', 'aa:bb:cc'],
      ['--info', 'semi;colon'],
      ['--host', 'bad host'],
    ] as const) {
      it(`refuses an invalid ${flag}: exit 2, one stderr line, no key file`, async () => {
        const file = join(dir, `never-${flag.slice(2)}.pem`);
        const r = await run('uri', 'generate', flag, value, '--out-key', file);
        assert.equal(r.status, 2);
        assert.equal(r.stdout, '');
        const err = lines(r.stderr);
        assert.equal(err.length, 1);
        assert.match(err[0]!, new RegExp(`^configurator: invalid ${flag}: `));
        assert.throws(() => statSync(file), { code: 'ENOENT' });
      });
    }
  });
});

describe('configurator identity (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-identity-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('puts a valid channel and host in the URI, and refuses bad ones as invalid input (exit 2)', async () => {
    const good = await run(
      '--data-dir',
      dir,
      'identity',
      '--no-qr',
      '--channel',
      '6',
      '--host',
      '127.0.0.1:8908',
    );
    assert.equal(good.status, 0, good.stderr);
    const uri = parseDppUri(good.stdout.trim());
    assert.ok(uri.ok);
    assert.deepEqual(uri.value.channels, [{ opClass: 81, channel: 6 }]);
    assert.match(good.stdout, /;H:127\.0\.0\.1:8908;/);
    for (const [option, value] of [
      ['--host', 'evil;K:AAAA'],
      ['--channel', '0x6'],
      ['--channel', '15'],
    ] as const) {
      const r = await run('--data-dir', dir, 'identity', '--no-qr', option, value);
      assert.equal(r.status, 2, `${option} ${value}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^configurator: ${option}: `));
    }
  });

  it('refuses a configurator key its group can read, with the chmod that fixes it (exit 1)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dpp-identity-open-'));
    try {
      assert.equal((await run('--data-dir', dataDir, 'identity', '--no-qr')).status, 0);
      const key = join(dataDir, 'configurator-key.pem');
      chmodSync(key, 0o640);
      const r = await run('--data-dir', dataDir, 'identity', '--no-qr');
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`${key} \\(mode 0640\\) is open to group or others`));
      assert.match(r.stderr, new RegExp(`Fix: chmod 600 ${key} `));
      assert.equal(r.stdout, '');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
