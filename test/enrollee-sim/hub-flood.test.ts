/**
 * The radio hub as a process with an announcement flood (`hub-main --flood`, what the benchmark's
 * `--flood` runs): announcements from ever new MACs reach a node that hears broadcasts, and
 * SIGUSR1 stops the flood and reports what it sent.
 */
import assert from 'node:assert/strict';
import { decodeMessage } from '../../protocol/dpp/frames.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import { RadioNode } from '../../enrollee-sim/radio/node.js';
import { startHubProcess, type SiteProcess } from '../../enrollee-sim/site/processes.js';
import { waitFor } from '../support/adversary-air.js';

describe('the radio hub process with --flood', function () {
  this.timeout(120_000);
  let hub: (SiteProcess & { port: number }) | undefined;
  let node: RadioNode | undefined;
  after(async () => {
    await node?.close();
    await hub?.kill();
  });

  it('puts announcements from fresh MACs on the air until SIGUSR1, then says how many', async () => {
    hub = await startHubProcess({ airtime: false, floodPerSecond: 200 });
    node = await RadioNode.join({ mac: '02:00:00:00:f1:01', channel: 6, hubPort: hub.port });
    const sources = new Set<string>();
    let announcements = 0;
    const reassembler = new Reassembler();
    node.onFrame = (f) => {
      const bytes = reassembler.push(f.src, f.payload, performance.now());
      const m = bytes === null ? undefined : decodeMessage(bytes);
      if (f.broadcast && m?.ok === true && m.value.kind === 'dpp') announcements++;
      sources.add(f.src);
    };
    await waitFor(() => announcements >= 20, 60_000, '20 announcements');
    assert.equal(sources.size, announcements, 'each from a MAC of its own');

    const h = hub;
    h.child.kill('SIGUSR1');
    await waitFor(() => h.lines.some((l) => l.startsWith('FLOOD ')), 60_000, 'the FLOOD line');
    const report = JSON.parse(h.lines.find((l) => l.startsWith('FLOOD '))!.slice(6)) as {
      sent: number;
    };
    assert.ok(report.sent >= announcements, `${report.sent} sent, ${announcements} heard`);
  });
});
