/** `configurator service install --dry-run`: what it prints, and its refusals (exit 2, one line). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runConfigurator } from '../support/cli-in-process.js';

const dryRun = (...args: string[]) => runConfigurator('service', 'install', '--dry-run', ...args);

describe('configurator service install --dry-run', () => {
  it('lists the steps as root would run them, then the unit, and changes nothing', async () => {
    const r = await dryRun('--user', 'dpp-dry-run', '--config', '/etc/dpp-dry-run/config.yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^would run, as root:\n {2}useradd --system .* dpp-dry-run {4}# /);
    assert.match(
      r.stdout,
      /^ {2}write \/etc\/systemd\/system\/dpp-configurator\.service \(mode 0644\)/m,
    );
    assert.match(r.stdout, /^ {2}systemctl enable dpp-configurator\.service/m);
    assert.match(r.stdout, /^\[Service\]$/m);
    assert.match(r.stdout, /^ExecStart=.* start --config \/etc\/dpp-dry-run\/config\.yaml$/m);
    assert.notEqual(spawnSync('id', ['dpp-dry-run']).status, 0, 'no user was created');
    assert.ok(!existsSync('/etc/dpp-dry-run'), 'no configuration was written');
  });

  it('refuses a data dir under /home with the reason and the fix', async () => {
    // The global option, given after the command as the docs show it.
    const r = await dryRun('--data-dir', '/home/pi/dpp');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'configurator: --data-dir is at /home/pi/dpp, under /home, which the unit hides from the service (ProtectHome=yes): choose a path outside /home\n',
    );
  });

  it('refuses to run the daemon as root', async () => {
    const r = await dryRun('--user', 'root');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^configurator: --user: the daemon needs no root privileges/);
  });
});
