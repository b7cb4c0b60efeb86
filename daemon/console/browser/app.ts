/** The console page: log in, then one view per hash route, all fed by one event stream. */
import { api, ApiError, currentSession, reasonOf, setSession } from './api.js';
import { h, show } from './dom.js';
import { BatchView } from './view-batch.js';
import { showAudit } from './view-audit.js';
import { showDevice, showDevices } from './view-devices.js';
import { showIdentity } from './view-identity.js';
import { showLogin } from './view-login.js';
import { showUnlisted } from './view-unlisted.js';
import { showWhitelist } from './view-whitelist.js';
import type { LiveEvent, SessionInfo, Status } from './types.js';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
const batch = new BatchView();
let events: EventSource | undefined;
let refreshTimer: number | undefined;

function connectEvents(): void {
  events?.close();
  events = new EventSource('/api/events');
  events.addEventListener('status', (e) =>
    batch.onStatus(JSON.parse((e as MessageEvent<string>).data) as Status),
  );
  for (const type of ['device', 'refused', 'whitelist', 'link'] as const) {
    events.addEventListener(type, (e) => {
      const event = JSON.parse((e as MessageEvent<string>).data) as LiveEvent;
      batch.onEvent(event);
      // Lists change with devices and edits: show them again, at most once a second.
      if (
        location.hash.startsWith('#/device') ||
        location.hash === '#/devices' ||
        location.hash === '#/whitelist' ||
        location.hash === '#/unlisted'
      ) {
        if (type === 'device' || type === 'whitelist') {
          clearTimeout(refreshTimer);
          refreshTimer = window.setTimeout(() => {
            if (document.activeElement === document.body || document.activeElement === null)
              void route();
          }, 1000);
        }
      }
    });
  }
}

async function route(): Promise<void> {
  if (currentSession() === undefined) return;
  batch.unmount();
  const path = location.hash.replace(/^#/, '') || '/';
  for (const a of nav.querySelectorAll('a'))
    a.classList.toggle('current', a.getAttribute('href') === `#${path}`);
  try {
    if (path === '/') {
      await batch.load();
      batch.mount(main);
    } else if (path === '/whitelist') await showWhitelist(main);
    else if (path === '/devices') await showDevices(main);
    else if (path.startsWith('/device/')) await showDevice(main, path.slice('/device/'.length));
    else if (path === '/audit') await showAudit(main);
    else if (path === '/unlisted') await showUnlisted(main);
    else if (path === '/identity') await showIdentity(main);
    else show(main, h('p', {}, 'No such page.'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return loggedOut();
    show(main, h('p', { class: 'error' }, reasonOf(e)));
  }
}

function loggedIn(s: SessionInfo): void {
  setSession(s);
  nav.hidden = false;
  who.textContent = `${s.role}: ${s.actor}`;
  connectEvents();
  void route();
}

function loggedOut(): void {
  setSession(undefined);
  events?.close();
  nav.hidden = true;
  showLogin(main, loggedIn);
}

document.getElementById('logout')!.addEventListener('click', () => {
  void api('POST', '/api/logout').finally(loggedOut);
});
window.addEventListener('hashchange', () => void route());

api<SessionInfo>('GET', '/api/session').then(loggedIn, loggedOut);
