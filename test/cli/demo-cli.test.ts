import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runConfigurator } from '../support/cli-in-process.js';

const MAIN = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));

describe('configurator demo --once (the simulated site end to end)', function () {
  this.timeout(90_000);

  it('provisions every whitelisted device, refuses the unknown ones and the spoofer, exits 0', () => {
    const r = spawnSync(process.execPath, [MAIN, 'demo', '--once', '--enrollees', '8'], {
      encoding: 'utf8',
      timeout: 80_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SIMULATION/);
    const rows = r.stdout.split('\n').filter((l) => /^sim-\d{4} /.test(l));
    assert.equal(rows.length, 8);
    const provisioned = rows.filter((l) => / provision {2,}(connected|provisioned)/.test(l));
    const refused = rows.filter((l) => /refuse \((unknown|spoofer)\) +refused/.test(l));
    assert.equal(provisioned.length, 6, r.stdout);
    assert.equal(refused.length, 2, r.stdout);
    assert.match(r.stdout, /SIMULATION result: 6 provisioned, 2 refused, 0 failed — as expected/);
    // The batch can be watched in a browser: where, and the token to log in with.
    assert.match(
      r.stdout,
      /^console: http:\/\/127\.0\.0\.1:\d+\/ {2}\(log in with the token admin-[\w-]{43}\)$/m,
    );
  });

  it('runs the same site on our C enrollee (enrollee-host) with --enrollee c', () => {
    const r = spawnSync(
      process.execPath,
      [MAIN, 'demo', '--once', '--enrollees', '8', '--enrollee', 'c'],
      { encoding: 'utf8', timeout: 80_000 },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SIMULATION — 8 simulated enrollees \(our C enrollee\)/);
    const rows = r.stdout.split('\n').filter((l) => /^sim-\d{4} /.test(l));
    assert.equal(rows.filter((l) => / provision {2,}connected/.test(l)).length, 6, r.stdout);
    assert.match(r.stdout, /refuse \(unknown\) +refused +not on the whitelist/);
  });

  it('refuses an enrollee that is neither ts nor c with exit 2', async () => {
    const r = await runConfigurator('demo', '--once', '--enrollee', 'rust');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--enrollee: "rust" is neither ts nor c/);
  });

  it('refuses a bad enrollee count with exit 2', () => {
    const r = spawnSync(process.execPath, [MAIN, 'demo', '--once', '--enrollees', 'many'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--enrollees/);
  });
});
