/**
 * `configurator backup` and `restore`: the round trip keeps the whitelist, devices, secrets, audit
 * log, key and console files identical; a backup taken while a daemon and another writer are busy
 * is one consistent state; a restore is refused while a daemon runs, over files without --force,
 * and from a truncated, corrupted or foreign file, which restores nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import * as tar from 'tar';
import { consoleTls } from '../../daemon/console/tls.js';
import { loadIdentity } from '../../daemon/keys/identity.js';
import { AuditLog } from '../../whitelist/audit-log.js';
import { openDatabase } from '../../whitelist/database.js';
import { DeviceStore } from '../../whitelist/device-store.js';
import { SecretStore } from '../../whitelist/secret-store.js';
import { runConfigurator, type CliResult } from '../support/cli-in-process.js';
import { freePort, startDaemonProcess, writeTcpConfig } from '../support/daemon-process.js';
import { newKey } from '../whitelist/fixtures.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PRIVATE_FILES = [
  'configurator.db',
  'configurator-key.pem',
  'console-tokens.json',
  'console-cert.pem',
  'console-key.pem',
];

/** Every row of every table, in order: what "identical" means for the database. */
function dumpDatabase(dataDir: string): Record<string, unknown[]> {
  const db = new BetterSqlite3(join(dataDir, 'configurator.db'), { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]),
    );
  } finally {
    db.close();
  }
}

function fileBytes(dataDir: string): Record<string, string> {
  return Object.fromEntries(
    PRIVATE_FILES.filter((f) => f !== 'configurator.db' && existsSync(join(dataDir, f))).map(
      (f) => [f, readFileSync(join(dataDir, f), 'latin1')],
    ),
  );
}

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

