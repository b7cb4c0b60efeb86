/** A node on the simulated radio: what a simulated enrollee (or a test) uses to send and receive ESP-NOW frames. */
import { createSocket, type Socket } from 'node:dgram';
import { BROADCAST_MAC, DatagramType, decodeDatagram, encodeDatagram } from './datagram.js';

export interface ReceivedFrame {
  readonly src: string;
  readonly rssi: number;
  readonly broadcast: boolean;
  readonly payload: Uint8Array;
}

export type TxStatus = 'acked' | 'notAcked' | 'timeout';

export class RadioNode {
  private seq = 0;
  private readonly pending = new Map<number, (s: TxStatus) => void>();
  onFrame: (frame: ReceivedFrame) => void = () => {};

  private constructor(
    private readonly socket: Socket,
    readonly mac: string,
    private channel: number,
    private readonly hubPort: number,
    private readonly v2: boolean,
    private readonly hearBroadcasts: boolean,
  ) {
    socket.on('message', (msg) => {
      const d = decodeDatagram(msg);
      if (!d) return;
      if (d.type === DatagramType.Frame) {
        this.onFrame({
          src: d.src,
          rssi: d.rssi,
          broadcast: d.dst === BROADCAST_MAC,
          payload: d.body,
        });
      } else if (d.type === DatagramType.TxStatus) {
        const done = this.pending.get(d.seq);
        this.pending.delete(d.seq);
        done?.(d.body[0] === 0 ? 'acked' : 'notAcked');
      }
    });
  }

  /** JOIN again every 2 s, as the bridge does: a JOIN lost in a burst must not leave a node deaf. */
  private rejoin: NodeJS.Timeout | undefined;

  static join(opts: {
    mac: string;
    channel: number;
    hubPort: number;
    v2?: boolean;
    /** false: the hub delivers no broadcasts to this node (saves work with thousands of nodes). */
    hearBroadcasts?: boolean;
  }): Promise<RadioNode> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        const node = new RadioNode(
          socket,
          opts.mac.toLowerCase(),
          opts.channel,
          opts.hubPort,
          opts.v2 ?? false,
          opts.hearBroadcasts ?? true,
        );
        node.sendJoin();
        node.rejoin = setInterval(() => node.sendJoin(), 2000);
        node.rejoin.unref();
        resolve(node);
      });
    });
  }

  /** The channel the radio is tuned to. */
  get currentChannel(): number {
    return this.channel;
  }

  setChannel(channel: number): void {
    this.channel = channel;
    this.sendJoin();
  }

  /** Send one ESP-NOW payload; resolves with the radio's status (ACK for unicast, sent for broadcast). */
  send(dst: string, payload: Uint8Array, timeoutMs = 1000): Promise<TxStatus> {
    const seq = (this.seq = (this.seq + 1) & 0xffff);
    const datagram = encodeDatagram({
      type: DatagramType.Frame,
      src: this.mac,
      dst: dst.toLowerCase(),
      channel: this.channel,
      rssi: 0,
      seq,
      body: payload,
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(seq, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.socket.send(datagram, this.hubPort, '127.0.0.1');
    });
  }

  close(): Promise<void> {
    if (this.rejoin !== undefined) clearInterval(this.rejoin);
    const leave = encodeDatagram({
      type: DatagramType.Leave,
      src: this.mac,
      dst: this.mac,
      channel: this.channel,
      rssi: 0,
      seq: 0,
      body: new Uint8Array(0),
    });
    return new Promise((resolve) => {
      this.socket.send(leave, this.hubPort, '127.0.0.1', () => this.socket.close(() => resolve()));
    });
  }

  private sendJoin(): void {
    const join = encodeDatagram({
      type: DatagramType.Join,
      src: this.mac,
      dst: this.mac,
      channel: this.channel,
      rssi: 0,
      seq: 0,
      body: Uint8Array.of((this.v2 ? 1 : 0) | (this.hearBroadcasts ? 0 : 2)),
    });
    this.socket.send(join, this.hubPort, '127.0.0.1');
  }
}
