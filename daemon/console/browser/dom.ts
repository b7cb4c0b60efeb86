/** Building the page from data: every text goes in as text (never as HTML), so nothing a device
 * or an admin typed can become markup. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | boolean | number | ((e: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function show(root: HTMLElement, ...children: (Child | Child[])[]): void {
  root.replaceChildren();
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    root.append(child instanceof Node ? child : String(child));
  }
}

export function shortHash(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

export function when(iso: string | undefined): string {
  if (iso === undefined) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A table with a header row and one row per item. */
export function table<T>(
  columns: readonly { title: string; cell: (item: T) => Child | Child[]; wide?: boolean }[],
  items: readonly T[],
  empty: string,
): HTMLElement {
  if (items.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { class: c.wide ? 'wide' : undefined }, c.title)),
      ),
    ),
    h(
      'tbody',
      {},
      items.map((item) =>
        h(
          'tr',
          {},
          columns.map((c) => h('td', { class: c.wide ? 'wide' : undefined }, c.cell(item))),
        ),
      ),
    ),
  );
}
