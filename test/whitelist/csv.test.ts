import assert from 'node:assert/strict';
import fc from 'fast-check';
import { must } from '../../protocol/errors.js';
import { formatCsvRecord, parseCsv } from '../../whitelist/csv.js';
import { escapeFormula, unescapeFormula } from '../../whitelist/spreadsheet.js';

describe('CSV (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, with a BOM', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\n\nlast,,\r\n';
    assert.deepEqual(must(parseCsv(text)), [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['last', '', ''] },
    ]);
  });

  it('keeps an empty quoted field as a record and a file without a final newline', () => {
    assert.deepEqual(must(parseCsv('""\nz')), [
      { line: 1, fields: [''] },
      { line: 2, fields: ['z'] },
    ]);
  });

  for (const [name, text, reason] of [
    ['a quote inside an unquoted field', 'ab"c,d\n', /line 1: quote inside an unquoted field/],
    ['text after a closing quote', 'a\n"b"c\n', /line 2: text after a closing quote/],
    ['an unterminated quote', 'a\n"b\nc\n', /line 2: quoted field not closed/],
    ['a bare CR', 'a\rb\n', /line 1: CR without LF/],
  ] as const) {
    it(`refuses ${name}`, () => {
      const r = parseCsv(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error.message, reason);
    });
  }

  it('writes what it reads back, for any text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', 'é', ' ', '\u{1F600}') }),
            { minLength: 2, maxLength: 5 },
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (rows) => {
          const text = rows.map(formatCsvRecord).join('');
          assert.deepEqual(
            must(parseCsv(text)).map((r) => r.fields),
            rows,
          );
        },
      ),
    );
  });

  it('neutralises formulas in a way import undoes exactly', () => {
    assert.equal(escapeFormula('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
    assert.equal(escapeFormula('-1'), `'-1`);
    assert.equal(escapeFormula("'=a"), `''=a`);
    assert.equal(escapeFormula("it's"), "it's");
    fc.assert(fc.property(fc.string(), (s) => assert.equal(unescapeFormula(escapeFormula(s)), s)));
  });
});
