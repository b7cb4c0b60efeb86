#!/usr/bin/env node
/**
 * `configurator`, the executable (package.json "bin"). It checks Node's version before anything
 * else loads: on an older Node the real modules die with an obscure SyntaxError (Node 18: "'node:zlib'
 * does not provide an export named 'crc32'"). So this file imports nothing statically and uses only
 * syntax that Node 10 already parses; the program is loaded with import() once the check passes.
 */

/** Keep in step with package.json "engines" (a test checks both). */
const SUPPORTED = '^20.19.0 || >=22.12.0';

function isSupported(version: string): boolean {
  const parts = version.split('.').map(Number);
  const major = parts[0] || 0;
  const minor = parts[1] || 0;
  if (major === 20) return minor >= 19;
  if (major === 22) return minor >= 12;
  return major > 22;
}

const found = process.versions.node;
if (isSupported(found)) {
  import('./configurator-cli.js').catch(function (e: unknown) {
    process.stderr.write('configurator: ' + (e instanceof Error ? e.message : String(e)) + '\n');
    process.exitCode = 1;
  });
} else {
  process.stderr.write(
    'configurator: Node.js ' +
      found +
      ' (' +
      process.execPath +
      ') is not supported: it needs Node.js ' +
      SUPPORTED +
      '. On Raspberry Pi OS or Debian: curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs (docs/deployment.md, "What the Pi needs")\n',
  );
  process.exitCode = 1;
}
