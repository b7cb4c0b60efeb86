import assert from 'node:assert/strict';
import { makePeer } from '../../protocol/dpp/auth-common.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { listenTcpEnrollee, runTcpEnrollee } from '../support/tcp-enrollee.js';
import { TEST_SSID } from '../support/air-enrollee.js';
import { recordConnections } from '../support/connection-recorder.js';
import { isConfiguratorError } from '../../protocol/errors.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';
import { connectFrom, eventually, type RawPeer } from '../support/tcp-peers.js';
import { VirtualClock } from '../support/virtual-clock.js';
import { frameForTcp } from '../../protocol/dpp/tcp-framing.js';

describe('session engine over DPP/TCP (enrollee-initiated)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('configures a whitelisted device that initiates, with mutual authentication, then closes', async () => {
    h = await startHarness({ tcp: true });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const r = await runTcpEnrollee(h.daemon.tcpPort!, id, makePeer(h.daemon.identity.key));
    assert.equal(r.outcome?.result, 'configured');
    assert.equal(new TextDecoder().decode(r.config!.ssid), TEST_SSID);
    assert.equal(r.closedByPeer, true);
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(h.stores.deviceRecords.get(keyHash)!.state, 'connected');
    const auth = h.stores.auditRecords.find((a) => a.kind === 'authenticated');
    assert.equal(auth?.detail?.['mutual'], true);
  });

  it('records provisioned, not failed, a device that closes after its Configuration Result (as hostap does)', async () => {
    h = await startHarness({ tcp: true });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const r = await runTcpEnrollee(h.daemon.tcpPort!, id, makePeer(h.daemon.identity.key), {
      closeAfterConfigResult: true,
    });
    assert.ok(r.config !== undefined, 'the device got its configuration');
    await new Promise((res) => setTimeout(res, 50));
    const d = h.stores.deviceRecords.get(keyHash)!;
    assert.equal(d.state, 'provisioned');
    assert.match(d.reason ?? '', /no Connection Status Result: .*closed/);
    assert.equal(h.daemon.engine.counters.failed, 0);
  });

  it('refuses a second connection for a device whose session is running, and says why', async () => {
    h = await startHarness({ tcp: true });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const peer = makePeer(h.daemon.identity.key);
    const [first, second] = await Promise.all([
      runTcpEnrollee(h.daemon.tcpPort!, id, peer),
      runTcpEnrollee(h.daemon.tcpPort!, id, peer),
    ]);
    const results = [first.outcome?.result, second.outcome?.result];
    assert.equal(results.filter((r) => r === 'configured').length, 1, JSON.stringify(results));
    const refusal = h.stores.auditRecords.find(
      (r) => r.kind === 'refused' && r.keyHash === keyHash,
    );
    assert.match(
      refusal?.reason ?? '',
      /a session for this device is already running with 127\.0\.0\.1:/,
    );
    assert.equal(h.daemon.engine.counters.admitted, 1);
  });

  it('refuses an initiating device the whitelist knows only by hash: it could not prove its key', async () => {
    h = await startHarness({ tcp: true });
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key, { byHashOnly: true });
    const r = await runTcpEnrollee(h.daemon.tcpPort!, id, makePeer(h.daemon.identity.key));
    assert.equal(r.config, undefined);
    assert.equal(r.closedByPeer, true);
    assert.match(h.stores.deviceRecords.get(keyHash)!.reason ?? '', /only the key hash/);
  });

  it('refuses an unknown device and closes the connection', async () => {
    h = await startHarness({ tcp: true });
    const r = await runTcpEnrollee(
      h.daemon.tcpPort!,
      newIdentity(),
      makePeer(h.daemon.identity.key),
    );
    assert.equal(r.config, undefined);
    assert.equal(r.closedByPeer, true);
    assert.equal(h.daemon.engine.counters.admitted, 0);
    assert.equal(
      h.stores.auditRecords.find((a) => a.kind === 'refused')?.reason,
      'not on the whitelist',
    );
  });

  it('refuses a request addressed to another configurator key', async () => {
    h = await startHarness({ tcp: true });
    const id = newIdentity();
    h.stores.addKey(id.key);
    const r = await runTcpEnrollee(h.daemon.tcpPort!, id, makePeer(newIdentity().key));
    assert.equal(r.config, undefined);
    assert.match(
      h.stores.auditRecords.find((a) => a.kind === 'refused')?.reason ?? '',
      /not for our bootstrapping key/,
    );
  });
});

