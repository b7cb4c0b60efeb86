/**
 * Where and why JSON.parse failed, without quoting the text: V8's message for an unexpected token
 * quotes the source around it, and a configuration file or a bundle description holds
 * passphrases and keys.
 */

/** "line L, column C: what", for the error JSON.parse threw on `text`. */
export function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /at position (\d+)/.exec(message);
  if (at !== null) {
    const what = message
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/ at position \d+.*$/, '');
    return `${lineColumn(text, Number(at[1]))}: ${what}`;
  }
  if (/Unexpected end of JSON input/.test(message)) return 'the text ends before the JSON does';
  const what = 'a value that is not a quoted string, a number, true, false or null';
  const bad = firstBareToken(text);
  return bad === undefined ? what : `${lineColumn(text, bad)}: ${what}`;
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** The offset of the first character outside a string that cannot start a JSON token. */
function firstBareToken(text: string): number | undefined {
  const number = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (/[\s{}[\]:,]/.test(c)) continue;
    number.lastIndex = i;
    const n = number.exec(text);
    const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
    const length = n !== null ? n[0].length : (word?.length ?? 0);
    if (length === 0) return i;
    i += length - 1;
  }
  return undefined;
}
