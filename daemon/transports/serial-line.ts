/**
 * One open serial port to the bridge, as bytes in and out: the only file that touches the
 * `serialport` package, loaded on first use so a daemon without a bridge never loads the native
 * binding. Opening must not reset the ESP32 (see openSerialLine).
 */
import { readSync, writeSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { TurnWriter } from './turn-writer.js';

/** The part of a pino logger the bridge transport uses. */
export interface BridgeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface SerialLine {
  readonly path: string;
  write(bytes: Uint8Array): void;
  /** Close the port; resolves when closed (or when closing failed: the port is gone either way). */
  close(): Promise<void>;
}

export interface SerialLineHandlers {
  data(bytes: Uint8Array): void;
  /** The port closed by itself (unplugged, the other end died, an I/O error); called at most once. */
  closed(reason: string): void;
}

/** Opens `path` at `baudRate`; rejects with the system's reason when it cannot. */
export type OpenSerialLine = (
  path: string,
  baudRate: number,
  handlers: SerialLineHandlers,
) => Promise<SerialLine>;

function errorCode(e: unknown): unknown {
  return e instanceof Error && 'code' in e ? e.code : undefined;
}

/**
 * The part of serialport's Unix port binding a read needs. Its own read retries a read of 0
 * bytes at once, but a tty that was hung up (USB unplugged, the pty's other end gone) reads 0
 * bytes forever: it would spin a thread-pool thread until a write failed. Here 0 bytes is the
 * end of the port, and the stream turns the error into a 'close' with `disconnected`.
 *
 * The read itself is a plain read(2) on the non-blocking descriptor from the event loop, when the
 * poller says it is readable or READ_COALESCE_MS after a read that emptied the port: serialport's
 * goes through the thread pool, a round trip that cost more than everything else per frame at a
 * few thousand frames a second (docs/benchmarks.md).
 */
interface UnixPortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  readonly poller: { once(event: 'readable', callback: (e: Error | null) => void): unknown };
  read(
    buffer: Buffer,
    offset: number,
    length: number,
  ): Promise<{ buffer: Buffer; bytesRead: number }>;
}

/**
 * After a read that emptied the port, the next read waits this long instead of arming the
 * poller: whatever the bridge sends meanwhile (up to ~370 bytes at 921600 baud, well inside the
 * tty's 4 KiB buffer) comes in one read and one wakeup instead of one per frame. A batch of
 * devices keeps the line busy, and a wakeup per frame cost more than the frame's own decoding
 * (docs/benchmarks.md: −0.4 ms of daemon CPU per device). Idle, the timed read finds nothing and
 * the poller is armed as before, so a quiet line costs nothing; the price is at most this much
 * latency per burst.
 */
export const READ_COALESCE_MS = 4;

function readUntilHangup(binding: UnixPortBinding): UnixPortBinding['read'] {
  const readable = (): Promise<void> =>
    new Promise<void>((resolve, reject) =>
      binding.poller.once('readable', (err) => (err ? reject(err) : resolve())),
    );
  const pause = (): Promise<void> =>
    new Promise<void>((resolve) => setTimeout(resolve, READ_COALESCE_MS));
  // A read that did not fill the buffer emptied the port: let more arrive before reading again
  // rather than reading at once for an EAGAIN (a thrown error, the dearest part of a read).
  let drained = false;
  return async (buffer, offset, length) => {
    if (drained && binding.isOpen && binding.fd !== null) await pause();
    for (;;) {
      if (!binding.isOpen || binding.fd === null)
        throw Object.assign(new Error('Port is not open'), { canceled: true });
      try {
        const bytesRead = readSync(binding.fd, buffer, offset, length, null);
        drained = bytesRead < length;
        if (bytesRead > 0) return { buffer, bytesRead };
        throw Object.assign(new Error('the port hung up'), { disconnect: true });
      } catch (e) {
        const code = errorCode(e);
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw e;
        // Closed meanwhile: its poller is destroyed, and polling a destroyed one crashes.
        if (!binding.isOpen || binding.fd === null)
          throw Object.assign(new Error('Port is not open'), { canceled: true });
        await readable();
      }
    }
  };
}

/**
 * The serialport-backed line. Two things keep the ESP32 from resetting:
 *
 * - `hupcl: false`: without it, closing the port drops DTR and RTS, and the boards below see
 *   that as a reset request when the daemon restarts.
 * - DTR and RTS are deasserted right after opening. ESP32 DevKits with a CP210x or CH340 bridge
 *   chip wire the two lines through the auto-reset circuit esptool uses (RTS pulls EN, the chip
 *   reset; DTR pulls IO0, the boot mode strap); the ESP32-C3/S3 USB Serial/JTAG peripheral
 *   reads the same two lines and resets the chip on esptool's DTR/RTS sequence. Linux asserts
 *   both on open; holding both deasserted from then on is the state in which none of them reset
 *   (a pty or a TinyUSB CDC port refuses the request, which is harmless).
 *
 * `lock: true` takes an exclusive lock, so a second daemon cannot share the bridge. The baud rate
 * matters only on a UART bridge; USB-CDC ignores it.
 */
export const openSerialportLine =
  (logger?: BridgeLogger): OpenSerialLine =>
  async (path, baudRate, handlers) => {
    const { SerialPort: Port } = await import('serialport');
    const port: SerialPort = new Port({
      path,
      baudRate,
      hupcl: false,
      lock: true,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((e) => (e ? reject(new Error(e.message)) : resolve())),
    );
    await new Promise<void>((resolve) =>
      port.set({ dtr: false, rts: false }, (e) => {
        if (e) logger?.debug({ path, reason: e.message }, 'serial port: DTR/RTS not settable');
        resolve();
      }),
    );

    // Before the first 'data' listener: the stream's first read already goes through it.
    const binding = port.port;
    if (binding !== undefined && 'poller' in binding && 'fd' in binding)
      binding.read = readUntilHangup(binding);

    let ended = false;
    const end = (reason: string): void => {
      if (ended) return;
      ended = true;
      handlers.closed(reason);
    };
    port.on('data', (chunk: Buffer) =>
      handlers.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    );
    port.on('error', (e: Error) => {
      end(`serial port error: ${e.message}`);
      if (port.isOpen) port.close(() => {});
    });
    port.on('close', (e: (Error & { disconnected?: boolean }) | null) =>
      end(e?.disconnected ? 'serial port disconnected' : 'serial port closed'),
    );

    const writer = new TurnWriter({
      writeNow: (bytes) => {
        const fd =
          binding !== undefined && 'fd' in binding && typeof binding.fd === 'number'
            ? binding.fd
            : null;
        if (fd === null) throw Object.assign(new Error('port not open'), { code: 'EAGAIN' });
        return writeSync(fd, bytes);
      },
      writeLater: (bytes, done) => port.write(bytes, done),
      failed: end,
      defer: (flush) => setImmediate(flush),
    });
    return {
      path,
      write(bytes: Uint8Array): void {
        if (!ended) writer.write(bytes);
      },
      close(): Promise<void> {
        ended = true;
        writer.stop();
        if (!port.isOpen) return Promise.resolve();
        return new Promise((resolve) => port.close(() => resolve()));
      },
    };
  };
