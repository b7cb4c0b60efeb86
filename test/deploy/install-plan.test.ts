/**
 * `configurator service install`'s plan: the unit it writes for this machine's paths, the steps
 * it takes, and the paths it refuses because the unit's sandbox would hide them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bleEnabledIn } from '../../daemon/cli/service/host-facts.js';
import {
  InstallRefused,
  planInstall,
  type InstallFacts,
  type InstallPlan,
} from '../../daemon/cli/service/install-plan.js';

const TEMPLATE = readFileSync(
  fileURLToPath(new URL('../../../deploy/dpp-configurator.service', import.meta.url)),
  'utf8',
);

const FRESH_PI: InstallFacts = {
  nodePath: '/usr/bin/node',
  packageRoot: '/usr/lib/node_modules/dpp-configurator',
  user: 'dpp-configurator',
  existingUserGroup: undefined,
  dataDir: '/var/lib/dpp-configurator',
  configFile: '/etc/dpp-configurator/config.yaml',
  configExists: false,
  configDirExists: false,
  unitTemplate: TEMPLATE,
};

/** The unit's non-comment lines with a key, e.g. all `DeviceAllow=` values. */
function values(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

function commands(plan: InstallPlan): string[] {
  return plan.steps.map((s) => (s.kind === 'run' ? s.argv.join(' ') : `write ${s.path}`));
}

describe('service install plan', () => {
  it('on a fresh Pi: creates the user, installs the example config, writes and enables the unit', () => {
    const plan = planInstall(FRESH_PI);
    assert.deepEqual(commands(plan), [
      'useradd --system --user-group --home-dir /var/lib/dpp-configurator --no-create-home --shell /usr/sbin/nologin dpp-configurator',
      'install -d -m 0750 -o root -g dpp-configurator /etc/dpp-configurator',
      'install -m 0640 -o root -g dpp-configurator /usr/lib/node_modules/dpp-configurator/deploy/config.example.yaml /etc/dpp-configurator/config.yaml',
      'write /etc/systemd/system/dpp-configurator.service',
      'systemctl daemon-reload',
      'systemctl enable dpp-configurator.service',
    ]);
    assert.deepEqual(plan.warnings, []);
    const write = plan.steps.find((s) => s.kind === 'write');
    assert.equal(write?.kind === 'write' ? write.mode : undefined, 0o644);
    assert.equal(write?.kind === 'write' ? write.content : undefined, plan.unit);
  });

  it("the unit runs this machine's node on the installed package, as the service user, on the data dir", () => {
    const { unit } = planInstall(FRESH_PI);
    assert.deepEqual(values(unit, 'ExecStart'), [
      '/usr/bin/node /usr/lib/node_modules/dpp-configurator/dist/harness/configurator.js start --config /etc/dpp-configurator/config.yaml',
    ]);
    assert.deepEqual(values(unit, 'User'), ['dpp-configurator']);
    assert.deepEqual(values(unit, 'Group'), ['dpp-configurator']);
    assert.deepEqual(values(unit, 'StateDirectory'), ['dpp-configurator']);
    assert.deepEqual(values(unit, 'StateDirectoryMode'), ['0700']);
    assert.ok(
      values(unit, 'Environment').includes('CONFIGURATOR_DATA_DIR=/var/lib/dpp-configurator'),
    );
    assert.deepEqual(values(unit, 'Documentation'), [
      'file:///usr/lib/node_modules/dpp-configurator/docs/deployment.md',
    ]);
  });

  it('the unit reloads on SIGHUP and lets in a bridge plugged in after boot', () => {
    const { unit } = planInstall(FRESH_PI);
    assert.deepEqual(values(unit, 'ExecReload'), ['/bin/kill -HUP $MAINPID']);
    // The device groups exist at unit start only if their drivers are loaded before it.
    assert.deepEqual(values(unit, 'DeviceAllow').sort(), ['char-ttyACM rw', 'char-ttyUSB rw']);
    for (const key of ['Wants', 'After'])
      assert.ok(
        values(unit, key).includes('modprobe@cdc_acm.service modprobe@usbserial.service'),
        key,
      );
    // A private /dev would not show a device plugged in later.
    assert.deepEqual(values(unit, 'PrivateDevices'), []);
    assert.deepEqual(values(unit, 'DevicePolicy'), ['closed']);
    assert.deepEqual(values(unit, 'ProtectKernelModules'), ['yes']);
  });

  it('an existing user keeps its primary group; an existing config is left alone', () => {
    const plan = planInstall({
      ...FRESH_PI,
      user: 'pi',
      existingUserGroup: 'pi',
      configExists: true,
      configDirExists: true,
    });
    assert.deepEqual(commands(plan), [
      'write /etc/systemd/system/dpp-configurator.service',
      'systemctl daemon-reload',
      'systemctl enable dpp-configurator.service',
    ]);
    assert.deepEqual(values(plan.unit, 'User'), ['pi']);
    assert.deepEqual(values(plan.unit, 'Group'), ['pi']);
  });

  it('a data dir outside /var/lib is made by the install and opened with ReadWritePaths', () => {
    const plan = planInstall({ ...FRESH_PI, dataDir: '/srv/dpp', configDirExists: true });
    assert.ok(
      commands(plan).includes(
        'install -d -m 0700 -o dpp-configurator -g dpp-configurator /srv/dpp',
      ),
    );
    assert.ok(!commands(plan).some((c) => c.startsWith('install -d -m 0750')));
    assert.deepEqual(values(plan.unit, 'StateDirectory'), []);
    assert.deepEqual(values(plan.unit, 'StateDirectoryMode'), []);
    assert.deepEqual(values(plan.unit, 'ReadWritePaths'), ['/srv/dpp']);
    assert.ok(values(plan.unit, 'Environment').includes('CONFIGURATOR_DATA_DIR=/srv/dpp'));
  });

  it('a data dir deeper under /var/lib is still a StateDirectory', () => {
    const plan = planInstall({ ...FRESH_PI, dataDir: '/var/lib/sites/plant-2' });
    assert.deepEqual(values(plan.unit, 'StateDirectory'), ['sites/plant-2']);
  });

  it('refuses node or the package under a home directory, which ProtectHome hides', () => {
    assert.throws(
      () =>
        planInstall({
          ...FRESH_PI,
          nodePath: '/home/pi/.nvm/versions/node/v22.12.0/bin/node',
        }),
      (e: unknown) =>
        e instanceof InstallRefused &&
        /^node is at \/home\/pi\/\.nvm\/versions\/node\/v22\.12\.0\/bin\/node, under \/home, which the unit hides from the service \(ProtectHome=yes\): install Node\.js and the package system-wide/.test(
          e.message,
        ),
    );
    assert.throws(
      () => planInstall({ ...FRESH_PI, packageRoot: '/root/dpp-configurator' }),
      /the package is at \/root\/dpp-configurator, under \/root/,
    );
    assert.throws(
      () => planInstall({ ...FRESH_PI, dataDir: '/home/pi/dpp' }),
      /--data-dir is at \/home\/pi\/dpp, under \/home, .*choose a path outside \/home/,
    );
  });

  it('warns about a path under /tmp, which the service sees empty', () => {
    const plan = planInstall({ ...FRESH_PI, packageRoot: '/tmp/x/node_modules/dpp-configurator' });
    assert.deepEqual(plan.warnings, [
      'the package is at /tmp/x/node_modules/dpp-configurator, under /tmp, which the service sees empty (PrivateTmp=yes): the unit will not start until it is elsewhere',
    ]);
  });

  it('refuses a path a unit line cannot hold unquoted, and names it', () => {
    assert.throws(
      () => planInstall({ ...FRESH_PI, configFile: '/etc/dpp configurator/config.yaml' }),
      /^Error: --config: \/etc\/dpp configurator\/config\.yaml is not an absolute path of letters/,
    );
    assert.throws(
      () => planInstall({ ...FRESH_PI, dataDir: '/var/lib/100%' }),
      /--data-dir: \/var\/lib\/100% is not/,
    );
  });

  it('refuses root and names that are no user names', () => {
    assert.throws(
      () => planInstall({ ...FRESH_PI, user: 'root' }),
      /--user: the daemon needs no root/,
    );
    assert.throws(
      () => planInstall({ ...FRESH_PI, user: 'Bad User' }),
      /--user: "Bad User" is not a user name/,
    );
  });

  it('a template without one of the lines it fills in is refused, not half-written', () => {
    assert.throws(
      () =>
        planInstall({
          ...FRESH_PI,
          unitTemplate: TEMPLATE.replace(/^ExecStart=.*$/m, ''),
        }),
      /the unit template has 0 lines starting "ExecStart=", not one/,
    );
  });

  it('without Bluetooth LE discovery: no Bluetooth address family and no capability at all', () => {
    const { unit } = planInstall(FRESH_PI);
    assert.deepEqual(values(unit, 'RestrictAddressFamilies'), ['AF_UNIX AF_INET AF_INET6']);
    assert.deepEqual(values(unit, 'CapabilityBoundingSet'), ['']);
    assert.deepEqual(values(unit, 'AmbientCapabilities'), []);
  });

  it('with ble.enabled: AF_BLUETOOTH and CAP_NET_RAW for the raw HCI socket, and nothing else changes', () => {
    const plain = planInstall(FRESH_PI).unit;
    const { unit } = planInstall({ ...FRESH_PI, bleEnabled: true });
    assert.deepEqual(values(unit, 'RestrictAddressFamilies'), [
      'AF_UNIX AF_INET AF_INET6 AF_BLUETOOTH',
    ]);
    assert.deepEqual(values(unit, 'CapabilityBoundingSet'), ['CAP_NET_RAW']);
    assert.deepEqual(values(unit, 'AmbientCapabilities'), ['CAP_NET_RAW']);
    const changed = (text: string): string[] =>
      text
        .split('\n')
        .filter((l) =>
          /^(RestrictAddressFamilies|CapabilityBoundingSet|AmbientCapabilities)=|^# Bluetooth LE/.test(
            l,
          ),
        );
    const rest = (text: string): string =>
      text
        .split('\n')
        .filter((l) => !changed(l).length)
        .join('\n');
    assert.equal(rest(unit), rest(plain));
    assert.deepEqual(
      values(unit, 'NoNewPrivileges'),
      ['yes'],
      'ambient capabilities need no new privileges',
    );
  });

  it('reads ble.enabled from the configuration, YAML or JSON; a missing file is no BLE; a bad ble section is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpp-install-ble-'));
    try {
      const yaml = join(dir, 'config.yaml');
      writeFileSync(yaml, 'radio:\n  port: none\nble:\n  enabled: true\n  adapter: hci1\n');
      assert.equal(bleEnabledIn(yaml), true);
      writeFileSync(yaml, 'radio:\n  port: none\n');
      assert.equal(bleEnabledIn(yaml), false);
      const json = join(dir, 'config.json');
      writeFileSync(json, JSON.stringify({ ble: { enabled: true } }));
      assert.equal(bleEnabledIn(json), true);
      assert.equal(bleEnabledIn(join(dir, 'none.yaml')), false);
      writeFileSync(yaml, 'ble:\n  enabled: true\n  adapter: bluetooth0\n');
      assert.throws(
        () => bleEnabledIn(yaml),
        (e: unknown) =>
          e instanceof InstallRefused && /ble: an adapter name as Linux gives it/.test(e.message),
      );
      writeFileSync(yaml, 'ble: [unclosed\n');
      assert.throws(
        () => bleEnabledIn(yaml),
        /cannot be read .*the unit depends on its ble section/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
