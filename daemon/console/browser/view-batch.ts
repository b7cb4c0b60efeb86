/** The live batch view: devices by state, progress against the whitelist, the rate of the last
 * minute, the radio link, and the latest refusals with their reasons. Fed by the event stream. */
import { api } from './api.js';
import { h, show, shortHash, table, when } from './dom.js';
import {
  SHOWN_STATES,
  type AuditRecord,
  type Bridge,
  type LiveEvent,
  type Status,
} from './types.js';

const STATES = SHOWN_STATES;
const RECENT_REFUSALS = 20;

interface Refusal {
  at: string;
  who: string;
  address: string;
  reason: string;
}

/** One bridge: up on its channel, or down and why; its channel warning under it. */
function bridgeItem(b: Bridge): HTMLElement {
  const channel = `channel ${b.channel ?? b.plannedChannel}${b.configuredChannel === 'auto' ? ' (auto)' : ''}`;
  return h(
    'li',
    { 'data-bridge': b.name },
    b.up
      ? h('span', { class: 'up' }, `${b.name}: up on ${channel}`)
      : h(
          'span',
          { class: 'down' },
          `${b.name}: DOWN (${channel}): ${b.downReason ?? 'no reason given'}`,
        ),
    b.channelWarning === undefined ? [] : [h('br'), h('span', { class: 'warn' }, b.channelWarning)],
  );
}

/** The radio: one line for one bridge (and its warning), or a line per bridge. */
function radioView(radio: Status['radio']): HTMLElement {
  if (radio === null)
    return h('p', { id: 'radio' }, h('span', { class: 'muted' }, 'No radio (DPP over TCP only)'));
  const bridges = radio.bridges ?? [];
  const only = bridges.length <= 1 ? bridges[0] : undefined;
  if (bridges.length <= 1)
    return h(
      'p',
      { id: 'radio' },
      radio.up
        ? h('span', { class: 'up' }, `Radio up on channel ${radio.channel ?? '?'} (${radio.port})`)
        : h('span', { class: 'down' }, `Radio DOWN: ${radio.downReason ?? 'no reason given'}`),
      only?.channelWarning === undefined
        ? []
        : [h('br'), h('span', { class: 'warn' }, only.channelWarning)],
    );
  const up = bridges.filter((b) => b.up).length;
  return h(
    'div',
    { id: 'radio' },
    h(
      'p',
      {},
      h('span', { class: up > 0 ? 'up' : 'down' }, `Radio: ${up} of ${bridges.length} bridges up`),
    ),
    h('ul', { id: 'bridges' }, bridges.map(bridgeItem)),
  );
}

export class BatchView {
  private status: Status | undefined;
  private readonly refusals: Refusal[] = [];
  /** When devices reached provisioned or connected, for the rate of the last minute. */
  private readonly done: number[] = [];
  private root: HTMLElement | undefined;

  async load(): Promise<void> {
    const [status, audit] = await Promise.all([
      api<Status>('GET', '/api/status'),
      api<{ entries: AuditRecord[] }>('GET', `/api/audit?kind=refused&limit=${RECENT_REFUSALS}`),
    ]);
    this.status = status;
    this.refusals.splice(
      0,
      this.refusals.length,
      ...audit.entries.map((a) => ({
        at: a.at,
        who: a.keyHash === undefined ? 'unknown' : shortHash(a.keyHash),
        address: a.peer ?? '',
        reason: a.reason ?? '',
      })),
    );
  }

  onStatus(status: Status): void {
    this.status = status;
    this.render();
  }

  onEvent(e: LiveEvent): void {
    if (e.type === 'refused') {
      this.refusals.unshift({
        at: e.at,
        who: e.keyHash === undefined ? e.subject : shortHash(e.keyHash),
        address: e.address,
        reason: e.reason,
      });
      this.refusals.length = Math.min(this.refusals.length, RECENT_REFUSALS);
    } else if (e.type === 'device' && (e.state === 'connected' || e.state === 'provisioned')) {
      this.done.push(Date.now());
    } else if (e.type === 'link' && this.status?.radio != null) {
      const radio = this.status.radio;
      const bridge = radio.bridges?.find((b) => b.name === e.bridge);
      if (bridge !== undefined) {
        bridge.up = e.up;
        bridge.downReason = e.reason;
      }
      radio.up = e.radioUp ?? e.up;
      if (!radio.up) radio.downReason = e.reason;
    }
    this.render();
  }

  mount(root: HTMLElement): void {
    this.root = root;
    this.render();
  }

  unmount(): void {
    this.root = undefined;
  }

  private render(): void {
    const root = this.root;
    const s = this.status;
    if (root === undefined || s === undefined) return;
    const cutoff = Date.now() - 60_000;
    while (this.done.length > 0 && this.done[0]! < cutoff) this.done.shift();
    const finished = (s.devices['connected'] ?? 0) + (s.devices['provisioned'] ?? 0);
    const total = s.whitelist.entries;
    show(
      root,
      h('h1', {}, 'Batch'),
      radioView(s.radio),
      h(
        'div',
        { class: 'tiles', id: 'counts' },
        STATES.map((state) =>
          h(
            'div',
            { class: `tile state-${state}`, 'data-state': state },
            h('b', {}, s.devices[state] ?? 0),
            h('span', {}, state),
          ),
        ),
        h('div', { class: 'tile' }, h('b', {}, s.sessions.active), h('span', {}, 'sessions')),
        h(
          'div',
          { class: 'tile' },
          h('b', {}, s.unlisted.devices),
          h('span', {}, 'heard, not listed'),
        ),
      ),
      h('h2', {}, 'Progress'),
      h('progress', { id: 'progress', max: Math.max(total, 1), value: finished }),
      h(
        'p',
        { id: 'rate' },
        `${finished} of ${total} whitelisted devices provisioned; ${this.done.length} in the last minute`,
      ),
      h('h2', {}, 'Latest refusals'),
      table(
        [
          { title: 'When', cell: (r: Refusal) => when(r.at) },
          { title: 'Device', cell: (r: Refusal) => r.who },
          { title: 'Address', cell: (r: Refusal) => r.address, wide: true },
          { title: 'Reason', cell: (r: Refusal) => r.reason },
        ],
        this.refusals,
        'No refusals.',
      ),
    );
  }
}
