/**
 * The running configurator: storage, our identity, the session engine, and the transports that
 * feed it (the ESP32 bridge's radio, DPP over TCP). Built from a validated configuration; every
 * part can be handed in instead (tests, the demo) so the same code runs everywhere.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../../protocol/clock.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import type { DaemonConfig } from '../config/load.js';
import { Delivery, type BundleBuilder } from '../engine/delivery.js';
import { SessionEngine } from '../engine/engine.js';
import { EspnowDppLink } from '../transports/espnow-link.js';
import type { BridgeLinkStats } from '../../protocol/bridge/bridge-link.js';
import type {
  AuditPort,
  DevicePort,
  SecretPort,
  UnlistedPort,
  WhitelistPort,
  WhitelistView,
} from '../engine/ports.js';
import { identityUri, loadOrCreateIdentity } from '../keys/identity.js';
import { DppTcpListener, type TcpConnectionLimits } from '../transports/dpp-tcp.js';
import { VERSION } from '../version.js';
import { ConfiguratorError } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';
import {
  processResources,
  removeDaemonState,
  writeDaemonState,
  type BleState,
  type DaemonState,
} from './state-file.js';
import type { RadioTransport } from '../transports/radio-transport.js';
import { feedPeers } from '../transports/espnow-peers.js';
import { RadioGroup, type RadioMember } from '../transports/radio-group.js';
import { SerialBridgeTransport } from '../transports/serial-bridge.js';
import { DEFAULT_SEND_WINDOW } from '../transports/espnow-link.js';
import { DEFAULT_BRIDGE_CHANNEL, type BridgeSetting } from '../config/bridges.js';
import { planBridgeChannels } from '../preflight/bridge-channels.js';
import { scanWifi, type ScanResult } from '../preflight/wifi-scan.js';
import { BridgeChannels } from './bridge-channels.js';
import { BridgeSupervisor } from './bridge-supervisor.js';
import { ControlSocket } from './control-socket.js';
import type { ConnectRequest } from './control-protocol.js';
import type { BleDiscovery } from '../ble/discovery.js';
import type { ModuleImporter, NobleSource } from '../ble/load-noble.js';
import { startBleDiscovery } from '../ble/start-discovery.js';
import {
  OutgoingSessions,
  type ConnectOutcome,
  type ConnectProgress,
} from './outgoing-sessions.js';

export interface Stores {
  readonly whitelist: WhitelistPort;
  readonly devices: DevicePort;
  readonly audit: AuditPort;
  readonly secrets: SecretPort;
  /** Devices refused as unknown (the table of devices heard but not listed). */
  readonly unlisted: UnlistedPort;
  /** Whitelist entries whose key hash starts with `prefix`, at most `limit` (for `connect`). */
  findWhitelistByPrefix(prefix: string, limit: number): readonly WhitelistView[];
  /** Whether a device heard but not listed, with its key known, has a key hash starting with `prefix`. */
  hasUnlistedKeyWithPrefix(prefix: string): boolean;
  /** Make every write so far durable (writes may be grouped for a few milliseconds). */
  commit(): void;
  /** Call `then` once every write so far is durable, with false if any could not be written. */
  afterCommit(then: (ok: boolean) => void): void;
  close(): void;
}

