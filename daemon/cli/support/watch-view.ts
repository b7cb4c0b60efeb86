/**
 * What `configurator watch` shows of the console's events. On a terminal: a progress bar of the
 * whitelisted devices provisioned or connected, with the counts by state, the sessions and the
 * radio, and each refusal, finished device, whitelist edit and radio change as a line above it.
 * Piped: one line per event (a status line only when the summary changed), or every event as a
 * JSON line with --json. Notices about the connection go to stderr when piped.
 */
import cliProgress from 'cli-progress';
import { DEVICE_STATES, FINAL_DEVICE_STATES, type DeviceState } from '../../../whitelist/types.js';
import type { StatusView } from '../../console/routes/status.js';

export interface WatchView {
  /** The stream is open (again, after a drop). */
  opened(url: string, again: boolean): void;
  event(type: string, data: unknown): void;
  /** A word about the connection itself. */
  notice(text: string): void;
  close(): void;
}

interface StatusSummary {
  readonly done: number;
  readonly total: number;
  readonly states: string;
  readonly sessions: string;
  readonly radio: string;
}

/** Text from the daemon as one line without control characters (a label may hold anything). */
function clean(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value ?? '').replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ');
}

const short = (hash: unknown): string => clean(hash).slice(0, 16);

/** `up`, or `up (1 of 2 bridges)` when some of several are down. */
function bridgesUp(bridges: readonly { up: boolean }[] | undefined): string {
  const up = (bridges ?? []).filter((b) => b.up).length;
  return bridges === undefined || up === bridges.length
    ? 'up'
    : `up (${up} of ${bridges.length} bridges)`;
}

function summaryOf(data: unknown): StatusSummary {
  const s = (typeof data === 'object' && data !== null ? data : {}) as Partial<StatusView>;
  const devices = s.devices ?? {};
  const count = (state: DeviceState): number => devices[state] ?? 0;
  const done = count('provisioned') + count('connected');
  const waiting = s.sessions?.waiting ?? 0;
  const radio = s.radio;
  return {
    done,
    // A device removed from the whitelist after it was provisioned still counts as done.
    total: Math.max(s.whitelist?.entries ?? 0, done),
    states:
      DEVICE_STATES.filter((state) => count(state) > 0)
        .map((state) => `${state} ${count(state)}`)
        .join(', ') || 'no devices yet',
    sessions: `${s.sessions?.active ?? 0} running${waiting > 0 ? `, ${waiting} waiting` : ''}`,
    radio:
      radio === undefined || radio === null
        ? 'none'
        : radio.up
          ? bridgesUp(radio.bridges)
          : `DOWN (${clean(radio.downReason ?? 'no reason given')})`,
  };
}

function summaryText(s: StatusSummary): string {
  return `${s.done}/${s.total} provisioned or connected; ${s.states}; sessions ${s.sessions}; radio ${s.radio}`;
}

/** One event as a line for people (status aside); undefined for a type this version does not know. */
function eventLine(type: string, data: unknown, time: (at: unknown) => string): string | undefined {
  const e = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const reason = e['reason'] === undefined ? '' : `: ${clean(e['reason'])}`;
  switch (type) {
    case 'device': {
      const label = e['label'] === undefined ? '' : ` "${clean(e['label'])}"`;
      return `${time(e['at'])} device ${short(e['keyHash'])}${label} ${clean(e['state'])} via ${clean(e['address'])} (${clean(e['transport'])})${reason}`;
    }
    case 'refused': {
      const who = e['keyHash'] === undefined ? clean(e['subject']) : short(e['keyHash']);
      return `${time(e['at'])} refused ${who} from ${clean(e['address'])}${reason}`;
    }
    case 'whitelist': {
      const what = clean(e['kind']).replace(/^whitelist-/, '');
      const key = e['keyHash'] === undefined ? '' : ` ${short(e['keyHash'])}`;
      return `${time(e['at'])} whitelist ${what}${key} by ${clean(e['actor'] ?? 'unknown')}`;
    }
    case 'link': {
      const bridge = e['bridge'] === undefined ? '' : ` bridge ${clean(e['bridge'])}`;
      return `${time(e['at'])} radio${bridge} ${e['up'] === true ? 'up' : `DOWN${reason}`}`;
    }
    default:
      return undefined;
  }
}

/** Lines for scripts and logs; `--json`: each event as the console sent it, plus its type. */
export class LineView implements WatchView {
  private lastSummary = '';

  constructor(
    private readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  opened(url: string, again: boolean): void {
    // After a reconnection the first status is shown again, changed or not.
    this.lastSummary = '';
    this.notice(again ? `reconnected to ${url}` : `watching ${url}`);
  }

  event(type: string, data: unknown): void {
    if (this.json) {
      const fields = typeof data === 'object' && data !== null ? data : { data };
      this.out.write(`${JSON.stringify({ type, ...fields })}\n`);
      return;
    }
    if (type === 'status') {
      const text = summaryText(summaryOf(data));
      if (text === this.lastSummary) return;
      this.lastSummary = text;
      this.out.write(`${new Date().toISOString()} status ${text}\n`);
      return;
    }
    const line = eventLine(type, data, (at) => clean(at));
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  notice(text: string): void {
    this.err.write(`${text}\n`);
  }

  close(): void {}
}

/** The progress bar, with the events worth a line above it. */
export class TerminalView implements WatchView {
  private readonly bars = new cliProgress.MultiBar(
    {
      format:
        ' {bar} {value}/{total} provisioned or connected | {states} | sessions {sessions} | radio {radio}',
      hideCursor: true,
      emptyOnZero: true,
      stream: process.stdout,
    },
    cliProgress.Presets.shades_classic,
  );
  private readonly bar = this.bars.create(0, 0, {
    states: 'waiting for the first status',
    sessions: '-',
    radio: '-',
  });

  opened(url: string, again: boolean): void {
    this.notice(again ? `reconnected to ${url}` : `watching ${url} (Ctrl-C to stop)`);
  }

  event(type: string, data: unknown): void {
    if (type === 'status') {
      const s = summaryOf(data);
      this.bar.setTotal(s.total);
      this.bar.update(s.done, { states: s.states, sessions: s.sessions, radio: s.radio });
      return;
    }
    // A device on its way (announced, authenticating …) is in the counts; its end gets a line.
    const state = (data as { state?: unknown } | null)?.state;
    if (type === 'device' && !FINAL_DEVICE_STATES.has(state as DeviceState)) return;
    const line = eventLine(type, data, (at) => {
      const t = new Date(String(at));
      return Number.isNaN(t.getTime()) ? clean(at) : t.toLocaleTimeString('en-GB');
    });
    if (line !== undefined) this.bars.log(`${line}\n`);
  }

  notice(text: string): void {
    this.bars.log(`${text}\n`);
  }

  close(): void {
    this.bars.stop();
  }
}
