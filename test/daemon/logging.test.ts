import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, REDACTED_FIELDS, BatchedWriter } from '../../daemon/logging.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('daemon logger', () => {
  for (const format of ['json', 'pretty'] as const) {
    it(`redacts secret fields at the top level and one level down (${format})`, async () => {
      const out = capture();
      const log = createLogger({ level: 'info', format, destination: out.stream });
      const secret = (name: string) => `s3cret-${name}-value`;
      const fields = Object.fromEntries(REDACTED_FIELDS.map((f) => [f, secret(f)]));
      log.info({ ...fields, keyHash: 'ab12', nested: { ...fields } }, 'delivered');
      log.flush();
      await new Promise((r) => setImmediate(r));
      const text = out.text();
      assert.match(text, /delivered/);
      assert.match(text, /ab12/, 'what is not secret is still there');
      assert.match(text, /\[redacted\]/);
      for (const f of REDACTED_FIELDS) assert.ok(!text.includes(secret(f)), `${f} leaked: ${text}`);
    });
  }

  describe('stdout: one write for the lines logged together', () => {
    const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
    const errno = (code: string): Error => Object.assign(new Error(code), { code });

    /** A descriptor that takes at most `take` bytes a write, or throws what `fail` says. */
    function sink(take = Infinity) {
      const writes: string[] = [];
      const fd = {
        fail: undefined as string | undefined,
        writes,
        write: (_fd: number, data: Uint8Array): number => {
          if (fd.fail !== undefined) throw errno(fd.fail);
          const n = Math.min(take, data.length);
          writes.push(Buffer.from(data.subarray(0, n)).toString());
          return n;
        },
      };
      return fd;
    }

    it('writes the lines logged together in one write, once the code that logged them ends', async () => {
      const fd = sink();
      const out = new BatchedWriter(1, fd.write);
      out.write('a\n');
      out.write('b\n');
      assert.deepEqual(fd.writes, [], 'nothing while that code runs');
      await Promise.resolve();
      assert.deepEqual(fd.writes, ['a\nb\n'], 'written before an await resumes');
      out.write('c\n');
      await turn();
      assert.deepEqual(fd.writes, ['a\nb\n', 'c\n']);
    });

    it('writes the rest of a write that was cut short', async () => {
      const fd = sink(3);
      const out = new BatchedWriter(1, fd.write);
      out.write('hello\n');
      await turn();
      assert.equal(fd.writes.join(''), 'hello\n');
    });

    it('keeps what a full pipe refused, and writes it before newer lines', async () => {
      const fd = sink();
      const out = new BatchedWriter(1, fd.write, 5);
      fd.fail = 'EAGAIN';
      out.write('first\n');
      await turn();
      out.write('second\n');
      fd.fail = undefined;
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(fd.writes, ['first\nsecond\n']);
    });

    it('drops the lines when stdout is gone, without throwing', async () => {
      const fd = sink();
      const out = new BatchedWriter(1, fd.write);
      fd.fail = 'EPIPE';
      out.write('lost\n');
      await turn();
      fd.fail = undefined;
      out.write('also lost\n');
      await turn();
      out.flushSync();
      assert.deepEqual(fd.writes, []);
    });

    it('flushSync writes what is buffered at once (at exit)', () => {
      const fd = sink();
      const out = new BatchedWriter(1, fd.write);
      out.write('last words\n');
      out.flushSync();
      assert.deepEqual(fd.writes, ['last words\n']);
    });
  });
});