export interface DaemonParts {
  readonly config: DaemonConfig;
  readonly dataDir: string;
  readonly log: Logger;
  readonly stores: Stores;
  /** The radio (the serial bridge, or the in-memory radio in tests); none: TCP only. */
  readonly radio?: RadioTransport | undefined;
  readonly bundles?: BundleBuilder | undefined;
  /** Overrides for the TCP listener (tests use port 0). */
  readonly tcpPort?: number | undefined;
  /** Keep `<dataDir>/daemon.json` current for `configurator status` (the service and the demo). */
  readonly publishState?: boolean | undefined;
  /** The system clock unless a test hands in a virtual one. */
  readonly clock?: Clock | undefined;
  /** Serve `<dataDir>/control.sock` for the admin commands (the service and the demo). */
  readonly controlSocket?: boolean | undefined;
  /** Hears the air for `auto` channels and channel warnings; NetworkManager's nmcli by default. */
  readonly scanWifi?: (() => Promise<ScanResult>) | undefined;
  /** What Bluetooth LE discovery runs on, when `ble.enabled`: tests hand in simulated bindings. */
  readonly ble?:
    | {
        readonly source?: NobleSource | undefined;
        readonly importer?: ModuleImporter | undefined;
        readonly adapterExists?: ((adapter: string) => boolean) | undefined;
      }
    | undefined;
}

/** A bridge going up or down, for whoever shows it (the console). */
export interface LinkChange {
  /** This bridge is up. */
  readonly up: boolean;
  /** Why it is down (the last reason the transport gave). */
  readonly reason?: string | undefined;
  readonly at: string;
  /** The bridge (its name, else its port), when there are several. */
  readonly bridge?: string | undefined;
  /** The radio as a whole is up: any of its bridges. */
  readonly radioUp?: boolean | undefined;
}

/** What a reload changed at once, and what waits for a restart. */
export interface ReloadResult {
  readonly applied: readonly string[];
  readonly restartNeeded: readonly string[];
}

export class ConfiguratorDaemon {
  readonly engine: SessionEngine;
  /** The configuration in force: the one started with, then what reloads applied of theirs. */
  private config: DaemonConfig;
  /** Link changes since start: the console's live view listens here. */
  readonly links = new EventEmitter<{ change: [change: LinkChange] }>();
  private radioDownReason: string | undefined = 'not connected yet';
  /** Set by whoever serves the console, for `status`. */
  consoleInfo: DaemonState['console'];
  readonly espnow: EspnowDppLink | undefined;
  /** Each bridge on its own (one, or the members of a group); undefined without a radio. */
  private readonly bridges: BridgeSupervisor | undefined;
  private readonly channels: BridgeChannels;
  private tcp: DppTcpListener | undefined;
  private control: ControlSocket | undefined;
  /** Bluetooth LE discovery while it runs. */
  bleDiscovery: BleDiscovery | undefined;
  /** Why Bluetooth LE discovery is not running although enabled (noble could not be loaded). */
  private bleUnavailable: string | undefined;
  private readonly outgoing: OutgoingSessions;
  tcpPort: number | undefined;
  private stopped = false;
  private stateTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();

  private constructor(
    private readonly parts: DaemonParts,
    readonly identity: BootstrapIdentity,
  ) {
    const { config, log, stores } = parts;
    this.config = config;
    this.engine = new SessionEngine({
      settings: {
        maxConcurrent: config.sessions.maxConcurrent,
        waitingMaxAgeMs: config.sessions.waitingMaxAgeMs,
        timings: {
          retransmitMs: config.sessions.retransmitMs,
          maxTransmissions: config.sessions.maxTransmissions,
          authTimeoutMs: config.sessions.authTimeoutMs,
          configTimeoutMs: config.sessions.configTimeoutMs,
          connStatusTimeoutMs: config.sessions.connStatusTimeoutMs,
        },
        announceIntervalMs: config.sessions.announceIntervalMs,
        defaultProfile: config.defaultProfile,
        profiles: config.profiles,
      },
      identity,
      whitelist: stores.whitelist,
      devices: stores.devices,
      audit: stores.audit,
      unlisted: stores.unlisted,
      afterCommit: (then) => stores.afterCommit(then),
      commit: () => stores.commit(),
      delivery: new Delivery(stores.secrets, parts.bundles),
      log,
      // A new ESP-NOW session only while the radio is up and our own traffic does not already fill
      // its window: more sessions would only lengthen the queue every session's messages wait in.
      clock: parts.clock,
      roomFor: (transport) =>
        transport !== 'espnow' ||
        this.espnow === undefined ||
        (this.espnow.up && this.espnow.backlog < this.espnow.window),
    });
    if (parts.radio !== undefined) {
      const members = this.membersOf(parts.radio);
      this.bridges = this.superviseBridges(members);
      this.espnow = this.attachRadio(parts.radio, members);
    }
    this.channels = new BridgeChannels({
      supervisor: this.bridges,
      log,
      scanWifi: parts.scanWifi ?? scanWifi,
      stopped: () => this.stopped,
    });
    this.outgoing = new OutgoingSessions({
      engine: this.engine,
      whitelist: {
        get: (keyHash) => stores.whitelist.get(keyHash),
        findByPrefix: (prefix, limit) => stores.findWhitelistByPrefix(prefix, limit),
      },
      devices: stores.devices,
      log,
      tcpLimits: this.tcpLimits(),
      commit: () => stores.commit(),
      clock: parts.clock,
    });
  }

