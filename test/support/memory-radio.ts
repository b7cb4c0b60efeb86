/**
 * An in-memory ESP-NOW radio: the daemon's side is a RadioTransport like the serial bridge, the
 * devices' side are plain endpoints. For fast unit tests of the daemon without the host bridge;
 * loss, duplication and delay are scriptable, and a seeded random source keeps runs repeatable.
 */
import { BROADCAST_MAC } from '../../protocol/bridge/messages.js';
import { systemClock, type Clock } from '../../protocol/clock.js';
import { ConfiguratorError, ErrorCode } from '../../protocol/errors.js';
import {
  RadioTransportEmitter,
  type Mac,
  type RadioFrame,
  type RadioInfo,
  type RadioTransport,
  type TxResult,
} from '../../daemon/transports/radio-transport.js';

export interface MemoryRadioFaults {
  /** Probability a frame is lost (unicast: per attempt, three attempts as ESP-NOW retries). */
  loss: number;
  duplicate: number;
  /** One-way delay in ms; 0 delivers on the next microtask. */
  delayMs: number;
}

export interface MemoryEndpoint {
  readonly mac: Mac;
  onFrame: (frame: RadioFrame) => void;
  send(dst: Mac, payload: Uint8Array): Promise<TxResult>;
  detach(): void;
}

/** What a monitor on the air sees: every frame transmitted, whatever became of it. */
export interface MonitoredAirFrame {
  readonly src: Mac;
  readonly dst: Mac;
  readonly channel: number;
  readonly payload: Uint8Array;
  /** Receivers it reached (0 if it was lost or nobody has that MAC). */
  readonly delivered: number;
}

const UNICAST_ATTEMPTS = 3;

interface Station {
  readonly deliver: (frame: RadioFrame) => void;
  /** false: broadcasts are not delivered to it (as a simulated device on the radio hub). */
  readonly hearsBroadcast: boolean;
}

export class MemoryAir {
  private readonly stations = new Map<Mac, Station>();
  faults: MemoryRadioFaults;
  /**
   * A monitor tap: sees every frame put on the air, as a passive listener would, including frames
   * the receiver lost. Payloads the radio refuses (empty, over `maxPayload`) never reach the air.
   */
  onMonitor: ((frame: MonitoredAirFrame) => void) | undefined;
  /** The clock delays run on (a virtual one in virtual-time tests). */
  clock: Clock = systemClock;
  /** Stations whose radio is on another channel for now: they hear nothing and are not heard. */
  private readonly away = new Set<Mac>();

  constructor(
    faults: Partial<MemoryRadioFaults> = {},
    private readonly random: () => number = Math.random,
    readonly channel = 6,
    readonly maxPayload = 250,
  ) {
    this.faults = { loss: 0, duplicate: 0, delayMs: 0, ...faults };
  }

  /**
   * A device on the air. `hearBroadcasts: false` delivers it no broadcasts: a device needs only
   * unicast, and a flood of broadcasts would otherwise cost a delivery per device.
   */
  attach(mac: Mac, options: { hearBroadcasts?: boolean } = {}): MemoryEndpoint {
    const key = mac.toLowerCase();
    const endpoint: MemoryEndpoint = {
      mac: key,
      onFrame: () => {},
      send: (dst, payload) => this.transmit(key, dst.toLowerCase(), payload),
      detach: () => this.stations.delete(key),
    };
    this.stations.set(key, {
      deliver: (f) => endpoint.onFrame(f),
      hearsBroadcast: options.hearBroadcasts ?? true,
    });
    return endpoint;
  }

  /** Put a station's radio on another channel (true) or back on this one (false). */
  setAway(mac: Mac, away: boolean): void {
    if (away) this.away.add(mac.toLowerCase());
    else this.away.delete(mac.toLowerCase());
  }

  /** The daemon's side: a RadioTransport whose radio has `mac`. */
  transport(mac: Mac): MemoryRadioTransport {
    return new MemoryRadioTransport(this, mac.toLowerCase());
  }

  /** Internal: used by MemoryRadioTransport to join and leave. */
  register(mac: Mac, deliver: ((frame: RadioFrame) => void) | null): void {
    if (deliver) this.stations.set(mac, { deliver, hearsBroadcast: true });
    else this.stations.delete(mac);
  }

  transmit(src: Mac, dst: Mac, payload: Uint8Array): Promise<TxResult> {
    if (payload.length === 0 || payload.length > this.maxPayload) return Promise.resolve('refused');
    const broadcast = dst === BROADCAST_MAC;
    // One copy for every receiver (frames are read-only), taken before the sender can reuse it.
    const copy = new Uint8Array(payload);
    let acked = broadcast;
    let reached = 0;
    const offer = (station: Station, to: Mac): void => {
      if (this.away.has(src) || this.away.has(to)) return;
      const attempts = broadcast ? 1 : UNICAST_ATTEMPTS;
      let arrived = false;
      for (let i = 0; i < attempts && !arrived; i++) arrived = this.random() >= this.faults.loss;
      if (!arrived) return;
      acked = true;
      reached++;
      const frame: RadioFrame = { src, rssi: -55, channel: this.channel, broadcast, payload: copy };
      const copies = this.random() < this.faults.duplicate ? 2 : 1;
      for (let c = 0; c < copies; c++) this.later(() => station.deliver(frame));
    };
    if (broadcast) {
      for (const [mac, station] of this.stations)
        if (mac !== src && station.hearsBroadcast) offer(station, mac);
    } else {
      const station = this.stations.get(dst);
      if (station !== undefined) offer(station, dst);
    }
    this.onMonitor?.({ src, dst, channel: this.channel, payload: copy, delivered: reached });
    return new Promise((resolve) => this.later(() => resolve(acked ? 'acked' : 'notAcked')));
  }

  private later(fn: () => void): void {
    if (this.faults.delayMs > 0) this.clock.setTimer(this.faults.delayMs, fn);
    else queueMicrotask(fn);
  }
}

export class MemoryRadioTransport extends RadioTransportEmitter implements RadioTransport {
  readonly name = 'memory radio';
  private current: RadioInfo | null = null;

  constructor(
    private readonly air: MemoryAir,
    private readonly mac: Mac,
  ) {
    super();
  }

  get info(): RadioInfo | null {
    return this.current;
  }

  async start(): Promise<void> {
    this.air.register(this.mac, (frame) => this.emit('frame', frame));
    this.current = {
      mac: this.mac,
      channel: this.air.channel,
      maxPayload: this.air.maxPayload,
      firmware: 'memory radio',
    };
    this.emit('up', this.current);
  }

  async stop(): Promise<void> {
    this.air.register(this.mac, null);
    if (this.current) {
      this.current = null;
      this.emit('down', 'stopped');
    }
  }

  /** Test hook: the link drops as if the bridge were unplugged; `restore()` brings it back. */
  drop(reason = 'link dropped'): void {
    this.air.register(this.mac, null);
    this.current = null;
    this.emit('down', reason);
  }

  restore(): Promise<void> {
    return this.start();
  }

  send(dst: Mac, payload: Uint8Array): Promise<TxResult> {
    if (!this.current) return Promise.resolve('linkDown');
    if (payload.length > this.current.maxPayload) {
      this.emit(
        'problem',
        new ConfiguratorError(
          ErrorCode.TransportFrameTooLarge,
          `payload of ${payload.length} bytes exceeds ${this.current.maxPayload}`,
        ),
      );
      return Promise.resolve('refused');
    }
    return this.air.transmit(this.mac, dst.toLowerCase(), payload);
  }

  async setChannel(channel: number): Promise<boolean> {
    return channel === this.air.channel;
  }
}
