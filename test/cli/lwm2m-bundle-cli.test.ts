import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import { decodeBundle } from '../../protocol/lwm2m/bundle.js';
import { CLI_MAIN, writeTcpConfig } from '../support/daemon-process.js';
import { newIdentity, uriOfIdentity } from '../support/dpp-fixtures.js';

describe('configurator lwm2m bundle / export (CLI)', function () {
  this.timeout(30_000);
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'configurator-lwm2m-cli-'));
    writeTcpConfig(dataDir, 0);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, ...args], { encoding: 'buffer' });

  it('writes the bytes a device would receive, the same every time, and exports its PSK', () => {
    const id = newIdentity();
    const keyHash = toHex(id.hash);
    const uri = uriOfIdentity(id);
    assert.equal(cli('whitelist', 'add', '--uri', uri).status, 0);
    const a = join(dataDir, 'a.cbor');
    const b = join(dataDir, 'b.cbor');
    const first = cli('lwm2m', 'bundle', '--device', keyHash, '--out', a);
    assert.equal(first.status, 0, first.stderr.toString());
    assert.equal(cli('lwm2m', 'bundle', '--device', keyHash, '--out', b).status, 0);
    assert.equal(statSync(a).mode & 0o777, 0o600);
    const bytes = readFileSync(a);
    assert.deepEqual(readFileSync(b), bytes);
    const records = decodeBundle(new Uint8Array(bytes));
    assert.ok(records.ok);
    const uriRecord = records.value.find((r) => r.path.objectId === 0 && r.path.resourceId === 0);
    assert.deepEqual(uriRecord?.value, { type: 'string', value: 'coaps://lwm2m.example:5684' });

    const csv = cli('lwm2m', 'export', '--format', 'csv').stdout.toString();
    assert.match(csv, new RegExp(`dev-${keyHash.slice(0, 16)}`));

    // Revoked: its key stays out of every export, and the admin is told why.
    assert.equal(cli('whitelist', 'revoke', keyHash).status, 0);
    const after = cli('lwm2m', 'export', '--format', 'csv');
    assert.equal(after.status, 0, after.stderr.toString());
    assert.doesNotMatch(after.stdout.toString(), new RegExp(keyHash.slice(0, 16)));
    assert.match(after.stderr.toString(), new RegExp(`skipped ${keyHash.slice(0, 16)}: revoked`));
  });

  it('export from a data dir without a database fails instead of printing an empty export', () => {
    const empty = mkdtempSync(join(tmpdir(), 'configurator-lwm2m-empty-'));
    try {
      for (const args of [
        ['lwm2m', 'export', '--format', 'csv'],
        ['whitelist', 'export'],
      ]) {
        const r = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', empty, ...args], {
          encoding: 'utf8',
        });
        assert.equal(r.status, 1, args.join(' '));
        assert.match(r.stderr, /no database at .*nothing to export/);
        assert.throws(() => statSync(join(empty, 'configurator.db')), { code: 'ENOENT' });
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses an --account that is not one and plain http to another host, before any push', () => {
    const account = cli('lwm2m', 'export', '--format', 'leshan', '--account', 'bootstap');
    assert.equal(account.status, 2);
    assert.match(account.stderr.toString(), /--account: "bootstap" is not/);
    const http = cli('lwm2m', 'export', '--format', 'leshan', '--push', 'http://leshan.example/');
    assert.equal(http.status, 2);
    assert.match(http.stderr.toString(), /in the clear/);
  });

  it("decodes a bundle with a template's own objects when told the profile", () => {
    const dir = mkdtempSync(join(tmpdir(), 'configurator-lwm2m-objects-'));
    try {
      const cfg = (...args: string[]) =>
        spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dir, ...args], { encoding: 'utf8' });
      writeFileSync(
        join(dir, 'config.yaml'),
        [
          'radio: { port: none }',
          'defaultProfile: hall',
          'profiles:',
          '  hall:',
          '    wifi: { ssid: Hall, passphrase: "correct horse battery staple" }',
          '    lwm2m:',
          '      endpoint: "dev-{keyHash16}"',
          '      servers:',
          '        - { uri: "coaps://lwm2m.example:5684", shortServerId: 1, securityMode: psk }',
          '      objects:',
          '        - id: 33000',
          '          name: Site',
          '          resources:',
          '            - { id: 0, name: Site Code, type: string, mandatory: true }',
          '          instances:',
          '            - values: { "0": "hall-7" }',
        ].join('\n'),
        { mode: 0o600 },
      );
      const id = newIdentity();
      assert.equal(cfg('whitelist', 'add', '--hash', toHex(id.hash)).status, 0);
      const file = join(dir, 'b.cbor');
      const made = cfg('lwm2m', 'bundle', '--device', toHex(id.hash), '--out', file);
      assert.equal(made.status, 0, made.stderr);
      const plain = cfg('lwm2m', 'decode', file);
      assert.equal(plain.status, 2);
      assert.match(plain.stderr, /object 33000 is not registered.*add --profile P/);
      const told = cfg('lwm2m', 'decode', file, '--profile', 'hall');
      assert.equal(told.status, 0, told.stderr);
      assert.match(told.stdout, /\/33000\/0\/0\s.*hall-7/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown device with exit 2', () => {
    const r = cli('lwm2m', 'bundle', '--device', 'ab'.repeat(32), '--out', join(dataDir, 'x.cbor'));
    assert.equal(r.status, 2);
    assert.ok(r.stderr.toString().length > 0);
  });
});