  /** Where the control socket is served; undefined when it is not (not asked for, or refused). */
  get controlSocketPath(): string | undefined {
    return this.control?.path;
  }

  static async start(parts: DaemonParts): Promise<ConfiguratorDaemon> {
    const { identity, created } = loadOrCreateIdentity(parts.dataDir);
    if (created) {
      parts.stores.audit.append({ kind: 'identity-created', actor: 'daemon' });
      parts.stores.commit();
      parts.log.info('created the configurator bootstrapping key (configurator identity shows it)');
    }
    const daemon = new ConfiguratorDaemon(parts, identity);
    try {
      await daemon.channels.planAtStart(daemon.config);
      await daemon.startTransports();
      if (parts.controlSocket === true) await daemon.startControlSocket();
    } catch (e) {
      await daemon.stop(0);
      throw e;
    }
    if (parts.publishState === true) {
      daemon.publishState();
      daemon.stateTimer = setInterval(() => daemon.publishState(), 1000);
      daemon.stateTimer.unref();
    }
    return daemon;
  }

  /** The bridges of the radio: a group's members, or the radio itself as the one bridge. */
  private membersOf(radio: RadioTransport): RadioMember[] {
    if (radio instanceof RadioGroup) return [...radio.members];
    return [{ name: this.config.radio.bridges[0]?.name ?? radio.name, transport: radio }];
  }

  private superviseBridges(members: readonly RadioMember[]): BridgeSupervisor {
    const { config } = this;
    // A radio handed in without a configured bridge (tests, radio.port: none) is on the default.
    const settings = members.map(
      (m, i): BridgeSetting =>
        config.radio.bridges[i] ?? {
          name: m.name,
          port: m.name,
          channel: DEFAULT_BRIDGE_CHANNEL,
          profile: config.defaultProfile,
          key: 'radio',
        },
    );
    return new BridgeSupervisor(
      members,
      settings,
      planBridgeChannels(settings, config.profiles, undefined),
      {
        log: this.parts.log,
        changed: (change) =>
          this.links.emit('change', { ...change, radioUp: this.parts.radio?.info != null }),
      },
    );
  }

  private attachRadio(radio: RadioTransport, members: readonly RadioMember[]): EspnowDppLink {
    const clock = this.parts.clock;
    // Each bridge takes its own window of payloads at once (its credits): a stalled one fills
    // only its own, and the others send on.
    const link = new EspnowDppLink(
      radio,
      clock === undefined ? undefined : () => clock.now(),
      DEFAULT_SEND_WINDOW,
      radio instanceof RadioGroup
        ? { of: (dst) => radio.routeFor(dst).name, count: members.length }
        : undefined,
    );
    // One bridge tags nothing: a message is heard by it (`auto`: by the port it found).
    const only = members.length === 1 ? members[0] : undefined;
    const serial = only?.transport instanceof SerialBridgeTransport ? only.transport : undefined;
    const heardBy =
      only === undefined
        ? undefined
        : serial !== undefined && only.name === 'auto'
          ? () => serial.path ?? only.name
          : () => only.name;
    feedPeers(link, this.engine, heardBy);
    radio.on('up', () => {
      this.radioDownReason = undefined;
    });
    radio.on('down', (reason) => {
      this.radioDownReason = reason;
    });
    return link;
  }

