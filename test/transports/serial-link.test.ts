import assert from 'node:assert/strict';
import { ErrorCode, errorCodeName } from '../../protocol/errors.js';
import { BridgeFrameReader } from '../../protocol/bridge/frame-reader.js';
import { encodeFrame, frameBytes } from '../../protocol/bridge/frame.js';
import {
  STATS_COUNTER_NAMES,
  STATS_V1_COUNTER_NAMES,
  type BridgeMessage,
  type BridgeStats,
  type Hello,
} from '../../protocol/bridge/messages.js';
import {
  BridgeLink,
  DEFAULT_LINK_TIMINGS,
  type LinkEffect,
  type LinkInput,
} from '../../protocol/bridge/bridge-link.js';

const BRIDGE_MAC = '02:00:00:00:b0:01';
const PEER = '7c:df:a1:00:00:01';

const HELLO: Hello = {
  type: 'HELLO',
  version: 1,
  minVersion: 1,
  mac: BRIDGE_MAC,
  channel: 6,
  maxPayload: 250,
  capabilities: 4,
  txQueue: 4,
  firmware: 'dpp-bridge-host 0.1.0',
};

function wire(...messages: BridgeMessage[]): Uint8Array {
  const parts = messages.map((m) => {
    const f = encodeFrame(m);
    assert.ok(f.ok);
    return f.value;
  });
  return Buffer.concat(parts);
}

/**
 * Drives a BridgeLink the way the serial shell does, with a clock the test moves, and plays the
 * bridge: it decodes what the link writes and answers with bridge→host messages.
 */
class Harness {
  readonly link: BridgeLink;
  now = 0;
  readonly effects: LinkEffect[] = [];
  /** Host→bridge messages the link wrote, in order. */
  readonly sent: BridgeMessage[] = [];
  private readonly bridgeSide = new BridgeFrameReader({ accept: 'toBridge' });
  private nextId = 0;

  constructor(txQueue = HELLO.txQueue, timings = {}) {
    this.link = new BridgeLink(timings);
    this.hello = { ...HELLO, txQueue };
  }

  hello: Hello;
  lastTxId: number | undefined;

  step(input: LinkInput): LinkEffect[] {
    const out = this.link.step(input);
    for (const e of out) {
      this.effects.push(e);
      if (e.type !== 'write') continue;
      for (const m of this.bridgeSide.push(e.bytes)) {
        this.sent.push(m);
        if (m.type === 'TX') this.lastTxId = m.txId;
      }
    }
    return out;
  }

  bytes(data: Uint8Array): LinkEffect[] {
    return this.step({ type: 'bytes', data, now: this.now });
  }

  reply(...messages: BridgeMessage[]): LinkEffect[] {
    return this.bytes(wire(...messages));
  }

  advance(ms: number): LinkEffect[] {
    this.now += ms;
    return this.step({ type: 'tick', now: this.now });
  }

  send(dst = PEER, payload: Uint8Array = Uint8Array.of(1, 2, 3)): number {
    const id = this.nextId++;
    this.step({ type: 'send', id, dst, payload, now: this.now });
    return id;
  }

  lastSent<T extends BridgeMessage['type']>(type: T): Extract<BridgeMessage, { type: T }> {
    const found = [...this.sent].reverse().find((m) => m.type === type);
    assert.ok(found, `no ${type} written`);
    return found as Extract<BridgeMessage, { type: T }>;
  }

  /** Open and negotiate, answering like the host bridge does (boot HELLO first). */
  bringUp(): void {
    this.step({ type: 'opened', now: this.now });
    this.answerNegotiation(true);
    assert.equal(this.link.phase, 'up');
  }

  answerNegotiation(bootHelloFirst = false): LinkEffect[] {
    const ping = this.lastSent('PING');
    const messages: BridgeMessage[] = bootHelloFirst ? [this.hello, this.hello] : [this.hello];
    return this.reply(...messages, { type: 'PONG', nonce: ping.nonce, uptimeMs: 1000 + this.now });
  }

  of<T extends LinkEffect['type']>(type: T): Array<Extract<LinkEffect, { type: T }>> {
    return this.effects.filter((e): e is Extract<LinkEffect, { type: T }> => e.type === type);
  }

  results(): Map<number, string> {
    return new Map(this.of('txDone').map((e) => [e.id, e.result]));
  }