describe('configurator backup and restore (CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  let dataDir: string;
  const children: ChildProcess[] = [];
  const cli = (...args: string[]): Promise<CliResult> => runConfigurator(...args);
  const ok = async (...args: string[]): Promise<CliResult> => {
    const r = await cli(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  /** A data dir with entries, a device, its secrets, audit records, key, tokens and certificate. */
  async function populate(target: string): Promise<string[]> {
    const keys = [newKey(), newKey(), newKey()];
    for (const [i, k] of keys.entries())
      await ok('--data-dir', target, 'whitelist', 'add', '--uri', k.uri, '--label', `unit ${i}`);
    await ok('--data-dir', target, 'whitelist', 'revoke', keys[2]!.keyHash);
    await ok('--data-dir', target, 'identity', '--no-qr');
    await ok('--data-dir', target, 'console', 'token');
    consoleTls({ host: '0.0.0.0', tls: 'on' }, target, target);
    const db = openDatabase(target);
    try {
      const at = new Date('2026-11-30T10:00:00Z');
      new DeviceStore(db).recordAuthenticated(keys[0]!.keyHash, {
        at,
        mac: '02:00:00:00:00:01',
        transport: 'espnow',
        profile: 'plant',
      });
      new SecretStore(db).getOrCreate(keys[0]!.keyHash, 'plant', () =>
        JSON.stringify({ psk: '00112233445566778899aabbccddeeff' }),
      );
      new AuditLog(db).append({
        kind: 'provisioned',
        keyHash: keys[0]!.keyHash,
        actor: 'daemon',
        at,
      });
    } finally {
      db.close();
    }
    return keys.map((k) => k.keyHash);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-backup-cli-'));
    dataDir = join(dir, 'data');
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('round trip: whitelist, devices, secrets, audit log, key and console files identical, modes private', async () => {
    await populate(dataDir);
    const backup = join(dir, 'site.tar.gz');
    const made = await ok('--data-dir', dataDir, 'backup', backup);
    assert.match(made.stdout, /^wrote .*site\.tar\.gz \(mode 0600/);
    assert.match(made.stdout, /3 whitelist entries, 1 device, 1 device secret, 5 audit records/);
    assert.equal(modeOf(backup), '600');

    const restored = join(dir, 'new-pi', 'data');
    const r = await ok('--data-dir', restored, 'restore', backup);
    assert.match(r.stdout, /^restored .* into .*new-pi\/data: backup of .*data on /);
    assert.doesNotMatch(r.stdout, /replaced|removed/);
    assert.deepEqual(dumpDatabase(restored), dumpDatabase(dataDir));
    assert.deepEqual(fileBytes(restored), fileBytes(dataDir));
    assert.equal(Object.keys(fileBytes(restored)).length, 4);
    // The private-file checks pass: the directory 0700, each file 0600.
    assert.equal(modeOf(restored), '700');
    for (const f of readdirSync(restored)) assert.equal(modeOf(join(restored, f)), '600', f);
    assert.deepEqual(readdirSync(restored).sort(), [...PRIVATE_FILES].sort());
    assert.deepEqual(loadIdentity(restored)?.key.der, loadIdentity(dataDir)?.key.der);
    const db = openDatabase(restored);
    db.close();
    const listed = await ok('--data-dir', restored, 'whitelist', 'list', '--json');
    assert.equal(JSON.parse(listed.stdout).length, 3);
  });

  it('refuses to overwrite a file, and to restore over a data dir without --force; --force says what it replaced', async () => {
    const [first] = await populate(dataDir);
    const backup = join(dir, 'site.tar.gz');
    writeFileSync(backup, 'older backup');
    let r = await cli('--data-dir', dataDir, 'backup', backup);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /refusing to overwrite .*site\.tar\.gz: the file exists/);
    assert.equal(readFileSync(backup, 'utf8'), 'older backup');
    rmSync(backup);
    await ok('--data-dir', dataDir, 'backup', backup);

    // Another data dir, with its own key and database, and no console files.
    const other = join(dir, 'other');
    await ok('--data-dir', other, 'whitelist', 'add', '--uri', newKey().uri);
    await ok('--data-dir', other, 'identity', '--no-qr');
    const before = { db: dumpDatabase(other), files: fileBytes(other) };
    r = await cli('--data-dir', other, 'restore', backup);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /other already holds configurator\.db, configurator-key\.pem: --force replaces them .*nothing restored/,
    );
    assert.deepEqual({ db: dumpDatabase(other), files: fileBytes(other) }, before);

    writeFileSync(join(other, 'config.yaml'), 'log: { level: warn }\n');
    r = await ok('--data-dir', other, 'restore', '--force', backup);
    assert.match(r.stdout, /^replaced: configurator\.db, configurator-key\.pem$/m);
    assert.match(r.stdout, /the configurator's key is the backup's, not the one replaced/);
    assert.deepEqual(dumpDatabase(other), dumpDatabase(dataDir));
    assert.deepEqual(fileBytes(other), fileBytes(dataDir));
    // The admin's own files stay.
    assert.equal(readFileSync(join(other, 'config.yaml'), 'utf8'), 'log: { level: warn }\n');
    const shown = await ok('--data-dir', other, 'whitelist', 'show', first!);
    assert.match(shown.stdout, /^secrets: +created /m);
  });

  it('refuses a truncated, corrupted or foreign backup, naming the fault, and restores nothing', async () => {
    await populate(dataDir);
    const backup = join(dir, 'site.tar.gz');
    await ok('--data-dir', dataDir, 'backup', backup);
    const bytes = readFileSync(backup);

    // A member changed under a valid gzip stream: only the manifest's hash can tell.
    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked);
    await tar.x({ file: backup, cwd: unpacked });
    const db = readFileSync(join(unpacked, 'configurator.db'));
    db[db.length >> 1]! ^= 0x01;
    writeFileSync(join(unpacked, 'configurator.db'), db);
    const names = ['manifest.json', 'configurator.db', 'configurator-key.pem'];
    const repacked = join(dir, 'repacked.tar.gz');
    await tar.c({ gzip: true, cwd: unpacked, file: repacked }, names);
    writeFileSync(join(unpacked, 'stray.txt'), 'x');
    const extra = join(dir, 'extra.tar.gz');
    await tar.c({ gzip: true, cwd: unpacked, file: extra }, ['manifest.json', 'stray.txt']);
    const foreign = join(dir, 'foreign.tar.gz');
    await tar.c({ gzip: true, cwd: unpacked, file: foreign }, ['configurator-key.pem']);

    const cases: [string, (file: string) => void, RegExp][] = [
      ['truncated', (f) => writeFileSync(f, bytes.subarray(0, bytes.length - 200)), /truncated/],
      ['cut short', (f) => (writeFileSync(f, bytes), truncateSync(f, 100)), /truncated/],
      [
        'a flipped byte',
        (f) => {
          const b = Buffer.from(bytes);
          b[b.length >> 1]! ^= 0xff;
          writeFileSync(f, b);
        },
        /corrupted|truncated|not a configurator backup/,
      ],
      [
        'a member changed',
        (f) => writeFileSync(f, readFileSync(repacked)),
        /configurator\.db does not match its manifest .*corrupted/,
      ],
      [
        'a member not listed',
        (f) => writeFileSync(f, readFileSync(extra)),
        /"stray\.txt" is not listed in its manifest/,
      ],
      [
        'no manifest',
        (f) => writeFileSync(f, readFileSync(foreign)),
        /not a configurator backup: it does not start with manifest\.json/,
      ],
      ['not an archive', (f) => writeFileSync(f, 'uri,label\n'), /not a configurator backup/],
      ['empty', (f) => writeFileSync(f, ''), /not a configurator backup|truncated/],
    ];
    // Over an existing data dir with --force, and into a new one: nothing changes, nothing is made.
    const existing = join(dir, 'existing');
    await ok('--data-dir', existing, 'whitelist', 'add', '--uri', newKey().uri);
    const before = {
      db: dumpDatabase(existing),
      files: fileBytes(existing),
      names: readdirSync(existing),
    };
    for (const [name, write, reason] of cases) {
      const file = join(dir, `bad-${name.replace(/ /g, '-')}.tar.gz`);
      write(file);
      let r = await cli('--data-dir', existing, 'restore', '--force', file);
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, reason, name);
      assert.match(r.stderr, /nothing restored\n$/, name);
      assert.deepEqual(
        { db: dumpDatabase(existing), files: fileBytes(existing), names: readdirSync(existing) },
        before,
        name,
      );
      const fresh = join(dir, 'fresh');
      r = await cli('--data-dir', fresh, 'restore', file);
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.equal(existsSync(fresh), false, name);
    }
  });

  it('backs up consistently while a daemon runs and another process writes; restore waits for the daemon to stop', async () => {
    await populate(dataDir);
    writeTcpConfig(dataDir, await freePort());
    const daemon = await startDaemonProcess(dataDir);
    children.push(daemon);
    // Another writer: each transaction adds two audit records, so a consistent copy has an even
    // number of them, whatever the moment it was taken.
    const stop = join(dir, 'stop');
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const fs = require('fs');
         const db = new D(process.argv[1]); db.pragma('busy_timeout = 10000');
         const ins = db.prepare("INSERT INTO audit (at, kind, actor) VALUES (?, 'pair-test', 'test')");
         const pair = db.transaction((i) => { ins.run(String(i)); ins.run(String(i)); });
         let i = 0; while (!fs.existsSync(process.argv[2])) pair.immediate(i++);
         db.close(); process.stdout.write(String(i));`,
        join(dataDir, 'configurator.db'),
        stop,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(writer);
    let written = '';
    writer.stdout!.on('data', (c: Buffer) => (written += c.toString()));
    const writerDone = new Promise((resolve) => writer.on('exit', resolve));
    const pairs = (target: string): number => {
      const db = new BetterSqlite3(join(target, 'configurator.db'), { readonly: true });
      try {
        return (
          db.prepare("SELECT count(*) AS n FROM audit WHERE kind = 'pair-test'").get() as {
            n: number;
          }
        ).n;
      } finally {
        db.close();
      }
    };
    for (let i = 0; i < 2400 && pairs(dataDir) === 0; i++)
      await new Promise((r) => setTimeout(r, 25));

    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const backup = join(dir, `live-${i}.tar.gz`);
      await ok('--data-dir', dataDir, 'backup', backup);
      const target = join(dir, `live-${i}`);
      await ok('--data-dir', target, 'restore', backup);
      counts.push(pairs(target));
    }
    writeFileSync(stop, '');
    await writerDone;
    assert.ok(Number(written) > 0, 'the writer wrote');
    assert.ok(
      counts.every((n) => n > 0 && n % 2 === 0),
      `audit pairs in each copy: ${counts.join(', ')}`,
    );

    // Refused while the daemon runs, and nothing changes.
    const before = fileBytes(dataDir);
    const r = await cli('--data-dir', dataDir, 'restore', '--force', join(dir, 'live-0.tar.gz'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`a daemon \\(pid ${daemon.pid}\\) runs on .*: stop it first`),
    );
    assert.deepEqual(fileBytes(dataDir), before);
    assert.ok(pairs(dataDir) >= Math.max(...counts));

    daemon.kill('SIGTERM');
    await new Promise((resolve) =>
      daemon.exitCode !== null ? resolve(null) : daemon.on('exit', resolve),
    );
    const restored = await ok(
      '--data-dir',
      dataDir,
      'restore',
      '--force',
      join(dir, 'live-0.tar.gz'),
    );
    assert.match(
      restored.stdout,
      /^replaced: configurator\.db, configurator-key\.pem, console-tokens\.json, console-cert\.pem, console-key\.pem$/m,
    );
    assert.equal(pairs(dataDir), counts[0]);
    assert.equal(existsSync(join(dataDir, 'configurator.db-wal')), false);
  });
});