  private async startTransports(): Promise<void> {
    const { config } = this;
    const { log } = this.parts;
    if (this.parts.radio !== undefined) await this.parts.radio.start();
    if (config.tcp.enabled) {
      this.tcp = new DppTcpListener(
        {
          host: config.tcp.host,
          port: this.parts.tcpPort ?? config.tcp.port,
          maxConnections: config.sessions.maxConcurrent,
          maxConnectionsPerAddress: config.tcp.maxConnectionsPerAddress,
          ...this.tcpLimits(),
        },
        this.engine,
        log,
        this.parts.clock,
      );
      try {
        this.tcpPort = await this.tcp.start();
      } catch (e) {
        const where = `${config.tcp.host}:${this.parts.tcpPort ?? config.tcp.port}`;
        throw new ConfiguratorError(
          DaemonErrorCode.ConfigurationInvalid,
          (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
            ? `DPP over TCP: ${where} is in use (another daemon, on another data dir?): set tcp.port ` +
                '(or CONFIGURATOR_TCP_PORT), or tcp.enabled: false'
            : `DPP over TCP: cannot listen on ${where}: ${(e as Error).message} (tcp.host, tcp.port)`,
        );
      }
      log.info({ host: config.tcp.host, port: this.tcpPort }, 'listening for DPP over TCP');
    }
    const { stores } = this.parts;
    const ble = await startBleDiscovery({
      config: config.ble,
      log,
      unlisted: stores.unlisted,
      keys: {
        whitelisted: (prefix) => stores.findWhitelistByPrefix(prefix, 1).length > 0,
        heard: (prefix) => stores.hasUnlistedKeyWithPrefix(prefix),
      },
      clock: this.parts.clock,
      ...this.parts.ble,
    });
    if (ble !== undefined && 'discovery' in ble) this.bleDiscovery = ble.discovery;
    else if (ble !== undefined) this.bleUnavailable = ble.unavailable;
  }

  private bleState(): BleState | undefined {
    if (this.bleDiscovery !== undefined) return this.bleDiscovery.status();
    if (this.bleUnavailable === undefined) return undefined;
    return {
      adapter: this.config.ble.adapter,
      state: 'unavailable',
      scanning: false,
      offReason: this.bleUnavailable,
      counters: { heard: 0, read: 0, refused: 0 },
    };
  }

  /** Without it the daemon still runs; only the admin commands that need it cannot reach it. */
  private async startControlSocket(): Promise<void> {
    const { dataDir, log } = this.parts;
    try {
      this.control = await ControlSocket.start({
        dataDir,
        log,
        handlers: { connect: (request, onProgress) => this.connectOut(request, onProgress) },
      });
      log.info({ path: this.control.path }, 'control socket ready');
    } catch (e) {
      const why = e instanceof ConfiguratorError ? e.describe() : (e as Error).message;
      log.warn(`no control socket: ${why}; \`configurator connect\` cannot reach this daemon`);
    }
  }

  private tcpLimits(): TcpConnectionLimits {
    const { sessions, tcp } = this.config;
    return {
      messageTimeoutMs: tcp.messageTimeoutMs,
      connectionTimeoutMs: tcp.connectionTimeoutMs,
      idleMs: Math.max(sessions.authTimeoutMs, sessions.connStatusTimeoutMs) + 5000,
    };
  }

  private publishState(): void {
    try {
      writeDaemonState(this.parts.dataDir, this.status());
    } catch (e) {
      this.parts.log.warn({ err: (e as Error).message }, 'cannot write the daemon state file');
    }
  }

  /** What the daemon says about itself: `daemon.json` for `status`, and the console. */
  status(): DaemonState {
    const { config } = this;
    const { radio } = this.parts;
    const info = radio?.info ?? null;
    const bridges = this.bridges?.states() ?? [];
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      version: VERSION,
      tcp: this.tcpPort === undefined ? null : { host: config.tcp.host, port: this.tcpPort },
      radio:
        radio === undefined
          ? null
          : {
              port: bridges.map((b) => b.port).join(', '),
              up: info !== null,
              ...(info === null
                ? {
                    downReason: radio.health?.downReason ?? this.radioDownReason,
                    lastAttemptAt: radio.health?.lastAttemptAt,
                    nextAttemptAt: radio.health?.nextAttemptAt,
                  }
                : {}),
              mac: info?.mac,
              channel: info?.channel,
              firmware: info?.firmware,
              bridges,
            },
      activeSessions: this.engine.activeSessions,
      waitingSessions: this.engine.waitingSessions,
      counters: { ...this.engine.counters },
      process: processResources(),
      link: this.linkCounters(),
      ble: this.bleState(),
      console: this.consoleInfo,
    };
  }

