/**
 * A small strict RFC 4180 reader and writer. Fields are separated by ',' (or ';', what
 * spreadsheets write in locales whose decimal mark is a comma), records by CRLF or LF; a field
 * containing the separator, '"', CR or LF is quoted, '"' doubled inside. The reader refuses what
 * the RFC does not allow (a quote inside an unquoted field, text after a closing quote, an
 * unterminated quote) and reports the line each record starts on, so errors point at the file's
 * real lines even when a quoted field spans several.
 */
import { fail, ok, type Result } from '../protocol/errors.js';
import { WhitelistErrorCode } from './errors.js';

export const CSV_DELIMITERS = [',', ';'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export interface CsvRecord {
  /** 1-based line the record starts on. */
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * The separator of a file, from its header line (the first line that is not blank): ';' when it
 * holds more semicolons than commas outside quotes, else ','. Header names hold neither.
 */
export function detectDelimiter(input: string): CsvDelimiter {
  const counts = { ',': 0, ';': 0 };
  let quoted = false;
  let seen = false;
  for (const c of input) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ',' || c === ';')) counts[c]++;
    else if (!quoted && c === '\n' && seen) break;
    // trim() also removes a BOM.
    if (c.trim() !== '') seen = true;
  }
  return counts[';'] > counts[','] ? ';' : ',';
}

/** Parse CSV text (a leading BOM is ignored). Blank lines are skipped. */
export function parseCsv(input: string, delimiter: CsvDelimiter = ','): Result<CsvRecord[]> {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // Whether the current record has any content: a line with nothing on it is blank, not [""].
  let started = false;

  const endRecord = (): void => {
    if (started) records.push({ line: recordLine, fields: [...fields, field] });
    fields = [];
    field = '';
    started = false;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (!started) recordLine = line;
    if (c === '"') {
      if (field !== '') {
        return fail(
          WhitelistErrorCode.WhitelistImportFormat,
          `line ${line}: quote inside an unquoted field`,
        );
      }
      started = true;
      const openedAt = line;
      i++;
      for (;;) {
        if (i >= text.length) {
          return fail(
            WhitelistErrorCode.WhitelistImportFormat,
            `line ${openedAt}: quoted field not closed before the end of the file`,
          );
        }
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        return fail(
          WhitelistErrorCode.WhitelistImportFormat,
          afterClosingQuote(line, next, delimiter),
        );
      }
      continue;
    }
    if (c === delimiter) {
      started = true;
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r') {
      if (text[i + 1] !== '\n') {
        return fail(WhitelistErrorCode.WhitelistImportFormat, `line ${line}: CR without LF`);
      }
      i++;
      continue;
    }
    if (c === '\n') {
      endRecord();
      line++;
      i++;
      continue;
    }
    started = true;
    field += c;
    i++;
  }
  endRecord();
  return ok(records);
}

/** What follows a closing quote where only the separator or a line end may: say what it means. */
function afterClosingQuote(line: number, next: string, delimiter: CsvDelimiter): string {
  if ((CSV_DELIMITERS as readonly string[]).includes(next))
    return (
      `line ${line}: ${JSON.stringify(next)} after a closing quote, where ${JSON.stringify(delimiter)} or ` +
      `the end of the line belongs: the file seems separated by ${JSON.stringify(next)}, not ` +
      `${JSON.stringify(delimiter)} (the separator is taken from the header line unless one is given)`
    );
  return `line ${line}: text after a closing quote (${JSON.stringify(next)}): a quote inside a quoted field is written twice ("")`;
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export function formatCsvRecord(fields: readonly string[]): string {
  return `${fields.map(quoteField).join(',')}\r\n`;
}

function quoteField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
