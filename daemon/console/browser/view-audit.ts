/** The audit log: by kind, newest first, one page at a time, and the CSV of the same filter. */
import { api } from './api.js';
import { h, show, shortHash, table, when } from './dom.js';
import type { AuditRecord } from './types.js';

export async function showAudit(main: HTMLElement): Promise<void> {
  const kind = h('input', { name: 'kind', placeholder: 'e.g. refused, whitelist-added' });
  const rows: AuditRecord[] = [];
  let next: number | null = null;
  const list = h('div', { id: 'audit' });
  const more = h('button', { type: 'button', id: 'older' }, 'Older');
  const csv = h('a', { download: 'audit.csv' }, 'Export CSV');
  const load = async (reset: boolean): Promise<void> => {
    const q = new URLSearchParams({ limit: '100' });
    if (kind.value.trim() !== '') q.set('kind', kind.value.trim());
    csv.setAttribute(
      'href',
      `/api/audit/export?${new URLSearchParams(kind.value.trim() === '' ? {} : { kind: kind.value.trim() })}`,
    );
    if (!reset && next !== null) q.set('beforeId', String(next));
    const page = await api<{ entries: AuditRecord[]; next: number | null }>(
      'GET',
      `/api/audit?${q}`,
    );
    if (reset) rows.length = 0;
    rows.push(...page.entries);
    next = page.next;
    more.hidden = next === null;
    show(
      list,
      table(
        [
          { title: 'When', cell: (a: AuditRecord) => when(a.at) },
          { title: 'What', cell: (a: AuditRecord) => a.kind },
          {
            title: 'Device',
            cell: (a: AuditRecord) =>
              a.keyHash === undefined
                ? ''
                : h('a', { href: `#/device/${a.keyHash}` }, shortHash(a.keyHash)),
          },
          { title: 'Reason', cell: (a: AuditRecord) => a.reason ?? '' },
          { title: 'Who', cell: (a: AuditRecord) => a.actor ?? '', wide: true },
        ],
        rows,
        'Nothing recorded.',
      ),
    );
  };
  more.addEventListener('click', () => void load(false));
  kind.addEventListener('change', () => void load(true));
  show(
    main,
    h('h1', {}, 'Audit log'),
    h('div', { class: 'row' }, h('label', {}, 'Kind', kind), csv),
    list,
    more,
  );
  await load(true);
}