  /** Our DPP URI (devices that pin their configurator are given it), with the bridges' channels. */
  identityUri(): string {
    return identityUri(this.identity, { channels: this.bridges?.channels ?? [] });
  }

  /** The profiles a whitelist entry may name, the default first. */
  get profileNames(): readonly string[] {
    const { defaultProfile, profiles } = this.config;
    return [defaultProfile, ...[...profiles.keys()].filter((p) => p !== defaultProfile)];
  }

  /**
   * Take a new configuration (already checked) without dropping a session: new profiles and
   * bundles for sessions that start from now on (running ones finish under theirs), the radio's
   * channel. The listeners, the serial port and the session timings change only at a restart:
   * they are named in the result, and the running values stay in force.
   */
  reconfigure(next: DaemonConfig, bundles: BundleBuilder | undefined): ReloadResult {
    const before = this.config;
    const applied: string[] = [];
    const restartNeeded: string[] = [];
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    this.engine.reconfigure({
      defaultProfile: next.defaultProfile,
      profiles: next.profiles,
      delivery: new Delivery(this.parts.stores.secrets, bundles),
    });
    applied.push('profiles', 'defaultProfile');
    const bridges = this.channels.reconfigure(next, before);
    applied.push(...bridges.applied);
    restartNeeded.push(...bridges.restartNeeded);
    if (next.radio.preflight !== before.radio.preflight) applied.push('radio.preflight');
    if (next.radio.baud !== before.radio.baud) restartNeeded.push('radio.baud');
    if (!same(next.tcp, before.tcp)) restartNeeded.push('tcp');
    if (!same(next.sessions, before.sessions)) restartNeeded.push('sessions');
    if (!same(next.ble, before.ble)) restartNeeded.push('ble');
    this.config = {
      ...next,
      radio: {
        ...before.radio,
        preflight: next.radio.preflight,
        bridges: bridges.restartNeeded.length === 0 ? next.radio.bridges : before.radio.bridges,
      },
      tcp: before.tcp,
      sessions: before.sessions,
      ble: before.ble,
    };
    return { applied, restartNeeded };
  }

