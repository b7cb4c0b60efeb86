import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../daemon/service/stores.js';
import { CLI_MAIN } from '../support/daemon-process.js';
import { writeRunningState } from '../support/daemon-state.js';
import type { DaemonState } from '../../daemon/service/state-file.js';

describe('configurator status', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dpp-status-'));
    openStores(dataDir).close();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const status = (link: Record<string, number>, console?: { url: string }): string => {
    writeRunningState(dataDir, {
      ...(console === undefined ? {} : { console }),
      radio: { port: '/dev/ttyACM0', up: true, mac: '02:00:00:00:00:01', channel: 1 },
      waitingSessions: 0,
      link,
    });
    const r = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'status'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  it('says when the bridge dropped received frames or refused serial frames', () => {
    const out = status({
      bridgeRxDropped: 1234,
      bridgeRxQueueHighWater: 16,
      bridgeSerialErrors: 2,
    });
    assert.match(out, /^radio: up, 02:00:00:00:00:01 on channel 1/m);
    assert.match(
      out,
      /^bridge: 1234 received frame\(s\) dropped \(its receive queue was full\), 2 serial frame\(s\) from the daemon refused/m,
    );
  });

  it('says how many of the dropped frames were broadcast and unicast, when the bridge counts them', () => {
    const out = status({
      bridgeRxDropped: 1204,
      bridgeRxDroppedBroadcast: 1200,
      bridgeRxDroppedUnicast: 4,
      bridgeSerialErrors: 0,
    });
    assert.match(
      out,
      /^bridge: 1204 received frame\(s\) dropped \(its receive queue was full: 1200 broadcast, 4 unicast\), 0 serial frame\(s\) from the daemon refused/m,
    );
  });

  it('says nothing about the bridge while it dropped nothing', () => {
    const out = status({ bridgeRxDropped: 0, bridgeSerialErrors: 0 });
    assert.doesNotMatch(out, /^bridge:/m);
  });

  it('says where the console of the running daemon listens', () => {
    assert.match(
      status({}, { url: 'https://127.0.0.1:8909/' }),
      /^console: https:\/\/127\.0\.0\.1:8909\/$/m,
    );
    assert.doesNotMatch(status({}), /^console:/m);
  });

  const statusText = (radio: DaemonState['radio']): string => {
    writeRunningState(dataDir, { radio, link: null });
    const r = spawnSync(process.execPath, [CLI_MAIN, '--data-dir', dataDir, 'status'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  it('lists each of several bridges: up on its channel, or down with why and its retries; its channel warning under it', () => {
    const warning =
      'bridge yard is on channel 1 (radio.bridges.1.channel), profile plant\'s "Plant-IoT" on channel 6, 11: devices that join it move there, where this bridge does not hear their Connection Status Result';
    const out = statusText({
      port: '/dev/ttyACM0, /dev/ttyACM1',
      up: true,
      mac: '02:00:00:00:b0:01',
      channel: 11,
      bridges: [
        {
          name: 'hall',
          port: '/dev/ttyACM0',
          profile: 'plant',
          configuredChannel: 'auto',
          plannedChannel: 11,
          channelSource: 'access point',
          up: true,
          mac: '02:00:00:00:b0:01',
          channel: 11,
          firmware: 'dpp-bridge 1.2.0',
        },
        {
          name: 'yard',
          port: '/dev/ttyACM1',
          profile: 'plant',
          configuredChannel: 1,
          plannedChannel: 1,
          channelSource: 'fixed',
          channelWarning: warning,
          up: false,
          downReason: 'serial port lost: unplugged',
          lastAttemptAt: '2026-12-01T10:00:00.000Z',
          nextAttemptAt: '2026-12-01T10:00:02.000Z',
        },
      ],
    });
    assert.match(out, /^radio: 2 bridges, 1 up$/m);
    assert.match(
      out,
      /^ {2}bridge hall: up, 02:00:00:00:b0:01 on channel 11 \(auto\) \(dpp-bridge 1\.2\.0\) via \/dev\/ttyACM0$/m,
    );
    assert.match(
      out,
      /^ {2}bridge yard: DOWN \(serial port lost: unplugged; last tried 2026-12-01 10:00:00Z; next try 2026-12-01 10:00:02Z\) via \/dev\/ttyACM1, channel 1$/m,
    );
    assert.ok(out.includes(`\n    warning: ${warning}\n`), out);
  });

  it('puts a single bridge’s channel warning on a line of its own under the radio', () => {
    const out = statusText({
      port: 'auto',
      up: true,
      mac: '02:00:00:00:b0:01',
      channel: 6,
      bridges: [
        {
          name: 'auto',
          port: 'auto',
          path: '/dev/serial/by-id/usb-Espressif-if00',
          profile: 'plant',
          configuredChannel: 'auto',
          plannedChannel: 6,
          channelSource: 'fallback',
          channelWarning: 'bridge (port auto): radio.channel auto, but …',
          up: true,
          mac: '02:00:00:00:b0:01',
          channel: 6,
          firmware: 'dpp-bridge 1.2.0',
        },
      ],
    });
    assert.match(
      out,
      /^radio: up, 02:00:00:00:b0:01 on channel 6 \(auto, fallback\) \(dpp-bridge 1\.2\.0\) via auto \(\/dev\/serial\/by-id\/usb-Espressif-if00\)$/m,
    );
    assert.match(out, /^radio: warning: bridge \(port auto\): radio\.channel auto, but …$/m);
  });
});
