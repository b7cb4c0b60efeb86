import assert from 'node:assert/strict';
import { Delivery, type BundleBuilder } from '../../daemon/engine/delivery.js';
import type { SecretPort } from '../../daemon/engine/ports.js';
import type { Profile } from '../../daemon/config/load.js';
import { ConfiguratorError } from '../../protocol/errors.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

const PROFILE: Profile = {
  name: 'plant',
  ssid: 'Plant-IoT',
  credential: { akm: 'psk', pass: 'correct horse battery' },
  requireMutual: false,
  allowReprovision: true,
  connectionStatus: true,
  lwm2m: { endpoint: 'dev-{serial}' },
};

const DEVICE = { keyHash: 'ab'.repeat(32) };

/** A store that runs `generate` as the real one does, inside its getOrCreate. */
function storeOf(): SecretPort & { stored: Map<string, string> } {
  const stored = new Map<string, string>();
  return {
    stored,
    getOrCreate(keyHash, _profile, generate) {
      const known = stored.get(keyHash);
      if (known !== undefined) return { secrets: known, created: false };
      const secrets = generate();
      stored.set(keyHash, secrets);
      return { secrets, created: true };
    },
  };
}

describe('Delivery', () => {
  it('turns a device whose secrets cannot be made into a refusal with the reason, storing nothing', () => {
    const store = storeOf();
    const bundles: BundleBuilder = {
      generateSecrets: () => {
        throw new ConfiguratorError(
          DaemonErrorCode.ConfigurationInvalid,
          'lwm2m.endpoint: uses {serial}, but the device reported no serial number',
        );
      },
      render: () => ({ ok: true, value: new Uint8Array(8) }),
    };
    const built = new Delivery(store, bundles).build(PROFILE, DEVICE);
    assert.equal(built.ok, false);
    assert.ok(!built.ok && /no serial number/.test(built.error.message));
    assert.equal(store.stored.size, 0);
  });

  it('turns a store that fails into a refusal naming the device, not the secrets', () => {
    const failing: SecretPort = {
      getOrCreate: () => {
        throw new Error('database is locked');
      },
    };
    const bundles: BundleBuilder = {
      generateSecrets: () => '{"psk":"00112233"}',
      render: () => ({ ok: true, value: new Uint8Array(8) }),
    };
    const built = new Delivery(failing, bundles).build(PROFILE, DEVICE);
    assert.ok(!built.ok);
    assert.equal(built.error.code, WhitelistErrorCode.StoreBadRecord);
    assert.match(built.error.message, /database is locked/);
    assert.ok(built.error.message.includes(DEVICE.keyHash));
    assert.ok(!built.error.message.includes('00112233'));
  });

  it('delivers the bundle made from the stored secrets when they can be made', () => {
    const store = storeOf();
    const bundles: BundleBuilder = {
      generateSecrets: () => '{"psk":"00112233"}',
      render: (_p, _d, secrets) => ({ ok: true, value: new TextEncoder().encode(secrets) }),
    };
    const built = new Delivery(store, bundles).build(PROFILE, DEVICE);
    assert.ok(built.ok);
    assert.equal(built.value.secretsCreated, true);
    assert.equal(built.value.bundleBytes, '{"psk":"00112233"}'.length);
  });
});
