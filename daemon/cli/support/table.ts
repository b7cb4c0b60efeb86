/**
 * An aligned table for people: columns as wide as their widest cell, counted in code points (a
 * label in another script lines up as well as one in ASCII); the last column is not padded.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const width = (cell: string): number => [...cell].length;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * A list command's output on stdout: `toJson` with --json; else, on a terminal, an aligned table
 * (or `empty` when there is nothing), and tab-separated lines for scripts (nothing when empty).
 */
export function writeList<T>(
  items: readonly T[],
  options: {
    readonly json: boolean;
    readonly toJson: (items: readonly T[]) => string;
    readonly empty: string;
    readonly format: (items: readonly T[], forPeople: boolean) => string;
  },
): void {
  if (options.json) {
    process.stdout.write(`${options.toJson(items)}\n`);
    return;
  }
  const tty = process.stdout.isTTY === true;
  if (items.length > 0) process.stdout.write(options.format(items, tty));
  else if (tty) process.stdout.write(`${options.empty}\n`);
}
