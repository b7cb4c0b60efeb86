/**
 * The console's live events, one stream for every client: a device changed state, a refusal, a
 * whitelist edit (made here, or by the CLI on its own connection: both are read from the audit log,
 * which every edit writes), a radio link up or down. Subscribers get them in order; a subscriber
 * that throws is dropped, never the daemon.
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../../whitelist/audit-log.js';
import type { DeviceEvent, RefusedEvent } from '../engine/device-records.js';
import type { LinkChange } from '../service/daemon.js';
import type { ConsoleDaemon } from './context.js';

/** The engine's and the daemon's own events, as clients see them: without the internal peer id. */
export type ConsoleEvent =
  | ({ readonly type: 'device'; readonly at: string } & Omit<DeviceEvent, 'peerId'>)
  | ({ readonly type: 'refused'; readonly at: string } & Omit<RefusedEvent, 'peerId'>)
  | {
      readonly type: 'whitelist';
      readonly kind: string;
      readonly keyHash?: string | undefined;
      readonly actor?: string | undefined;
      readonly at: string;
    }
  | ({ readonly type: 'link' } & LinkChange);

export type ConsoleEventListener = (event: ConsoleEvent) => void;

/** How often the audit log is read for whitelist edits made elsewhere. */
export const AUDIT_FOLLOW_MS = 1000;
const AUDIT_FOLLOW_BATCH = 500;

export class ConsoleEvents {
  private readonly listeners = new Set<ConsoleEventListener>();
  private lastAuditId: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly daemon: ConsoleDaemon,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {
    this.lastAuditId = this.latestAuditId();
  }

  private latestAuditId(): number {
    return this.audit.list({ limit: 1 })[0]?.id ?? 0;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  start(): void {
    const now = (): string => new Date().toISOString();
    const records = this.daemon.engine.records;
    const device = ({ peerId: _, ...e }: DeviceEvent): void =>
      this.publish({ type: 'device', ...e, at: now() });
    const refused = ({ peerId: _, ...e }: RefusedEvent): void =>
      this.publish({ type: 'refused', ...e, at: now() });
    const link = (c: LinkChange): void => this.publish({ type: 'link', ...c });
    records.on('device', device);
    records.on('refused', refused);
    this.daemon.links.on('change', link);
    this.detach.push(
      () => records.off('device', device),
      () => records.off('refused', refused),
      () => this.daemon.links.off('change', link),
    );
    this.timer = setInterval(() => this.followAudit(), AUDIT_FOLLOW_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const off of this.detach.splice(0)) off();
    this.listeners.clear();
  }

  subscribe(listener: ConsoleEventListener): () => void {
    // Nobody listened: what was written meanwhile is history, not news.
    if (this.listeners.size === 0) this.lastAuditId = this.latestAuditId();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read whitelist edits recorded since the last look (also called after an edit made here). */
  followAudit(): void {
    // Idle without subscribers: a daemon nobody watches reads nothing extra.
    if (this.listeners.size === 0) return;
    let fresh;
    try {
      fresh = this.audit.list({ afterId: this.lastAuditId, limit: AUDIT_FOLLOW_BATCH });
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'console: cannot read the audit log');
      return;
    }
    if (fresh.length === 0) return;
    this.lastAuditId = fresh[0]!.id;
    // Newest first from the store; a longer gap than one batch skips the oldest (a bulk import
    // is one record anyway).
    for (const r of fresh.reverse()) {
      if (!r.kind.startsWith('whitelist-')) continue;
      this.publish({
        type: 'whitelist',
        kind: r.kind,
        keyHash: r.keyHash,
        actor: r.actor,
        at: r.at,
      });
    }
  }

  private publish(event: ConsoleEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.listeners.delete(listener);
        this.log.warn({ err: (e as Error).message }, 'console: dropped an event subscriber');
      }
    }
  }
}
