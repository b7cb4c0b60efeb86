import assert from 'node:assert/strict';
import fc from 'fast-check';
import { frameForTcp, TcpFrameReader } from '../../protocol/dpp/tcp-framing.js';
import { MAX_MESSAGE_LEN } from '../../protocol/dpp/frames.js';
import { ErrorCode, isConfiguratorError } from '../../protocol/errors.js';
import { concatBytes } from '../../protocol/bytes.js';

describe('DPP over TCP framing', () => {
  it('prefixes the 4-byte big-endian length', () => {
    assert.deepEqual(frameForTcp(Uint8Array.of(9, 8, 7)), Uint8Array.of(0, 0, 0, 3, 9, 8, 7));
  });

  it('reassembles messages split at any byte boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const stream = concatBytes(...messages.map(frameForTcp));
          const reader = new TcpFrameReader();
          const out: Uint8Array[] = [];
          let pos = 0;
          let i = 0;
          while (pos < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            out.push(...reader.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          assert.deepEqual(out, messages);
          assert.equal(reader.pending, 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses an oversized length prefix before buffering the body, and stays broken', () => {
    const reader = new TcpFrameReader();
    const prefix = Uint8Array.of(0x7f, 0xff, 0xff, 0xff);
    assert.throws(
      () => reader.push(prefix),
      (e: unknown) => isConfiguratorError(e, ErrorCode.DecodeOversized),
    );
    assert.equal(reader.pending, 0);
    assert.throws(
      () => reader.push(Uint8Array.of(0, 0, 0, 1, 9)),
      (e: unknown) => isConfiguratorError(e, ErrorCode.DecodeOversized),
    );
  });

  it('refuses a zero length prefix', () => {
    assert.throws(
      () => new TcpFrameReader().push(Uint8Array.of(0, 0, 0, 0)),
      (e: unknown) => isConfiguratorError(e, ErrorCode.DecodeOversized),
    );
  });

  it('refuses to frame an empty or oversized message', () => {
    assert.throws(
      () => frameForTcp(new Uint8Array(0)),
      (e: unknown) => isConfiguratorError(e, ErrorCode.TransportFrameTooLarge),
    );
    assert.throws(
      () => frameForTcp(new Uint8Array(MAX_MESSAGE_LEN + 1)),
      (e: unknown) => isConfiguratorError(e, ErrorCode.TransportFrameTooLarge),
    );
  });
});
