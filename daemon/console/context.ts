/**
 * What the console's routes share: the stores they read and edit, the running daemon they show,
 * and the types of the app they are registered on.
 */
import type { EventEmitter } from 'node:events';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { AuditLog } from '../../whitelist/audit-log.js';
import type { DeviceStore } from '../../whitelist/device-store.js';
import type { UnlistedStore } from '../../whitelist/unlisted-store.js';
import type { WhitelistStore } from '../../whitelist/whitelist-store.js';
import type { EngineEvents } from '../engine/engine.js';
import type { DaemonState } from '../service/state-file.js';
import type { LinkChange } from '../service/daemon.js';
import type { ConsoleEvents } from './events.js';

export type ConsoleApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The admin's stores: the SQLite ones today (another store would implement the same calls). */
export interface ConsoleStores {
  readonly whitelist: WhitelistStore;
  readonly devices: DeviceStore;
  readonly audit: AuditLog;
  readonly unlisted: UnlistedStore;
}

/** What the console shows of the running daemon (ConfiguratorDaemon has all of it). */
export interface ConsoleDaemon {
  status(): DaemonState;
  identityUri(): string;
  readonly profileNames: readonly string[];
  readonly engine: {
    readonly records: EventEmitter<EngineEvents>;
    readonly refusalTotals: ReadonlyMap<string, number>;
  };
  readonly links: EventEmitter<{ change: [change: LinkChange] }>;
}

export interface ConsoleContext {
  readonly stores: ConsoleStores;
  readonly daemon: ConsoleDaemon;
  readonly events: ConsoleEvents;
  readonly log: Logger;
}
