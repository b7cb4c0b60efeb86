/**
 * Malformed frames on the air while a batch is provisioned: the corpus (every way a payload or
 * its message can be wrong) is sent from fresh MACs, to the configurator and as broadcasts, and
 * each legitimate device also gets a garbage message sent in its name in the middle of its own
 * session. The daemon keeps running, every legitimate device is configured, and every malformed
 * frame is accounted for in the counter or the refusal record its kind calls for, with a reason.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { decodeMessage } from '../../protocol/dpp/frames.js';
import { Reassembler } from '../../protocol/espnow/reassembler.js';
import { BROADCAST_MAC, randomMac } from '../../enrollee-sim/adversary/air.js';
import {
  fragmentsOf,
  malformedCorpus,
  undecodableMessage,
  type MalformedCase,
} from '../../enrollee-sim/adversary/malformed.js';
import type { SimDevice } from '../../enrollee-sim/site/sim-device.js';
import { batchDevice, forgedSender, settle } from '../support/adversary-air.js';
import { DAEMON_MAC, startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';

/** What the corpus says of a case, checked against the protocol code alone. */
function classify(c: MalformedCase): { outcome: string; malformed: number } {
  if (c.payloads.some((p) => p.length === 0 || p.length > 1470))
    return { outcome: 'radio', malformed: 0 };
  const r = new Reassembler();
  const messages = c.payloads
    .map((p) => r.push('02:00:00:00:00:01', p, 0))
    .filter((m): m is Uint8Array => m !== null);
  const malformed = r.counters.malformed;
  if (messages.length === 0)
    return { outcome: malformed > 0 ? 'fragment' : 'incomplete', malformed };
  const decoded = decodeMessage(messages[0]!);
  if (!decoded.ok) return { outcome: 'undecodable', malformed };
  const announcement = decoded.value.kind === 'dpp' && decoded.value.frameType === 13;
  return { outcome: announcement ? 'refused' : 'no-session', malformed };
}

describe('adversary: malformed frames', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  const devices: SimDevice[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) d.stop();
    await h?.close();
    h = undefined;
  });

  it('the corpus is wrong in the way each case says', () => {
    const corpus = malformedCorpus({ whitelistedKeyDer: newIdentity().key.der });
    assert.ok(corpus.length >= 35, `${corpus.length} cases`);
    for (const c of corpus) {
      const seen = classify(c);
      assert.equal(seen.outcome, c.outcome, c.name);
      assert.equal(seen.malformed, c.malformedFragments, c.name);
    }
    const outcomes = new Set(corpus.map((c) => c.outcome));
    assert.deepEqual([...outcomes].sort(), [
      'fragment',
      'incomplete',
      'no-session',
      'radio',
      'refused',
      'undecodable',
    ]);
  });

  it('provisions every device through the corpus and accounts for every malformed frame', async () => {
    h = await startHarness();
    const harness = h;
    const send = forgedSender(h.air);
    const ids = Array.from({ length: 12 }, () => newIdentity());
    for (const id of ids) h.stores.addKey(id.key);
    const corpus = malformedCorpus({ whitelistedKeyDer: ids[0]!.key.der });

    const link = (name: string): number => harness.daemon.linkCounters()?.[name] ?? 0;
    const engine = h.daemon.engine;
    const before = {
      malformedFragments: link('reassembledMalformed'),
      ...engine.counters,
    };

    // Each device, once its session has begun, has a garbage message sent in its name.
    let interfered = 0;
    const done = ids.map((identity, i) => {
      const { device, endpoint } = batchDevice(
        harness.air,
        `02:00:00:ba:d0:${(i + 1).toString(16).padStart(2, '0')}`,
        identity,
      );
      devices.push(device);
      const deliver = endpoint.onFrame;
      let sent = false;
      endpoint.onFrame = (f) => {
        deliver(f);
        if (sent || f.src !== DAEMON_MAC) return;
        sent = true;
        interfered++;
        for (const p of fragmentsOf(undecodableMessage())) send(endpoint.mac, DAEMON_MAC, p);
      };
      return device;
    });
    for (const d of done) d.start();

    // The corpus, interleaved with the batch: each case from a fresh MAC, 30 ms apart.
    const sources = new Map<string, MalformedCase>();
    const radioRefusals: unknown[] = [];
    for (const [i, c] of corpus.entries()) {
      const mac = randomMac();
      sources.set(mac, c);
      const dst = i % 2 === 0 ? DAEMON_MAC : BROADCAST_MAC;
      for (const p of c.payloads) {
        const r = await h.air.transmit(mac, dst, p);
        if (c.outcome === 'radio') radioRefusals.push(r);
      }
      await settle(30);
    }
    const reports = await Promise.all(devices.map((d) => d.done));
    await settle(50);

    assert.deepEqual(
      reports.map((r) => r.outcome.result),
      reports.map(() => 'configured'),
    );
    assert.ok(reports.every((r) => r.joined));
    assert.equal(interfered, ids.length);

    const count = (outcome: string): number => corpus.filter((c) => c.outcome === outcome).length;
    const refusals = (code: string): number =>
      corpus.filter((c) => c.outcome === 'refused' && c.refusal === code).length;
    assert.deepEqual(
      radioRefusals,
      radioRefusals.map(() => 'refused'),
      'the radio sends no empty or oversized payload',
    );
    assert.equal(
      link('reassembledMalformed') - before.malformedFragments,
      corpus.reduce((n, c) => n + c.malformedFragments, 0),
      'every malformed fragment is refused by the binding',
    );
    assert.equal(engine.counters.malformed - before.malformed, count('undecodable'));
    assert.ok(engine.counters.noSession - before.noSession >= count('no-session'));
    assert.ok(
      engine.counters.ignored - before.ignored >= ids.length,
      'the garbage sent in each device name was dropped by its session',
    );
    assert.equal(
      engine.refusalTotals.get('malformed'),
      count('undecodable') + refusals('malformed'),
    );
    assert.equal(engine.refusalTotals.get('key-mismatch'), refusals('key-mismatch'));
    assert.equal(engine.refusalTotals.get('unknown'), refusals('unknown'));
    const batch = new Set(ids.map((id) => toHex(id.hash)));
    assert.ok(
      harness.stores.auditRecords.every((r) => r.kind !== 'admitted' || batch.has(r.keyHash ?? '')),
      'nothing but the batch was admitted',
    );

    // Each refused message has its own record, with a reason fitting its defect.
    const records = h.stores.auditRecords.filter((r) => r.kind === 'refused');
    for (const [mac, c] of sources) {
      if (c.outcome !== 'undecodable' && c.outcome !== 'refused') continue;
      const record = records.find((r) => r.peer === mac);
      assert.ok(record !== undefined, `no refusal record for "${c.name}"`);
      const expected =
        c.outcome === 'undecodable' || c.refusal === 'malformed'
          ? /^E\d+ \w+: /
          : c.refusal === 'key-mismatch'
            ? /does not hash to the announced chirp hash/
            : /not on the whitelist/;
      assert.match(record.reason ?? '', expected, c.name);
    }
  });
});