describe('session engine over DPP/TCP (configurator-initiated, connecting out)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('connects to a listening enrollee and provisions it with responder-only authentication', async () => {
    h = await startHarness();
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const enrollee = await listenTcpEnrollee(id);
    try {
      const outcome = await h.daemon.connectOut({
        host: '127.0.0.1',
        port: enrollee.port,
        device: keyHash,
      });
      assert.equal(outcome.state, 'connected');
      const r = await enrollee.result;
      assert.equal(r.outcome?.result, 'configured');
      assert.equal(new TextDecoder().decode(r.config!.ssid), TEST_SSID);
      assert.equal(h.stores.deviceRecords.get(keyHash)!.state, 'connected');
    } finally {
      enrollee.close();
    }
  });

  it('does not connect to a device that is not whitelisted: refused before any connection', async () => {
    h = await startHarness();
    const listener = await recordConnections();
    try {
      await assert.rejects(
        h.daemon.connectOut({ host: '127.0.0.1', port: listener.port, device: 'ab'.repeat(32) }),
        (e: unknown) => isConfiguratorError(e, WhitelistErrorCode.WhitelistNotFound),
      );
      assert.equal(listener.connections, 0);
    } finally {
      await listener.close();
    }
  });
});

describe('session engine over DPP/TCP (a relayed Presence Announcement)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('answers a Presence Announcement on a TCP connection with an Authentication Request on it', async () => {
    h = await startHarness({ tcp: true });
    const id = newIdentity();
    h.stores.addKey(id.key);
    const { connect } = await import('node:net');
    const { frameForTcp, TcpFrameReader } = await import('../../protocol/dpp/tcp-framing.js');
    const { buildPresenceAnnouncement } = await import('../../protocol/dpp/presence.js');
    const { chirpHash } = await import('../../protocol/dpp/bootstrap-key.js');
    const { decodeMessage, FrameType } = await import('../../protocol/dpp/frames.js');
    const socket = connect({ port: h.daemon.tcpPort!, host: '127.0.0.1' });
    const reader = new TcpFrameReader();
    const first = new Promise<Uint8Array>((resolve) =>
      socket.on('data', (c: Buffer) => {
        const m = reader.push(new Uint8Array(c));
        if (m[0] !== undefined) resolve(m[0]);
      }),
    );
    socket.write(frameForTcp(buildPresenceAnnouncement(chirpHash(id.key), id.key.der)));
    const answer = decodeMessage(await first);
    socket.destroy();
    assert.ok(answer.ok && answer.value.kind === 'dpp');
    assert.equal(answer.value.frameType, FrameType.AuthenticationRequest);
  });
});

describe('session engine over DPP/TCP: peers that drip-feed do not keep a whitelisted device out', () => {
  let h: Harness;
  let drippers: RawPeer[];
  afterEach(async () => {
    for (const d of drippers) d.socket.destroy();
    await h.close();
  });

  /** `count` connections from 127.0.0.2, each with the first byte of a 256-byte message. */
  async function startDripping(count: number): Promise<RawPeer[]> {
    drippers = [];
    for (let i = 0; i < count; i++)
      drippers.push(await connectFrom('127.0.0.2', h.daemon.tcpPort!));
    for (const d of drippers) await d.send(Uint8Array.of(0));
    return drippers;
  }

  async function provision(): Promise<void> {
    const id = newIdentity();
    const keyHash = h.stores.addKey(id.key);
    const r = await runTcpEnrollee(h.daemon.tcpPort!, id, makePeer(h.daemon.identity.key));
    assert.equal(r.outcome?.result, 'configured', JSON.stringify(r.outcome));
    await eventually(
      () => h.stores.deviceRecords.get(keyHash)?.state === 'connected',
      'the device recorded connected',
    );
  }

  it('one address gets at most tcp.maxConnectionsPerAddress of the connections', async () => {
    h = await startHarness({
      tcp: true,
      clock: new VirtualClock(),
      sessions: { maxConcurrent: 4 },
      tcpSettings: { maxConnectionsPerAddress: 2 },
    });
    const d = await startDripping(4);
    await eventually(() => d.filter((p) => p.closed).length === 2, 'two refused at accept');
    await provision();
    assert.equal(d.filter((p) => p.closed).length, 2, 'the other two are still connected');
  });

  it('connections that fill every slot with unfinished messages are closed at tcp.messageTimeoutMs', async () => {
    h = await startHarness({
      tcp: true,
      clock: new VirtualClock(),
      // The idle timeout (real time, from the session timeouts) must not be what closes them.
      sessions: { maxConcurrent: 4, connStatusTimeoutMs: 600_000 },
      tcpSettings: { maxConnectionsPerAddress: 4, messageTimeoutMs: 1000 },
    });
    const d = await startDripping(4);
    // One more byte each every 300 ms of the daemon's time: never idle, never a whole message.
    const rest = frameForTcp(new Uint8Array(256)).subarray(1);
    for (let i = 0; i < 40 && d.some((p) => !p.closed); i++) {
      for (const p of d) await p.send(rest.subarray(i, i + 1));
      await h.clock!.advance(300);
    }
    await eventually(() => d.every((p) => p.closed), 'every drip-feeding connection closed');
    assert.ok(
      h.clock!.now() < 40 * 300,
      'closed while still dripping, by the message deadline, not by running out of bytes',
    );
    await provision();
  });
});
