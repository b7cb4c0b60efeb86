import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../daemon/service/stores.js';
import { CLI_MAIN } from '../support/daemon-process.js';
import { writeRunningState } from '../support/daemon-state.js';

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
});