  /** ESP-NOW and serial counters, for status and the benchmark; null without a radio. */
  linkCounters(): Record<string, number> | null {
    if (this.espnow === undefined) return null;
    // Every bridge's counters, added up (one bridge: its own).
    const serial = (
      this.parts.radio instanceof RadioGroup
        ? this.parts.radio.members.map((m) => m.transport)
        : [this.parts.radio]
    ).flatMap((t) => (t instanceof SerialBridgeTransport ? [t] : []));
    const sum = (f: (t: SerialBridgeTransport) => number | undefined): number =>
      serial.reduce((total, t) => total + (f(t) ?? 0), 0);
    // The bridges' own view, from their last STATS (asked for every statsIntervalMs).
    const reported = serial.filter((t) => t.stats.bridge !== null);
    // By kind only when every reporting bridge says (a version-1 bridge does not).
    const byKind = reported.every((t) => t.stats.bridge?.rxDroppedBroadcast !== undefined);
    const own = (f: (b: NonNullable<BridgeLinkStats['bridge']>) => number | undefined): number =>
      sum((t) => (t.stats.bridge === null ? 0 : f(t.stats.bridge)));
    const group = this.parts.radio instanceof RadioGroup ? this.parts.radio.counters : undefined;
    return {
      ...this.espnow.counters,
      ...(reported.length === 0
        ? {}
        : {
            bridgeRxDropped: own((b) => b.rxDropped),
            ...(byKind
              ? {
                  bridgeRxDroppedBroadcast: own((b) => b.rxDroppedBroadcast),
                  bridgeRxDroppedUnicast: own((b) => b.rxDroppedUnicast),
                }
              : {}),
            bridgeSerialErrors: own(
              (b) => b.serialBadCrc + b.serialBadFraming + b.serialOversize + b.serialUnknownType,
            ),
          }),
      ...(serial.length === 0
        ? {}
        : {
            bridgeTxSent: sum((t) => t.stats.host.txSent),
            bridgeTxAcked: sum((t) => t.stats.host.txAcked),
            bridgeTxNotAcked: sum((t) => t.stats.host.txNotAcked),
            bridgeTxRefused: sum((t) => t.stats.host.txRefused),
            bridgeTxDeadline: sum((t) => t.stats.host.txDeadline),
            bridgeTxLinkDown: sum((t) => t.stats.host.txLinkDown),
            bridgeRxFrames: sum((t) => t.stats.host.rxFrames),
            bridgeResets: sum((t) => t.stats.host.resets),
          }),
      // Frames two bridges heard, passed on once.
      ...(group === undefined ? {} : { bridgeCopies: group.copies }),
      reassembledMalformed: this.espnow.reassemblyCounters.malformed,
      reassembledDuplicate: this.espnow.reassemblyCounters.duplicate,
      serialBytesIn: sum((t) => t.serialBytes.in),
      serialBytesOut: sum((t) => t.serialBytes.out),
    };
  }

  /**
   * Connect to a whitelisted enrollee listening for DPP over TCP and provision it as initiator
   * (hostap: `DPP_CONTROLLER_START role=enrollee`); resolves with the outcome once the session has
   * ended. A device the daemon would refuse is refused (ConnectRefused, or the whitelist's
   * not-found and ambiguous-prefix errors) before any connection is opened.
   */
  connectOut(
    request: Omit<ConnectRequest, 'op'>,
    onProgress?: (p: ConnectProgress) => void,
  ): Promise<ConnectOutcome> {
    return this.outgoing.provision(request, onProgress);
  }

  /** Finish or park running sessions, then close everything. Safe to call twice. */
  async stop(
    graceMs = this.config.sessions.shutdownGraceMs,
  ): Promise<{ finished: number; parked: number }> {
    if (this.stopped) return { finished: 0, parked: 0 };
    this.stopped = true;
    if (this.stateTimer !== undefined) {
      clearInterval(this.stateTimer);
      removeDaemonState(this.parts.dataDir);
    }
    // Stop accepting first; open connections end with their sessions (or are parked below), and
    // a control client waiting for an outcome gets it as its session ends.
    this.outgoing.stop();
    this.bleDiscovery?.stop();
    // Its clients wait for sessions that may take the whole grace period.
    const controlClosed = this.control?.stop(graceMs + 10_000);
    const tcpClosed = this.tcp?.stop();
    const result = await this.engine.shutdown(graceMs);
    await tcpClosed;
    await controlClosed;
    await this.parts.radio?.stop();
    this.parts.stores.close();
    return result;
  }
}
