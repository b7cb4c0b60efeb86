/**
 * Several radios as one (daemon/transports/radio-group.ts), on stand-in members whose frames,
 * ups and downs the test makes: frames tagged with the member that heard them, a copy heard by two
 * passed on once, sends through the member that heard the device last, the group up while any
 * member is up.
 */
import assert from 'node:assert/strict';
import {
  COPY_WINDOW_MS,
  RadioGroup,
  type RadioMember,
} from '../../daemon/transports/radio-group.js';
import {
  RadioTransportEmitter,
  type Mac,
  type RadioFrame,
  type RadioInfo,
  type RadioTransport,
  type TxResult,
} from '../../daemon/transports/radio-transport.js';

const DEVICE = '02:00:00:00:de:01';

/** A member whose link and air the test drives by hand. */
class StandInRadio extends RadioTransportEmitter implements RadioTransport {
  readonly name = 'stand-in';
  info: RadioInfo | null = null;
  readonly sent: Mac[] = [];
  startError: Error | undefined;
  stopped = false;

  constructor(
    readonly mac: Mac,
    private readonly maxPayload = 250,
  ) {
    super();
  }

  async start(): Promise<void> {
    if (this.startError !== undefined) throw this.startError;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  async send(dst: Mac): Promise<TxResult> {
    this.sent.push(dst);
    return this.info === null ? 'linkDown' : 'acked';
  }

  readonly channelsAsked: number[] = [];

  async setChannel(channel: number): Promise<boolean> {
    this.channelsAsked.push(channel);
    return true;
  }

  comeUp(channel: number): void {
    this.info = { mac: this.mac, channel, maxPayload: this.maxPayload, firmware: 'stand-in' };
    this.emit('up', this.info);
  }

  goDown(reason: string): void {
    this.info = null;
    this.emit('down', reason);
  }

  hear(payload: number[], src = DEVICE): void {
    this.emit('frame', {
      src,
      rssi: -50,
      channel: this.info?.channel ?? 0,
      broadcast: true,
      payload: Uint8Array.from(payload),
    });
  }
}

describe('a group of radios as one radio', () => {
  let now: number;
  let west: StandInRadio;
  let east: StandInRadio;
  let group: RadioGroup;
  let frames: RadioFrame[];

  beforeEach(() => {
    now = 0;
    west = new StandInRadio('02:00:00:00:b0:01');
    east = new StandInRadio('02:00:00:00:b0:02', 1470);
    const members: RadioMember[] = [
      { name: 'west', transport: west },
      { name: 'east', transport: east },
    ];
    group = new RadioGroup(members, { now: () => now });
    frames = [];
    group.on('frame', (f) => frames.push(f));
    west.comeUp(1);
    east.comeUp(11);
  });

  it('passes on every member’s frames, each tagged with the member that heard it', () => {
    west.hear([1, 2, 3], '02:00:00:00:de:0a');
    east.hear([4, 5, 6], '02:00:00:00:de:0b');
    assert.deepEqual(
      frames.map((f) => [f.src, f.heardBy, [...f.payload]]),
      [
        ['02:00:00:00:de:0a', 'west', [1, 2, 3]],
        ['02:00:00:00:de:0b', 'east', [4, 5, 6]],
      ],
    );
  });

  it('passes a frame two members heard on once, and its copy does not move the device’s route', async () => {
    west.hear([7, 7, 7]);
    now += 30;
    east.hear([7, 7, 7]);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.heardBy, 'west');
    assert.equal(group.counters.copies, 1);
    assert.equal(group.heardBy(DEVICE)?.name, 'west');
    await group.send(DEVICE, Uint8Array.of(1));
    assert.deepEqual(west.sent, [DEVICE]);
    assert.deepEqual(east.sent, []);
  });

  it('takes the same bytes again as new once the copy window is over, or from the same member', () => {
    west.hear([8, 8]);
    west.hear([8, 8]);
    assert.equal(frames.length, 2, 'one member twice is not two members hearing one frame');
    now += COPY_WINDOW_MS + 1;
    east.hear([8, 8]);
    assert.equal(frames.length, 3);
    assert.equal(group.counters.copies, 0);
  });

  it('sends through the member that heard the device last: a device that changed channel is answered on the new one', async () => {
    west.hear([1]);
    await group.send(DEVICE, Uint8Array.of(1));
    now += 300;
    east.hear([2]);
    await group.send(DEVICE, Uint8Array.of(2));
    assert.deepEqual(west.sent, [DEVICE]);
    assert.deepEqual(east.sent, [DEVICE]);
    assert.equal(group.heardBy(DEVICE.toUpperCase())?.name, 'east');
  });

  it('sends to a device it never heard through the first member that is up', async () => {
    west.goDown('unplugged');
    await group.send('02:00:00:00:de:99', Uint8Array.of(1));
    assert.deepEqual(east.sent, ['02:00:00:00:de:99']);
    assert.deepEqual(west.sent, []);
  });

  it('a send to a device heard by a member that went down fails linkDown: the other member is on another channel', async () => {
    west.hear([1]);
    west.goDown('unplugged');
    assert.equal(await group.send(DEVICE, Uint8Array.of(1)), 'linkDown');
    assert.deepEqual(east.sent, []);
  });

  it('is up while any member is up, and down only when the last goes down', () => {
    const events: string[] = [];
    group.on('up', () => events.push('up'));
    group.on('down', (reason) => events.push(`down: ${reason}`));
    assert.notEqual(group.info, null);
    west.goDown('unplugged');
    assert.deepEqual(events, [], 'one member down is not the radio down');
    assert.equal(group.info?.mac, east.mac);
    east.goDown('heartbeat lost');
    assert.equal(group.info, null);
    west.comeUp(1);
    east.comeUp(11);
    assert.deepEqual(events, ['down: east: heartbeat lost', 'up']);
  });

  it('says the smallest payload limit among the members that are up', () => {
    assert.equal(group.info?.maxPayload, 250);
    west.goDown('unplugged');
    assert.equal(group.info?.maxPayload, 1470);
  });

  it('stops every member when one refuses to start', async () => {
    east.startError = new Error('two bridges found for auto');
    await assert.rejects(group.start(), /two bridges found/);
    assert.equal(west.stopped, true);
    assert.equal(east.stopped, true);
  });

  it('forgets the least recently heard devices beyond its bound, never growing without end', () => {
    for (let i = 0; i < 5000; i++)
      west.hear(
        [i & 0xff],
        `02:00:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
      );
    assert.equal(group.heardBy('02:00:00:00:00:00'), undefined, 'the first one is forgotten');
    assert.equal(group.heardBy('02:00:00:00:13:87')?.name, 'west', 'the last one is kept');
  });

  it('refuses to put every member on one channel, saying why, and leaves each on its own', async () => {
    const warned: string[] = [];
    const logged = new RadioGroup(
      [
        { name: 'west', transport: west },
        { name: 'east', transport: east },
      ],
      { log: { warn: (_fields, msg) => warned.push(msg) } },
    );
    assert.equal(await logged.setChannel(6), false);
    assert.deepEqual([west.channelsAsked, east.channelsAsked], [[], []], 'no member was moved');
    assert.equal(warned.length, 1);
    assert.match(warned[0]!, /each bridge keeps its own/);
  });
});
