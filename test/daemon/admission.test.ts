/**
 * Admission as a pure decision: each case hands in the facts the engine would gather and checks
 * the answer, with no daemon, no store and no clock.
 */
import assert from 'node:assert/strict';
import { toHex } from '../../protocol/bytes.js';
import { AttributeId } from '../../protocol/dpp/attributes.js';
import { bootstrapKeyHash, chirpHash, chirpHashOfDer } from '../../protocol/dpp/bootstrap-key.js';
import { decodeMessage, type DppFrame } from '../../protocol/dpp/frames.js';
import {
  buildPresenceAnnouncement,
  peekPresenceAnnouncement,
} from '../../protocol/dpp/presence.js';
import { buildAuthRequest } from '../../protocol/dpp/auth-initiator.js';
import { makePeer } from '../../protocol/dpp/auth-common.js';
import {
  decideAdmission,
  identifyAnnouncer,
  identifyInitiator,
  type AdmissionFacts,
  type AdmissionPolicy,
} from '../../daemon/engine/admission.js';
import type { Profile } from '../../daemon/engine/profile.js';
import type { WhitelistPort, WhitelistView } from '../../daemon/engine/ports.js';
import { newIdentity } from '../support/dpp-fixtures.js';

const PROFILE: Profile = {
  name: 'plant',
  ssid: 'Plant',
  credential: { akm: 'psk', pass: 'a passphrase' },
  requireMutual: false,
  allowReprovision: true,
  connectionStatus: true,
};
const POLICY: AdmissionPolicy = {
  defaultProfile: 'plant',
  profiles: new Map([
    ['plant', PROFILE],
    ['strict', { ...PROFILE, name: 'strict', allowReprovision: false }],
  ]),
};
const device = newIdentity();
const ENTRY: WhitelistView = {
  keyHash: toHex(device.hash),
  publicKey: device.key.der,
  status: 'active',
};

function facts(change: Partial<AdmissionFacts> = {}): AdmissionFacts {
  return { entry: ENTRY, device: undefined, runningWith: undefined, room: true, ...change };
}

function whitelistOf(...entries: WhitelistView[]): WhitelistPort {
  return {
    get: (keyHash) => entries.find((e) => e.keyHash === keyHash),
    findByChirpHash: (chirp) =>
      entries.find(
        (e) => e.publicKey !== undefined && toHex(chirpHashOfDer(e.publicKey)) === chirp,
      ),
    markSeen: () => {},
    markProvisioned: () => {},
  };
}

function frameOf(bytes: Uint8Array): DppFrame {
  const decoded = decodeMessage(bytes);
  assert.ok(decoded.ok && decoded.value.kind === 'dpp');
  return decoded.value;
}

