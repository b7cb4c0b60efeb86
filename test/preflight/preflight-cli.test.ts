import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConfigurator } from '../support/cli-in-process.js';

const FAKE_NMCLI_DIR = fileURLToPath(new URL('../../../test/preflight/nmcli/', import.meta.url));

const PROFILES = [
  'profiles:',
  '  plant: { wifi: { ssid: Plant-IoT, passphrase: "correct horse battery staple" } }',
  '  lab: { wifi: { ssid: "Lab:2", akm: sae, passphrase: "correct horse battery staple" } }',
  '  secure: { wifi: { ssid: Secure-Only, passphrase: "correct horse battery staple" } }',
  '  nowhere: { wifi: { ssid: Nowhere, passphrase: "correct horse battery staple" } }',
  '  fast: { wifi: { ssid: Fast5, passphrase: "correct horse battery staple" } }',
  '  cafe: { wifi: { ssid: "Café Réseau 工場", passphrase: "correct horse battery staple" } }',
  '  corp: { wifi: { ssid: Corp, akm: psk+sae, passphrase: "correct horse battery staple" } }',
];

/** Runs the in-process CLI with the fake nmcli first on PATH, replaying one recording. */
async function withFakeNmcli<T>(
  recording: string | undefined,
  calls: string,
  run: () => Promise<T>,
): Promise<T> {
  const saved = { ...process.env };
  process.env.PATH = recording === undefined ? '/nonexistent' : `${FAKE_NMCLI_DIR}:${saved.PATH}`;
  process.env.FAKE_NMCLI_RECORDING = join(FAKE_NMCLI_DIR, recording ?? '');
  process.env.FAKE_NMCLI_CALLS = calls;
  try {
    return await run();
  } finally {
    process.env = saved;
  }
}

