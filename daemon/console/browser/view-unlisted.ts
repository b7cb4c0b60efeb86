/** Devices heard but not listed: refused as unknown. An admin who has checked the device in hand
 * (its label's URI against the one shown here) may add it; nothing is added on its own. */
import { api, isAdmin, reasonOf } from './api.js';
import { h, show, shortHash, table, when } from './dom.js';
import type { Unlisted } from './types.js';

export async function showUnlisted(main: HTMLElement): Promise<void> {
  const message = h('p', { id: 'message', role: 'status' });
  const list = h('div', { id: 'unlisted' });
  const refresh = async (): Promise<void> => {
    const { devices, totals } = await api<{
      devices: Unlisted[];
      totals: { devices: number; heard: number };
    }>('GET', '/api/unlisted');
    show(
      list,
      h('p', { class: 'muted' }, `${totals.devices} devices, heard ${totals.heard} times in all`),
      table(
        [
          {
            title: 'Key',
            cell: (u: Unlisted) =>
              u.keyHash === undefined
                ? `chirp ${shortHash(u.chirpHash ?? '')}`
                : shortHash(u.keyHash),
          },
          { title: 'Address', cell: (u: Unlisted) => u.address },
          { title: 'RSSI', cell: (u: Unlisted) => u.rssi ?? '', wide: true },
          {
            title: 'Heard by',
            cell: (u: Unlisted) =>
              u.heardBy === undefined ? u.transport : `${u.transport} · ${u.heardBy}`,
            wide: true,
          },
          { title: 'Heard', cell: (u: Unlisted) => `${u.count}×, last ${when(u.lastSeen)}` },
          {
            title: 'URI',
            cell: (u: Unlisted) =>
              u.uri === undefined
                ? h('span', { class: 'muted' }, 'key not announced')
                : h('code', { class: 'uri' }, u.uri),
            wide: true,
          },
          {
            title: '',
            cell: (u: Unlisted) =>
              isAdmin() && u.uri !== undefined
                ? h(
                    'button',
                    {
                      type: 'button',
                      'data-action': 'add',
                      onclick: () => {
                        const label =
                          prompt('Label for this device (after checking it in hand):') ?? undefined;
                        if (label === undefined) return;
                        api(
                          'POST',
                          `/api/unlisted/${u.id}/add`,
                          label.trim() === '' ? {} : { label: label.trim() },
                        )
                          .then(() => {
                            message.className = 'ok';
                            message.textContent = `${shortHash(u.id)} added to the whitelist`;
                            return refresh();
                          })
                          .catch((e: unknown) => {
                            message.className = 'error';
                            message.textContent = reasonOf(e);
                          });
                      },
                    },
                    'Add to whitelist',
                  )
                : null,
          },
        ],
        devices,
        'Nobody unknown has been heard.',
      ),
    );
  };
  show(
    main,
    h('h1', {}, 'Heard, not listed'),
    h(
      'p',
      { class: 'muted' },
      'Hearing a key is not trusting it: add a device only after checking the device itself.',
    ),
    message,
    list,
  );
  await refresh();
}
