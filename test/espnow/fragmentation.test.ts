/**
 * The ESP-NOW binding's fragmentation and bounded reassembly (docs/espnow-binding.md): the shared
 * vector, exactly-once delivery under reordering and duplication, no corrupted delivery under
 * loss, the flood bounds, expiry, and one refusal per malformed case.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex, u16le } from '../../protocol/bytes.js';
import { ErrorCode, isConfiguratorError } from '../../protocol/errors.js';
import {
  ESPNOW_V1_PAYLOAD,
  ESPNOW_V2_PAYLOAD,
  fragmentDppMessage,
  MAX_DPP_MESSAGE_LEN,
  MAX_FRAGMENT_COUNT,
  parseFragment,
  senderAcceptsV2,
  type PayloadLimit,
} from '../../protocol/espnow/fragment.js';
import {
  COMPLETED_IDS_PER_SOURCE,
  MAX_PARTIALS,
  MAX_PARTIALS_PER_SOURCE,
  PARTIAL_EXPIRY_MS,
  Reassembler,
  type ReassemblerCounters,
} from '../../protocol/espnow/reassembler.js';
import { vectorPath } from '../vectors.js';

const vector = JSON.parse(readFileSync(vectorPath('espnow-fragments.json'), 'utf8')) as {
  message: string;
  messageId: number;
  payloadLimit: PayloadLimit;
  fragments: string[];
};

const A = '7c:df:a1:00:00:01';
const B = '7c:df:a1:00:00:02';

const ZERO: ReassemblerCounters = {
  received: 0,
  accepted: 0,
  malformed: 0,
  duplicate: 0,
  started: 0,
  completed: 0,
  evicted: 0,
  expired: 0,
};

/** A fragment payload written out field by field. */
function payload(
  id: number,
  index: number,
  count: number,
  dataLen: number,
  fill = 0xab,
): Uint8Array {
  return concatBytes(
    Uint8Array.of(0x10, 0x01),
    u16le(id),
    Uint8Array.of(index, count),
    new Uint8Array(dataLen).fill(fill),
  );
}

