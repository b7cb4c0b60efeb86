import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  discoverBridgePort,
  findBridgeCandidates,
} from '../../daemon/transports/serial-discovery.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

/**
 * A fake /sys and /dev laid out as Linux does: /sys/class/tty/<tty> links into /sys/devices,
 * its `device` link points at the USB interface (cdc_acm) or at the usb-serial port below it
 * (cp210x, ch341, ftdi_sio), and idVendor/idProduct sit in the USB device one or two levels up.
 */
class FakeSystem {
  constructor(readonly root: string) {}

  get sysRoot(): string {
    return join(this.root, 'sys');
  }

  get devRoot(): string {
    return join(this.root, 'dev');
  }

  static async create(): Promise<FakeSystem> {
    const root = await mkdtemp(join(tmpdir(), 'serial-discovery-'));
    await mkdir(join(root, 'sys', 'class', 'tty'), { recursive: true });
    await mkdir(join(root, 'dev', 'serial', 'by-id'), { recursive: true });
    return new FakeSystem(root);
  }

  private async link(at: string, target: string): Promise<void> {
    await mkdir(dirname(at), { recursive: true });
    await symlink(relative(dirname(at), target), at);
  }

  /** A USB serial port; `usbSerial` puts the tty one level below the interface, as usb-serial drivers do. */
  async usbTty(
    tty: string,
    usbPort: string,
    vendor: string,
    product: string,
    usbSerial = false,
  ): Promise<void> {
    const usbDevice = join(this.sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', usbPort);
    await mkdir(usbDevice, { recursive: true });
    await writeFile(join(usbDevice, 'idVendor'), `${vendor}\n`);
    await writeFile(join(usbDevice, 'idProduct'), `${product}\n`);
    const iface = join(usbDevice, `${usbPort}:1.0`);
    const device = usbSerial ? join(iface, tty) : iface;
    const classDir = join(device, 'tty', tty);
    await mkdir(classDir, { recursive: true });
    await this.link(join(classDir, 'device'), device);
    await this.link(join(this.sysRoot, 'class', 'tty', tty), classDir);
  }

  /** A tty that is not on USB (a UART of the board). */
  async platformTty(tty: string): Promise<void> {
    const device = join(this.sysRoot, 'devices', 'platform', 'serial8250');
    const classDir = join(device, 'tty', tty);
    await mkdir(classDir, { recursive: true });
    await this.link(join(classDir, 'device'), device);
    await this.link(join(this.sysRoot, 'class', 'tty', tty), classDir);
  }

  async byId(name: string, tty: string): Promise<string> {
    const path = join(this.devRoot, 'serial', 'by-id', name);
    await this.link(path, join(this.devRoot, tty));
    return path;
  }

  remove(): Promise<void> {
    return rm(this.root, { recursive: true, force: true });
  }
}

describe('serial bridge discovery', () => {
  let fake: FakeSystem;

  beforeEach(async () => {
    fake = await FakeSystem.create();
    await fake.platformTty('ttyS0');
    await fake.usbTty('ttyACM1', '1-3', '2341', '0043'); // an Arduino: not a bridge
  });

  afterEach(() => fake.remove());

  it('one ESP32 among other ttys is chosen, by its stable by-id path', async () => {
    await fake.usbTty('ttyACM0', '1-1', '303a', '1001');
    const byId = await fake.byId(
      'usb-Espressif_USB_JTAG_serial_debug_unit_F4:12:FA:00:00:01-if00',
      'ttyACM0',
    );
    await fake.byId('usb-Arduino__www.arduino.cc__0043_1234-if00', 'ttyACM1');

    const found = await discoverBridgePort({ sysRoot: fake.sysRoot, devRoot: fake.devRoot });
    assert.ok(found.ok, found.ok ? '' : found.error.message);
    assert.equal(found.value.path, byId);
    assert.equal(found.value.tty, 'ttyACM0');
    assert.equal(found.value.usbId, '303a:1001');
    assert.match(found.value.reason, /Espressif/);
  });

  it('a usb-serial chip (CP210x, tty below the interface) without a by-id link gets /dev/<tty>', async () => {
    await fake.usbTty('ttyUSB0', '1-2', '10c4', 'ea60', true);
    const found = await discoverBridgePort({ sysRoot: fake.sysRoot, devRoot: fake.devRoot });
    assert.ok(found.ok, found.ok ? '' : found.error.message);
    assert.equal(found.value.path, join(fake.devRoot, 'ttyUSB0'));
    assert.match(found.value.reason, /10c4:ea60.*CP210x/);
  });

  it('leaves out the ports other bridges name (by path or by-id link): auto beside them finds the one left', async () => {
    await fake.usbTty('ttyACM0', '1-1', '303a', '1001');
    await fake.usbTty('ttyUSB0', '1-2', '1a86', '7523', true);
    await fake.usbTty('ttyUSB1', '1-4', '10c4', 'ea60', true);
    const named = await fake.byId('usb-1a86_USB_Serial-if00-port0', 'ttyUSB0');
    const found = await discoverBridgePort({
      sysRoot: fake.sysRoot,
      devRoot: fake.devRoot,
      exclude: [named, join(fake.devRoot, 'ttyUSB1')],
    });
    assert.ok(found.ok, found.ok ? '' : found.error.message);
    assert.equal(found.value.tty, 'ttyACM0');
    const all = await discoverBridgePort({ sysRoot: fake.sysRoot, devRoot: fake.devRoot });
    assert.ok(!all.ok, 'without the exclusions, three candidates');
  });

  it('two candidates are refused with an error naming both', async () => {
    await fake.usbTty('ttyACM0', '1-1', '303a', '4001');
    await fake.usbTty('ttyUSB0', '1-2', '1a86', '7523', true);
    const byId = await fake.byId('usb-1a86_USB_Serial-if00-port0', 'ttyUSB0');

    const found = await discoverBridgePort({ sysRoot: fake.sysRoot, devRoot: fake.devRoot });
    assert.ok(!found.ok);
    assert.equal(found.error.code, DaemonErrorCode.BridgeAmbiguousSerialPort);
    assert.ok(found.error.message.includes(join(fake.devRoot, 'ttyACM0')), found.error.message);
    assert.ok(found.error.message.includes(byId), found.error.message);
    assert.match(found.error.message, /CH340/);
    assert.match(found.error.message, /radio\.port/);
  });

  it('no candidate is an error that says what was looked for', async () => {
    const found = await discoverBridgePort({ sysRoot: fake.sysRoot, devRoot: fake.devRoot });
    assert.ok(!found.ok);
    assert.equal(found.error.code, DaemonErrorCode.BridgeNoSerialPort);
    for (const id of ['303a:*', '10c4:ea60', '1a86:7523', '1a86:55d4', '0403:6001', '0403:6015'])
      assert.ok(found.error.message.includes(id), `${id} missing from: ${found.error.message}`);
    assert.ok(found.error.message.includes(join(fake.devRoot, 'serial', 'by-id')));
  });

  it('an Espressif by-id link is a candidate even without sysfs', async () => {
    const byId = await fake.byId('usb-Espressif_Systems_Espressif_Device_123456-if00', 'ttyACM7');
    const candidates = await findBridgeCandidates({
      sysRoot: join(fake.root, 'no-sys'),
      devRoot: fake.devRoot,
    });
    assert.deepEqual(
      candidates.map((c) => [c.path, c.usbId]),
      [[byId, null]],
    );
  });

  it('a missing /sys and /dev give no candidate, not an exception', async () => {
    const candidates = await findBridgeCandidates({
      sysRoot: join(fake.root, 'none'),
      devRoot: join(fake.root, 'none'),
    });
    assert.deepEqual(candidates, []);
  });
});
