/**
 * The release artifact as a user gets it: `npm pack`, installed into an empty folder (which builds
 * the native parts), then `configurator service install --dry-run` from there: the unit names
 * this node and that folder, and systemd-analyze verifies it. One install: it takes minutes.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasSystemdAnalyze, verifyUnit, wantedUnits } from '../support/systemd-analyze.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UNIT_START = '# Written by `configurator service install`';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function npm(args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: timeoutMs });
}

describe('the packed package, installed in an empty folder', function () {
  // Installing builds better-sqlite3 and the C parts: minutes on a small machine.
  this.timeout(20 * 60_000);
  let work: string;
  let app: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'dpp-packed-'));
    // dist/ is built already (npm test builds first); --ignore-scripts keeps `prepare` from
    // rebuilding it under the running tests.
    const pack = npm(
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      ROOT,
      5 * 60_000,
    );
    assert.equal(pack.status, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
    app = join(work, 'app');
    mkdirSync(app);
    // A package.json of its own, or npm would install into the nearest folder above that has one.
    writeFileSync(join(app, 'package.json'), '{ "name": "packed-check", "private": true }\n');
    const install = npm(
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, filename)],
      app,
      18 * 60_000,
    );
    assert.equal(install.status, 0, `${install.stdout}\n${install.stderr}`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const configurator = (...args: string[]) =>
    spawnSync('npx', ['--no-install', 'configurator', ...args], {
      cwd: app,
      encoding: 'utf8',
      timeout: 5 * 60_000,
    });

  it('carries deploy/ and runs the simulated site', () => {
    const installed = join(app, 'node_modules', 'dpp-configurator');
    for (const file of ['deploy/dpp-configurator.service', 'deploy/config.example.yaml'])
      assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
    const demo = configurator('demo', '--once', '--enrollees', '4');
    assert.equal(demo.status, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /SIMULATION result: .* as expected/);
  });

  it('service install --dry-run writes a unit for this node and this folder that systemd-analyze verifies', function () {
    const r = configurator(
      'service',
      'install',
      '--dry-run',
      '--user',
      'dpp-check',
      '--data-dir',
      '/var/lib/dpp-check',
    );
    assert.equal(r.status, 0, r.stderr);
    // Under /tmp (PrivateTmp) it warns; nothing else may go to stderr.
    for (const line of r.stderr.split('\n').filter((l) => l !== ''))
      assert.match(line, /^warning: /, r.stderr);
    const at = r.stdout.indexOf(UNIT_START);
    assert.ok(at > 0, r.stdout);
    assert.match(r.stdout.slice(0, at), /useradd --system .* dpp-check/);
    const unit = r.stdout.slice(at);
    const installed = realpathSync(join(app, 'node_modules', 'dpp-configurator'));
    assert.match(
      unit,
      new RegExp(
        `^ExecStart=${escapeRegExp(process.execPath)} ${escapeRegExp(installed)}/dist/harness/configurator\\.js start --config /etc/dpp-configurator/config\\.yaml$`,
        'm',
      ),
    );
    assert.match(unit, /^User=dpp-check$/m);
    assert.match(unit, /^StateDirectory=dpp-check$/m);
    assert.match(unit, /^Environment=CONFIGURATOR_DATA_DIR=\/var\/lib\/dpp-check$/m);
    if (!hasSystemdAnalyze()) {
      process.stderr.write(
        '      not verified: systemd-analyze is not installed (Debian package systemd; .ci/run installs it)\n',
      );
      return;
    }
    const verified = verifyUnit(
      'dpp-configurator.service',
      unit,
      wantedUnits(unit).filter((u) => u.startsWith('modprobe@')),
    );
    assert.equal(verified.output, '');
    assert.equal(verified.status, 0);
  });
});
