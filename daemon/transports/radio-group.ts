/**
 * Several radios (ESP32 bridges, each on its own channel or in its own area) as one
 * RadioTransport, so the ESP-NOW link and the session engine above see one radio:
 *
 * - frames from every member, tagged with the member that heard them (`heardBy`);
 * - a frame that two members heard (the same bytes from the same MAC, through another member,
 *   within COPY_WINDOW_MS) is passed on once: the device is one peer, with one session;
 * - `send(dst)` goes through the member that heard dst's latest frame (not a copy), so a device
 *   that walks its channel plan is answered on the channel it is on now; a device the group has
 *   not heard goes through the first member that is up;
 * - `up` when the first member comes up, `down` when the last one goes down: one member's ups
 *   and downs do not touch the sessions served through the others (their sends fail `linkDown`
 *   and are retransmitted like any lost frame). Each member's own events are on its transport;
 * - no `setChannel`: each member has its own channel, put there one by one (BridgeSupervisor);
 *   one channel for the whole group would undo that, so the group refuses it.
 *
 * A DPP retransmission carries a fresh ESP-NOW message id, so equal bytes within the window are
 * copies, not a device repeating itself.
 */
import type { ConfiguratorError } from '../../protocol/errors.js';
import {
  RadioTransportEmitter,
  type Mac,
  type RadioFrame,
  type RadioHealth,
  type RadioInfo,
  type RadioTransport,
  type TxResult,
} from './radio-transport.js';

export interface RadioMember {
  /** What the log, status and heardBy call it: its configured name, else its port. */
  readonly name: string;
  readonly transport: RadioTransport;
}

/** Equal bytes from one MAC through another member within this long are a copy. */
export const COPY_WINDOW_MS = 1000;
/** Frames remembered per MAC for recognising copies. */
const RECENT_PER_SOURCE = 4;
/** MACs remembered (route and recent frames), least recently heard forgotten first. */
export const MAX_SOURCES = 4096;

interface Heard {
  readonly payload: Uint8Array;
  readonly member: RadioMember;
  readonly at: number;
}

interface Source {
  route: RadioMember;
  recent: Heard[];
}

/** What the group logs to (a pino logger fits). */
export interface GroupLog {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface RadioGroupCounters {
  /** Frames passed on, from every member. */
  frames: number;
  /** Frames dropped as copies of one another member had already passed on. */
  copies: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class RadioGroup extends RadioTransportEmitter implements RadioTransport {
  readonly name = 'bridge group';
  readonly counters: RadioGroupCounters = { frames: 0, copies: 0 };
  private readonly sources = new Map<Mac, Source>();
  private wasUp = false;

  private readonly now: () => number;
  private readonly log: GroupLog | undefined;

  constructor(
    readonly members: readonly RadioMember[],
    options: {
      readonly now?: (() => number) | undefined;
      /** Where a refused setChannel says why. */
      readonly log?: GroupLog | undefined;
    } = {},
  ) {
    super();
    this.now = options.now ?? (() => performance.now());
    this.log = options.log;
    if (members.length === 0) throw new RangeError('a radio group needs at least one member');
    for (const member of members) {
      const t = member.transport;
      t.on('frame', (f) => this.heard(member, f));
      t.on('up', () => this.memberChanged());
      t.on('down', (reason) =>
        this.memberChanged(members.length === 1 ? reason : `${member.name}: ${reason}`),
      );
      t.on('problem', (e: ConfiguratorError) => this.emit('problem', e));
    }
  }

  /**
   * While any member is up: the first member that is up, with the smallest payload limit among
   * those up (a message fragmented for it fits every member).
   */
  get info(): RadioInfo | null {
    const up = this.members.flatMap((m) => m.transport.info ?? []);
    const first = up[0];
    if (first === undefined) return null;
    return { ...first, maxPayload: Math.min(...up.map((i) => i.maxPayload)) };
  }

  /** While every member is down: the first member's reason and retries. */
  get health(): RadioHealth | undefined {
    return this.info === null ? this.members[0]!.transport.health : undefined;
  }

  /** The member that heard `mac` last (not a copy), if the group remembers it. */
  heardBy(mac: Mac): RadioMember | undefined {
    return this.sources.get(mac.toLowerCase())?.route;
  }

  /** Starts every member; a member that refuses (an ambiguous `auto` port) stops them all. */
  async start(): Promise<void> {
    try {
      for (const m of this.members) await m.transport.start();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.transport.stop()));
  }

  /** The member a send to `dst` goes through now: the one that heard it, else the first up. */
  routeFor(dst: Mac): RadioMember {
    const route = this.sources.get(dst.toLowerCase())?.route;
    return route ?? this.members.find((m) => m.transport.info !== null) ?? this.members[0]!;
  }

  send(dst: Mac, payload: Uint8Array): Promise<TxResult> {
    return this.routeFor(dst).transport.send(dst, payload);
  }

  /**
   * Refused (false): the members are on channels of their own, one per AP channel or area, each
   * set on its transport; putting them all on one would leave every other channel unheard.
   */
  async setChannel(channel: number): Promise<boolean> {
    this.log?.warn(
      { channel },
      'refused to put every bridge of the group on one channel: each bridge keeps its own (set it per bridge)',
    );
    return false;
  }

  private memberChanged(reason?: string): void {
    const up = this.members.some((m) => m.transport.info !== null);
    if (up === this.wasUp) return;
    this.wasUp = up;
    if (up) {
      const info = this.info;
      if (info !== null) this.emit('up', info);
    } else {
      this.emit('down', reason ?? 'every bridge is down');
    }
  }

  private heard(member: RadioMember, frame: RadioFrame): void {
    const at = this.now();
    const src = frame.src;
    let source = this.sources.get(src);
    if (source !== undefined) {
      const copy = source.recent.some(
        (h) =>
          h.member !== member && at - h.at <= COPY_WINDOW_MS && sameBytes(h.payload, frame.payload),
      );
      if (copy) {
        this.counters.copies++;
        return;
      }
      // Most recently heard last: the first entry is the one to forget.
      this.sources.delete(src);
      source.route = member;
      source.recent = source.recent.filter((h) => at - h.at <= COPY_WINDOW_MS);
      if (source.recent.length >= RECENT_PER_SOURCE) source.recent.shift();
    } else {
      source = { route: member, recent: [] };
      if (this.sources.size >= MAX_SOURCES) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
    }
    source.recent.push({ payload: frame.payload, member, at });
    this.sources.set(src, source);
    this.counters.frames++;
    this.emit('frame', { ...frame, heardBy: member.name });
  }
}
