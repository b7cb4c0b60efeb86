/**
 * The bridges in the configuration: `radio.bridges` or the single `radio.port`/`radio.channel`,
 * one list either way, `auto` channels, and every bridge list that cannot work refused with its
 * key named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/config/load.js';
import { DaemonErrorCode } from '../../daemon/errors.js';
import { ConfiguratorError } from '../../protocol/errors.js';

const PROFILES = {
  defaultProfile: 'plant',
  profiles: {
    plant: { wifi: { ssid: 'Plant-IoT', passphrase: 'correct horse battery staple' } },
    lab: { wifi: { ssid: 'Lab:2', akm: 'sae', passphrase: 'correct horse battery staple' } },
  },
};

describe('bridges in the configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'configurator-bridges-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (radio: unknown, env: NodeJS.ProcessEnv = {}) => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ radio, ...PROFILES }), {
      mode: 0o600,
    });
    return loadConfig({ dataDir: dir, env });
  };

  function refusal(radio: unknown, env: NodeJS.ProcessEnv = {}): string {
    try {
      load(radio, env);
    } catch (e) {
      assert.ok(e instanceof ConfiguratorError);
      assert.equal(e.code, DaemonErrorCode.ConfigurationInvalid);
      return e.message;
    }
    assert.fail('expected a refusal');
  }

  it('takes several bridges, each with its channel, profile and name (defaults: 6, defaultProfile, its port)', () => {
    const c = load({
      bridges: [
        { port: '/dev/ttyACM0', channel: 1, name: 'hall' },
        { port: '/dev/ttyACM1', channel: 'auto', profile: 'lab' },
        { port: '/dev/ttyACM2' },
      ],
    });
    assert.deepEqual(c.radio.bridges, [
      { name: 'hall', port: '/dev/ttyACM0', channel: 1, profile: 'plant', key: 'radio.bridges.0' },
      {
        name: '/dev/ttyACM1',
        port: '/dev/ttyACM1',
        channel: 'auto',
        profile: 'lab',
        key: 'radio.bridges.1',
      },
      {
        name: '/dev/ttyACM2',
        port: '/dev/ttyACM2',
        channel: 6,
        profile: 'plant',
        key: 'radio.bridges.2',
      },
    ]);
  });

  it('keeps the single radio.port / radio.channel as one bridge, and takes channel auto there too', () => {
    assert.deepEqual(load({ port: '/dev/ttyUSB0', channel: 'auto' }).radio.bridges, [
      {
        name: '/dev/ttyUSB0',
        port: '/dev/ttyUSB0',
        channel: 'auto',
        profile: 'plant',
        key: 'radio',
      },
    ]);
    assert.equal(
      load({}, { CONFIGURATOR_RADIO_CHANNEL: 'auto' }).radio.bridges[0]?.channel,
      'auto',
    );
    assert.equal(load({}, { CONFIGURATOR_RADIO_CHANNEL: '11' }).radio.bridges[0]?.channel, 11);
    assert.match(
      refusal({}, { CONFIGURATOR_RADIO_CHANNEL: 'six' }),
      /CONFIGURATOR_RADIO_CHANNEL: "six" is not a whole number or auto/,
    );
    assert.match(refusal({ channel: 'best' }), /radio\.channel: a channel 1–14, or auto/);
    assert.match(refusal({ channel: 15 }), /radio\.channel: .*<=14/);
  });

  it('refuses both forms at once, naming the key and where the single one may come from', () => {
    const both = refusal({ port: '/dev/ttyACM0', bridges: [{ port: '/dev/ttyACM1' }] });
    assert.match(both, /radio\.bridges: radio\.port is set too/);
    assert.match(
      refusal({ channel: 6, bridges: [{ port: '/dev/ttyACM1' }] }),
      /radio\.bridges: radio\.channel is set too/,
    );
    assert.match(
      refusal({ bridges: [{ port: '/dev/ttyACM1' }] }, { CONFIGURATOR_RADIO_PORT: 'auto' }),
      /radio\.bridges: radio\.port is set too \(in the file or by CONFIGURATOR_RADIO_PORT\)/,
    );
  });

  it('refuses one port twice, also when a link and the device it points at name it', () => {
    assert.match(
      refusal({ bridges: [{ port: '/dev/ttyACM0' }, { port: '/dev/ttyACM0', channel: 11 }] }),
      /radio\.bridges\.1\.port: \/dev\/ttyACM0 is radio\.bridges\.0's port too/,
    );
    const device = join(dir, 'ttyACM7');
    writeFileSync(device, '');
    const byId = join(dir, 'usb-Espressif_USB_JTAG_serial_debug_unit-if00');
    symlinkSync(device, byId);
    assert.match(
      refusal({ bridges: [{ port: byId }, { port: device }] }),
      /radio\.bridges\.1\.port: .*ttyACM7 is radio\.bridges\.0's port too/,
    );
  });

  it('refuses two ports to discover: discovery tells one bridge only', () => {
    assert.match(
      refusal({ bridges: [{ port: 'auto' }, { port: 'auto', channel: 11 }] }),
      /radio\.bridges\.1\.port: auto is radio\.bridges\.0's port too; discovery finds one bridge only/,
    );
    // One discovered beside named ones is fine.
    assert.equal(
      load({ bridges: [{ port: 'auto' }, { port: '/dev/ttyACM1' }] }).radio.bridges.length,
      2,
    );
  });

  it('refuses none as a bridge, an empty list, an unknown profile, a name twice, and unknown keys', () => {
    assert.match(
      refusal({ bridges: [{ port: 'none' }] }),
      /radio\.bridges\.0\.port: none is not a bridge/,
    );
    assert.match(refusal({ bridges: [] }), /radio\.bridges: list at least one bridge/);
    assert.match(
      refusal({ bridges: [{ port: '/dev/ttyACM0', profile: 'office' }] }),
      /radio\.bridges\.0\.profile: no profile "office" \(profiles: plant, lab\)/,
    );
    assert.match(
      refusal({
        bridges: [
          { port: '/dev/ttyACM0', name: 'hall' },
          { port: '/dev/ttyACM1', name: 'hall' },
        ],
      }),
      /radio\.bridges\.1\.name: "hall" is also what radio\.bridges\.0 is called/,
    );
    assert.match(
      refusal({ bridges: [{ port: '/dev/ttyACM0', chanel: 1 }] }),
      /radio\.bridges\.0: Unrecognized key: "chanel"/,
    );
    assert.match(
      refusal({ bridges: [{ port: '/dev/ttyACM0', channel: 0 }] }),
      /radio\.bridges\.0\.channel: /,
    );
  });

  it('takes radio.port: none as no bridge at all', () => {
    assert.deepEqual(load({ port: 'none' }).radio.bridges, []);
  });
});
