/**
 * The ESP32 bridge on USB serial as a RadioTransport: the I/O shell around BridgeLink. It opens
 * the port (a configured path, or `auto`: discovery), feeds the link bytes and timer expiries,
 * carries out its effects, and when the port goes away (unplugged, the bridge died, heartbeat
 * lost) reopens it with exponential backoff until stop(). A link problem never throws out of
 * here and never ends the process.
 */
import { type ConfiguratorError } from '../../protocol/errors.js';
import {
  BridgeLink,
  type BridgeLinkStats,
  type LinkEffect,
  type LinkInput,
  type LinkTimings,
} from '../../protocol/bridge/bridge-link.js';
import {
  RadioTransportEmitter,
  type RadioHealth,
  type Mac,
  type RadioInfo,
  type RadioTransport,
  type RadioTransportEvents,
  type TxResult,
} from './radio-transport.js';
import { discoverBridgePort, type DiscoveryOptions } from './serial-discovery.js';
import {
  openSerialportLine,
  type BridgeLogger,
  type OpenSerialLine,
  type SerialLine,
} from './serial-line.js';
import { DaemonErrorCode } from '../errors.js';

export type { BridgeLogger } from './serial-line.js';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 2000 };
export const DEFAULT_BAUD_RATE = 921_600;

export interface SerialBridgeOptions {
  /** The serial port's path (preferably /dev/serial/by-id/…), or `auto` to discover it. */
  readonly port: string;
  readonly baudRate?: number;
  readonly logger?: BridgeLogger;
  readonly timings?: Partial<LinkTimings>;
  readonly backoff?: Partial<BackoffOptions>;
  readonly discovery?: DiscoveryOptions;
  /** Jitter source for the backoff. */
  readonly random?: () => number;
  /** Opens the port; the serialport package by default. */
  readonly openLine?: OpenSerialLine;
}

