/**
 * The simulated ESP-NOW air (docs/simulated-radio.md): one UDP socket on 127.0.0.1 that forwards
 * frames between nodes by MAC and channel, with the radio's payload limits, air time, and the
 * faults a test or benchmark asks for. Every node — the host-built bridge, simulated enrollees —
 * talks only to the hub.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  BROADCAST_MAC,
  DatagramType,
  decodeDatagram,
  encodeDatagram,
  ESPNOW_V1_MAX_PAYLOAD,
  ESPNOW_V2_MAX_PAYLOAD,
  type RadioDatagram,
} from './datagram.js';

export interface RadioFaults {
  /** Probability that one transmission attempt is lost. */
  loss: number;
  /** Unicast attempts before the radio gives up (ESP-NOW retries at the MAC layer). */
  unicastAttempts: number;
  /** Probability that a delivered frame is delivered twice. */
  duplicate: number;
  /** Probability that a frame is held back behind later ones. */
  reorder: number;
  latencyMs: number;
  jitterMs: number;
  /** Model air time at 1 Mbit/s: frames on one channel queue behind each other. */
  airtime: boolean;
}

export const NO_FAULTS: RadioFaults = {
  loss: 0,
  unicastAttempts: 3,
  duplicate: 0,
  reorder: 0,
  latencyMs: 2,
  jitterMs: 0,
  airtime: true,
};

export interface RadioHubStats {
  frames: number;
  delivered: number;
  lost: number;
  duplicated: number;
  tooLarge: number;
  unknownDestination: number;
  malformed: number;
}

/** What a monitor on the air sees: every frame a node transmitted, whatever became of it. */
export interface MonitoredFrame {
  readonly src: string;
  readonly dst: string;
  readonly channel: number;
  readonly payload: Uint8Array;
  /** Receivers it reached (0 if lost, too large or unknown destination). */
  readonly delivered: number;
}

interface Node {
  readonly mac: string;
  address: string;
  port: number;
  channel: number;
  v2: boolean;
  /** JOIN flag bit 1 clear: the node hears broadcasts (simulated devices need only unicast). */
  hearsBroadcast: boolean;
}

/** 1 Mbit/s PHY: payload plus ~43 bytes of 802.11 framing and preamble, 8 µs per byte. */
function airtimeMs(payloadLen: number): number {
  return ((payloadLen + 43) * 8) / 1000;
}

export class RadioHub {
  readonly stats: RadioHubStats = {
    frames: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    tooLarge: 0,
    unknownDestination: 0,
    malformed: 0,
  };
  private readonly nodes = new Map<string, Node>();
  private readonly airFreeAt = new Map<number, number>();
  private faults: RadioFaults;
  private closed = false;
  /**
   * A monitor tap (in-process only, nothing on the wire): sees every frame transmitted on any
   * channel, as a passive listener on the air would, including frames the receiver lost.
   */
  onMonitor: ((frame: MonitoredFrame) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    faults: Partial<RadioFaults>,
    private readonly random: () => number,
  ) {
    this.faults = { ...NO_FAULTS, ...faults };
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
  }

