/**
 * A small strict RFC 4180 reader and writer. Fields are separated by ',', records by CRLF or LF;
 * a field containing ',', '"', CR or LF is quoted, '"' doubled inside. The reader refuses what the
 * RFC does not allow (a quote inside an unquoted field, text after a closing quote, an unterminated
 * quote) and reports the line each record starts on, so errors point at the file's real lines even
 * when a quoted field spans several.
 */
import { fail, ok, type Result } from '../protocol/errors.js';
import { WhitelistErrorCode } from './errors.js';

export interface CsvRecord {
  /** 1-based line the record starts on. */
  readonly line: number;
  readonly fields: readonly string[];
}

/** Parse CSV text (a leading BOM is ignored). Blank lines are skipped. */
export function parseCsv(input: string): Result<CsvRecord[]> {
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
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        return fail(
          WhitelistErrorCode.WhitelistImportFormat,
          `line ${line}: text after a closing quote`,
        );
      }
      continue;
    }
    if (c === ',') {
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

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export function formatCsvRecord(fields: readonly string[]): string {
  return `${fields.map(quoteField).join(',')}\r\n`;
}

function quoteField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
