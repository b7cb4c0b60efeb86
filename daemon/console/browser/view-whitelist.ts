/** The whitelist: search and filter; add by pasting a URI or scanning the device's QR code (or a
 * photo of it); CSV, URI-list or JSON import showing the bad lines; status changes, edits and
 * removal for admins. */
import { api, isAdmin, reasonOf } from './api.js';
import { h, show, shortHash, table, when } from './dom.js';
import { cameraAvailable, decodeImage, scanCamera } from './scan.js';
import type { Entry, ImportOutcome, Status } from './types.js';

const STATUS_ACTIONS: readonly [string, Entry['status'], string][] = [
  ['Enable', 'active', ''],
  ['Disable', 'inactive', ''],
  ['Revoke', 'revoked', 'danger'],
];

function profileSelect(profiles: readonly string[], current?: string): HTMLSelectElement {
  return h(
    'select',
    { name: 'profile' },
    h('option', { value: '' }, '(default)'),
    profiles.map((p) => h('option', { value: p, selected: p === current }, p)),
  );
}

export async function showWhitelist(main: HTMLElement): Promise<void> {
  const status = await api<Status>('GET', '/api/status');
  const message = h('p', { id: 'message', role: 'status' });
  const say = (text: string, ok: boolean): void => {
    message.className = ok ? 'ok' : 'error';
    message.textContent = text;
  };
  const search = h('input', {
    name: 'search',
    type: 'search',
    placeholder: 'hash, label, location …',
  });
  const statusFilter = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'any status'),
    ['active', 'inactive', 'revoked'].map((s) => h('option', { value: s }, s)),
  );
  const list = h('div', { id: 'entries' });

  const refresh = async (): Promise<void> => {
    const q = new URLSearchParams({ limit: '1000' });
    if (search.value.trim() !== '') q.set('search', search.value.trim());
    if (statusFilter.value !== '') q.set('status', statusFilter.value);
    const { total, entries } = await api<{ total: number; entries: Entry[] }>(
      'GET',
      `/api/whitelist?${q}`,
    );
    show(
      list,
      h('p', { class: 'muted' }, `${total} ${total === 1 ? 'entry' : 'entries'}`),
      entryTable(entries),
    );
  };

  const act = (what: Promise<unknown>, done: string): void => {
    what
      .then(() => {
        say(done, true);
        return refresh();
      })
      .catch((e: unknown) => say(reasonOf(e), false));
  };

  const entryTable = (entries: Entry[]): HTMLElement =>
    table(
      [
        {
          title: 'Key hash',
          cell: (e: Entry) =>
            h('a', { href: `#/device/${e.keyHash}`, class: 'hash' }, shortHash(e.keyHash)),
        },
        {
          title: 'Status',
          cell: (e: Entry) =>
            h(
              'span',
              { class: `state-${e.status === 'active' ? 'connected' : 'refused'}` },
              e.status,
            ),
        },
        { title: 'Label', cell: (e: Entry) => e.label ?? '' },
        { title: 'Location', cell: (e: Entry) => e.location ?? '', wide: true },
        { title: 'Profile', cell: (e: Entry) => e.profile ?? '(default)', wide: true },
        { title: 'Last seen', cell: (e: Entry) => when(e.lastSeen), wide: true },
        {
          title: '',
          cell: (e: Entry) =>
            isAdmin()
              ? [
                  ...STATUS_ACTIONS.filter(([, s]) => s !== e.status).map(([name, s, cls]) =>
                    h(
                      'button',
                      {
                        type: 'button',
                        class: cls,
                        'data-action': name.toLowerCase(),
                        onclick: () =>
                          act(
                            api('PATCH', `/api/whitelist/${e.keyHash}`, { status: s }),
                            `${shortHash(e.keyHash)} ${s}`,
                          ),
                      },
                      name,
                    ),
                  ),
                  h(
                    'button',
                    { type: 'button', 'data-action': 'edit', onclick: () => edit(e) },
                    'Edit',
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      'data-action': 'remove',
                      onclick: () => {
                        if (confirm(`Remove ${e.label ?? e.keyHash} from the whitelist?`))
                          act(
                            api('DELETE', `/api/whitelist/${e.keyHash}`),
                            `${shortHash(e.keyHash)} removed`,
                          );
                      },
                    },
                    'Remove',
                  ),
                ]
              : null,
        },
      ],
      entries,
      'No entries.',
    );

  const editor = h('div', { id: 'editor' });
  const edit = (e: Entry): void => {
    const label = h('input', { name: 'label', value: e.label ?? '' });
    const location = h('input', { name: 'location', value: e.location ?? '' });
    const notes = h('input', { name: 'notes', value: e.notes ?? '' });
    const profile = profileSelect(status.profiles, e.profile);
    const form = h(
      'form',
      { class: 'inline', id: 'edit-form' },
      h('strong', {}, `Edit ${shortHash(e.keyHash)}`),
      h('label', {}, 'Label', label),
      h('label', {}, 'Location', location),
      h('label', {}, 'Profile', profile),
      h('label', {}, 'Notes', notes),
      h('button', { class: 'primary', type: 'submit' }, 'Save'),
      h('button', { type: 'button', onclick: () => show(editor) }, 'Cancel'),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const clear = (v: string): string | null => (v.trim() === '' ? null : v.trim());
      act(
        api('PATCH', `/api/whitelist/${e.keyHash}`, {
          label: clear(label.value),
          location: clear(location.value),
          notes: clear(notes.value),
          profile: clear(profile.value),
        }).then(() => show(editor)),
        `${shortHash(e.keyHash)} saved`,
      );
    });
    show(editor, form);
  };

  // Adding: a URI pasted or scanned.
  const uri = h('input', { name: 'uri', placeholder: 'DPP:K:…;;', autocomplete: 'off' });
  const label = h('input', { name: 'label' });
  const location = h('input', { name: 'location' });
  const profile = profileSelect(status.profiles);
  const video = h('video', { id: 'camera', hidden: true });
  let stopCamera: (() => void) | undefined;
  const scanned = (text: string): void => {
    video.hidden = true;
    stopCamera = undefined;
    uri.value = text.trim();
    say(
      text.startsWith('DPP:')
        ? 'QR code read: check the label, then Add'
        : `not a DPP URI: ${text.slice(0, 80)}`,
      text.startsWith('DPP:'),
    );
  };
  const photo = h('input', {
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    name: 'photo',
  });
  photo.addEventListener('change', () => {
    const file = photo.files?.[0];
    if (file === undefined) return;
    createImageBitmap(file)
      .then((bitmap) => decodeImage(bitmap))
      .then((text) =>
        text === undefined ? say('no QR code found in that photo', false) : scanned(text),
      )
      .catch((e: unknown) => say(reasonOf(e), false));
  });
  const scanButton = h(
    'button',
    {
      type: 'button',
      id: 'scan',
      onclick: () => {
        if (stopCamera !== undefined) {
          stopCamera();
          stopCamera = undefined;
          video.hidden = true;
          return;
        }
        video.hidden = false;
        scanCamera(video, scanned)
          .then((stop) => (stopCamera = stop))
          .catch((e: unknown) => {
            video.hidden = true;
            say(`camera: ${reasonOf(e)}`, false);
          });
      },
    },
    'Scan QR code',
  );
  const addForm = h(
    'form',
    { class: 'inline', id: 'add-form' },
    h('label', {}, 'DPP URI', uri),
    cameraAvailable()
      ? scanButton
      : h('span', { class: 'muted' }, 'No camera here (it needs HTTPS or localhost): '),
    h('label', {}, 'or a photo', photo),
    h('label', {}, 'Label', label),
    h('label', {}, 'Location', location),
    h('label', {}, 'Profile', profile),
    h('button', { class: 'primary', type: 'submit' }, 'Add'),
  );
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const body: Record<string, string> = { uri: uri.value.trim() };
    if (label.value.trim() !== '') body['label'] = label.value.trim();
    if (location.value.trim() !== '') body['location'] = location.value.trim();
    if (profile.value !== '') body['profile'] = profile.value;
    act(
      api<Entry>('POST', '/api/whitelist', body).then(() => {
        uri.value = '';
        label.value = '';
      }),
      'added',
    );
  });

  // Importing a file.
  const file = h('input', {
    type: 'file',
    name: 'import',
    accept: '.csv,.txt,.json,text/csv,application/json,text/plain',
  });
  const skip = h('input', { type: 'checkbox', name: 'skipInvalid' });
  const ignore = h('input', { type: 'checkbox', name: 'ignoreUnknownColumns' });
  const importForm = h(
    'form',
    { class: 'inline', id: 'import-form' },
    h('label', {}, 'CSV, URI list or JSON', file),
    h('label', {}, h('span', {}, 'Import the good lines, skip the bad'), skip),
    h('label', {}, h('span', {}, 'Leave out unknown CSV columns'), ignore),
    h('button', { type: 'submit' }, 'Import'),
  );
  importForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (f === undefined) return say('choose a file first', false);
    const format = /\.json$/i.test(f.name) ? 'json' : /\.txt$/i.test(f.name) ? 'uris' : 'csv';
    f.text()
      .then((text) =>
        api<ImportOutcome>('POST', '/api/whitelist/import', {
          format,
          text,
          source: f.name,
          skipInvalid: skip.checked,
          ...(format === 'csv' ? { ignoreUnknownColumns: ignore.checked } : {}),
        }),
      )
      .then((o) => {
        const notes = [...o.warnings, ...o.problems.map((p) => `${p.where}: ${p.reason}`)];
        say(
          [
            `added ${o.added}, unchanged ${o.unchanged}, skipped ${o.problems.length}`,
            ...notes,
          ].join('\n'),
          true,
        );
        return refresh();
      })
      .catch((err: unknown) => say(reasonOf(err), false));
    return undefined;
  });

  search.addEventListener('input', () => void refresh());
  statusFilter.addEventListener('change', () => void refresh());
  show(
    main,
    h('h1', {}, 'Whitelist'),
    isAdmin()
      ? [h('h2', {}, 'Add a device'), addForm, video, h('h2', {}, 'Import'), importForm]
      : null,
    message,
    editor,
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'Search', search),
      h('label', {}, 'Status', statusFilter),
      h('a', { href: '/api/whitelist/export?format=csv', download: 'whitelist.csv' }, 'Export CSV'),
    ),
    list,
  );
  await refresh();
}