  txIds(): number[] {
    return this.sent.flatMap((m) => (m.type === 'TX' ? [m.txId] : []));
  }
}

function zeroStats(): BridgeStats {
  return Object.fromEntries(STATS_COUNTER_NAMES.map((n) => [n, 0])) as BridgeStats;
}

describe('bridge link state machine', () => {
  it('opens with 0x00, HOST_HELLO 1..2 and a PING, and comes up on HELLO then that PONG', () => {
    const h = new Harness();
    const [write] = h.step({ type: 'opened', now: 0 });
    assert.equal(write?.type, 'write');
    assert.equal(write.type === 'write' && write.bytes[0], 0x00);
    assert.deepEqual(h.sent.slice(0, 1), [{ type: 'HOST_HELLO', maxVersion: 2, minVersion: 1 }]);
    assert.equal(h.sent[1]?.type, 'PING');
    assert.equal(h.link.info, null);

    h.reply(HELLO);
    assert.equal(h.of('up').length, 0, 'up waits for the PONG that follows the answer');
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 5 });
    assert.deepEqual(
      h.of('up').map((e) => e.info),
      [{ mac: BRIDGE_MAC, channel: 6, maxPayload: 250, firmware: 'dpp-bridge-host 0.1.0' }],
    );
    assert.deepEqual(h.link.info, h.of('up')[0]!.info);
  });

  it('takes a boot HELLO and the answer HELLO as one negotiation (no down, one up)', () => {
    const h = new Harness();
    h.bringUp();
    assert.equal(h.of('up').length, 1);
    assert.equal(h.of('down').length, 0);
  });

  it('negotiates again when the PONG comes back without a HELLO before it', () => {
    const h = new Harness();
    h.step({ type: 'opened', now: 0 });
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 5 });
    assert.equal(h.sent.filter((m) => m.type === 'HOST_HELLO').length, 2);
    h.answerNegotiation();
    assert.equal(h.of('up').length, 1);
  });

  it('closes the port when no HELLO arrives in time', () => {
    const h = new Harness();
    h.step({ type: 'opened', now: 0 });
    h.advance(DEFAULT_LINK_TIMINGS.helloTimeoutMs - 1);
    assert.equal(h.of('close').length, 0);
    h.advance(1);
    assert.match(h.of('close')[0]?.reason ?? '', /no HELLO/);
    assert.equal(h.of('up').length, 0);
    assert.equal(h.link.phase, 'closed');
  });

  it('ERROR 3 (no common version) is a specific problem, no up, and a slow retry', () => {
    const h = new Harness();
    h.step({ type: 'opened', now: 0 });
    h.reply(
      { type: 'ERROR', code: 3, detail: 'unsupported version' },
      { type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 5 },
    );
    assert.deepEqual(
      h.of('problem').map((e) => e.error.code),
      [ErrorCode.BridgeVersionUnsupported],
    );
    assert.equal(h.of('up').length, 0);
    const close = h.of('close')[0];
    assert.equal(close?.retryAfterMs, DEFAULT_LINK_TIMINGS.incompatibleRetryMs);
  });

  it('ignores a boot HELLO of a version it does not speak and takes the answer after it', () => {
    const h = new Harness();
    h.step({ type: 'opened', now: 0 });
    h.reply({ ...HELLO, version: 3, txQueue: 9 }, HELLO, {
      type: 'PONG',
      nonce: h.lastSent('PING').nonce,
      uptimeMs: 5,
    });
    assert.equal(h.of('up').length, 1);
    assert.equal(h.link.stats.credits, HELLO.txQueue);
  });

  it('comes up at version 2 with a version-2 bridge: its boot HELLO, then its answer', () => {
    const h = new Harness();
    h.step({ type: 'opened', now: 0 });
    h.reply(
      { ...HELLO, version: 2, txQueue: 9 },
      { ...HELLO, version: 2, txQueue: 7 },
      {
        type: 'PONG',
        nonce: h.lastSent('PING').nonce,
        uptimeMs: 5,
      },
    );
    assert.equal(h.of('up').length, 1);
    assert.equal(h.link.bridgeHello?.version, 2);
    assert.equal(h.link.stats.credits, 7, 'the answer, not the boot HELLO');
  });

  it('comes up at version 1 with a version-1 bridge', () => {
    const h = new Harness();
    h.bringUp();
    assert.equal(h.link.bridgeHello?.version, 1);
  });

  it('an unsolicited HELLO while up fails every outstanding and queued TX, goes down and renegotiates', () => {
    const h = new Harness(2);
    h.bringUp();
    const ids = [h.send(), h.send(), h.send()];
    assert.equal(h.link.outstandingCount, 2);
    const hostHellos = h.sent.filter((m) => m.type === 'HOST_HELLO').length;

    h.reply(HELLO);
    assert.deepEqual(
      ids.map((id) => h.results().get(id)),
      ['linkDown', 'linkDown', 'linkDown'],
    );
    assert.match(h.of('down')[0]?.reason ?? '', /reset/);
    assert.equal(h.sent.filter((m) => m.type === 'HOST_HELLO').length, hostHellos + 1);
    assert.equal(h.link.info, null);
    assert.equal(h.link.stats.host.resets, 1);

    // A TX_STATUS from before the reset, while negotiating: its sender was already failed.
    h.reply({ type: 'TX_STATUS', txId: 0, status: 0 });
    h.answerNegotiation();
    assert.equal(h.of('up').length, 2);
    const again = h.send();
    h.reply({ type: 'TX_STATUS', txId: h.lastSent('TX').txId, status: 0 });
    assert.equal(h.results().get(again), 'acked');
    assert.equal(h.of('problem').length, 0);
  });

  it('a send while down resolves linkDown at once', () => {
    const h = new Harness();
    const id = h.send();
    assert.equal(h.results().get(id), 'linkDown');
    assert.equal(h.txIds().length, 0);
  });

  it('pings every interval, and three PINGs without PONG mean the link is dead', () => {
    const h = new Harness();
    h.bringUp();
    const interval = DEFAULT_LINK_TIMINGS.pingIntervalMs;
    const pings = (): number => h.sent.filter((m) => m.type === 'PING').length;
    const before = pings();
    h.advance(interval);
    assert.equal(pings(), before + 1);
    // Answered: the count starts over.
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 9000 });
    h.advance(interval); // ping 1 of 3
    h.advance(interval); // missed 1
    h.advance(interval); // missed 2
    assert.equal(h.of('close').length, 0);
    const id = h.send();
    h.advance(interval); // missed 3
    assert.deepEqual(
      h.of('close').map((e) => e.reason),
      ['heartbeat lost'],
    );
    assert.deepEqual(
      h.of('down').map((e) => e.reason),
      ['heartbeat lost'],
    );
    assert.equal(h.results().get(id), 'linkDown');
  });

  it('a PONG whose uptime went backwards is a bridge reset', () => {
    const h = new Harness();
    h.bringUp();
    h.advance(DEFAULT_LINK_TIMINGS.pingIntervalMs);
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 50_000 });
    assert.equal(h.of('down').length, 0);
    h.advance(DEFAULT_LINK_TIMINGS.pingIntervalMs);
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 30 });
    assert.match(h.of('down')[0]?.reason ?? '', /uptime went back/);
    assert.equal(h.link.phase, 'negotiating');
  });

  it('an uptime that wraps past 2^32 ms is not a reset', () => {
    const h = new Harness();
    h.bringUp();
    h.advance(DEFAULT_LINK_TIMINGS.pingIntervalMs);
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 0xffff_ff00 });
    h.advance(DEFAULT_LINK_TIMINGS.pingIntervalMs);
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 1800 });
    assert.equal(h.of('down').length, 0);
  });

  it('spends at most txQueue credits and sends queued TX as TX_STATUS returns them', () => {
    const h = new Harness(3);
    h.bringUp();
    const ids = Array.from({ length: 8 }, () => h.send());
    assert.equal(h.txIds().length, 3);
    assert.equal(h.link.stats.queued, 5);
    let answered = 0;
    while (h.txIds().length > answered) {
      h.reply({ type: 'TX_STATUS', txId: h.txIds()[answered]!, status: 0 });
      answered++;
      assert.ok(h.link.outstandingCount <= 3);
    }
    assert.equal(answered, 8);
    assert.deepEqual(
      ids.map((id) => h.results().get(id)),
      Array(8).fill('acked'),
    );
    assert.equal(h.link.stats.host.maxOutstanding, 3);
  });

  it('refuses with a problem when the host queue is full', () => {
    const h = new Harness(1, { maxQueued: 2 });
    h.bringUp();
    const ids = [h.send(), h.send(), h.send(), h.send()];
    assert.deepEqual(
      ids.map((id) => h.results().get(id)),
      [undefined, undefined, undefined, 'refused'],
    );
    assert.deepEqual(
      h.of('problem').map((e) => e.error.code),
      [ErrorCode.BridgeQueueFull],
    );
  });

  it('maps TX_STATUS: 0 acked, 1 and 5 notAcked, 2/3/4 refused with a problem naming the status', () => {
    const h = new Harness(6);
    h.bringUp();
    const ids = Array.from({ length: 6 }, () => h.send());
    const txIds = h.txIds();
    h.reply(...txIds.map((txId, status) => ({ type: 'TX_STATUS' as const, txId, status })));
    assert.deepEqual(
      ids.map((id) => h.results().get(id)),
      ['acked', 'notAcked', 'refused', 'refused', 'refused', 'notAcked'],
    );
    const refusals = h.of('problem').filter((e) => e.error.code === ErrorCode.BridgeTxRefused);
    assert.deepEqual(
      refusals.map((e) => /(NoCredit|TooLarge|Malformed)/.exec(e.error.message)?.[1]),
      ['NoCredit', 'TooLarge', 'Malformed'],
    );
  });

  it('a TX_STATUS for an unknown txId is a problem, and the link stays up', () => {
    const h = new Harness();
    h.bringUp();
    h.reply({ type: 'TX_STATUS', txId: 4242, status: 0 });
    assert.deepEqual(
      h.of('problem').map((e) => e.error.code),
      [ErrorCode.BridgeUnknownTxId],
    );
    assert.equal(h.link.phase, 'up');
  });

  it('a TX without TX_STATUS resolves notAcked at its deadline and frees its credit', () => {
    const h = new Harness(1);
    h.bringUp();
    const first = h.send();
    const second = h.send();
    assert.equal(h.txIds().length, 1);
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 1 }); // keep heartbeat quiet
    h.now += DEFAULT_LINK_TIMINGS.txDeadlineMs - 1;
    h.step({ type: 'tick', now: h.now });
    assert.equal(h.results().get(first), undefined);
    h.advance(1);
    assert.equal(h.results().get(first), 'notAcked');
    assert.equal(h.txIds().length, 2, 'the queued TX went out on the freed credit');
    assert.equal(h.results().get(second), undefined);
    assert.equal(h.link.stats.host.txDeadline, 1);
  });

  it('txId wraps at 2^16 and never reuses one still outstanding', () => {
    const h = new Harness(2);
    h.bringUp();
    const stuck = h.send(); // txId 0, never answered
    assert.equal(h.txIds()[0], 0);
    for (let i = 1; i <= 0xffff; i++) {
      h.send();
      assert.equal(h.lastTxId, i);
      h.reply({ type: 'TX_STATUS', txId: i, status: 0 });
    }
    h.send();
    assert.equal(h.lastTxId, 1, 'after 65535 comes 0, which is taken, so 1');
    assert.equal(h.results().get(stuck), undefined);
  });

  it('garbage and bad CRC frames on the line are problems with their codes; the link stays up', () => {
    const h = new Harness();
    h.bringUp();
    const pong = (): BridgeMessage => ({
      type: 'PONG',
      nonce: h.lastSent('PING').nonce,
      uptimeMs: 1,
    });
    const good = wire({
      type: 'RX',
      src: PEER,
      rssi: -60,
      channel: 6,
      flags: 0,
      payload: Uint8Array.of(9),
    });
    const badCrc = Uint8Array.from(good);
    badCrc[3] = badCrc[3]! ^ 0x01;
    const echo = wire({ type: 'PING', nonce: 1 });
    const unknownType = frameBytes(Uint8Array.of(0x7e, 1, 2));
    const malformed = frameBytes(Uint8Array.of(0x04, 1)); // TX_STATUS, too short
    let seed = 7;
    const noise = Uint8Array.from({ length: 300 }, () => (seed = (seed * 75 + 74) % 65537) & 0xff);
    h.bytes(Buffer.concat([noise, Uint8Array.of(0), badCrc, echo, unknownType, malformed]));
    h.bytes(new Uint8Array(3000).fill(0x41));
    h.bytes(Uint8Array.of(0));
    const codes = new Set(h.of('problem').map((e) => e.error.code));
    for (const code of [
      ErrorCode.BridgeBadCrc,
      ErrorCode.BridgeUnknownType,
      ErrorCode.BridgeTruncated,
      ErrorCode.BridgeOversize,
    ])
      assert.ok(codes.has(code), `no problem with ${errorCodeName(code)}`);
    const counters = h.link.stats.host;
    assert.ok(counters.serialBadCrc >= 1);
    assert.equal(counters.serialOversize, 1);
    assert.ok(counters.serialUnknownType >= 2);
    assert.equal(counters.serialMalformed, 1);
    assert.equal(
      h.of('problem').length,
      counters.serialBadCrc +
        counters.serialBadFraming +
        counters.serialOversize +
        counters.serialUnknownType +
        counters.serialMalformed,
      'one problem per counted frame',
    );

    h.bytes(Buffer.concat([good, wire(pong())]));
    assert.equal(h.link.phase, 'up');
    assert.deepEqual(
      h
        .of('frame')
        .map((e) => [e.frame.src, e.frame.rssi, e.frame.broadcast, [...e.frame.payload]]),
      [[PEER, -60, false, [9]]],
    );
  });

  it('sets the channel and reports it in info; a refusal answers false', () => {
    const h = new Harness();
    h.bringUp();
    h.step({ type: 'setChannel', id: 100, channel: 11, now: h.now });
    assert.deepEqual(h.lastSent('SET_CHANNEL'), { type: 'SET_CHANNEL', channel: 11 });
    h.reply({ type: 'CHANNEL', channel: 11, status: 0 });
    assert.equal(h.link.info?.channel, 11);
    h.step({ type: 'setChannel', id: 101, channel: 14, now: h.now });
    h.reply({ type: 'CHANNEL', channel: 14, status: 1 });
    assert.deepEqual(
      h.of('channelDone').map((e) => [e.id, e.ok]),
      [
        [100, true],
        [101, false],
      ],
    );
    assert.equal(h.link.info?.channel, 11);
  });

  it('asks for STATS when up and every interval, and keeps the last', () => {
    const h = new Harness();
    h.bringUp();
    assert.equal(h.sent.filter((m) => m.type === 'GET_STATS').length, 1);
    const counters = { ...zeroStats(), rxFrames: 12, txAcked: 3 };
    h.reply({ type: 'STATS', counters });
    assert.deepEqual(h.link.stats.bridge, counters);
    h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 1 });
    for (let t = 0; t < DEFAULT_LINK_TIMINGS.statsIntervalMs; t += 1000) {
      h.advance(1000);
      h.reply({ type: 'PONG', nonce: h.lastSent('PING').nonce, uptimeMs: 1 + h.now });
    }
    assert.equal(h.sent.filter((m) => m.type === 'GET_STATS').length, 2);
  });

  it('keeps the drops by kind of a version-2 STATS; a version-1 STATS has none', () => {
    const h = new Harness();
    h.bringUp();
    const v2 = { ...zeroStats(), rxDropped: 7, rxDroppedBroadcast: 5, rxDroppedUnicast: 2 };
    h.bytes(wire({ type: 'STATS', counters: v2 }));
    assert.deepEqual(h.link.stats.bridge, v2);
    const v1 = Object.fromEntries(STATS_V1_COUNTER_NAMES.map((n) => [n, 1])) as BridgeStats;
    h.bytes(wire({ type: 'STATS', counters: v1 }));
    assert.deepEqual(h.link.stats.bridge, v1);
    assert.equal(h.link.stats.bridge?.rxDroppedBroadcast, undefined);
    assert.equal(h.of('problem').length, 0);
  });

  it('closed while up: down with the reason, everything pending linkDown', () => {
    const h = new Harness(1);
    h.bringUp();
    const ids = [h.send(), h.send()];
    h.step({ type: 'setChannel', id: 50, channel: 1, now: h.now });
    h.step({ type: 'closed', reason: 'serial port disconnected' });
    assert.deepEqual(
      ids.map((id) => h.results().get(id)),
      ['linkDown', 'linkDown'],
    );
    assert.deepEqual(
      h.of('channelDone').map((e) => e.ok),
      [false],
    );
    assert.deepEqual(
      h.of('down').map((e) => e.reason),
      ['serial port disconnected'],
    );
    assert.equal(h.link.nextWakeAt(), null);
  });
});
