/**
 * `configurator audit`: the audit log from the database, no daemon needed; filtered by kind, key
 * (a hash or a unique prefix), time (ISO-8601 or a span ago) and count; a table for people,
 * tab-separated lines for scripts, the API's record shape as JSON; bad input refused with exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliExit } from '../../daemon/cli/support/exit.js';
import { parseTimeOption } from '../../daemon/cli/support/option-values.js';
import type { AuditView } from '../../daemon/console/views.js';
import { openStores } from '../../daemon/service/stores.js';
import { runConfigurator } from '../support/cli-in-process.js';

const HOUR = 3_600_000;
const A = `aaaaaaaa11${'0'.repeat(54)}`;
const B = `aaaaaaaa22${'0'.repeat(54)}`;
const C = `cccccccc${'0'.repeat(56)}`;

/** What --json prints: the API's view of a record. */
type AuditRecord = AuditView;

describe('configurator audit (CLI)', () => {
  let dataDir: string;
  const now = Date.now();

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-audit-cli-'));
    const stores = openStores(dataDir);
    const at = (hoursAgo: number): Date => new Date(now - hoursAgo * HOUR);
    stores.auditLog.appendMany([
      { kind: 'whitelist-added', keyHash: A, actor: 'cli:ops', at: at(50) },
      { kind: 'whitelist-added', keyHash: B, actor: 'cli:ops', at: at(49) },
      { kind: 'refused', keyHash: C, peer: '02:00:00:00:00:09', reason: 'unknown key', at: at(3) },
      {
        kind: 'whitelist-updated',
        keyHash: A,
        actor: 'console:admin-token@127.0.0.1',
        detail: { label: 'Pump\t2', location: null },
        at: at(2),
      },
      { kind: 'admitted', keyHash: A, peer: '02:00:00:00:00:01', at: at(1) },
    ]);
    stores.close();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const audit = (...args: string[]) => runConfigurator('--data-dir', dataDir, 'audit', ...args);
  const json = async (...args: string[]): Promise<AuditRecord[]> => {
    const r = await audit('--json', ...args);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as AuditRecord[];
  };
  const kinds = (records: AuditRecord[]): string[] => records.map((r) => r.kind);

  it('lists newest first, as JSON records of the API shape with the detail as a JSON value', async () => {
    const all = await json();
    assert.deepEqual(kinds(all), [
      'admitted',
      'whitelist-updated',
      'refused',
      'whitelist-added',
      'whitelist-added',
    ]);
    const updated = all[1]!;
    assert.deepEqual(Object.keys(updated).sort(), [
      'actor',
      'at',
      'detail',
      'id',
      'keyHash',
      'kind',
    ]);
    assert.deepEqual(updated.detail, { label: 'Pump\t2', location: null });
    assert.equal(updated.keyHash, A);
    assert.match(updated.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(all.every((r, i) => i === 0 || r.id < all[i - 1]!.id));
  });

  it('filters by kind, by key hash or a unique prefix of it, by time and by count', async () => {
    assert.deepEqual(kinds(await json('--kind', 'refused')), ['refused']);
    assert.deepEqual(kinds(await json('--key', A)), [
      'admitted',
      'whitelist-updated',
      'whitelist-added',
    ]);
    assert.deepEqual(kinds(await json('--key', A.slice(0, 10).toUpperCase())), [
      'admitted',
      'whitelist-updated',
      'whitelist-added',
    ]);
    assert.deepEqual(kinds(await json('--key', 'cccccccc')), ['refused']);
    assert.deepEqual(await json('--key', 'dddddddd'), [], 'a prefix no record names: nothing');
    assert.deepEqual(kinds(await json('--since', '150m')), ['admitted', 'whitelist-updated']);
    assert.deepEqual(kinds(await json('--since', '1d', '--until', '90m')), [
      'whitelist-updated',
      'refused',
    ]);
    const until = new Date(now - 48 * HOUR).toISOString();
    assert.deepEqual(kinds(await json('--until', until, '--kind', 'whitelist-added')), [
      'whitelist-added',
      'whitelist-added',
    ]);
    assert.deepEqual(kinds(await json('--kind', 'whitelist-added', '--key', B)), [
      'whitelist-added',
    ]);
    const limited = await audit('--json', '--limit', '2');
    assert.deepEqual(kinds(JSON.parse(limited.stdout) as AuditRecord[]), [
      'admitted',
      'whitelist-updated',
    ]);
    assert.match(limited.stderr, /the 2 newest shown; there are older ones/);
  });

  it('prints tab-separated lines off a terminal, each detail as one line of compact JSON', async () => {
    const r = await audit('--kind', 'whitelist-updated');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0]!.split('\t'), [
      'ID',
      'TIME',
      'KIND',
      'KEY HASH',
      'PEER',
      'ACTOR',
      'REASON',
      'DETAIL',
    ]);
    const fields = lines[1]!.split('\t');
    assert.equal(fields.length, 8);
    assert.equal(fields[2], 'whitelist-updated');
    assert.equal(fields[3], A);
    assert.equal(fields[4], '-');
    assert.equal(fields[7], '{"label":"Pump\\t2","location":null}');
  });

  it('says which kinds the log holds when asked for one it does not', async () => {
    const r = await audit('--kind', 'whitelist-deleted');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /no record of kind whitelist-deleted in the log; its kinds: admitted, refused, whitelist-added, whitelist-updated/,
    );
  });

  it('refuses bad input with exit 2, naming the option and the value', async () => {
    const refusals: [string[], RegExp][] = [
      [['--since', 'yesterday'], /--since: "yesterday" is not a time: give ISO-8601/],
      [['--until', '2025-02-30'], /--until: "2025-02-30" is not a time/],
      [['--since', '2025-06-01T25:00Z'], /--since: "2025-06-01T25:00Z" is not a time/],
      [['--since', '3 hours'], /--since: "3 hours" is not a time/],
      [['--since', '1h', '--until', '2h'], /--since \(.*\) is not before --until/],
      [['--limit', '0'], /--limit: "0" is not a positive whole number/],
      [['--key', 'abc'], /--key: "abc" is not a key hash or a prefix of at least 8 hex digits/],
      [['--key', 'aaaaaaaa'], /--key: aaaaaaaa is the start of more than one key hash/],
      [['--kind', 'Refused!'], /--kind: "Refused!" is not a kind of record/],
    ];
    for (const [args, message] of refusals) {
      const r = await audit(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('says there is no database as status does', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dpp-audit-none-'));
    try {
      const r = await runConfigurator('--data-dir', empty, 'audit');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no database in .*: start the daemon or import a whitelist first/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('time options', () => {
  const now = new Date('2025-06-10T12:00:00.000Z');
  const at = (text: string): string => parseTimeOption('--since', text, now).toISOString();

  it('takes a span ago in seconds, minutes, hours, days or weeks', () => {
    assert.equal(at('90s'), '2025-06-10T11:58:30.000Z');
    assert.equal(at('30m'), '2025-06-10T11:30:00.000Z');
    assert.equal(at('1h'), '2025-06-10T11:00:00.000Z');
    assert.equal(at('2d'), '2025-06-08T12:00:00.000Z');
    assert.equal(at('1w'), '2025-06-03T12:00:00.000Z');
    assert.equal(at(' 0m '), now.toISOString());
  });

  it('takes ISO-8601 with Z or an offset, and a date or time without one as local time', () => {
    assert.equal(at('2025-06-01T14:30Z'), '2025-06-01T14:30:00.000Z');
    assert.equal(at('2025-06-01T14:30:15.5z'), '2025-06-01T14:30:15.500Z');
    assert.equal(at('2025-06-01T16:30:00+02:00'), '2025-06-01T14:30:00.000Z');
    assert.equal(at('2025-06-01T09:30-0500'), '2025-06-01T14:30:00.000Z');
    assert.equal(at('2025-06-01'), new Date(2025, 5, 1).toISOString());
    assert.equal(at('2025-06-01 08:15'), new Date(2025, 5, 1, 8, 15).toISOString());
  });

  it('refuses what is not a time, or a date that does not exist, naming option and value', () => {
    for (const bad of [
      '',
      'now',
      '1y',
      '-1h',
      '1.5h',
      '2025-13-01',
      '2025-02-29',
      '2025-06-01T24:00Z',
      '2025-06-01T12:60Z',
      '2025-06-01T12:00+24:00',
      '2025-06-01T12',
      '06/01/2025',
    ]) {
      assert.throws(
        () => parseTimeOption('--until', bad, now),
        (e: unknown) =>
          e instanceof CliExit && e.exitCode === 2 && e.message.startsWith(`--until: "${bad}"`),
        bad,
      );
    }
  });
});
