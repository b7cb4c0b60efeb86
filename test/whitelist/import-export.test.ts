import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isConfiguratorError, must } from '../../protocol/errors.js';
import { openDatabase } from '../../whitelist/database.js';
import { exportCsv, exportJson } from '../../whitelist/export.js';
import {
  MAX_IMPORT_BYTES,
  formatOfFileName,
  parseImport,
  readImportText,
} from '../../whitelist/import.js';
import { resolveKey } from '../../whitelist/key-input.js';
import { WhitelistStore, type ImportRow } from '../../whitelist/whitelist-store.js';
import {
  KNOWN_CHIRP_HASH,
  KNOWN_KEY_B64,
  KNOWN_KEY_HASH,
  KNOWN_URI,
  TempDirs,
  newKey,
} from './fixtures.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';

/** The problems of parsed rows, as `where: reason`. */
function problems(rows: readonly ImportRow[]): string[] {
  return rows.flatMap((r) => ('problem' in r ? [`${r.where}: ${r.problem}`] : []));
}

function entries(rows: readonly ImportRow[]) {
  return rows.flatMap((r) => ('entry' in r ? [r.entry] : []));
}

describe('whitelist import parsing', () => {
  it('picks the format from the file name', () => {
    assert.equal(formatOfFileName('batch.CSV'), 'csv');
    assert.equal(formatOfFileName('/x/export.json'), 'json');
    assert.equal(formatOfFileName('uris.txt'), 'uris');
    assert.equal(formatOfFileName('data.bin'), undefined);
  });

  describe('CSV', () => {
    it('reads every key column, columns in any order, and the metadata', () => {
      const a = newKey();
      const b = newKey();
      const text =
        'Label,uri,hash,public_key,status,profile,location,notes\n' +
        `unit A,${a.uri},,,inactive,factory,hall 1,"first, with comma"\n` +
        `unit B,,${b.keyHash},,,,,\n` +
        `field notes,,${KNOWN_KEY_HASH},${KNOWN_KEY_B64},revoked,,,\n`;
      const rows = must(parseImport(text, 'csv'));
      assert.deepEqual(problems(rows), []);
      const [ea, eb, ek] = entries(rows);
      assert.equal(ea!.keyHash, a.keyHash);
      assert.equal(ea!.chirpHash, a.chirpHash);
      assert.equal(ea!.status, 'inactive');
      assert.equal(ea!.profile, 'factory');
      assert.equal(ea!.notes, 'first, with comma');
      assert.equal(eb!.keyHash, b.keyHash);
      assert.equal(eb!.publicKey, undefined);
      assert.equal(eb!.status, undefined);
      assert.equal(ek!.chirpHash, KNOWN_CHIRP_HASH);
      assert.equal(ek!.status, 'revoked');
    });

    it('reports each bad row with its line and a specific reason', () => {
      const a = newKey();
      const b = newKey();
      const text =
        'hash,uri,status\r\n' +
        `${a.keyHash},,\r\n` +
        `${'0'.repeat(63)},,\r\n` +
        `${'g'.repeat(64)},,\r\n` +
        `,DPP:C:81/1;K:nope;;,\r\n` +
        `,${b.uri},retired\r\n` +
        `${a.keyHash},${b.uri},\r\n` +
        `,,\r\n` +
        `"multi\nline",,\r\n` +
        `only two,fields\r\n` +
        `\r\n` +
        `${b.keyHash},,active\r\n`;
      const rows = must(parseImport(text, 'csv'));
      const found = problems(rows);
      assert.match(found[2]!, /^line 5: bad URI: .*K:/);
      found[2] = 'line 5: (bad URI)';
      assert.deepEqual(found, [
        'line 3: bad key hash: expected 64 hex digits, got 63 hex digits',
        'line 4: bad key hash: expected 64 hex digits, got a non-hex character "g"',
        'line 5: (bad URI)',
        'line 6: unknown status "retired" (active, inactive or revoked)',
        `line 7: hash and URI disagree: the key hashes to ${b.keyHash}`,
        'line 8: no key: the hash, uri and public_key cells are all empty',
        'line 9: bad key hash: expected 64 hex digits, got a non-hex character "m"',
        'line 11: 2 fields, the header has 3',
      ]);
      assert.equal(entries(rows).length, 2);
    });

    for (const [name, text, reason] of [
      ['an unknown column, by name', 'hash,colour\n', /line 1: unknown column "colour"/],
      ['no key column', 'label,notes\n', /needs a hash, uri or public_key column/],
      ['a column twice', 'hash,HASH\n', /column hash twice/],
      ['an empty file', '\n\n', /empty/],
      ['broken quoting', 'hash\n"abc\n', /line 2: quoted field not closed/],
    ] as const) {
      it(`refuses a file with ${name}`, () => {
        const r = parseImport(text, 'csv');
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.code, WhitelistErrorCode.WhitelistImportFormat);
          assert.match(r.error.message, reason);
        }
      });
    }

    it("refuses a public key that is not base64 or not the URI's key, and a wrong chirp hash", () => {
      const a = newKey();
      const b = newKey();
      const text =
        'public_key,uri,chirp_hash\n' +
        `not*base64,,\n` +
        `${b.base64},${a.uri},\n` +
        `${a.base64},,${b.chirpHash}\n` +
        `${a.base64},,${a.chirpHash.toUpperCase()}\n`;
      assert.deepEqual(problems(must(parseImport(text, 'csv'))), [
        'line 2: bad public_key: not standard base64',
        'line 3: public key and URI disagree: they hold different keys',
        `line 4: chirp_hash does not match the key (expected ${a.chirpHash})`,
      ]);
    });
  });

  describe('URI list', () => {
    it('reads URIs and hashes, skipping comments and blank lines, with line numbers', () => {
      const a = newKey();
      const text = `# batch 7\r\n\r\n  ${a.uri}  \r\n${KNOWN_KEY_HASH.toUpperCase()}\r\nhello\r\nDPP:K:;;\r\n`;
      const rows = parseImport(text, 'uris');
      assert.ok(rows.ok);
      assert.deepEqual(
        entries(rows.value).map((e) => e.keyHash),
        [a.keyHash, KNOWN_KEY_HASH],
      );
      const p = problems(rows.value);
      assert.equal(p.length, 2);
      assert.match(p[0]!, /^line 5: neither a DPP URI/);
      assert.match(p[1]!, /^line 6: bad URI: /);
    });
  });

  describe('JSON', () => {
    it('reads a bare array of entries and strings, numbering entries from 1', () => {
      const a = newKey();
      const text = JSON.stringify([
        { uri: a.uri, label: 'A', profile: null },
        KNOWN_URI,
        { keyHash: 'xyz' },
        { hash: KNOWN_KEY_HASH, colour: 'red' },
        { label: 'no key' },
        { uri: a.uri, label: 5 },
        42,
      ]);
      const rows = must(parseImport(text, 'json'));
      assert.deepEqual(
        entries(rows).map((e) => [e.keyHash, e.label]),
        [
          [a.keyHash, 'A'],
          [KNOWN_KEY_HASH, undefined],
        ],
      );
      assert.deepEqual(problems(rows), [
        'entry 3: bad key hash: expected 64 hex digits, got a non-hex character "x"',
        'entry 4: unknown field "colour"',
        'entry 5: no key: give keyHash, uri or publicKey',
        'entry 6: label is not a string',
        'entry 7: not an object or a string',
      ]);
    });

    for (const [name, text, reason] of [
      ['not JSON', '{"version":1,', /not valid JSON/],
      ['another version', '{"version":2,"entries":[]}', /unsupported version 2/],
      ['entries not an array', '{"version":1,"entries":{}}', /not an array/],
      [
        'an unknown top-level member',
        '{"version":1,"entries":[],"x":1}',
        /unknown top-level member "x"/,
      ],
      ['a scalar', '"DPP:"', /expected an object/],
    ] as const) {
      it(`refuses ${name}`, () => {
        const r = parseImport(text, 'json');
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error.message, reason);
      });
    }
  });

  describe('file size', () => {
    const temp = new TempDirs();
    after(() => temp.cleanup());

    it('refuses a file over the cap before reading it', () => {
      const path = join(temp.make(), 'huge.csv');
      writeFileSync(path, '');
      // A sparse file: the size is what counts, not the bytes written.
      truncateSync(path, MAX_IMPORT_BYTES + 1);
      assert.throws(
        () => readImportText(path),
        (e: unknown) =>
          isConfiguratorError(e, WhitelistErrorCode.WhitelistImportTooLarge) &&
          /64 MiB/.test(e.message),
      );
    });
  });
});