  /** Start a hub on 127.0.0.1:`port` (0 picks a free port). */
  static start(
    opts: { port?: number; faults?: Partial<RadioFaults>; random?: () => number } = {},
  ): Promise<RadioHub> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new RadioHub(socket, opts.faults ?? {}, opts.random ?? Math.random));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  setFaults(faults: Partial<RadioFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /** MACs of the nodes that joined, with their channel. */
  members(): Array<{ mac: string; channel: number; v2: boolean }> {
    return [...this.nodes.values()].map((n) => ({ mac: n.mac, channel: n.channel, v2: n.v2 }));
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const d = decodeDatagram(msg);
    if (!d) {
      this.stats.malformed++;
      return;
    }
    switch (d.type) {
      case DatagramType.Join:
        this.nodes.set(d.src, {
          mac: d.src,
          address: rinfo.address,
          port: rinfo.port,
          channel: d.channel,
          v2: ((d.body[0] ?? 0) & 1) === 1,
          hearsBroadcast: ((d.body[0] ?? 0) & 2) === 0,
        });
        return;
      case DatagramType.Leave:
        this.nodes.delete(d.src);
        return;
      case DatagramType.Frame:
        this.onFrame(d);
        return;
      default:
        this.stats.malformed++;
    }
  }

  /**
   * Put a frame on the air from any MAC, in-process (nothing on the wire): what a station that
   * forges its source address sends, without joining first. It gets no TX_STATUS; the result says
   * whether a receiver got it (broadcasts: whether anyone did).
   */
  inject(src: string, dst: string, payload: Uint8Array, channel = 6): boolean {
    const mac = src.toLowerCase();
    const d: RadioDatagram = {
      type: DatagramType.Frame,
      src: mac,
      dst: dst.toLowerCase(),
      channel,
      rssi: 0,
      seq: 0,
      body: payload,
    };
    const sender: Node = { mac, address: '', port: 0, channel, v2: false, hearsBroadcast: false };
    return this.forward(d, sender).acked;
  }

  private onFrame(d: RadioDatagram): void {
    const sender = this.nodes.get(d.src);
    if (!sender) {
      this.stats.malformed++;
      return;
    }
    const { acked, airMs } = this.forward(d, sender);
    // Unicast: acked or not after the air time and the ACK's way back; broadcast: sent.
    const broadcast = d.dst === BROADCAST_MAC;
    const status = encodeDatagram({
      ...d,
      type: DatagramType.TxStatus,
      dst: d.src,
      rssi: 0,
      body: Uint8Array.of(broadcast || acked ? 0 : 1),
    });
    this.later(airMs + (broadcast ? 0 : this.faults.latencyMs), () =>
      this.socket.send(status, sender.port, sender.address),
    );
  }

  /**
   * Deliver a frame to its receivers. `acked`: a receiver got it; `airMs`: until it has left the
   * air (its own air time and the queue before it).
   */
  private forward(d: RadioDatagram, sender: Node): { acked: boolean; airMs: number } {
    this.stats.frames++;
    const now = performance.now();
    let sendAt = now;
    if (this.faults.airtime) {
      sendAt = Math.max(now, this.airFreeAt.get(sender.channel) ?? 0) + airtimeMs(d.body.length);
      this.airFreeAt.set(sender.channel, sendAt);
    }
    const broadcast = d.dst === BROADCAST_MAC;
    const targets = broadcast
      ? [...this.nodes.values()].filter(
          (n) => n.mac !== d.src && n.channel === sender.channel && n.hearsBroadcast,
        )
      : [this.nodes.get(d.dst)].filter(
          (n): n is Node => n !== undefined && n.channel === sender.channel,
        );
    if (!broadcast && targets.length === 0) this.stats.unknownDestination++;

    let acked = false;
    let reached = 0;
    for (const target of targets) {
      const limit = sender.v2 && target.v2 ? ESPNOW_V2_MAX_PAYLOAD : ESPNOW_V1_MAX_PAYLOAD;
      if (d.body.length > limit) {
        this.stats.tooLarge++;
        continue;
      }
      const attempts = broadcast ? 1 : Math.max(1, this.faults.unicastAttempts);
      let arrived = false;
      for (let i = 0; i < attempts && !arrived; i++) arrived = this.random() >= this.faults.loss;
      if (!arrived) {
        this.stats.lost++;
        continue;
      }
      acked = true;
      reached++;
      const delay = sendAt - now + this.delay();
      this.deliver(target, d, delay);
      if (this.random() < this.faults.duplicate) {
        this.stats.duplicated++;
        this.deliver(target, d, delay + this.delay());
      }
    }
    this.onMonitor?.({
      src: d.src,
      dst: d.dst,
      channel: sender.channel,
      payload: d.body,
      delivered: reached,
    });
    return { acked, airMs: sendAt - now };
  }

  private delay(): number {
    const jitter = this.faults.jitterMs > 0 ? this.random() * this.faults.jitterMs : 0;
    const reorder = this.random() < this.faults.reorder ? 2 * (this.faults.latencyMs + 1) : 0;
    return this.faults.latencyMs + jitter + reorder;
  }

  private deliver(target: Node, d: RadioDatagram, delayMs: number): void {
    // A simple path-loss stand-in: RSSI between −40 and −80 dBm, stable per pair.
    const rssi = -40 - ((parseInt(d.src.slice(-2), 16) + parseInt(target.mac.slice(-2), 16)) % 41);
    const datagram = encodeDatagram({ ...d, rssi });
    this.later(delayMs, () => {
      this.stats.delivered++;
      this.socket.send(datagram, target.port, target.address);
    });
  }

  private later(ms: number, fn: () => void): void {
    const run = () => {
      if (!this.closed) fn();
    };
    if (ms <= 0) queueMicrotask(run);
    else setTimeout(run, ms);
  }
}
