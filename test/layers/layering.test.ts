/**
 * The layering rule (eslint.config.js) holds the dependency direction: each case lints one line
 * as if it were a file of a layer, and the rule must refuse what crosses a layer the wrong way,
 * static or dynamic, and let through what goes the right way.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layering rule', function () {
  this.timeout(60_000);

  const forbidden: [string, string][] = [
    ['protocol/fixture.ts', "export { VERSION } from '../daemon/version.js';\n"],
    ['protocol/fixture.ts', "export type { WhitelistEntry } from '../whitelist/types.js';\n"],
    ['whitelist/fixture.ts', "export { VERSION } from '../daemon/version.js';\n"],
    ['daemon/fixture.ts', "export { MemoryAir } from '../test/support/memory-radio.js';\n"],
    [
      'daemon/cli/fixture.ts',
      "export const load = () => import('../../enrollee-sim/site/processes.js');\n",
    ],
    ['enrollee-sim/fixture.ts', "export const load = () => import('../daemon/version.js');\n"],
    ['enrollee-sim/fixture.ts', "export type { DeviceState } from '../whitelist/types.js';\n"],
    [
      'daemon/engine/fixture.ts',
      "export type { RadioTransport } from '../transports/radio-transport.js';\n",
    ],
    ['daemon/engine/fixture.ts', "export type { DaemonConfig } from '../config/load.js';\n"],
  ];
  for (const [file, code] of forbidden) {
    it(`refuses ${code.trim()} in ${file}`, async () => {
      assert.deepEqual(await lint(file, code), ['import-x/no-restricted-paths']);
    });
  }

  const allowed: [string, string][] = [
    ['protocol/fixture.ts', "export { toHex } from './bytes.js';\n"],
    ['whitelist/fixture.ts', "export { toHex } from '../protocol/bytes.js';\n"],
    [
      'daemon/transports/fixture.ts',
      "export type { PeerChannel } from '../engine/peer-channel.js';\n",
    ],
    ['enrollee-sim/fixture.ts', "export { toHex } from '../protocol/bytes.js';\n"],
    [
      'harness/fixture.ts',
      "export const load = () => import('../enrollee-sim/site/processes.js');\n",
    ],
    ['harness/fixture.ts', "export { VERSION } from '../daemon/version.js';\n"],
  ];
  for (const [file, code] of allowed) {
    it(`allows ${code.trim()} in ${file}`, async () => {
      assert.deepEqual(await lint(file, code), []);
    });
  }

  it('refuses an import that resolves to no file (it would slip past the layers unseen)', async () => {
    assert.deepEqual(
      await lint('protocol/fixture.ts', "export { x } from './no-such-file.js';\n"),
      ['import-x/no-unresolved'],
    );
  });
});