function message(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

function consistent(r: Reassembler): void {
  const c = r.counters;
  assert.equal(c.received, c.accepted + c.malformed + c.duplicate, 'received = accepted + refused');
  assert.equal(
    r.partialCount,
    c.started - c.completed - c.evicted - c.expired,
    'partials accounted',
  );
  assert.ok(r.partialCount <= MAX_PARTIALS);
}

/** Deterministic PRNG (xorshift32) for the flood. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

describe('ESP-NOW fragmentation', () => {
  describe('shared vector', () => {
    it('fragments the 600-byte message into exactly the vector payloads', () => {
      const payloads = fragmentDppMessage(
        fromHex(vector.message),
        vector.messageId,
        vector.payloadLimit,
      );
      assert.deepEqual(payloads.map(toHex), vector.fragments);
    });

    it('reassembles the vector payloads, in order and in reverse', () => {
      for (const order of [vector.fragments, [...vector.fragments].reverse()]) {
        const r = new Reassembler();
        const out = order.map((f, i) => r.push(A, fromHex(f), i));
        assert.deepEqual(out.slice(0, -1), [null, null]);
        assert.equal(toHex(out[2]!), vector.message);
        assert.deepEqual(r.counters, {
          ...ZERO,
          received: 3,
          accepted: 3,
          started: 1,
          completed: 1,
        });
      }
    });
  });

  describe('fragmenter', () => {
    it('uses ⌈n / 244⌉ or ⌈n / 1464⌉ fragments, all but the last full, 68 and 12 at most', () => {
      for (const [n, limit, count, last] of [
        [1, 250, 1, 7],
        [244, 250, 1, 250],
        [245, 250, 2, 7],
        [16384, 250, 68, 6 + 36],
        [1464, 1470, 1, 1470],
        [16384, 1470, 12, 6 + 280],
      ] as const) {
        const p = fragmentDppMessage(message(n), 7, limit);
        assert.equal(p.length, count, `${n} bytes at ${limit}`);
        assert.ok(p.slice(0, -1).every((x) => x.length === limit));
        assert.equal(p.at(-1)!.length, last);
      }
      assert.equal(MAX_FRAGMENT_COUNT, 68);
    });

    it('refuses an empty message, one over 16384 bytes, and ids or limits out of range', () => {
      const tooLarge = (e: unknown): boolean =>
        isConfiguratorError(e, ErrorCode.TransportFrameTooLarge);
      assert.throws(() => fragmentDppMessage(new Uint8Array(0), 0, 250), tooLarge);
      assert.throws(() => fragmentDppMessage(message(MAX_DPP_MESSAGE_LEN + 1), 0, 1470), tooLarge);
      assert.throws(() => fragmentDppMessage(message(10), 0x10000, 250), RangeError);
      assert.throws(() => fragmentDppMessage(message(10), -1, 250), RangeError);
      assert.throws(() => fragmentDppMessage(message(10), 0, 251 as PayloadLimit), RangeError);
    });
  });

  describe('reassembly properties', () => {
    const deliveryArb = fc.record({
      length: fc.integer({ min: 1, max: MAX_DPP_MESSAGE_LEN }),
      seed: fc.nat(255),
      limit: fc.constantFrom<PayloadLimit>(ESPNOW_V1_PAYLOAD, ESPNOW_V2_PAYLOAD),
      messageId: fc.integer({ min: 0, max: 0xffff }),
      order: fc.array(fc.nat(), { minLength: 100, maxLength: 100 }),
      dups: fc.array(fc.nat(), { maxLength: 20 }),
    });

    /** The fragments plus duplicates, in the order given by sort keys. */
    function shuffled(payloads: Uint8Array[], order: number[], dups: number[]): Uint8Array[] {
      const all = [...payloads, ...dups.map((d) => payloads[d % payloads.length]!)];
      return all
        .map((p, i) => ({ p, key: order[i % order.length]! * 1000 + i }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.p);
    }

    it('any permutation with duplicates delivers the message exactly once, intact', () => {
      fc.assert(
        fc.property(deliveryArb, ({ length, seed, limit, messageId, order, dups }) => {
          const m = message(length, seed);
          const payloads = fragmentDppMessage(m, messageId, limit);
          const r = new Reassembler();
          const delivered = shuffled(payloads, order, dups)
            .map((p, i) => r.push(A, p, i))
            .filter((x) => x !== null);
          assert.equal(delivered.length, 1);
          assert.deepEqual(delivered[0], m);
          assert.deepEqual(r.counters, {
            ...ZERO,
            received: payloads.length + dups.length,
            accepted: payloads.length,
            duplicate: dups.length,
            started: 1,
            completed: 1,
          });
          assert.equal(r.partialCount, 0);
        }),
        { numRuns: 150 },
      );
    });

    it('interleaved messages of several sources each arrive exactly once, intact', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              length: fc.integer({ min: 1, max: 4000 }),
              limit: fc.constantFrom<PayloadLimit>(ESPNOW_V1_PAYLOAD, ESPNOW_V2_PAYLOAD),
            }),
            { minLength: 1, maxLength: 12 },
          ),
          fc.array(fc.nat(), { minLength: 50, maxLength: 50 }),
          (specs, order) => {
            const sources = [A, B, '7c:df:a1:00:00:03'];
            const sent = specs.map((s, i) => ({
              src: sources[i % 3]!,
              m: message(s.length, i),
              payloads: fragmentDppMessage(message(s.length, i), i, s.limit),
            }));
            const deliveries = sent
              .flatMap((s) => s.payloads.map((p) => ({ src: s.src, p })))
              .map((d, i) => ({ d, key: order[i % order.length]! * 10000 + i }))
              .sort((a, b) => a.key - b.key)
              .map((x) => x.d);
            const r = new Reassembler();
            const got = deliveries.flatMap(({ src, p }, t) => {
              const out = r.push(src, p, t);
              return out ? [{ src, m: out }] : [];
            });
            // At most four messages per source are open at once (12 over 3 sources): no eviction.
            assert.equal(r.counters.evicted, 0);
            assert.equal(got.length, sent.length);
            for (const s of sent)
              assert.equal(got.filter((g) => g.src === s.src && bytesIs(g.m, s.m)).length, 1);
            consistent(r);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('with loss, a message is delivered only whole and intact, and only if nothing was lost', () => {
      fc.assert(
        fc.property(
          deliveryArb,
          fc.array(fc.boolean(), { minLength: 68, maxLength: 68 }),
          ({ length, seed, limit, messageId, order, dups }, kept) => {
            const m = message(length, seed);
            const payloads = fragmentDppMessage(m, messageId, limit);
            const survivors = payloads.filter((_, i) => kept[i]);
            const r = new Reassembler();
            const delivered = (survivors.length ? shuffled(survivors, order, dups) : [])
              .map((p, i) => r.push(A, p, i))
              .filter((x) => x !== null);
            if (survivors.length === payloads.length) assert.deepEqual(delivered, [m]);
            else assert.deepEqual(delivered, []);
            consistent(r);
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe('bounds', () => {
    it('a flood of 100000 random fragments from random MACs keeps ≤ 256 partial messages', () => {
      const rand = prng(0xdecafbad);
      const int = (n: number): number => Math.floor(rand() * n);
      const macs = Array.from({ length: 5000 }, () =>
        Array.from({ length: 6 }, () => int(256).toString(16).padStart(2, '0')).join(':'),
      );
      const r = new Reassembler();
      let delivered = 0;
      let now = 0;
      for (let i = 0; i < 100_000; i++) {
        now += int(60) / 1000; // ≈ 3 s in all: some partial messages expire
        const src = macs[int(macs.length)]!;
        const count = 1 + int(MAX_FRAGMENT_COUNT);
        const index = int(count);
        const kind = int(10);
        let p: Uint8Array;
        if (kind < 6)
          p = payload(int(0x10000), index, count, index < count - 1 ? 244 : 1 + int(244));
        else if (kind < 8) {
          const i2 = int(2);
          p = payload(int(8), i2, 2, i2 === 0 ? 1464 : 1 + int(1464));
        } else p = Uint8Array.from({ length: int(300) }, () => int(256));
        if (r.push(src, p, now) !== null) delivered++;
        assert.ok(r.partialCount <= MAX_PARTIALS);
      }
      consistent(r);
      r.expire(now + PARTIAL_EXPIRY_MS);
      assert.equal(r.partialCount, 0);
      consistent(r);
      const c = r.counters;
      assert.equal(c.received, 100_000);
      assert.equal(c.completed, delivered);
      assert.ok(
        c.evicted > 0 && c.expired > 0 && c.malformed > 0 && c.duplicate > 0,
        JSON.stringify(c),
      );
      assert.ok(r.bufferedBytes <= MAX_PARTIALS * MAX_DPP_MESSAGE_LEN);
    });

    it(`evicts a source's oldest partial message when it opens a ${MAX_PARTIALS_PER_SOURCE + 1}th`, () => {
      const r = new Reassembler();
      for (let id = 0; id <= MAX_PARTIALS_PER_SOURCE; id++)
        r.push(A, payload(id, 0, 2, 244, id), id);
      assert.equal(r.partialCount, MAX_PARTIALS_PER_SOURCE);
      assert.equal(r.counters.evicted, 1);
      r.push(B, payload(0, 0, 2, 244), 10); // another source is not affected
      assert.equal(r.counters.evicted, 1);
      assert.equal(r.push(A, payload(0, 1, 2, 5), 11), null, 'id 0 was evicted: starts anew');
      assert.equal(r.counters.evicted, 2, 'and evicts id 1, now the oldest of A');
      assert.deepEqual(r.push(A, payload(2, 1, 2, 5, 2), 12)!.length, 249);
      consistent(r);
    });

    it(`evicts the oldest partial message of all when the ${MAX_PARTIALS + 1}th opens`, () => {
      const r = new Reassembler();
      const mac = (i: number): string =>
        `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      for (let i = 0; i <= MAX_PARTIALS; i++) r.push(mac(i), payload(1, 0, 2, 244), i);
      assert.equal(r.partialCount, MAX_PARTIALS);
      assert.equal(r.counters.evicted, 1);
      assert.equal(r.push(mac(0), payload(1, 1, 2, 3), 300), null, 'the oldest is gone');
      assert.notEqual(r.push(mac(2), payload(1, 1, 2, 3), 301), null, 'a younger one is whole');
      consistent(r);
    });

    it(`drops a partial message ${PARTIAL_EXPIRY_MS} ms after its first fragment`, () => {
      const r = new Reassembler();
      assert.equal(r.nextExpiryMs(), undefined);
      r.push(A, payload(1, 0, 2, 244), 1000);
      r.push(A, payload(2, 0, 2, 244), 1500);
      assert.equal(r.nextExpiryMs(), 1000 + PARTIAL_EXPIRY_MS);
      assert.equal(r.expire(2999), 0);
      assert.notEqual(r.push(A, payload(1, 1, 2, 9), 2999), null, '1999 ms: still whole');
      assert.equal(r.expire(3500), 1, 'id 2 is 2000 ms old');
      assert.equal(r.partialCount, 0);
      r.push(A, payload(3, 0, 2, 244), 4000);
      assert.equal(
        r.push(A, payload(3, 1, 2, 9), 6000),
        null,
        'expired by push itself, then restarted',
      );
      assert.equal(r.counters.expired, 2);
      assert.equal(r.partialCount, 1);
      consistent(r);
    });
  });

  describe('the v2 flag (0x01 in the header byte)', () => {
    it('is set by fragmentDppMessage when asked, read back by parseFragment and senderAcceptsV2', () => {
      const [plain] = fragmentDppMessage(message(10), 7, 250);
      const [flagged] = fragmentDppMessage(message(10), 7, 250, true);
      assert.equal(plain![0], 0x10);
      assert.equal(flagged![0], 0x11);
      const a = parseFragment(plain!);
      const b = parseFragment(flagged!);
      assert.ok(a.ok && b.ok);
      assert.equal(a.value.acceptsV2, false);
      assert.equal(b.value.acceptsV2, true);
      assert.deepEqual(b.value.data, a.value.data);
      assert.equal(senderAcceptsV2(plain!), false);
      assert.equal(senderAcceptsV2(flagged!), true);
      assert.equal(senderAcceptsV2(fragmentDppMessage(message(1000), 7, 1470)[0]!), true);
      assert.equal(senderAcceptsV2(Uint8Array.of(0x21, 1, 0, 0, 0, 1, 9)), false);
    });
  });

  describe('malformed fragments', () => {
    const cases: Array<[string, Uint8Array[], PayloadLimit?]> = [
      ['only a header', [payload(1, 0, 1, 0)]],
      ['5 bytes', [Uint8Array.of(0x10, 0x01, 0, 0, 0)]],
      ['binding version 2', [concatBytes(Uint8Array.of(0x20), payload(1, 0, 1, 3).subarray(1))]],
      ['a reserved flag set', [concatBytes(Uint8Array.of(0x12), payload(1, 0, 1, 3).subarray(1))]],
      [
        'reserved flags beside v2',
        [concatBytes(Uint8Array.of(0x19), payload(1, 0, 1, 3).subarray(1))],
      ],
      ['kind 2', [concatBytes(Uint8Array.of(0x10, 0x02), payload(1, 0, 1, 3).subarray(2))]],
      ['fragmentCount 0', [payload(1, 0, 0, 3)]],
      ['index = count', [payload(1, 2, 2, 3)]],
      ['count 69 (> 16384 bytes)', [payload(1, 0, 69, 244)]],
      ['count 13 with full 1464-byte fragments', [payload(1, 0, 13, 1464)]],
      ['a non-final fragment that is not full', [payload(1, 0, 2, 243)]],
      ['a non-final fragment between the full sizes', [payload(1, 0, 2, 1000)]],
      ['a payload over 1470 bytes', [payload(1, 0, 1, 1465)]],
      ['a 1470-byte payload on a v1 link', [payload(1, 0, 1, 1464)], ESPNOW_V1_PAYLOAD],
      ['a count that disagrees', [payload(1, 0, 3, 244), payload(1, 1, 2, 10)]],
      ['a full size that disagrees', [payload(1, 0, 3, 244), payload(1, 1, 3, 1464)]],
      [
        'a final fragment larger than the full ones',
        [payload(1, 0, 2, 244), payload(1, 1, 2, 245)],
      ],
      [
        'a full fragment smaller than the final one',
        [payload(1, 1, 2, 245), payload(1, 0, 2, 244)],
      ],
      ['68 fragments totalling 16385 bytes', [payload(1, 0, 68, 244), payload(1, 67, 68, 37)]],
      ['a final fragment that makes 68 fragments too long', [payload(1, 67, 68, 37)]],
    ];
    for (const [name, payloads, limit] of cases) {
      it(`${name} is refused and counted once`, () => {
        const r = new Reassembler(limit ? { maxPayload: limit } : {});
        const out = payloads.map((p, t) => r.push(A, p, t));
        assert.deepEqual(
          out,
          payloads.map(() => null),
        );
        assert.equal(r.counters.malformed, 1, JSON.stringify(r.counters));
        assert.equal(r.counters.duplicate, 0);
        consistent(r);
      });
    }

    it('a refused fragment leaves its message open', () => {
      const r = new Reassembler();
      r.push(A, payload(1, 0, 2, 244), 0);
      r.push(A, payload(1, 1, 3, 5), 1);
      assert.notEqual(r.push(A, payload(1, 1, 2, 5), 2), null);
    });

    it('parseFragment names the refusal EspNowBadFragment', () => {
      const res = parseFragment(payload(1, 0, 0, 3));
      assert.ok(!res.ok && res.error.code === ErrorCode.EspNowBadFragment);
    });
  });

  describe('duplicates', () => {
    it('a fragment received twice is ignored, the first copy kept', () => {
      const r = new Reassembler();
      r.push(A, payload(1, 0, 2, 244, 0x11), 0);
      r.push(A, payload(1, 0, 2, 244, 0x22), 1);
      const m = r.push(A, payload(1, 1, 2, 1, 0x33), 2)!;
      assert.equal(m[0], 0x11);
      assert.equal(r.counters.duplicate, 1);
    });

    it(`a late repeat of one of the last ${COMPLETED_IDS_PER_SOURCE} messages of a source is ignored`, () => {
      const r = new Reassembler();
      const first = fragmentDppMessage(message(300), 5, 250);
      for (const p of first) r.push(A, p, 0);
      assert.equal(r.counters.completed, 1);
      assert.equal(r.push(A, first[1]!, 1), null);
      assert.equal(r.push(A, first[0]!, 1), null);
      assert.equal(r.counters.duplicate, 2);
      assert.equal(r.partialCount, 0, 'no partial message opened by the repeat');
      assert.equal(r.push(B, first[0]!, 1), null);
      assert.notEqual(r.push(B, first[1]!, 1), null, 'ids are per source');
      for (let id = 100; id < 100 + COMPLETED_IDS_PER_SOURCE - 1; id++)
        r.push(A, payload(id, 0, 1, 1), 2);
      assert.equal(r.push(A, payload(5, 0, 1, 1), 3), null, 'still among the last 32');
      r.push(A, payload(200, 0, 1, 1), 4);
      assert.notEqual(r.push(A, payload(5, 0, 1, 1), 5), null, 'forgotten after 32 more');
      consistent(r);
    });
  });
});

function bytesIs(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
