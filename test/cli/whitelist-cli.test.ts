import { uriOfKey } from '../support/dpp-fixtures.js';
import assert from 'node:assert/strict';
import { runConfigurator, type CliResult } from '../support/cli-in-process.js';
import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../protocol/bytes.js';
import {
  bootstrapKeyHash,
  chirpHash,
  encodeBootstrapKey,
} from '../../protocol/dpp/bootstrap-key.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { writePrivateKeyFile } from '../../daemon/keys/key-file.js';
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase } from '../../whitelist/database.js';

const MAIN = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));
const KEY = 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADM2206avxHJaHXgLMkq/24e0rsrfMP9K1Tm8gx+ovP0I=';
const KEY_HASH = 'bc4cbe2a7f4735f6db5ea817ee468d46110e47fa58833f4ecaacce775b657302';
const CHIRP_HASH = '826b2bffc761da0840bdde90a504fc1f2a243c77e2ed054d4ba2774f4ee571d3';

interface Device {
  uri: string;
  keyHash: string;
  chirpHash: string;
}

function device(): Device {
  const keyPair = generateKeyPair();
  const key = encodeBootstrapKey(keyPair.publicKey);
  return {
    uri: uriOfKey(key),
    keyHash: toHex(bootstrapKeyHash(key)),
    chirpHash: toHex(chirpHash(key)),
  };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('configurator whitelist (CLI)', () => {
  let dir: string;
  let dataDir: string;

  // In this process (the pipe case below still spawns: it needs a real stdin).
  const run = (...args: string[]): Promise<CliResult> =>
    runConfigurator('--data-dir', dataDir, 'whitelist', ...args);
  const list = async (): Promise<Record<string, unknown>[]> => {
    const r = await run('list', '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-whitelist-cli-'));
    dataDir = join(dir, 'data');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('list on a data dir without a database prints nothing and creates nothing', async () => {
    const r = await run('list');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.throws(() => readFileSync(join(dataDir, 'configurator.db')), { code: 'ENOENT' });
  });

  it('refuses to read or edit a database chmod 0644, naming the fix (exit 1)', async () => {
    assert.equal((await run('add', '--uri', `DPP:K:${KEY};;`)).status, 0);
    const db = join(dataDir, 'configurator.db');
    chmodSync(db, 0o644);
    for (const args of [['list'], ['disable', KEY_HASH]]) {
      const r = await run(...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`Fix: chmod 600 ${db} `));
    }
    chmodSync(db, 0o600);
    assert.equal((await list()).length, 1);
  });

  it('add by URI, hash and key file; list, show, status changes and remove', async () => {
    let r = await run(
      'add',
      '--uri',
      `DPP:K:${KEY};;`,
      '--label',
      'unit, one',
      '--profile',
      'factory',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${KEY_HASH}\n`);

    const other = device();
    r = await run('add', '--hash', other.keyHash.toUpperCase(), '--location', 'hall 3');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${other.keyHash}\n`);

    const keyPair = generateKeyPair();
    const keyFile = join(dir, 'device.pem');
    writePrivateKeyFile(keyFile, keyPair);
    const fromFile = toHex(bootstrapKeyHash(encodeBootstrapKey(keyPair.publicKey)));
    r = await run('add', '--key', keyFile);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${fromFile}\n`);

    const entries = await list();
    assert.deepEqual(
      entries.map((e) => [e['keyHash'], e['status'], e['label'], e['chirpHash']]),
      [
        [KEY_HASH, 'active', 'unit, one', CHIRP_HASH],
        [other.keyHash, 'active', null, null],
        [fromFile, 'active', null, toHex(chirpHash(encodeBootstrapKey(keyPair.publicKey)))],
      ],
    );

    r = await run('show', KEY_HASH.slice(0, 10));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^key hash: +${KEY_HASH}$`, 'm'));
    assert.match(r.stdout, /^profile: +factory$/m);
    assert.match(r.stdout, /^label: +unit, one$/m);

    r = await run('disable', KEY_HASH);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${KEY_HASH} inactive\n`);
    r = await run('revoke', KEY_HASH.slice(0, 8));
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await list())[0]!['status'], 'revoked');
    r = await run('list', '--json', '--status', 'revoked');
    assert.deepEqual(
      JSON.parse(r.stdout).map((e: { keyHash: string }) => e.keyHash),
      [KEY_HASH],
    );
    r = await run('enable', KEY_HASH);
    assert.equal((await list())[0]!['status'], 'active');

    r = await run('remove', other.keyHash);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${other.keyHash} removed\n`);
    assert.equal((await list()).length, 2);

    // Each edit was audited with the CLI as actor.
    const db = openDatabase(dataDir);
    try {
      const records = new AuditLog(db).list();
      assert.deepEqual(records.map((a) => a.kind).reverse(), [
        'whitelist-added',
        'whitelist-added',
        'whitelist-added',
        'whitelist-status',
        'whitelist-status',
        'whitelist-status',
        'whitelist-removed',
      ]);
      assert.ok(records.every((a) => a.actor?.startsWith('cli:')));
    } finally {
      db.close();
    }
  });

  it('--key reads a public key (PEM, DER) or private key to the same compressed key hash', async () => {
    const keyPair = generateKeyPair();
    const privateFile = join(dir, 'device.pem');
    writePrivateKeyFile(privateFile, keyPair);
    const spki = createPublicKey(readFileSync(privateFile, 'utf8'));
    const pemFile = join(dir, 'public.pem');
    const derFile = join(dir, 'public.der');
    writeFileSync(pemFile, spki.export({ type: 'spki', format: 'pem' }));
    writeFileSync(derFile, spki.export({ type: 'spki', format: 'der' }));
    const expected = toHex(bootstrapKeyHash(encodeBootstrapKey(keyPair.publicKey)));
    for (const [i, file] of [privateFile, pemFile, derFile].entries()) {
      dataDir = join(dir, `data-${i}`);
      const r = await run('add', '--key', file);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${expected}\n`, file);
    }
    writeFileSync(join(dir, 'junk.txt'), 'junk');
    const r = await run('add', '--key', join(dir, 'junk.txt'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /junk\.txt: not a public key/);
  });

  it('list prints tab-separated lines with full hashes when not on a terminal', async () => {
    await run('add', '--uri', `DPP:K:${KEY};;`, '--label', 'two\nlines');
    const r = await run('list');
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 2);
    assert.equal(out[0]!.split('\t')[0], 'KEY HASH');
    assert.deepEqual(out[1]!.split('\t').slice(0, 4), [KEY_HASH, 'active', '-', 'two lines']);
  });

  for (const [name, args, reason] of [
    ['no key option', ['add', '--label', 'x'], /exactly one of --uri, --hash or --key/],
    [
      'two key options',
      ['add', '--hash', 'a'.repeat(64), '--uri', `DPP:K:${KEY};;`],
      /exactly one/,
    ],
    ['a short hash', ['add', '--hash', 'abc123'], /bad key hash: expected 64 hex digits, got 6/],
    ['a bad URI', ['add', '--uri', 'DPP:K:abc;;'], /^configurator: bad URI: /],
    ['a bad profile', ['add', '--hash', 'a'.repeat(64), '--profile', 'a b'], /bad profile/],
    ['an unknown hash', ['revoke', 'c'.repeat(64)], /not on the whitelist/],
    ['a short prefix', ['show', 'abc'], /at least 8 hex digits/],
    ['an unknown status filter', ['list', '--status', 'gone'], /--status: "gone"/],
  ] as const) {
    it(`refuses ${name}: exit 2, one line on stderr`, async () => {
      await run('add', '--hash', 'b'.repeat(64));
      const r = await run(...args);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.equal(r.stdout, '');
      const err = lines(r.stderr);
      assert.equal(err.length, 1, r.stderr);
      assert.match(err[0]!, reason);
    });
  }

  it('refuses a duplicate add with exit 2 and keeps the original entry', async () => {
    await run('add', '--uri', `DPP:K:${KEY};;`, '--label', 'original');
    const r = await run('add', '--hash', KEY_HASH, '--label', 'copy');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /already on the whitelist/);
    assert.equal((await list())[0]!['label'], 'original');
  });

  it('an ambiguous prefix is refused', async () => {
    await run('add', '--hash', `abcdef01${'1'.repeat(56)}`);
    await run('add', '--hash', `abcdef01${'2'.repeat(56)}`);
    const r = await run('revoke', 'abcdef01');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /more than one key hash/);
    assert.ok((await list()).every((e) => e['status'] === 'active'));
  });

  for (const format of ['csv', 'json'] as const) {
    it(`import → export (${format}) → import into a new data dir gives the same whitelist`, async () => {
      const devices = [device(), device(), device()];
      const csv =
        'uri,label,location,status,notes\r\n' +
        `${devices[0]!.uri},"comma, ""quote""",Zürich,,"line 1\nline 2"\r\n` +
        `${devices[1]!.uri},=SUM(A1),,inactive,\r\n` +
        `${devices[2]!.uri},日本語ラベル,,revoked,\r\n`;
      const file = join(dir, 'batch.csv');
      writeFileSync(file, csv);
      let r = await run('import', file);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'added 3, unchanged 0, skipped 0\n');

      const out = join(dir, `export.${format}`);
      r = await run('export', '--out', out);
      assert.equal(r.status, 0, r.stderr);
      const before = await list();
      assert.equal(before.length, 3);
      assert.equal(before[0]!['label'], 'comma, "quote"');
      assert.equal(before[1]!['label'], '=SUM(A1)');

      // The export refuses to overwrite its file.
      r = await run('export', '--out', out);
      assert.equal(r.status, 2);

      dataDir = join(dir, 'second');
      r = await run('import', out);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'added 3, unchanged 0, skipped 0\n');
      assert.deepEqual(await list(), before);
    });
  }

  it('imports from a pipe (/dev/stdin) as from a file', async () => {
    const devices = [device(), device(), device()];
    const file = join(dir, 'uris.txt');
    writeFileSync(file, devices.map((d) => d.uri).join('\n') + '\n');
    // Through a shell's pipe, as an admin would: `cat FILE | configurator … import /dev/stdin`.
    const r = spawnSync(
      'sh',
      [
        '-c',
        'cat "$1" | "$2" "$3" --data-dir "$4" whitelist import /dev/stdin --format uris',
        'sh',
        file,
        process.execPath,
        MAIN,
        dataDir,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'added 3, unchanged 0, skipped 0\n');
    assert.deepEqual(
      (await list()).map((e) => e['keyHash']).sort(),
      devices.map((d) => d.keyHash).sort(),
    );
  });

  it('refuses a file that is not UTF-8, naming the line, and imports nothing', async () => {
    const file = join(dir, 'latin1.csv');
    const rows = Buffer.concat([
      Buffer.from(`uri,label\n${device().uri},plain\n${device().uri},M`),
      Buffer.from([0xfc]), // ü in Latin-1
      Buffer.from('ller\n'),
    ]);
    writeFileSync(file, rows);
    const r = await run('import', file);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /latin1\.csv: line 3 is not UTF-8/);
    assert.deepEqual(await list(), []);
  });

  it('export writes CSV to stdout by default and JSON with --format json', async () => {
    await run('add', '--uri', `DPP:K:${KEY};;`);
    let r = await run('export');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^hash,public_key,chirp_hash,uri,/);
    r = await run('export', '--format', 'json');
    assert.equal(JSON.parse(r.stdout).entries[0].keyHash, KEY_HASH);
    const out = join(dir, 'backup.csv');
    r = await run('export', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600, 'as private as the database');
  });

  it('a rejected import lists every bad line on stderr and changes nothing', async () => {
    await run('add', '--uri', `DPP:K:${KEY};;`, '--label', 'kept');
    const good = device();
    const other = device();
    const text =
      '# batch 9\n' +
      `${good.uri}\n` +
      '\n' +
      `${'1'.repeat(63)}\n` +
      'DPP:K:notbase64;;\n' +
      `${other.uri}\n` +
      `${other.keyHash}\n` +
      'hello\n';
    const file = join(dir, 'devices.txt');
    writeFileSync(file, text);
    const before = await list();
    const r = await run('import', file);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const err = lines(r.stderr);
    assert.deepEqual(
      err.slice(0, -1).map((l) => l.split(':')[0]),
      ['line 4', 'line 5', 'line 7', 'line 8'],
    );
    assert.match(err[1]!, /^line 5: bad URI: /);
    assert.match(err[2]!, /^line 7: duplicate within the file \(same key as line 6\)/);
    assert.match(err[3]!, /^line 8: neither a DPP URI/);
    assert.match(err.at(-1)!, /^configurator: .*devices\.txt: 4 bad rows, nothing imported/);
    assert.deepEqual(await list(), before);
  });

  it('--skip-invalid imports the good rows and reports the bad ones', async () => {
    const good = [device(), device()];
    const text = [
      'hash,label',
      `${good[0]!.keyHash},first`,
      'nothex,bad',
      `${good[1]!.keyHash},second`,
      `${KEY_HASH},"quoted, third"`,
      `${good[0]!.keyHash},again`,
    ].join('\n');
    const file = join(dir, 'mixed.csv');
    writeFileSync(file, text);
    const r = await run('import', file, '--skip-invalid');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'added 3, unchanged 0, skipped 2\n');
    const err = lines(r.stderr);
    assert.equal(err.length, 2);
    assert.match(err[0]!, /^line 3: bad key hash/);
    assert.match(err[1]!, /^line 6: duplicate within the file \(same key as line 2\)/);
    assert.deepEqual(
      (await list()).map((e) => e['label']),
      ['first', 'second', 'quoted, third'],
    );
  });

  it('refuses a file of unknown format, an unknown column and a missing file with exit 2', async () => {
    writeFileSync(join(dir, 'devices.dat'), KEY_HASH);
    let r = await run('import', join(dir, 'devices.dat'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--format csv, uris or json/);
    writeFileSync(join(dir, 'bad.csv'), 'hash,colour\n');
    r = await run('import', join(dir, 'bad.csv'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown column "colour"/);
    r = await run('import', join(dir, 'missing.csv'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot read/);
    assert.deepEqual(await list(), []);
  });

  it('imports a spreadsheet’s semicolon CSV: separator detected or forced, extra columns left out when asked', async () => {
    const [a, b] = [device(), device()];
    const file = join(dir, 'Lieferung.csv');
    // As LibreOffice saves "CSV UTF-8" in a comma-decimal locale.
    writeFileSync(
      file,
      '\uFEFFDPP URI;Label;Serial\r\n' +
        `"${a.uri.replace(/^DPP:/, 'dpp:')}";Pumpe 1;SN-1\r\n` +
        `"${b.uri}";Ventil;SN-2\r\n`,
    );
    let r = await run('import', file);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /line 1: unknown column "Serial" .*--ignore-unknown-columns/);
    r = await run('import', file, '--ignore-unknown-columns', '--delimiter', ',');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /line 2: ";" after a closing quote.*seems separated by ";"/);
    r = await run('import', file, '--delimiter', 'tab');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--delimiter: "tab" is not ',' or ';'/);
    assert.deepEqual(await list(), []);

    r = await run('import', file, '--ignore-unknown-columns');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'added 2, unchanged 0, skipped 0\n');
    assert.equal(r.stderr, `configurator: warning: ${file}: ignored unknown column "Serial"\n`);
    assert.deepEqual(
      (await list()).map((e) => [e['uri'], e['label']]),
      [
        [a.uri, 'Pumpe 1'],
        [b.uri, 'Ventil'],
      ],
    );
    // Forced, the same file is unchanged the second time.
    r = await run('import', file, '--ignore-unknown-columns', '--delimiter', 'semicolon');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'added 0, unchanged 2, skipped 0\n');
    r = await run('add', '--uri', `dpp:${device().uri.slice(4)}`);
    assert.equal(r.status, 0, r.stderr);
  });
});
