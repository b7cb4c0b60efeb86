import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/config/load.js';
import { ConfiguratorError } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

describe('daemon configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'configurator-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string, mode = 0o600): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  }

  function refusal(f: () => unknown): string {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ConfiguratorError);
      assert.equal(e.code, DaemonErrorCode.ConfigurationInvalid);
      return e.message;
    }
    assert.fail('expected a refusal');
  }

  const PROFILE = 'profiles:\n  plant:\n    wifi: { ssid: Plant, passphrase: "correct horse" }\n';

  it('gives every default without a file', () => {
    const c = loadConfig({ dataDir: dir, env: {} });
    assert.equal(c.file, undefined);
    assert.equal(c.tcp.port, 8908);
    assert.equal(c.tcp.host, '127.0.0.1');
    assert.deepEqual(c.radio.bridges, [
      { name: 'auto', port: 'auto', channel: 6, profile: 'default', key: 'radio' },
    ]);
    assert.equal(c.sessions.maxConcurrent, 1000);
    assert.equal(c.profiles.size, 0);
  });

  it("gives DPP/TCP's limits, the exchange's deadline following the session timeouts", () => {
    let c = loadConfig({ dataDir: dir, env: {} });
    assert.equal(c.tcp.maxConnectionsPerAddress, 100);
    assert.equal(c.tcp.messageTimeoutMs, 5000);
    // authentication 10 s + two configuration steps of 10 s + Connection Status 30 s + 5 s
    assert.equal(c.tcp.connectionTimeoutMs, 65_000);
    write('config.json', JSON.stringify({ sessions: { connStatusTimeoutMs: 120_000 } }));
    c = loadConfig({ dataDir: dir, env: {} });
    assert.equal(c.tcp.connectionTimeoutMs, 155_000);
    assert.deepEqual(c.warnings, []);
  });

  it('warns when tcp.connectionTimeoutMs would cut sessions short, and takes it as given', () => {
    write('config.json', JSON.stringify({ tcp: { connectionTimeoutMs: 20_000 } }));
    const c = loadConfig({ dataDir: dir, env: {} });
    assert.equal(c.tcp.connectionTimeoutMs, 20_000);
    assert.equal(c.warnings.length, 1);
    assert.match(
      c.warnings[0]!,
      /tcp\.connectionTimeoutMs \(20000\) is shorter than .* \(65000 ms\)/,
    );
    write('config.json', JSON.stringify({ tcp: { messageTimeoutMs: 10 } }));
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: {} })),
      /tcp\.messageTimeoutMs: /,
    );
  });

  it('reads <dataDir>/config.yaml and resolves a profile', () => {
    write('config.yaml', `defaultProfile: plant\n${PROFILE}`);
    const c = loadConfig({ dataDir: dir, env: {} });
    const p = c.profiles.get('plant')!;
    assert.equal(p.ssid, 'Plant');
    assert.deepEqual(p.credential, { akm: 'psk', pass: 'correct horse' });
    assert.equal(p.requireMutual, false);
    assert.equal(p.allowReprovision, true);
    assert.deepEqual(c.warnings, []);
  });

  it('names the bad key', () => {
    write('config.yaml', `sessions: { retransmitMs: "fast" }\n${PROFILE}`);
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: {} })),
      /sessions\.retransmitMs: /,
    );
    write('config.yaml', `radio: { prot: auto }\n`);
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: {} })),
      /radio: Unrecognized key: "prot"/,
    );
  });

  it('counts an SSID in UTF-8 bytes: 16 × "é" (32 bytes) passes, 17 × "é" (34 bytes) is refused', () => {
    const withSsid = (ssid: string) =>
      write(
        'config.json',
        JSON.stringify({ profiles: { p: { wifi: { ssid, passphrase: 'correct horse' } } } }),
      );
    withSsid('é'.repeat(16));
    assert.equal(loadConfig({ dataDir: dir, env: {} }).profiles.get('p')!.ssid, 'é'.repeat(16));
    withSsid('é'.repeat(17));
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: {} })),
      /profiles\.p\.wifi\.ssid: an SSID is 1–32 bytes in UTF-8; this one is 34 bytes/,
    );
    withSsid('');
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: {} })),
      /wifi\.ssid: .* 0 bytes/,
    );
  });

  it('checks the Wi-Fi credential without printing it', () => {
    write('config.yaml', 'profiles:\n  p:\n    wifi: { ssid: S, passphrase: "short" }\n');
    const message = refusal(() => loadConfig({ dataDir: dir, env: {} }));
    assert.match(message, /profiles\.p\.wifi: /);
    assert.ok(!message.includes('short'), message);
  });

  it('reads a passphrase file relative to the config file, and warns about a readable inline secret', () => {
    write('wifi.pass', 'from the file\n');
    write(
      'site.yaml',
      'profiles:\n  a:\n    wifi: { ssid: A, passphraseFile: wifi.pass }\n  b:\n    wifi: { ssid: B, passphrase: "inline secret" }\n',
      0o644,
    );
    const c = loadConfig({ configPath: join(dir, 'site.yaml'), dataDir: '/nonexistent', env: {} });
    assert.equal(c.profiles.get('a')!.credential.pass, 'from the file');
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /readable by others/);
  });

  it('warns about an inline secret its group can read, and not about one only its owner can', () => {
    const inline = 'profiles:\n  b:\n    wifi: { ssid: B, passphrase: "inline secret" }\n';
    const load = () => loadConfig({ configPath: join(dir, 'site.yaml'), dataDir: dir, env: {} });
    write('site.yaml', inline, 0o640);
    assert.equal(load().warnings.length, 1);
    write('site.yaml', inline, 0o600);
    assert.deepEqual(load().warnings, []);
  });

  it('applies environment overrides and names a bad one', () => {
    write('config.json', JSON.stringify({ tcp: { port: 1234 } }));
    const c = loadConfig({
      dataDir: dir,
      env: {
        CONFIGURATOR_TCP_PORT: '9000',
        CONFIGURATOR_TCP_ENABLED: 'no',
        CONFIGURATOR_RADIO_PORT: 'none',
      },
    });
    assert.equal(c.tcp.port, 9000);
    assert.equal(c.tcp.enabled, false);
    assert.deepEqual(c.radio.bridges, []);
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: { CONFIGURATOR_TCP_PORT: 'eighty' } })),
      /CONFIGURATOR_TCP_PORT: "eighty" is not a whole number/,
    );
  });

  it('refuses a missing explicit file and malformed YAML', () => {
    assert.match(
      refusal(() => loadConfig({ configPath: join(dir, 'nope.yaml'), dataDir: dir, env: {} })),
      /does not exist/,
    );
    write('config.yaml', 'profiles: [unclosed');
    assert.match(
      refusal(() => loadConfig({ dataDir: dir, env: {} })),
      /not valid YAML/,
    );
  });

  it('says where JSON is broken without quoting it: the mistake is often around a secret', () => {
    const cases = [
      [
        '{\n  "profiles": { "p": { "wifi": { "ssid": "S",\n    "passphrase": TopSecretPass123 } } }\n}',
        /line 3, column 19/,
      ],
      ["{ 'passphrase': 'TopSecretPass123' }", /line 1, column 3/],
      ['{ "passphrase": "TopSecretPass123" ', /line 1, column 36/],
      ['', /ends before the JSON does/],
      ['{ "passphrase": "TopSecretPass123" } TopSecret', /line 1, column 38/],
    ] as const;
    for (const [text, where] of cases) {
      const path = write('config.json', text);
      const message = refusal(() => loadConfig({ configPath: path, dataDir: dir, env: {} }));
      assert.match(message, /not valid JSON/);
      assert.match(message, where, message);
      assert.doesNotMatch(message, /TopSecret|Pass123/, message);
    }
  });

  it('refuses a configuration path that is a directory with its name, not a raw EISDIR', () => {
    const message = refusal(() => loadConfig({ configPath: dir, dataDir: dir, env: {} }));
    assert.match(message, /not a regular file/);
    assert.ok(message.includes(dir));
  });
});
