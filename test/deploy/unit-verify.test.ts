/**
 * The unit `service install` writes, checked by systemd itself: `systemd-analyze verify` accepts it
 * without a warning (and the modprobe@ units it wants exist), and `security` scores it better
 * than the 6.7 (MEDIUM) of the unit before this hardening.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { planInstall } from '../../daemon/cli/service/install-plan.js';
import {
  exposureOf,
  hasSystemdAnalyze,
  verifyUnit,
  wantedUnits,
} from '../support/systemd-analyze.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const TEMPLATE = readFileSync(`${ROOT}/deploy/dpp-configurator.service`, 'utf8');
const UNIT = 'dpp-configurator.service';

/** The unit for this machine: verify checks that ExecStart's node exists. */
const facts = {
  nodePath: process.execPath,
  packageRoot: ROOT,
  user: 'dpp-configurator',
  existingUserGroup: undefined,
  dataDir: '/var/lib/dpp-configurator',
  configFile: '/etc/dpp-configurator/config.yaml',
  configExists: true,
  configDirExists: true,
  unitTemplate: TEMPLATE,
};
const { unit } = planInstall(facts);
/** The same with Bluetooth LE discovery on. */
const bleUnit = planInstall({ ...facts, bleEnabled: true }).unit;

describe('the systemd unit, checked by systemd-analyze', function () {
  this.timeout(60_000);
  before(function () {
    if (!hasSystemdAnalyze()) {
      process.stderr.write(
        '      skipped: systemd-analyze is not installed (Debian package systemd; .ci/run installs it)\n',
      );
      this.skip();
    }
  });

  it('verify accepts it without a word, with the modprobe@ units it wants', () => {
    const wanted = wantedUnits(unit).filter((u) => u.startsWith('modprobe@'));
    assert.deepEqual(wanted, ['modprobe@cdc_acm.service', 'modprobe@usbserial.service']);
    const r = verifyUnit(UNIT, unit, wanted);
    assert.equal(r.output, '');
    assert.equal(r.status, 0);
  });

  it('verify would speak up: an unknown key, a missing node, a unit that does not exist', () => {
    const typo = verifyUnit(UNIT, unit.replace('ProtectClock=yes', 'ProtectClok=yes'));
    assert.match(typo.output, /Unknown key 'ProtectClok'/);
    const noNode = verifyUnit(UNIT, unit.replace(process.execPath, '/nonexistent/node'));
    assert.notEqual(noNode.status, 0);
    assert.match(noNode.output, /\/nonexistent\/node is not executable/);
    const noUnit = verifyUnit(UNIT, unit, ['modprob@cdc_acm.service']);
    assert.match(noUnit.output, /modprob@cdc_acm\.service not found/);
  });

  it('security rates it well under the 6.7 of the unit before', () => {
    const exposure = exposureOf(UNIT, unit);
    assert.ok(exposure < 3, `exposure ${exposure}`);
  });

  it('with Bluetooth LE discovery on, verify still accepts it, and it still rates under 3', () => {
    const wanted = wantedUnits(bleUnit).filter((u) => u.startsWith('modprobe@'));
    const r = verifyUnit(UNIT, bleUnit, wanted);
    assert.equal(r.output, '');
    assert.equal(r.status, 0);
    const exposure = exposureOf(UNIT, bleUnit);
    assert.ok(exposure < 3, `exposure ${exposure}`);
    assert.ok(
      exposure >= exposureOf(UNIT, unit),
      'a capability and an address family cost something',
    );
  });
});
