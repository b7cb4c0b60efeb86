/**
 * The passive sniffer: every frame of a batch's provisioning is recorded and searched for the
 * Wi-Fi passphrase, each device's LwM2M PSK identity and key (as stored by the daemon and as
 * decoded by the device) and the private keys; nothing may be found. The controls plant those
 * secrets on the air in the clear and in each encoding, and the same search must find them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { concatBytes, toHex } from '../../protocol/bytes.js';
import { encodeConfigurationObject } from '../../protocol/dpp/config-object.js';
import { BROADCAST_MAC, randomMac } from '../../enrollee-sim/adversary/air.js';
import { fragmentsOf, rawFragment } from '../../enrollee-sim/adversary/malformed.js';
import { Sniffer, type Secret } from '../../enrollee-sim/adversary/sniffer.js';
import { AirEnrollee, TEST_PASSPHRASE, TEST_SSID } from '../support/air-enrollee.js';
import {
  bundlePskSecrets,
  forgedSender,
  PSK_LWM2M,
  settle,
  storedPskSecrets,
} from '../support/adversary-air.js';
import { startHarness, type Harness } from '../support/daemon-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('adversary: passive sniffer', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  const enrollees: AirEnrollee[] = [];
  afterEach(async () => {
    for (const e of enrollees.splice(0)) e.stop();
    await h?.close();
    h = undefined;
  });

  it('finds each secret in every encoding and alignment, and nothing in random frames', () => {
    const secret = randomBytes(16);
    const sniffer = new Sniffer();
    const encodings = [
      Buffer.from(secret),
      Buffer.from(toHex(secret)),
      Buffer.from(toHex(secret).toUpperCase()),
    ];
    for (let lead = 0; lead < 6; lead++) {
      for (let trail = 0; trail < 3; trail++) {
        const embedded = Buffer.concat([randomBytes(lead), secret, randomBytes(trail)]);
        encodings.push(Buffer.from(embedded.toString('base64')));
        encodings.push(Buffer.from(embedded.toString('base64url')));
      }
    }
    for (const e of encodings) {
      sniffer.observe({
        src: randomMac(),
        dst: BROADCAST_MAC,
        payload: rawFragment({ index: 0, count: 1 }, concatBytes(randomBytes(7), e)),
      });
    }
    const found = sniffer.search([{ name: 'key', bytes: secret }]);
    const framesWithHit = new Set(found.filter((f) => f.place === 'payload').map((f) => f.index));
    assert.equal(framesWithHit.size, encodings.length, 'every planted encoding is found');
    assert.deepEqual([...new Set(found.map((f) => f.encoding))].sort(), [
      'HEX',
      'base64',
      'base64url',
      'hex',
      'raw',
    ]);

    const clean = new Sniffer();
    for (let i = 0; i < 2000; i++) {
      clean.observe({
        src: randomMac(),
        dst: BROADCAST_MAC,
        payload: rawFragment({ index: 0, count: 1 }, randomBytes(200)),
      });
    }
    assert.deepEqual(clean.search([{ name: 'key', bytes: secret }]), []);
  });

  it('hears every message of a batch, Configuration Responses included, and finds no secret', async () => {
    h = await startHarness({ realBundles: true, profile: { lwm2m: PSK_LWM2M } });
    const harness = h;
    const sniffer = new Sniffer();
    h.air.onMonitor = (f) => sniffer.observe(f);
    const count = 6;
    const devices = Array.from({ length: count }, (_, i) => {
      const identity = newIdentity();
      const keyHash = harness.stores.addKey(identity.key);
      const e = new AirEnrollee(
        harness.air.attach(`02:00:00:5e:00:${(i + 1).toString(16).padStart(2, '0')}`),
        {
          identity,
          serial: `SN-${toHex(randomBytes(6))}`,
          ap: { ssid: TEST_SSID, passphrase: TEST_PASSPHRASE },
        },
      );
      enrollees.push(e);
      return { identity, keyHash, e };
    });
    for (const d of devices) d.e.start();
    const outcomes = await Promise.all(devices.map((d) => d.e.done));
    assert.deepEqual(
      outcomes.map((o) => o.result),
      devices.map(() => 'configured'),
    );
    await settle(100); // the last Connection Status Results

    // What there is to find: what each device was given, which is what the daemon stored.
    const secrets: Secret[] = [
      { name: 'Wi-Fi passphrase', bytes: utf8(TEST_PASSPHRASE) },
      { name: 'configurator private key', bytes: h.daemon.identity.privateKey },
    ];
    for (const [i, d] of devices.entries()) {
      assert.equal(d.e.config?.credential.pass, TEST_PASSPHRASE);
      const received = bundlePskSecrets(d.e.config!.lwm2mBundle!);
      const stored = storedPskSecrets(h, d.keyHash);
      assert.equal(received.length, 1);
      assert.deepEqual(received, stored, 'the device holds the PSK the daemon stored for it');
      secrets.push(
        { name: `PSK identity of device ${i}`, bytes: received[0]!.identity },
        { name: `PSK key of device ${i}`, bytes: received[0]!.key },
        { name: `bootstrapping private key of device ${i}`, bytes: d.identity.privateKey },
      );
    }

    const kinds = sniffer.countByKind();
    for (const kind of [
      'PresenceAnnouncement',
      'AuthenticationRequest',
      'AuthenticationResponse',
      'AuthenticationConfirm',
      'gasInitialRequest',
      'gasInitialResponse',
      'ConfigurationResult',
      'ConnectionStatusResult',
    ]) {
      assert.ok((kinds[kind] ?? 0) >= count, `${kind}: heard ${kinds[kind] ?? 0}`);
    }
    assert.ok(sniffer.frames.length >= count * 8, `${sniffer.frames.length} frames`);
    const responses = sniffer.messages.filter((m) => m.kind === 'gasInitialResponse');
    assert.ok(
      responses.every((m) => m.bytes.length > 244),
      'each Configuration Response (with its bundle) took more than one fragment',
    );
    assert.equal(sniffer.bundlesHeard(), 0);
    assert.deepEqual(sniffer.search(secrets), []);

    // Control: the same secrets in the clear on the same air are found, in every place.
    const first = devices[0]!;
    const plain = encodeConfigurationObject({
      ssid: utf8(TEST_SSID),
      credential: { akm: 'psk', pass: TEST_PASSPHRASE },
      lwm2mBundle: first.e.config!.lwm2mBundle,
    });
    const send = forgedSender(h.air);
    const planter = randomMac();
    for (const p of fragmentsOf(concatBytes(Uint8Array.of(0x09), plain)))
      send(planter, BROADCAST_MAC, p);
    const key = bundlePskSecrets(first.e.config!.lwm2mBundle!)[0]!.key;
    send(
      planter,
      BROADCAST_MAC,
      rawFragment({ index: 0, count: 1 }, utf8(`key=${toHex(key).toUpperCase()};`)),
    );
    await settle(20);
    const found = sniffer.search(secrets);
    const where = new Set(found.map((f) => `${f.secret} | ${f.place} | ${f.encoding}`));
    for (const expected of [
      'Wi-Fi passphrase | message | raw',
      'PSK key of device 0 | message | base64url',
      'PSK key of device 0 | decoded | raw',
      'PSK key of device 0 | bundle | raw',
      'PSK identity of device 0 | bundle | raw',
      'PSK key of device 0 | payload | HEX',
    ]) {
      assert.ok(where.has(expected), `${expected} not in ${[...where].join('; ')}`);
    }
    assert.ok(
      found.every((f) => /passphrase|device 0/.test(f.secret)),
      'only the planted secrets are found',
    );
    assert.equal(sniffer.bundlesHeard(), 1);
  });
});