const silent: BridgeLogger = { info: () => {}, warn: () => {}, debug: () => {} };

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class SerialBridgeTransport extends RadioTransportEmitter implements RadioTransport {
  readonly name = 'serial bridge';
  private readonly link: BridgeLink;
  private readonly log: BridgeLogger;
  private readonly backoff: BackoffOptions;
  private readonly openLine: OpenSerialLine;
  private line: SerialLine | null = null;
  /** Bumped whenever a line is given up, so callbacks of an old line are ignored. */
  private generation = 0;
  private running = false;
  private attempt = 0;
  private lastFailure = '';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt: number | null = null;
  private nextId = 0;
  private readonly pendingTx = new Map<number, (result: TxResult) => void>();
  private readonly pendingChannel = new Map<number, (ok: boolean) => void>();
  private openedPath: string | null = null;
  private downReason: string | undefined = 'not connected yet';
  private lastAttemptAt: number | undefined;
  private nextAttemptAt: number | undefined;

  constructor(private readonly options: SerialBridgeOptions) {
    super();
    this.link = new BridgeLink(options.timings);
    this.log = options.logger ?? silent;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.openLine = options.openLine ?? openSerialportLine(this.log);
  }

  get info(): RadioInfo | null {
    return this.link.info;
  }

  /** Bridge counters (from its last STATS) and host counters. */
  /** Bytes read from and written to the serial line since start, for the benchmark. */
  readonly serialBytes = { in: 0, out: 0 };

  get stats(): BridgeLinkStats {
    return this.link.stats;
  }

  /** TX written to the bridge and not yet answered; never above the bridge's txQueue. */
  get outstanding(): number {
    return this.link.outstandingCount;
  }

  get health(): RadioHealth {
    const iso = (t: number | undefined): string | undefined =>
      t === undefined ? undefined : new Date(t).toISOString();
    return {
      downReason: this.link.info === null ? this.downReason : undefined,
      lastAttemptAt: iso(this.lastAttemptAt),
      nextAttemptAt: this.reconnectTimer === undefined ? undefined : iso(this.nextAttemptAt),
    };
  }

  /** The port in use (after discovery, for `auto`), or null while none is open. */
  get path(): string | null {
    return this.openedPath;
  }

  /**
   * Opens the port and keeps it open until stop(). Resolves after the first attempt, whether it
   * opened the port or scheduled a retry; `up` says when the link is ready. Rejects only when
   * `auto` finds several candidate ports: the configuration must name one.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const refusal = await this.connect(true);
    if (refusal !== null) {
      await this.stop();
      throw refusal;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const line = this.line;
    this.feed({ type: 'closed', reason: 'stopped' });
    this.dropLine();
    if (line !== null) {
      this.log.info({ path: line.path }, 'bridge serial port closed');
      await line.close();
    }
  }

  send(dst: Mac, payload: Uint8Array): Promise<TxResult> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pendingTx.set(id, resolve);
      this.feed({ type: 'send', id, dst: dst.toLowerCase(), payload, now: performance.now() });
    });
  }

  setChannel(channel: number): Promise<boolean> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pendingChannel.set(id, resolve);
      this.feed({ type: 'setChannel', id, channel, now: performance.now() });
    });
  }

  // ---- the port -------------------------------------------------------------------------------

  /** One attempt to open the port. Returns the refusal that start() must report, else null. */
  private async connect(first = false): Promise<ConfiguratorError | null> {
    this.reconnectTimer = undefined;
    if (!this.running) return null;
    this.lastAttemptAt = Date.now();
    const generation = ++this.generation;
    try {
      let path = this.options.port;
      if (path === 'auto') {
        const found = await discoverBridgePort(this.options.discovery);
        if (!found.ok) {
          this.failedAttempt(found.error.message, found.error);
          return first && found.error.code === DaemonErrorCode.BridgeAmbiguousSerialPort
            ? found.error
            : null;
        }
        path = found.value.path;
        this.log.info({ path, reason: found.value.reason }, 'bridge serial port discovered');
      }
      const baudRate = this.options.baudRate ?? DEFAULT_BAUD_RATE;
      this.log.debug({ path, baudRate, attempt: this.attempt }, 'opening the bridge serial port');
      const line = await this.openLine(path, baudRate, {
        data: (bytes) => {
          this.serialBytes.in += bytes.length;
          if (generation === this.generation)
            this.feed({ type: 'bytes', data: bytes, now: performance.now() });
        },
        closed: (reason) => {
          if (generation === this.generation) this.lineLost(reason);
        },
      });
      if (!this.running || generation !== this.generation) {
        await line.close();
        return null;
      }
      this.line = line;
      this.openedPath = path;
      this.lastFailure = '';
      this.log.info({ path }, 'bridge serial port open, negotiating');
      this.feed({ type: 'opened', now: performance.now() });
    } catch (e) {
      this.failedAttempt(`cannot open the bridge serial port: ${reasonOf(e)}`);
    }
    return null;
  }

  private failedAttempt(reason: string, problem?: ConfiguratorError): void {
    // The same failure again and again (a long unplug) is logged once, then quietly.
    if (reason !== this.lastFailure) {
      this.log.warn({ port: this.options.port, reason }, 'bridge not reachable, retrying');
      if (problem) this.guarded('problem', () => this.emit('problem', problem));
    } else {
      this.log.debug({ port: this.options.port, reason }, 'bridge still not reachable');
    }
    this.lastFailure = reason;
    this.downReason = reason;
    this.scheduleReconnect();
  }

  /** The port went away by itself. */
  private lineLost(reason: string): void {
    const line = this.line;
    this.log.warn({ path: line?.path, reason }, 'bridge serial port lost');
    this.downReason = `serial port lost: ${reason}`;
    this.feed({ type: 'closed', reason });
    this.dropLine();
    if (line !== null) void line.close();
    this.scheduleReconnect();
  }

  /** The link gave up on the port (no HELLO, heartbeat lost, no common version). */
  private closeLine(reason: string, retryAfterMs?: number): void {
    const line = this.line;
    this.dropLine();
    this.log.warn({ path: line?.path, reason }, 'closing the bridge serial port');
    this.downReason = reason;
    if (line !== null) void line.close();
    this.scheduleReconnect(retryAfterMs);
  }

  private dropLine(): void {
    this.generation++;
    this.line = null;
    this.openedPath = null;
  }

  private scheduleReconnect(fixedMs?: number): void {
    if (!this.running || this.reconnectTimer !== undefined) return;
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    const random = this.options.random ?? Math.random;
    // Equal jitter: half fixed, half random, so restarted daemons do not retry in step.
    const delayMs = fixedMs ?? Math.round(base / 2 + (random() * base) / 2);
    this.attempt++;
    // The first retry after a loss is news; the rest of a long outage is not.
    const level = this.attempt === 1 ? 'info' : 'debug';
    this.log[level]({ delayMs, attempt: this.attempt }, 'reconnecting to the bridge');
    this.nextAttemptAt = Date.now() + delayMs;
    this.reconnectTimer = setTimeout(() => {
      void this.connect();
    }, delayMs);
  }

  // ---- the link -------------------------------------------------------------------------------

  private feed(input: LinkInput): void {
    this.apply(this.link.step(input));
    this.armWake();
  }

  private apply(effects: LinkEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'write':
          this.serialBytes.out += effect.bytes.length;
          this.line?.write(effect.bytes);
          break;
        case 'up':
          this.attempt = 0;
          this.log.info(
            {
              path: this.openedPath,
              mac: effect.info.mac,
              channel: effect.info.channel,
              maxPayload: effect.info.maxPayload,
              firmware: effect.info.firmware,
              txQueue: this.link.bridgeHello?.txQueue,
            },
            'bridge link up',
          );
          this.guarded('up', () => this.emit('up', effect.info));
          break;
        case 'down':
          this.downReason = effect.reason;
          this.log.warn({ path: this.openedPath, reason: effect.reason }, 'bridge link down');
          this.guarded('down', () => this.emit('down', effect.reason));
          break;
        case 'frame':
          // The one effect per received frame: no closure for it, unlike the rare ones.
          try {
            this.emit('frame', effect.frame);
          } catch (e) {
            this.listenerThrew('frame', e);
          }
          break;
        case 'problem':
          this.log.debug({ code: effect.error.code }, `bridge: ${effect.error.message}`);
          this.guarded('problem', () => this.emit('problem', effect.error));
          break;
        case 'txDone': {
          const resolve = this.pendingTx.get(effect.id);
          this.pendingTx.delete(effect.id);
          resolve?.(effect.result);
          break;
        }
        case 'channelDone': {
          const resolve = this.pendingChannel.get(effect.id);
          this.pendingChannel.delete(effect.id);
          resolve?.(effect.ok);
          break;
        }
        case 'close':
          this.closeLine(effect.reason, effect.retryAfterMs);
          break;
      }
    }
  }

  /** One timer for the link's earliest deadline. */
  private armWake(): void {
    const at = this.link.nextWakeAt();
    if (at === this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = at;
    if (at === null) return;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = null;
        this.wakeTimer = undefined;
        this.feed({ type: 'tick', now: performance.now() });
      },
      Math.max(0, at - performance.now()),
    );
  }

  /** A listener that throws is logged; it must not break the link or escape into the port's I/O. */
  private guarded(event: keyof RadioTransportEvents, emit: () => void): void {
    try {
      emit();
    } catch (e) {
      this.listenerThrew(event, e);
    }
  }

  private listenerThrew(event: keyof RadioTransportEvents, e: unknown): void {
    this.log.warn({ event, reason: reasonOf(e) }, 'a bridge event listener threw');
  }
}