describe('configurator preflight (fake nmcli replaying recorded output)', () => {
  let dir: string;
  let config: string;
  let calls: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-preflight-'));
    config = join(dir, 'config.yaml');
    calls = join(dir, 'nmcli-calls');
    writeFileSync(config, ['radio: { port: auto, channel: 6 }', ...PROFILES].join('\n'), {
      mode: 0o600,
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const preflight = (recording: string | undefined, ...args: string[]) =>
    withFakeNmcli(recording, calls, () =>
      runConfigurator('--data-dir', dir, 'preflight', '--config', config, ...args),
    );

  it('names each problem on a line of its own and exits 1', async () => {
    const r = await preflight('site');
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n');
    const problems = lines.filter((l) => l.startsWith('problem: '));
    assert.deepEqual(problems.map((l) => /profile (\w+)/.exec(l)?.[1]).sort(), [
      'corp',
      'fast',
      'nowhere',
      'secure',
    ]);
    const line = (profile: string) => lines.find((l) => l.includes(`profile ${profile}:`)) ?? '';
    assert.match(
      problems.find((l) => l.includes('secure')) ?? '',
      /offers WPA3-SAE; the profile delivers WPA2-PSK \(wifi\.akm: psk\)/,
    );
    assert.match(
      problems.find((l) => l.includes('nowhere')) ?? '',
      /not visible here \(1 hidden network\(s\) on channel 11/,
    );
    assert.match(problems.find((l) => l.includes('fast')) ?? '', /only on 5 GHz \(channel 149\)/);
    assert.match(problems.find((l) => l.includes('corp')) ?? '', /WPA-Enterprise/);
    const warnings = lines.filter((l) => l.startsWith('warning: '));
    assert.ok(
      warnings.some((l) => /profile plant: "Plant-IoT" is on channel 11, the bridge on 6/.test(l)),
      r.stdout,
    );
    assert.ok(
      warnings.some((l) => /"Café Réseau 工場" is weak here: 22 %/.test(l)),
      r.stdout,
    );
    assert.ok(line('lab').length > 0);
    assert.ok(!problems.some((l) => l.includes('profile lab:')), 'SAE on a WPA2/WPA3 AP joins');
  });

  it('--profile checks one; the SSID with ":" is found on its channel, with both AKMs', async () => {
    const r = await preflight('site', '--profile', 'lab', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      profiles: { profile: string; accessPoints: object[]; problems: string[] }[];
    };
    assert.equal(out.ok, true);
    assert.deepEqual(out.profiles, [
      {
        profile: 'lab',
        ssid: 'Lab:2',
        akm: 'sae',
        accessPoints: [
          {
            bssid: 'B0:BE:76:11:22:33',
            channel: 1,
            band: '2.4 GHz',
            signal: 74,
            security: 'WPA2 WPA3',
          },
        ],
        problems: [],
        warnings: [
          'profile lab: "Lab:2" is on channel 1, the bridge on 6 (radio.channel): devices that join it move to its channel, where the bridge does not hear their Connection Status Result',
        ],
      },
    ]);
  });

  it('lists every access point of a profile, strongest first, with band and signal', async () => {
    const r = await preflight('site', '--profile', 'plant');
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}3C:84/.test(l));
    assert.deepEqual(
      rows.map((l) => l.trim().split(/\s{2,}/)),
      [
        ['3C:84:6A:10:20:01', '6', '2.4 GHz', '82 %', 'WPA2'],
        ['3C:84:6A:10:20:03', '36', '5 GHz', '67 %', 'WPA2'],
        ['3C:84:6A:10:20:02', '11', '2.4 GHz', '41 %', 'WPA2'],
      ],
    );
  });

  it("runs nmcli in its own locale and leaves this process's LANG and LC_ALL alone", async () => {
    process.env.LC_ALL = 'de_DE.UTF-8';
    try {
      await preflight('site', '--profile', 'plant');
      assert.equal(process.env.LC_ALL, 'de_DE.UTF-8');
    } finally {
      delete process.env.LC_ALL;
    }
    assert.match(
      readFileSync(calls, 'utf8'),
      /^LC_ALL=C\.UTF-8 LANG=C\.UTF-8 -t -e yes -f SSID,BSSID,CHAN,FREQ,SIGNAL,SECURITY,WPA-FLAGS,RSN-FLAGS device wifi list$/m,
    );
  });

  it('without a bridge (radio.port: none) says nothing about channels', async () => {
    writeFileSync(config, ['radio: { port: none }', ...PROFILES].join('\n'), { mode: 0o600 });
    const r = await preflight('site', '--profile', 'plant');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no problems found/);
  });

  it('says where each bridge goes (auto: the AP it found) and warns of a bridge off its profile’s channels, text and --json', async () => {
    const bridges = [
      'radio:',
      '  bridges:',
      '    - { port: /dev/ttyACM0, channel: 1, profile: plant, name: hall }',
      '    - { port: /dev/ttyACM1, channel: auto, profile: lab, name: lab }',
    ];
    writeFileSync(config, [...bridges, ...PROFILES].join('\n'), { mode: 0o600 });
    const r = await preflight('site', '--profile', 'plant');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(lines.includes('bridge hall (/dev/ttyACM0): channel 1, profile plant'), r.stdout);
    assert.ok(!lines.some((l) => l.startsWith('bridge lab')), '--profile plant: its bridges only');
    const warnings = lines.filter((l) => l.startsWith('warning: '));
    assert.deepEqual(warnings, [
      `warning: bridge hall is on channel 1 (radio.bridges.0.channel), profile plant's "Plant-IoT" on channel 6, 11: devices that join it move there, where this bridge does not hear their Connection Status Result`,
    ]);

    const all = await preflight('site', '--json');
    const out = JSON.parse(all.stdout) as {
      bridges: { name: string; configured: unknown; channel: number; source: string }[];
    };
    assert.deepEqual(
      out.bridges.map((b) => [b.name, b.configured, b.channel, b.source]),
      [
        ['hall', 1, 1, 'fixed'],
        ['lab', 'auto', 1, 'access point'],
      ],
    );
    const text = await preflight('site', '--profile', 'lab');
    assert.match(
      text.stdout,
      /^bridge lab \(\/dev\/ttyACM1\): channel auto → 1, from B0:BE:76:11:22:33 \(74 %\), profile lab$/m,
    );
    assert.doesNotMatch(text.stdout, /"Lab:2" is on channel/, 'the bridge on channel 1 hears it');
  });

  for (const [recording, reason] of [
    [undefined, 'nmcli not found: NetworkManager is not installed'],
    ['not-running', 'nmcli failed: NetworkManager is not running.'],
    ['no-wifi-device', 'no Wi-Fi device (nmcli lists none)'],
  ] as const) {
    it(`when it cannot look (${recording ?? 'nmcli missing'}): one line, exit 3`, async () => {
      const r = await preflight(recording);
      assert.equal(r.status, 3);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `configurator: Wi-Fi not checked: ${reason}\n`);
      const json = await preflight(recording, '--json');
      assert.equal(json.status, 3);
      assert.deepEqual(JSON.parse(json.stdout), { ok: false, reason });
    });
  }

  it('refuses an unknown --profile with exit 2, naming the profiles there are', async () => {
    const r = await preflight('site', '--profile', 'plnat');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--profile: no profile "plnat" \(profiles: plant, lab,/);
    assert.equal(existsSync(calls), false, 'refused before nmcli ran');
  });
});
