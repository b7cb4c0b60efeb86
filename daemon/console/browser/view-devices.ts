/** Devices by state, and one device with its whitelist entry and its history. */
import { api } from './api.js';
import { h, show, shortHash, table, when } from './dom.js';
import { SHOWN_STATES, type AuditRecord, type Device, type Entry } from './types.js';

const STATES = ['', ...SHOWN_STATES];

export async function showDevices(main: HTMLElement): Promise<void> {
  const state = h(
    'select',
    { name: 'state' },
    STATES.map((s) => h('option', { value: s }, s === '' ? 'any state' : s)),
  );
  const list = h('div', { id: 'devices' });
  const refresh = async (): Promise<void> => {
    const q = new URLSearchParams({ limit: '1000' });
    if (state.value !== '') q.set('state', state.value);
    const { devices } = await api<{ devices: Device[] }>('GET', `/api/devices?${q}`);
    show(
      list,
      table(
        [
          {
            title: 'Device',
            cell: (d: Device) =>
              h('a', { href: `#/device/${d.keyHash}` }, d.label ?? shortHash(d.keyHash)),
          },
          {
            title: 'State',
            cell: (d: Device) => h('span', { class: `state-${d.state}` }, d.state),
          },
          { title: 'Reason', cell: (d: Device) => d.reason ?? '' },
          { title: 'Address', cell: (d: Device) => d.mac ?? d.transport ?? '', wide: true },
          { title: 'Sessions', cell: (d: Device) => d.attempts, wide: true },
          { title: 'Last seen', cell: (d: Device) => when(d.lastSeen), wide: true },
        ],
        devices,
        'No devices yet.',
      ),
    );
  };
  state.addEventListener('change', () => void refresh());
  show(
    main,
    h('h1', {}, 'Devices'),
    h('div', { class: 'row' }, h('label', {}, 'State', state)),
    list,
  );
  await refresh();
}

function fields(pairs: readonly [string, string | number | undefined][]): HTMLElement {
  return h(
    'table',
    {},
    h(
      'tbody',
      {},
      pairs
        .filter(([, v]) => v !== undefined && v !== '')
        .map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, String(v)))),
    ),
  );
}

export async function showDevice(main: HTMLElement, hash: string): Promise<void> {
  const { device, entry, history } = await api<{
    device: Device | null;
    entry: Entry | null;
    history: AuditRecord[];
  }>('GET', `/api/devices/${encodeURIComponent(hash)}`);
  show(
    main,
    h('h1', {}, entry?.label ?? device?.label ?? shortHash(hash)),
    h('p', {}, h('code', { class: 'uri' }, hash)),
    h('h2', {}, 'Device'),
    device === null
      ? h('p', { class: 'muted' }, 'Never authenticated.')
      : fields([
          [
            'state',
            device.reason === undefined ? device.state : `${device.state} (${device.reason})`,
          ],
          ['sessions', device.attempts],
          ['deliveries', device.provisionedCount],
          ['transport', device.transport],
          ['address', device.mac],
          ['first seen', when(device.firstSeen)],
          ['last seen', when(device.lastSeen)],
          [
            'device info',
            device.deviceInfo === undefined ? undefined : JSON.stringify(device.deviceInfo),
          ],
          [
            'connection status',
            device.connStatus === undefined ? undefined : JSON.stringify(device.connStatus),
          ],
        ]),
    h('h2', {}, 'Whitelist entry'),
    entry === null
      ? h('p', { class: 'muted' }, 'Not on the whitelist.')
      : fields([
          ['status', entry.status],
          ['profile', entry.profile ?? '(default)'],
          ['location', entry.location],
          ['notes', entry.notes],
          ['URI', entry.uri],
          ['added', when(entry.createdAt)],
        ]),
    h('h2', {}, 'History'),
    historyTable(history),
  );
}

export function historyTable(records: readonly AuditRecord[]): HTMLElement {
  return table(
    [
      { title: 'When', cell: (a: AuditRecord) => when(a.at) },
      { title: 'What', cell: (a: AuditRecord) => a.kind },
      { title: 'Reason', cell: (a: AuditRecord) => a.reason ?? '' },
      { title: 'Who', cell: (a: AuditRecord) => a.actor ?? '', wide: true },
      { title: 'Peer', cell: (a: AuditRecord) => a.peer ?? '', wide: true },
    ],
    records,
    'Nothing recorded.',
  );
}
