/**
 * CSV formula injection: a spreadsheet runs a cell starting with = + - @ (or TAB/CR) as a formula,
 * and labels may come from a vendor's file. Export prefixes such text cells with one apostrophe,
 * which spreadsheets show as text; import removes it again. Cells already starting with apostrophes
 * before such a character get one more, so the mapping is exact both ways and a round trip keeps
 * every label as it was.
 */
const ESCAPED = /^'+[=+\-@\t\r]/;
const NEEDS_ESCAPE = /^'*[=+\-@\t\r]/;

export function escapeFormula(value: string): string {
  return NEEDS_ESCAPE.test(value) ? `'${value}` : value;
}

export function unescapeFormula(value: string): string {
  return ESCAPED.test(value) ? value.slice(1) : value;
}
