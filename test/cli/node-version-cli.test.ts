/**
 * The executable refuses an unsupported Node in one line before it loads the program: run under
 * a preload that makes process.versions.node read as an older (or newer) release.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../../daemon/version.js';

const MAIN = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

describe('configurator on an unsupported Node', function () {
  this.timeout(60_000);
  let dir: string;
  let preload: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-node-version-'));
    preload = join(dir, 'fake-node-version.mjs');
    writeFileSync(
      preload,
      'const node = process.env.FAKE_NODE_VERSION;\n' +
        "Object.defineProperty(process, 'versions', { value: { ...process.versions, node }, configurable: true });\n" +
        "Object.defineProperty(process, 'version', { value: 'v' + node, configurable: true });\n",
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (fakeVersion: string) =>
    spawnSync(process.execPath, ['--import', preload, MAIN, '--version'], {
      encoding: 'utf8',
      env: { ...process.env, FAKE_NODE_VERSION: fakeVersion },
    });

  const engines = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { engines: { node: string } })
    .engines.node;

  // Bookworm's own nodejs; a 20.x before require(esm); 21.x and an early 22.x lack zlib.crc32.
  for (const old of ['18.20.4', '20.18.3', '21.7.3', '22.11.0', '12.22.12']) {
    it(`refuses Node ${old} with one line naming it, what is needed and how to get it`, () => {
      const r = run(old);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(
        lines[0]!.startsWith(
          `configurator: Node.js ${old} (${process.execPath}) is not supported: it needs Node.js ${engines}.`,
        ),
        r.stderr,
      );
      assert.match(lines[0]!, /deb\.nodesource\.com\/setup_22\.x .*apt-get install -y nodejs/);
      assert.match(lines[0]!, /docs\/deployment\.md/);
    });
  }

  for (const good of ['20.19.0', '22.12.0', '24.1.0']) {
    it(`runs the program on Node ${good}`, () => {
      const r = run(good);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), VERSION);
    });
  }

  it('the entry point loads nothing before the check: no static import, no require', () => {
    const source = readFileSync(MAIN, 'utf8');
    assert.doesNotMatch(source, /^\s*import\s/m);
    assert.doesNotMatch(source, /\brequire\(/);
    assert.match(source, /import\('\.\/configurator-cli\.js'\)/);
  });
});
