import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WaitingLine } from '../../daemon/engine/waiting-line.js';

const ids = <T>(line: WaitingLine<T>, now: number): string[] =>
  [...line.eligible(now)].map(([id]) => id);

describe('WaitingLine', () => {
  it('walks eligible devices first heard first; hearing one again keeps its place', () => {
    const line = new WaitingLine<string>(1000, 10, 100);
    line.heard('a', 'a1', 0);
    line.heard('b', 'b1', 10);
    line.heard('c', 'c1', 20);
    line.heard('a', 'a2', 30);
    assert.deepEqual(ids(line, 40), ['a', 'b', 'c']);
    const [first] = [...line.eligible(40)];
    assert.deepEqual(
      first,
      ['a', 'a1', 30, 0],
      'the value it joined with, heard at the newest time, its place',
    );
  });

  it('stillHeard refreshes a device in the line without a new value, and is false for others', () => {
    const line = new WaitingLine<string>(1000, 10, 100);
    line.heard('a', 'a1', 0);
    line.heard('b', 'b1', 10);
    assert.equal(line.stillHeard('a', 1500), true);
    assert.equal(line.stillHeard('c', 1500), false);
    assert.equal(line.has('c'), false);
    assert.deepEqual([...line.eligible(1600)], [['a', 'a1', 1500, 0]], 'b went quiet, a did not');
  });

  it('a device set aside is not eligible until heard again, then back in its place', () => {
    const line = new WaitingLine<string>(1000, 10, 100);
    for (const [i, id] of ['a', 'b', 'c'].entries()) line.heard(id, `${id}1`, i);
    const taken = [...line.eligible(5)].find(([id]) => id === 'b')!;
    line.delete('b');
    line.setAside('b', taken[1], taken[3], 5);
    assert.deepEqual(ids(line, 6), ['a', 'c']);
    assert.equal(line.size, 3);
    assert.equal(line.stillHeard('b', 7, 'b2'), true);
    assert.deepEqual(ids(line, 8), ['a', 'b', 'c']);
    const values = [...line.eligible(8)].map(([, value]) => value);
    assert.deepEqual(
      values,
      ['a1', 'b2', 'c1'],
      'the set-aside device is answered where it was heard again (its first place may be a copy from another address)',
    );
    line.stillHeard('a', 9, 'a2');
    assert.equal([...line.eligible(9)][0]![1], 'a1', 'a device not set aside keeps its value');
  });

  it('a device not heard for maxAge is skipped, and returns to its old place when heard', () => {
    const line = new WaitingLine<string>(1000, 10, 100);
    line.heard('a', 'a', 0);
    line.heard('b', 'b', 500);
    line.heard('c', 'c', 900);
    assert.deepEqual(ids(line, 1200), ['b', 'c'], 'a went quiet');
    assert.equal(line.size, 3, 'still in the line');
    assert.equal(line.has('a'), true);
    line.heard('a', 'a-again', 1300);
    assert.deepEqual(ids(line, 1400), ['a', 'b', 'c'], 'back in front of those heard after it');
    line.heard('d', 'd', 1400);
    assert.deepEqual(ids(line, 1450), ['a', 'b', 'c', 'd']);
  });

  it('forgets a quiet device after forgetAfter periods', () => {
    const line = new WaitingLine<string>(1000, 3, 100);
    line.heard('a', 'a', 0);
    line.heard('b', 'b', 0);
    assert.deepEqual(ids(line, 1500), []);
    assert.equal(line.size, 2);
    line.heard('b', 'b', 2000);
    assert.deepEqual(ids(line, 3500), [], 'b quiet again');
    assert.equal(line.size, 1, 'a, unheard for 3.5 periods, is gone');
    assert.equal(line.has('a'), false);
    line.heard('a', 'a', 3600);
    assert.deepEqual(ids(line, 3700), ['a'], 'a comes back as a new device, at the end');
  });

  it('refuses a new device when full, but not one already in the line', () => {
    const line = new WaitingLine<string>(1000, 10, 2);
    assert.equal(line.heard('a', 'a', 0), true);
    assert.equal(line.heard('b', 'b', 0), true);
    assert.equal(line.heard('c', 'c', 0), false);
    assert.equal(line.heard('a', 'a', 5), true);
    assert.deepEqual(ids(line, 1500), [], 'both dormant');
    assert.equal(line.heard('c', 'c', 1500), false, 'dormant devices still take their places');
    assert.equal(line.heard('b', 'b', 1500), true);
  });

  it('lets the caller delete while it walks, and admits behind thousands of quiet devices', () => {
    const line = new WaitingLine<string>(1000, 10, 20_000);
    for (let i = 0; i < 10_000; i++) line.heard(`gone${i}`, 'x', 0);
    line.heard('here1', 'x', 1500);
    line.heard('here2', 'x', 1500);
    const admitted: string[] = [];
    for (const [id] of line.eligible(2000)) {
      line.delete(id);
      admitted.push(id);
    }
    assert.deepEqual(admitted, ['here1', 'here2']);
    assert.equal(line.size, 10_000);
    line.heard('gone5', 'back', 2100);
    assert.deepEqual(ids(line, 2200), ['gone5']);
  });

  it('clear empties both the eligible and the quiet part', () => {
    const line = new WaitingLine<string>(1000, 10, 100);
    line.heard('a', 'a', 0);
    line.heard('b', 'b', 1500);
    assert.deepEqual(ids(line, 1600), ['b']);
    line.clear();
    assert.equal(line.size, 0);
    assert.equal(line.has('a'), false);
  });
  it('any mix of hearing, leaving and walking gives the order of a plain first-heard list', () => {
    // The model: each device keeps the order it was first heard in until it leaves the line; a
    // walk yields those heard within maxAge, in that order. (Forgetting is kept out of reach.)
    const MAX_AGE = 1000;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('heard' as const), id: fc.nat(7), dt: fc.nat(700) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.nat(7), dt: fc.constant(0) }),
      fc.record({ kind: fc.constant('walk' as const), id: fc.constant(0), dt: fc.nat(1500) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const line = new WaitingLine<number>(MAX_AGE, 1_000_000, 100);
        const model = new Map<string, { order: number; heardAt: number }>();
        let now = 0;
        let order = 0;
        for (const o of ops) {
          now += o.dt;
          const id = `d${o.id}`;
          if (o.kind === 'heard') {
            line.heard(id, now, now);
            const known = model.get(id);
            if (known !== undefined) known.heardAt = now;
            else model.set(id, { order: order++, heardAt: now });
          } else if (o.kind === 'delete') {
            line.delete(id);
            model.delete(id);
          } else {
            const expected = [...model]
              .filter(([, m]) => now - m.heardAt <= MAX_AGE)
              .sort((a, b) => a[1].order - b[1].order)
              .map(([k]) => k);
            assert.deepEqual(ids(line, now), expected);
          }
        }
      }),
    );
  });
});
