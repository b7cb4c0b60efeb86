/**
 * `configurator watch` with several bridges (daemon/cli/support/watch-view.ts, piped form): a
 * bridge going down is a line naming it, and the summary says how many bridges are up while some
 * are down.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LineView } from '../../daemon/cli/support/watch-view.js';

function lineView(): { view: LineView; lines: () => string[] } {
  let text = '';
  const sink = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      text += chunk.toString();
      done();
    },
  });
  return { view: new LineView(false, sink, sink), lines: () => text.split('\n').filter(Boolean) };
}

const bridge = (name: string, up: boolean) => ({ name, up });

describe('configurator watch with several bridges', () => {
  it('names the bridge of a link event, and says how many bridges are up while some are down', () => {
    const { view, lines } = lineView();
    view.event('link', {
      bridge: 'yard',
      up: false,
      reason: 'serial port lost: unplugged',
      radioUp: true,
      at: '2026-12-01T10:00:00.000Z',
    });
    const status = (bridges: { name: string; up: boolean }[]) => ({
      devices: {},
      whitelist: { entries: 0 },
      sessions: { active: 0, waiting: 0 },
      radio: { port: '/dev/ttyACM0, /dev/ttyACM1', up: bridges.some((b) => b.up), bridges },
    });
    view.event('status', status([bridge('hall', true), bridge('yard', false)]));
    view.event('status', status([bridge('hall', true), bridge('yard', true)]));
    const [link, some, all] = lines();
    assert.equal(
      link,
      '2026-12-01T10:00:00.000Z radio bridge yard DOWN: serial port lost: unplugged',
    );
    assert.match(some ?? '', / radio up \(1 of 2 bridges\)$/);
    assert.match(all ?? '', / radio up$/);
  });
});
