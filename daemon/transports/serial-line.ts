/**
 * One open serial port to the bridge, as bytes in and out: the only file that touches the
 * `serialport` package, loaded on first use so a daemon without a bridge never loads the native
 * binding. Opening must not reset the ESP32 (see openSerialLine).
 */
import { readSync, writeSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { PortReader, type PortReaderIo } from './port-reader.js';
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
  /** Bytes read; valid only during the call (the line reads into the same buffer again). */
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

/** The part of serialport's Unix port binding the reader needs: its descriptor and poller. */
interface UnixPortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  readonly poller: { once(event: 'readable', callback: (e: Error | null) => void): unknown };
}

function isUnixPortBinding(binding: unknown): binding is UnixPortBinding {
  return typeof binding === 'object' && binding !== null && 'poller' in binding && 'fd' in binding;
}

/** The reader's I/O on serialport's binding: read(2) on its descriptor, its poller. */
function bindingIo(binding: UnixPortBinding): PortReaderIo {
  return {
    read: (buffer) => {
      if (binding.fd === null) throw Object.assign(new Error('port not open'), { code: 'EBADF' });
      return readSync(binding.fd, buffer, 0, buffer.length, null);
    },
    // Closed meanwhile: its poller is destroyed, and polling a destroyed one crashes.
    whenReadable: (callback) => {
      if (binding.isOpen && binding.fd !== null) binding.poller.once('readable', callback);
    },
    isOpen: () => binding.isOpen && binding.fd !== null,
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

    const binding = port.port;
    if (!isUnixPortBinding(binding)) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
      throw new Error(`${path}: not a Unix serial port binding (no descriptor and poller)`);
    }

    let ended = false;
    const end = (reason: string): void => {
      if (ended) return;
      ended = true;
      reader.stop();
      handlers.closed(reason);
    };
    // Read by read(2) from the event loop, not through the stream (port-reader.ts).
    const reader = new PortReader(bindingIo(binding), {
      data: (bytes) => {
        if (!ended) handlers.data(bytes);
      },
      ended: (reason) => {
        end(reason);
        if (port.isOpen) port.close(() => {});
      },
    });
    port.on('error', (e: Error) => {
      end(`serial port error: ${e.message}`);
      if (port.isOpen) port.close(() => {});
    });
    port.on('close', (e: (Error & { disconnected?: boolean }) | null) =>
      end(e?.disconnected ? 'serial port disconnected' : 'serial port closed'),
    );

    const writer = new TurnWriter({
      writeNow: (bytes) => {
        if (binding.fd === null)
          throw Object.assign(new Error('port not open'), { code: 'EAGAIN' });
        return writeSync(binding.fd, bytes);
      },
      writeLater: (bytes, done) => port.write(bytes, done),
      failed: end,
      defer: (flush) => setImmediate(flush),
    });
    reader.start();
    return {
      path,
      write(bytes: Uint8Array): void {
        if (!ended) writer.write(bytes);
      },
      close(): Promise<void> {
        ended = true;
        reader.stop();
        writer.stop();
        if (!port.isOpen) return Promise.resolve();
        return new Promise((resolve) => port.close(() => resolve()));
      },
    };
  };