describe('whitelist export', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  function filled(): WhitelistStore {
    const store = new WhitelistStore(openDatabase(temp.make()));
    const labels = [
      'plain',
      'comma, "quoted" and\nnewline\r\nand CRLF',
      'Überwachung 温度計 🌡',
      '=HYPERLINK("http://evil")',
      "'-already",
    ];
    labels.forEach((label, i) => {
      const k = newKey(`SN${i}`);
      store.add(
        {
          ...must(resolveKey(i % 2 === 0 ? { uri: k.uri } : { hash: k.keyHash })),
          label,
          location: i === 1 ? '+49 hall' : undefined,
          notes: i === 2 ? 'line one\nline two' : undefined,
          profile: i === 3 ? 'factory' : undefined,
          status: i === 4 ? 'revoked' : undefined,
        },
        'cli:test',
        new Date(Date.UTC(2025, 0, 1, 0, i)),
      );
    });
    const first = store.list()[0]!;
    store.markProvisioned(first.keyHash, new Date('2025-02-01T00:00:00.000Z'));
    return store;
  }

  for (const format of ['csv', 'json'] as const) {
    it(`${format}: an export re-imports to the identical whitelist`, () => {
      const source = filled();
      const text = format === 'csv' ? exportCsv(source.list()) : exportJson(source.list());
      const target = new WhitelistStore(openDatabase(temp.make()));
      const rows = must(parseImport(text, format));
      assert.deepEqual(problems(rows), []);
      const outcome = target.importEntries(rows, { actor: 'cli:test' });
      assert.equal(outcome.added, 5);
      assert.deepEqual(target.list(), source.list());
      // And again into the same database: every row is unchanged, nothing added.
      const again = target.importEntries(must(parseImport(text, format)), { actor: 'cli:test' });
      assert.deepEqual(again, { applied: true, added: 0, unchanged: 5, problems: [] });
    });
  }

  it('csv: header with every column, CRLF, formula cells neutralised', () => {
    const text = exportCsv(filled().list());
    const lines = text.split('\r\n');
    assert.equal(
      lines[0],
      'hash,public_key,chirp_hash,uri,label,location,profile,status,notes,created_at,updated_at,provisioned_at,last_seen',
    );
    assert.ok(text.includes(`,"'=HYPERLINK(""http://evil"")",`));
    assert.ok(text.includes(",'+49 hall,"));
    assert.ok(text.includes(",''-already,"));
  });

  it('json: version 1 with camelCase entries and base64 keys', () => {
    const doc = JSON.parse(exportJson(filled().list()));
    assert.equal(doc.version, 1);
    assert.equal(doc.entries.length, 5);
    const e = doc.entries[0];
    assert.deepEqual(Object.keys(e), [
      'keyHash',
      'publicKey',
      'chirpHash',
      'uri',
      'label',
      'location',
      'profile',
      'status',
      'notes',
      'createdAt',
      'updatedAt',
      'provisionedAt',
      'lastSeen',
    ]);
    assert.match(e.publicKey, /^MDkw/);
    assert.equal(e.provisionedAt, '2025-02-01T00:00:00.000Z');
    assert.equal(doc.entries[1].publicKey, null);
  });
});
