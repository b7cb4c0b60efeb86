/**
 * systemd readiness and watchdog notifications (sd_notify(3)) for `Type=notify` units.
 *
 * Node cannot send on a Unix datagram socket, and `systemd-notify` exits right after sending, so
 * systemd may fail to attribute its message to our unit (sd_notify(3): "may be attributed to units
 * correctly only if the sending process is still around"; systemd before 254 has no barrier). So
 * we keep ONE small relay alive for the daemon's lifetime: python3 (part of Raspberry Pi OS and
 * Debian's base install) reading lines on stdin and sending each as one datagram. The unit sets
 * NotifyAccess=all so the relay, a child in our cgroup, may speak for us.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

const RELAY = [
  'import os, socket, sys',
  'addr = os.environ["NOTIFY_SOCKET"]',
  'addr = "\\0" + addr[1:] if addr.startswith("@") else addr',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  'for line in sys.stdin:',
  '    s.sendto(line.rstrip("\\n").replace("\\\\n", "\\n").encode(), addr)',
].join('\n');

export class SystemdNotifier {
  private relay: ChildProcess | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Whether we run under systemd with a notification socket. */
  get enabled(): boolean {
    return (this.env['NOTIFY_SOCKET'] ?? '') !== '';
  }

  private send(message: string): void {
    if (!this.enabled) return;
    if (this.relay === undefined) {
      const relay = spawn('python3', ['-u', '-c', RELAY], {
        stdio: ['pipe', 'ignore', 'inherit'],
        env: { NOTIFY_SOCKET: this.env['NOTIFY_SOCKET'] ?? '', PATH: this.env['PATH'] ?? '' },
      });
      relay.on('error', (e) =>
        this.log.error({ err: e.message }, 'cannot run python3 for systemd notifications'),
      );
      relay.stdin?.on('error', () => {});
      this.relay = relay;
    }
    // Multi-line messages travel as one line with escaped newlines.
    this.relay.stdin?.write(`${message.replace(/\n/g, '\\n')}\n`);
  }

  /** READY=1, and start the watchdog pings if the unit asked for them (WatchdogSec=). */
  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
    const usec = Number(this.env['WATCHDOG_USEC'] ?? '0');
    const pid = this.env['WATCHDOG_PID'];
    if (usec > 0 && (pid === undefined || Number(pid) === process.pid)) {
      // Half the interval, as sd_watchdog_enabled(3) advises; the timer firing is our liveness proof.
      this.watchdog = setInterval(() => this.send('WATCHDOG=1'), Math.max(500, usec / 2000));
      this.watchdog.unref();
    }
  }

  /** RELOADING=1 now, READY=1 when done (the reload protocol of `systemctl reload`). */
  reloading(): void {
    this.send('RELOADING=1');
  }

  reloaded(status: string): void {
    this.send(`READY=1\nSTATUS=${status}`);
  }

  status(text: string): void {
    this.send(`STATUS=${text}`);
  }

  stopping(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.send('STOPPING=1');
  }

  close(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.relay?.stdin?.end();
    this.relay = undefined;
  }
}
