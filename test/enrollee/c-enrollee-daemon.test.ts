/**
 * End to end: C enrollees (firmware-enrollee's enrollee-host) provisioned by the real daemon
 * through the bridge's host build and the simulated radio, all as separate programs.
 */
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBundle } from '../../protocol/lwm2m/bundle.js';
import { makeDeviceKey, Site, until, type DaemonDevice, type Program } from './c-processes.js';

const PASSPHRASE = 'lab passphrase 1';

function deviceOf(site: Site, serial: string): DaemonDevice | undefined {
  return site.devices().find((d) => d.deviceInfo?.includes(`"serial":"${serial}"`));
}

describe('C enrollees provisioned by the real daemon (bridge host build, simulated radio)', function () {
  this.timeout(300_000);
  let site: Site;

  beforeEach(async () => {
    site = await Site.create();
  });
  afterEach(async () => {
    await site.stop();
  });

  it('whitelisted, starting on another channel: connected with the profile credentials and a bundle holding its own PSK', async () => {
    await site.start({});
    const { keyFile, uri } = await makeDeviceKey(site.dir, 'd1', '1,6,11');
    assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
    const dev = site.device([
      '--key',
      keyFile,
      '--serial',
      'SN-1',
      '--channels',
      '1,6,11',
      '--listen-ms',
      '300',
      '--exit-when-done',
    ]);
    assert.equal(await dev.exited, 0);
    // it announced on 1 first, then was found on the bridge's channel 6
    assert.deepEqual(dev.lines.filter((l) => l.startsWith('CHANNEL ')).slice(0, 2), [
      'CHANNEL 1',
      'CHANNEL 6',
    ]);
    const creds = dev.lines.find((l) => l.startsWith('CREDENTIALS '));
    assert.equal(
      creds,
      `CREDENTIALS ${toHex(new TextEncoder().encode('lab-ap'))} psk ${toHex(new TextEncoder().encode(PASSPHRASE))}`,
    );
    assert.ok(dev.lines.includes('WIFI 0 6'));
    const d = await until('the daemon to record it connected', () =>
      deviceOf(site, 'SN-1')?.state === 'connected' ? deviceOf(site, 'SN-1') : undefined,
    );
    // the bundle it received decodes, and its PSK is the one the daemon keeps for this device
    const bundleHex = dev.lines.find((l) => l.startsWith('BUNDLE '))!.slice(7);
    const records = decodeBundle(fromHex(bundleHex));
    assert.ok(records.ok, records.ok ? '' : records.error.describe());
    const key = records.value.find(
      (r) => r.path.objectId === 0 && r.path.resourceId === 5 && r.value.type === 'opaque',
    );
    const identity = records.value.find((r) => r.path.objectId === 0 && r.path.resourceId === 3);
    assert.ok(key !== undefined && key.value.type === 'opaque');
    assert.ok(identity !== undefined && identity.value.type === 'opaque');
    assert.equal(new TextDecoder().decode(identity.value.value), 'urn:dev:ops:acme-SN-1');
    const exported = site.cli(['lwm2m', 'export', '--config', `${site.dir}/config.yaml`]);
    assert.equal(exported.status, 0, exported.stderr);
    const row = exported.stdout.split('\n').find((l) => l.startsWith(d.keyHash));
    assert.ok(row !== undefined, exported.stdout);
    assert.equal(row.split(',')[6], toHex(key.value.value));
  });

  it('not on the whitelist: refused, and the device keeps announcing', async () => {
    await site.start({});
    const { keyFile } = await makeDeviceKey(site.dir, 'd2', '6');
    const dev = site.device([
      '--key',
      keyFile,
      '--serial',
      'SN-2',
      '--channels',
      '6',
      '--listen-ms',
      '200',
    ]);
    await site.daemon!.line(/refused: not on the whitelist/);
    assert.ok(dev.running);
    assert.ok(!dev.lines.some((l) => l.startsWith('STATE awaitAuthConfirm')));
    assert.equal(deviceOf(site, 'SN-2'), undefined); // it never said its serial: no session
  });

  it('mutual, pinning the configurator: connected', async () => {
    await site.start({ requireMutual: true });
    const identity = site.cli(['identity']);
    const pin = /DPP:\S*;;/.exec(identity.stdout)?.[0];
    assert.ok(pin !== undefined, identity.stdout + identity.stderr);
    const { keyFile, uri } = await makeDeviceKey(site.dir, 'd3', '6');
    assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
    const dev = site.device([
      '--key',
      keyFile,
      '--serial',
      'SN-3',
      '--channels',
      '6',
      '--pin-configurator',
      pin,
      '--exit-when-done',
    ]);
    assert.equal(await dev.exited, 0);
    await until('the daemon to record it connected', () =>
      deviceOf(site, 'SN-3')?.state === 'connected' ? true : undefined,
    );
  });

  it('a device pinning another configurator refuses ours and stays unprovisioned', async () => {
    await site.start({});
    const other = await makeDeviceKey(site.dir, 'other', '6'); // any key but the daemon's
    const { keyFile, uri } = await makeDeviceKey(site.dir, 'd4', '6');
    assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
    const dev = site.device([
      '--key',
      keyFile,
      '--serial',
      'SN-4',
      '--channels',
      '6',
      '--pin-configurator',
      other.uri,
      '--verbose',
    ]);
    await dev.line(/^IGNORED 305 AuthMutualRequired$/);
    assert.ok(dev.running);
    assert.ok(!dev.lines.some((l) => l.startsWith('CREDENTIALS')));
    assert.ok(!dev.lines.some((l) => l.startsWith('STATE awaitAuthConfirm')));
  });

  it('10 % loss on the air: ten devices connected', async () => {
    await site.start({ hubArgs: ['--loss', '0.1'] });
    const devs = [];
    for (let i = 0; i < 10; i++) {
      const { keyFile, uri } = await makeDeviceKey(site.dir, `f${i}`, '1,6');
      assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
      const mac = `02:00:00:00:10:${i.toString(16).padStart(2, '0')}`;
      devs.push(
        site.device([
          '--key',
          keyFile,
          '--serial',
          `SN-F${i}`,
          '--channels',
          '1,6',
          '--listen-ms',
          '300',
          '--mac',
          mac,
          '--exit-when-done',
        ]),
      );
    }
    assert.deepEqual(await Promise.all(devs.map((d) => d.exited)), new Array(10).fill(0));
    await until('the daemon to record all ten connected', () =>
      site.devices().filter((d) => d.state === 'connected').length === 10 ? true : undefined,
    );
  });

  it('the bridge SIGKILLed mid-batch and restarted: every device ends connected', async () => {
    await site.start({});
    const launch = async (i: number): Promise<Program> => {
      const { keyFile, uri } = await makeDeviceKey(site.dir, `k${i}`, '6');
      assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
      return site.device([
        '--key',
        keyFile,
        '--serial',
        `SN-K${i}`,
        '--channels',
        '6',
        '--mac',
        `02:00:00:00:20:${i.toString(16).padStart(2, '0')}`,
        '--exit-when-done',
      ]);
    };
    const devs: Program[] = [];
    for (let i = 0; i < 4; i++) devs.push(await launch(i));
    await until('a first device configured', () =>
      devs.some((d) => d.lines.some((l) => l.startsWith('CREDENTIALS '))) ? true : undefined,
    );
    // Four more power up just as the bridge dies: they announce into a dead link.
    for (let i = 4; i < 8; i++) devs.push(await launch(i));
    await site.killAndRestartBridge();
    assert.deepEqual(await Promise.all(devs.map((d) => d.exited)), new Array(8).fill(0));
    await until('the daemon to record all eight connected', () =>
      site.devices().filter((d) => d.state === 'connected').length === 8 ? true : undefined,
    );
  });

  it('AP on another channel than the bridge: the device joins, and the daemon ends provisioned without its Connection Status Result', async () => {
    await site.start({ connStatusTimeoutMs: 1500 });
    const { keyFile, uri } = await makeDeviceKey(site.dir, 'd5', '6');
    assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
    const dev = site.device(
      ['--key', keyFile, '--serial', 'SN-5', '--channels', '6', '--exit-when-done'],
      11,
    );
    assert.equal(await dev.exited, 0);
    assert.ok(dev.lines.includes('WIFI 0 11')); // joined, its radio now on 11: the bridge on 6 cannot hear it
    // provisioned at once ("awaiting its Connection Status Result"), then its deadline passes
    const d = await until('the daemon to give up waiting', () => {
      const x = deviceOf(site, 'SN-5');
      return x?.state === 'provisioned' && /no Connection Status Result/.test(x.reason ?? '')
        ? x
        : undefined;
    });
    assert.equal(d.state, 'provisioned');
  });

  it('through a bridge that speaks ESP-NOW v2, a device whose header says it receives v2 gets whole messages in 1470-byte payloads, another 250-byte fragments', async () => {
    await site.start({ v2: true });
    /** The daemon's link counters from a state file written after `since` (it rewrites it every second). */
    const linkCountersAfter = (since: number): Promise<Record<string, number>> =>
      until('a fresh daemon state with its link counters', () => {
        const state = JSON.parse(readFileSync(join(site.dir, 'data', 'daemon.json'), 'utf8')) as {
          updatedAt: string;
          link?: Record<string, number>;
        };
        return Date.parse(state.updatedAt) > since ? state.link : undefined;
      });
    /** Messages and payloads the daemon sent while provisioning one device. */
    const provision = async (
      name: string,
      extra: string[],
    ): Promise<{ messages: number; payloads: number }> => {
      const before = await linkCountersAfter(Date.now());
      const { keyFile, uri } = await makeDeviceKey(site.dir, name, '6');
      assert.equal(site.cli(['whitelist', 'add', '--uri', uri]).status, 0);
      const serial = `SN-${name}`;
      const dev = site.device([
        '--key',
        keyFile,
        '--serial',
        serial,
        '--channels',
        '6',
        ...extra,
        '--exit-when-done',
      ]);
      assert.equal(await dev.exited, 0);
      await until(`${name} recorded connected`, () =>
        deviceOf(site, serial)?.state === 'connected' ? true : undefined,
      );
      // The daemon sends nothing after the Configuration Response, whose payloads are out before
      // the device can answer it: a state written after the device is recorded counts them all.
      const after = await linkCountersAfter(Date.now());
      return {
        messages: after['messagesOut']! - (before['messagesOut'] ?? 0),
        payloads: after['payloadsOut']! - (before['payloadsOut'] ?? 0),
      };
    };
    const v2 = await provision('v2', ['--v2']);
    assert.equal(v2.payloads, v2.messages, 'every message whole, in one payload');
    // The same MAC (enrollee-host's default) without the flag now: what a MAC said before counts
    // for nothing once its fragments stop saying it.
    const v1 = await provision('v1', []);
    assert.equal(v1.messages, v2.messages);
    assert.ok(v1.payloads > v1.messages, 'a device that never said so gets 250-byte fragments');
  });
});