describe('admission', () => {
  describe('decideAdmission', () => {
    it('admits an active entry with the default profile and the whitelisted key', () => {
      const d = decideAdmission(facts(), POLICY);
      assert.equal(d.kind, 'admit');
      if (d.kind !== 'admit') return;
      assert.equal(d.profile.name, 'plant');
      assert.deepEqual(d.der, device.key.der);
    });

    for (const status of ['inactive', 'revoked'] as const) {
      it(`refuses a ${status} entry with its status as the code`, () => {
        assert.deepEqual(decideAdmission(facts({ entry: { ...ENTRY, status } }), POLICY), {
          kind: 'refuse',
          keyHash: ENTRY.keyHash,
          reason: `whitelist entry is ${status}`,
          code: status,
        });
      });
    }

    it('refuses an entry whose profile is not configured', () => {
      const d = decideAdmission(facts({ entry: { ...ENTRY, profile: 'warehouse' } }), POLICY);
      assert.equal(d.kind === 'refuse' && d.code, 'no-profile');
      assert.match(d.kind === 'refuse' ? d.reason : '', /"warehouse" is not configured/);
    });

    it('defers while a session for the same key runs with another peer', () => {
      assert.deepEqual(decideAdmission(facts({ runningWith: '02:00:00:00:00:09' }), POLICY), {
        kind: 'defer',
        why: 'session-running',
        with: '02:00:00:00:00:09',
      });
    });

    it('refuses a provisioned device only when its profile does not allow re-provisioning', () => {
      const provisioned = { state: 'connected' as const, provisionedCount: 1 };
      assert.equal(decideAdmission(facts({ device: provisioned }), POLICY).kind, 'admit');
      const strict = facts({ entry: { ...ENTRY, profile: 'strict' }, device: provisioned });
      const d = decideAdmission(strict, POLICY);
      assert.equal(d.kind === 'refuse' && d.code, 'already-provisioned');
    });

    it('defers when there is no room, after the refusals that need none', () => {
      assert.deepEqual(decideAdmission(facts({ room: false }), POLICY), {
        kind: 'defer',
        why: 'no-room',
      });
      const revoked = facts({ room: false, entry: { ...ENTRY, status: 'revoked' } });
      assert.equal(decideAdmission(revoked, POLICY).kind, 'refuse');
    });

    it('takes the announced key when the entry holds only the hash, and refuses without either', () => {
      const hashOnly = { ...ENTRY, publicKey: undefined };
      const d = decideAdmission(facts({ entry: hashOnly, announcedDer: device.key.der }), POLICY);
      assert.equal(d.kind, 'admit');
      const none = decideAdmission(facts({ entry: hashOnly }), POLICY);
      assert.equal(none.kind === 'refuse' && none.code, 'no-public-key');
    });
  });

  describe('identifyAnnouncer', () => {
    it('finds a whitelisted device by the key it announces', () => {
      const peek = peekPresenceAnnouncement(
        frameOf(buildPresenceAnnouncement(chirpHash(device.key), device.key.der)),
      );
      assert.ok(peek.ok);
      const who = identifyAnnouncer(peek.value, whitelistOf(ENTRY));
      assert.equal(who.kind, 'listed');
    });

    it('refuses a key that does not hash to the announced chirp hash', () => {
      const other = newIdentity();
      const peek = peekPresenceAnnouncement(
        frameOf(buildPresenceAnnouncement(chirpHash(other.key), device.key.der)),
      );
      assert.ok(peek.ok);
      const who = identifyAnnouncer(peek.value, whitelistOf(ENTRY));
      assert.equal(who.kind === 'refused' && who.code, 'key-mismatch');
    });

    it('refuses an unknown key with its key hash, and a bare chirp hash with the reason', () => {
      const stranger = newIdentity();
      const withKey = peekPresenceAnnouncement(
        frameOf(buildPresenceAnnouncement(chirpHash(stranger.key), stranger.key.der)),
      );
      assert.ok(withKey.ok);
      const who = identifyAnnouncer(withKey.value, whitelistOf(ENTRY));
      assert.equal(who.kind === 'refused' && who.keyHash, toHex(bootstrapKeyHash(stranger.key)));
      const bare = peekPresenceAnnouncement(
        frameOf(buildPresenceAnnouncement(chirpHash(stranger.key))),
      );
      assert.ok(bare.ok);
      const chirpOnly = identifyAnnouncer(bare.value, whitelistOf(ENTRY));
      assert.match(chirpOnly.kind === 'refused' ? chirpOnly.reason : '', /by chirp hash/);
    });
  });

  describe('identifyInitiator', () => {
    const configurator = newIdentity();
    const request = (own = device) =>
      frameOf(
        buildAuthRequest({
          own,
          peer: makePeer(configurator.key),
          role: 'enrollee',
          requireMutual: false,
        }).request,
      );

    it('finds the whitelisted initiator by its key hash', () => {
      const who = identifyInitiator(request(), configurator.hash, whitelistOf(ENTRY), 'tcp:x');
      assert.equal(who.kind, 'listed');
    });

    it('refuses a request for another configurator key', () => {
      const who = identifyInitiator(request(), newIdentity().hash, whitelistOf(ENTRY), 'tcp:x');
      assert.equal(who.kind === 'refused' && who.code, 'not-for-us');
    });

    it('refuses a request without an initiator key hash', () => {
      const frame = request();
      const anonymous: DppFrame = {
        ...frame,
        attributes: frame.attributes.filter(
          (a) => a.id !== AttributeId.InitiatorBootstrappingKeyHash,
        ),
      };
      const who = identifyInitiator(anonymous, configurator.hash, whitelistOf(ENTRY), 'tcp:x');
      assert.equal(who.kind === 'refused' && who.code, 'anonymous');
    });
  });
});
