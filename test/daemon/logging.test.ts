import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, REDACTED_FIELDS } from '../../daemon/logging.js';

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
});
