import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runConfigurator } from '../support/cli-in-process.js';

const MAIN = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));

/** Pids of the processes whose environment holds `mark`. */
function marked(mark: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(`${mark}=`))
        pids.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

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

  it('stopped by a hang-up mid-batch, leaves no process and no data dir behind', async () => {
    // Every process of this demo carries the mark in its environment (children inherit it).
    const mark = `DEMO_RUN_${randomBytes(8).toString('hex')}`;
    const demo = spawn(process.execPath, [MAIN, 'demo', '--enrollees', '30'], {
      env: { ...process.env, [mark]: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    for (let i = 0; i < 2400 && !/^console: /m.test(out); i++)
      await new Promise((r) => setTimeout(r, 25));
    const dataDir = /^data dir: (\S+)/m.exec(out)?.[1];
    assert.ok(dataDir !== undefined && existsSync(dataDir), out);
    assert.ok(marked(mark).length >= 3, 'the hub, the bridge and the demo run');
    demo.kill('SIGHUP');
    assert.equal(await exited, 129);
    // Children that watch their parent go within a second or so; wait, never judge speed.
    for (let i = 0; i < 400 && marked(mark).length > 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(marked(mark), [], 'no process of the demo outlives it');
    assert.equal(existsSync(dataDir), false, 'the data dir is removed');
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
