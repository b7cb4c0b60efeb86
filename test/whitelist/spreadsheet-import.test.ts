/**
 * CSV as spreadsheets save it: ';' in comma-decimal locales (detected from the header line, or
 * forced), a BOM, their own header names, columns of their own (refused, or left out when asked),
 * `dpp:` in another case; the per-line errors stay.
 */
import assert from 'node:assert/strict';
import { must } from '../../protocol/errors.js';
import { detectDelimiter, parseCsv } from '../../whitelist/csv.js';
import { parseImportFile, type ImportOptions, type ParsedImport } from '../../whitelist/import.js';
import { resolveKey } from '../../whitelist/key-input.js';
import type { ImportRow } from '../../whitelist/whitelist-store.js';
import { newKey } from './fixtures.js';

function csv(text: string, options: ImportOptions = {}): ParsedImport {
  return must(parseImportFile(text, 'csv', options));
}

function refusal(text: string, options: ImportOptions = {}): string {
  const r = parseImportFile(text, 'csv', options);
  assert.equal(r.ok, false, 'the file should be refused');
  return r.ok ? '' : r.error.message;
}

function entries(rows: readonly ImportRow[]) {
  return rows.map((r) => {
    if ('problem' in r) assert.fail(`${r.where}: ${r.problem}`);
    return r.entry;
  });
}

describe('spreadsheet CSV imports', () => {
  it('takes the separator from the header line, quotes and BOM aside', () => {
    assert.equal(detectDelimiter('uri;label\n"a,b,c";x\n'), ';');
    assert.equal(detectDelimiter('\uFEFF\n\n"uri";"label;x,y"\r\na,b\n'), ';');
    assert.equal(detectDelimiter('uri,label;x\n'), ',');
    assert.equal(detectDelimiter('uri\nDPP:C:81/1;K:a;;\n'), ',');
    assert.deepEqual(
      must(parseCsv('a;"b;c";""""\r\n', ';')).map((r) => r.fields),
      [['a', 'b;c', '"']],
    );
  });

  it('reads a semicolon file with a BOM, CRLF and header names as spreadsheets write them', () => {
    const [a, b] = [newKey(), newKey()];
    const text =
      '\uFEFFDPP URI;Key hash;Label;Location;Profile;Notes\r\n' +
      `"${a.uri}";${a.keyHash};Pump 1;Hall 3, north;plant;"has ""quotes"""\r\n` +
      `;${b.keyHash.toUpperCase()};Valve;;;\r\n`;
    const [first, second] = entries(csv(text).rows);
    assert.deepEqual(
      [first!.keyHash, first!.uri, first!.label, first!.location, first!.profile, first!.notes],
      [a.keyHash, a.uri, 'Pump 1', 'Hall 3, north', 'plant', 'has "quotes"'],
    );
    assert.deepEqual([second!.keyHash, second!.label], [b.keyHash, 'Valve']);
  });

  it('accepts header names in any case, with spaces, underscores or hyphens', () => {
    const a = newKey();
    for (const header of [
      'URI,LABEL',
      'uri,label',
      'Dpp Uri,Name',
      'dpp_uri,device-name',
      'DppUri,Label',
      'Bootstrapping URI,label',
    ]) {
      const [entry] = entries(csv(`${header}\n"${a.uri}",Pump\n`).rows);
      assert.equal(entry!.uri, a.uri, header);
      assert.equal(entry!.label, 'Pump', header);
    }
    const [byHash] = entries(csv(`Key Hash,Public Key\n${a.keyHash},${a.base64}\n`).rows);
    assert.equal(byHash!.keyHash, a.keyHash);
    assert.match(
      refusal('URI,DPP URI\n'),
      /line 1: columns "URI" and "DPP URI" are both the uri column/,
    );
    assert.match(
      refusal('hash,Key_Hash\n'),
      /columns "hash" and "Key_Hash" are both the hash column/,
    );
  });

  it('refuses unknown columns, naming each, unless asked to leave them out with one warning', () => {
    const a = newKey();
    const text = `uri;Serial;label;Batch\n"${a.uri}";SN-1;Pump;7\n`;
    assert.match(refusal(text), /^line 1: unknown columns "Serial", "Batch" \(known: hash, /);
    const parsed = csv(text, { ignoreUnknownColumns: true });
    assert.deepEqual(parsed.warnings, ['ignored unknown columns "Serial", "Batch"']);
    const [entry] = entries(parsed.rows);
    assert.deepEqual([entry!.uri, entry!.label, entry!.notes], [a.uri, 'Pump', undefined]);
    // Nothing to leave out: no warning.
    assert.deepEqual(csv(`uri\n"${a.uri}"\n`, { ignoreUnknownColumns: true }).warnings, []);
  });

  it('says a semicolon file read with "," is separated by ";", instead of "text after a closing quote"', () => {
    const a = newKey();
    const message = refusal(`uri;label\n"${a.uri}";Pump\n`, { delimiter: ',' });
    assert.match(
      message,
      /^line 2: ";" after a closing quote, where "," or the end of the line belongs: the file seems separated by ";", not ","/,
    );
    assert.match(
      refusal(`uri,label\n"${a.uri}",Pump\n`, { delimiter: ';' }),
      /line 2: "," after a closing quote.*seems separated by ","/,
    );
    assert.match(
      refusal('uri\n"x"y\n'),
      /line 2: text after a closing quote \("y"\): a quote inside a quoted field is written twice/,
    );
  });

  it('takes "dpp:" in any case and stores the scheme as DPP:, the rest untouched', () => {
    const a = newKey('Info-With-Case');
    const body = a.uri.slice('DPP:'.length);
    for (const scheme of ['dpp:', 'Dpp:', 'dPp:']) {
      const [fromCsv] = entries(csv(`uri\n"${scheme}${body}"\n`).rows);
      assert.equal(fromCsv!.uri, `DPP:${body}`);
      const [fromList] = entries(must(parseImportFile(`${scheme}${body}\n`, 'uris')).rows);
      assert.equal(fromList!.uri, `DPP:${body}`);
      assert.equal(must(resolveKey({ uri: `${scheme}${body}` })).keyHash, a.keyHash);
    }
    // Only the scheme: token names are case-sensitive, so a lowercase "k:" is no key.
    assert.equal(resolveKey({ uri: `dpp:${body.replace('K:', 'k:')}` }).ok, false);
  });

  it('keeps per-line errors on a semicolon file: line numbers and reasons', () => {
    const a = newKey();
    const rows = csv(`uri;label\n"${a.uri}";Pump\n"DPP:K:broken;;";Valve\n"${a.uri}"\n`).rows;
    assert.deepEqual(
      rows.map((r) => ('problem' in r ? `${r.where}: ${r.problem.split(':')[0]}` : 'ok')),
      ['ok', 'line 3: bad URI', 'line 4: 1 fields, the header has 2'],
    );
  });
});
