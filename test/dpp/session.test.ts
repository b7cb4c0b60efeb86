/**
 * Both session machines against each other in memory, through every path: success
 * (responder-only and mutual, either side initiating), wrong key, tampered frame, lost frames
 * with retransmission, duplicates, timeouts, refusals.
 */
import assert from 'node:assert/strict';
import { DppStatus } from '../../protocol/dpp/attributes.js';
import { makeIdentity, makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import {
  encodeConfigurationObject,
  parseConfigurationObject,
  parseConnectionStatus,
} from '../../protocol/dpp/config-object.js';
import { generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import {
  createConfiguratorInitiator,
  createConfiguratorResponder,
  stepConfigurator,
} from '../../protocol/dpp/session/configurator.js';
import {
  createEnrolleeInitiator,
  createEnrolleeResponder,
} from '../../protocol/dpp/session/enrollee.js';
import {
  DEFAULT_TIMINGS,
  type ConfiguratorOutcome,
  type EnrolleeOutcome,
} from '../../protocol/dpp/session/types.js';
import { ErrorCode } from '../../protocol/errors.js';
import { runPair, TEST_CONFIG, type PairResult } from '../support/session-pair.js';

function identity(): BootstrapIdentity {
  const pair = generateKeyPair();
  return makeIdentity(encodeBootstrapKey(pair.publicKey), pair.privateKey);
}

const configRequest = {
  name: 'sensor-17',
  wifiTech: 'infra',
  netRole: 'sta',
  deviceInfo: { model: 'TH-2', serial: 'SN0017' },
};

function failedWith(
  outcome: ConfiguratorOutcome | EnrolleeOutcome | undefined,
  code: ErrorCode,
): string {
  assert.ok(outcome, 'session finished');
  assert.equal(outcome.result, 'failed', `expected failure, got ${outcome.result}`);
  assert.equal(
    outcome.result === 'failed' && outcome.error.code,
    code,
    outcome.result === 'failed' ? outcome.error.describe() : '',
  );
  return outcome.result === 'failed' ? outcome.error.message : '';
}

function assertProvisioned(r: PairResult): void {
  assert.equal(r.configuratorOutcome?.result, 'connected', JSON.stringify(r.configuratorOutcome));
  assert.equal(r.enrolleeOutcome?.result, 'configured');
  if (r.enrolleeOutcome?.result !== 'configured' || r.configuratorOutcome?.result !== 'connected')
    return;
  const received = parseConfigurationObject(r.enrolleeOutcome.configObjects[0]!);
  assert.deepEqual(received, TEST_CONFIG);
  assert.equal(parseConnectionStatus(r.configuratorOutcome.connStatus).result, DppStatus.Ok);
}

function authenticatedMutual(r: PairResult): boolean[] {
  return r.effects.flatMap((e) => (e.effect.type === 'authenticated' ? [e.effect.mutual] : []));
}

function sends(r: PairResult, what: string): number {
  return r.transmissions.filter((t) => t.what === what).length;
}

describe('DPP sessions in memory', () => {
  const enrolleeId = identity();
  const configuratorId = identity();

  function chirpFlow(
    opts: {
      mutual?: boolean;
      requireMutualEnrollee?: boolean;
      enrolleePins?: BootstrapIdentity;
    } = {},
  ) {
    const configurator = createConfiguratorInitiator({
      peer: makePeer(enrolleeId.key),
      own: configuratorId,
      requireMutual: opts.mutual ?? false,
    });
    const pinned =
      opts.enrolleePins ?? (opts.mutual || opts.requireMutualEnrollee ? configuratorId : undefined);
    const enrollee = createEnrolleeResponder({
      own: enrolleeId,
      peer: pinned ? makePeer(pinned.key) : undefined,
      requireMutual: opts.requireMutualEnrollee ?? false,
      configRequest,
    });
    return { configurator, enrollee };
  }

  it('provisions after a chirp (configurator initiates, responder-only authentication)', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee);
    assertProvisioned(r);
    assert.deepEqual(authenticatedMutual(r), [false, false]);
    assert.deepEqual(
      r.transmissions.map((t) => t.what),
      [
        'Authentication Request',
        'Authentication Response',
        'Authentication Confirm',
        'Configuration Request',
        'Configuration Response',
        'Configuration Result',
        'Connection Status Result',
      ],
    );
  });

  it('provisions with mutual authentication', () => {
    const { configurator, enrollee } = chirpFlow({ mutual: true, requireMutualEnrollee: true });
    const r = runPair(configurator, enrollee);
    assertProvisioned(r);
    assert.deepEqual(authenticatedMutual(r), [true, true]);
  });

  it('provisions when the enrollee initiates and the configurator responds (mutual, as over TCP)', () => {
    const configurator = createConfiguratorResponder({
      own: configuratorId,
      peer: makePeer(enrolleeId.key),
      requireMutual: true,
      timings: { ...DEFAULT_TIMINGS, retransmitMs: 0 },
    });
    const enrollee = createEnrolleeInitiator({
      peer: makePeer(configuratorId.key),
      own: enrolleeId,
      requireMutual: true,
      configRequest,
      timings: { ...DEFAULT_TIMINGS, retransmitMs: 0 },
    });
    const r = runPair(configurator, enrollee);
    assertProvisioned(r);
    assert.deepEqual(authenticatedMutual(r), [true, true]);
  });

  it('configurator as responder refuses an enrollee that does not prove its bootstrapping key', () => {
    const configurator = createConfiguratorResponder({
      own: configuratorId,
      peer: makePeer(enrolleeId.key),
      requireMutual: true,
    });
    // The initiator's key is not the one the whitelist holds, so it cannot be authenticated.
    const enrollee = createEnrolleeInitiator({
      peer: makePeer(configuratorId.key),
      own: identity(),
      requireMutual: false,
      configRequest,
    });
    const r = runPair(configurator, enrollee);
    const ignored = r.effects.filter(
      (e) => e.side === 'configurator' && e.effect.type === 'ignored',
    );
    assert.ok(ignored.length > 0);
    assert.ok(
      ignored.every(
        (e) => e.effect.type === 'ignored' && e.effect.error.code === ErrorCode.AuthMutualRequired,
      ),
    );
    failedWith(r.enrolleeOutcome, ErrorCode.AuthTimeout);
    assert.equal(r.configurator.stage.name, 'awaitAuthRequest');
  });

  it('a device that announces a whitelisted hash without the private key learns nothing', () => {
    const spoofer = identity();
    const configurator = createConfiguratorInitiator({
      peer: makePeer(enrolleeId.key),
      own: configuratorId,
      requireMutual: false,
    });
    // The spoofer answers to the whitelisted hash but holds a different private key.
    const enrollee = createEnrolleeResponder({
      own: { ...spoofer, hash: enrolleeId.hash },
      requireMutual: false,
      configRequest,
    });
    const r = runPair(configurator, enrollee);
    const msg = failedWith(r.configuratorOutcome, ErrorCode.AuthTimeout);
    assert.match(msg, /Authentication Response/);
    const refusals = r.effects.filter((e) => e.side === 'enrollee' && e.effect.type === 'ignored');
    assert.ok(refusals.length >= 1);
    assert.ok(
      refusals.every(
        (e) => e.effect.type === 'ignored' && e.effect.error.code === ErrorCode.CryptoUnwrapFailed,
      ),
    );
    assert.equal(sends(r, 'Authentication Request'), DEFAULT_TIMINGS.maxTransmissions);
    assert.equal(sends(r, 'Configuration Response'), 0);
  });

  it('an enrollee that pins its configurator refuses a rogue configurator', () => {
    const rogue = identity();
    const configurator = createConfiguratorInitiator({
      peer: makePeer(enrolleeId.key),
      own: rogue,
      requireMutual: false,
    });
    const enrollee = createEnrolleeResponder({
      own: enrolleeId,
      peer: makePeer(configuratorId.key),
      requireMutual: true,
      configRequest,
    });
    const r = runPair(configurator, enrollee);
    failedWith(r.configuratorOutcome, ErrorCode.AuthTimeout);
    const refusal = r.effects.find((e) => e.side === 'enrollee' && e.effect.type === 'ignored');
    assert.ok(refusal && refusal.effect.type === 'ignored');
    assert.equal(refusal.effect.error.code, ErrorCode.AuthMutualRequired);
    assert.equal(r.enrollee.stage.name, 'awaitAuthRequest');
  });

  it('a configurator that requires mutual authentication refuses a responder-only answer', () => {
    const configurator = createConfiguratorInitiator({
      peer: makePeer(enrolleeId.key),
      own: configuratorId,
      requireMutual: true,
    });
    const enrollee = createEnrolleeResponder({
      own: enrolleeId,
      requireMutual: false,
      configRequest,
    }); // does not know our key
    const r = runPair(configurator, enrollee);
    const msg = failedWith(r.configuratorOutcome, ErrorCode.AuthTimeout);
    assert.match(msg, /mutual/);
  });

  it('drops a tampered Authentication Response and completes with the retransmitted one', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, {
      channel: (t, i) =>
        t.what === 'Authentication Response' && i === 0
          ? {
              tamper: (b) => {
                b[b.length - 3]! ^= 0x80;
                return b;
              },
            }
          : 'deliver',
    });
    assertProvisioned(r);
    const ignored = r.effects.find((e) => e.side === 'configurator' && e.effect.type === 'ignored');
    assert.ok(ignored && ignored.effect.type === 'ignored');
    assert.equal(ignored.effect.error.code, ErrorCode.CryptoUnwrapFailed);
  });

  it('drops a tampered Configuration Response (wrong AD) and completes after retransmission', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, {
      channel: (t, i) =>
        t.what === 'Configuration Response' && i === 0
          ? {
              tamper: (b) => {
                b[b.length - 40]! ^= 0x01;
                return b;
              },
            }
          : 'deliver',
    });
    assertProvisioned(r);
    assert.ok(
      r.effects.some(
        (e) =>
          e.side === 'enrollee' &&
          e.effect.type === 'ignored' &&
          e.effect.error.code === ErrorCode.CryptoUnwrapFailed,
      ),
    );
  });

  for (const lost of [
    'Authentication Request',
    'Authentication Response',
    'Authentication Confirm',
    'Configuration Request',
    'Configuration Response',
    'Configuration Result',
    'Connection Status Result',
  ]) {
    it(`recovers from a lost ${lost}`, () => {
      const { configurator, enrollee } = chirpFlow({ mutual: true, requireMutualEnrollee: true });
      const r = runPair(configurator, enrollee, {
        channel: (t, i) => (t.what === lost && i === 0 ? 'drop' : 'deliver'),
      });
      assertProvisioned(r);
      // A lost Configuration Result is covered by the Connection Status Result that follows it.
      if (lost !== 'Configuration Result') assert.ok(sends(r, lost) >= 2, `${lost} sent again`);
    });
  }

  it('survives every message duplicated', () => {
    const { configurator, enrollee } = chirpFlow({ mutual: true, requireMutualEnrollee: true });
    const r = runPair(configurator, enrollee, { channel: () => 'duplicate' });
    assertProvisioned(r);
  });

  it('answers a repeated Configuration Request with the identical Configuration Response', () => {
    const { configurator, enrollee } = chirpFlow();
    let decisions = 0;
    const r = runPair(configurator, enrollee, {
      channel: (t, i) => (t.what === 'Configuration Response' && i < 2 ? 'drop' : 'deliver'),
      decide: () => {
        decisions++;
        return {
          type: 'configure',
          configObject: new TextEncoder().encode(
            JSON.stringify({
              'wi-fi_tech': 'infra',
              discovery: { ssid: 'factory-floor' },
              cred: { akm: 'psk', pass: 'correct horse battery' },
              lwm2m_bundle: 'gaIAZg',
            }),
          ),
          sendConnStatus: true,
        };
      },
    });
    assertProvisioned(r);
    assert.equal(decisions, 1, 'the configuration is decided once, however often it is asked for');
    const responses = r.transmissions.filter((t) => t.what === 'Configuration Response');
    assert.ok(responses.length >= 3);
    for (const t of responses) assert.deepEqual(t.bytes, responses[0]!.bytes);
  });

  it('times out after the configured number of transmissions when the enrollee is gone', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, {
      channel: (t) => (t.from === 'configurator' ? 'drop' : 'deliver'),
    });
    failedWith(r.configuratorOutcome, ErrorCode.AuthTimeout);
    assert.equal(sends(r, 'Authentication Request'), DEFAULT_TIMINGS.maxTransmissions);
    assert.equal(r.elapsedMs, DEFAULT_TIMINGS.authTimeoutMs);
  });

  it('ends provisioned (not connected) when no Connection Status Result ever arrives', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, {
      channel: (t) => (t.what === 'Connection Status Result' ? 'drop' : 'deliver'),
    });
    assert.equal(r.configuratorOutcome?.result, 'provisioned');
  });

  it('ends provisioned, with the reason, when the enrollee could not join the network', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, { connectResult: DppStatus.NoAp });
    const outcome = r.configuratorOutcome;
    assert.equal(outcome?.result, 'provisioned');
    if (outcome?.result === 'provisioned') {
      assert.match(outcome.note ?? '', /could not join the network: status NoAp/);
      assert.equal(parseConnectionStatus(outcome.connStatus!).result, DppStatus.NoAp);
    }
  });

  describe('configurationApplied: the device holds its configuration, its connection still to come', () => {
    const applied = (r: PairResult): number[] =>
      r.effects
        .filter((e) => e.side === 'configurator' && e.effect.type === 'configurationApplied')
        .map((e) => e.at);
    const received = (r: PairResult, what: string): number =>
      r.transmissions.find((t) => t.from === 'enrollee' && t.what === what)!.at;

    it('is said once, when the Configuration Result arrives, before the Connection Status Result', () => {
      const { configurator, enrollee } = chirpFlow();
      const r = runPair(configurator, enrollee);
      assert.equal(r.configuratorOutcome?.result, 'connected');
      const at = applied(r);
      assert.equal(at.length, 1);
      assert.ok(at[0]! >= received(r, 'Configuration Result'));
      assert.ok(at[0]! < received(r, 'Connection Status Result'));
    });

    it('is said when no Connection Status Result ever comes (the session ends provisioned)', () => {
      const { configurator, enrollee } = chirpFlow();
      const r = runPair(configurator, enrollee, {
        channel: (t) => (t.what === 'Connection Status Result' ? 'drop' : 'deliver'),
      });
      assert.equal(applied(r).length, 1);
      assert.equal(r.configuratorOutcome?.result, 'provisioned');
    });

    it('is not said when no Connection Status was asked for: the outcome says it', () => {
      const { configurator, enrollee } = chirpFlow();
      const r = runPair(configurator, enrollee, {
        decide: () => ({
          type: 'configure',
          configObject: encodeConfigurationObject(TEST_CONFIG),
          sendConnStatus: false,
        }),
      });
      assert.equal(r.configuratorOutcome?.result, 'provisioned');
      assert.deepEqual(applied(r), []);
    });

    it('an abort while awaiting the Connection Status ends provisioned, not failed', () => {
      // hostap closes its TCP connection after the Configuration Result unless it is about to
      // connect; the device has the configuration all the same.
      const dropStatus = {
        channel: (t: { what: string }) =>
          t.what === 'Connection Status Result' ? ('drop' as const) : ('deliver' as const),
      };
      const full = chirpFlow();
      const appliedAt = applied(runPair(full.configurator, full.enrollee, dropStatus))[0]!;
      const { configurator, enrollee } = chirpFlow();
      const r = runPair(configurator, enrollee, { ...dropStatus, limitMs: appliedAt });
      assert.equal(r.configurator.stage.name, 'awaitConnStatus');
      const { session, effects } = stepConfigurator(r.configurator, {
        type: 'abort',
        reason: 'the TCP connection closed',
      });
      assert.equal(session.stage.name, 'done');
      const finished = effects.find((e) => e.type === 'finished');
      assert.deepEqual(finished?.type === 'finished' ? finished.outcome : undefined, {
        result: 'provisioned',
        note: 'no Connection Status Result: the TCP connection closed',
      });
    });

    it('an abort before the Configuration Result still fails the session', () => {
      const { configurator } = chirpFlow();
      const started = stepConfigurator(configurator, { type: 'start' }).session;
      const { effects } = stepConfigurator(started, { type: 'abort', reason: 'gone' });
      const finished = effects.find((e) => e.type === 'finished');
      assert.equal(finished?.type === 'finished' ? finished.outcome.result : undefined, 'failed');
    });

    it('is not said when the enrollee rejects the configuration', () => {
      const { configurator, enrollee } = chirpFlow();
      const r = runPair(configurator, enrollee, { applyStatus: DppStatus.ConfigRejected });
      assert.equal(r.configuratorOutcome?.result, 'failed');
      assert.deepEqual(applied(r), []);
    });
  });

  it('fails both sides when the configurator refuses the configuration', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, {
      decide: () => ({
        type: 'refuseConfiguration',
        status: DppStatus.ConfigureFailure,
        reason: 'device already provisioned',
      }),
    });
    failedWith(r.configuratorOutcome, ErrorCode.ConfigRejected);
    const msg = failedWith(r.enrolleeOutcome, ErrorCode.ConfigRejected);
    assert.match(msg, /ConfigureFailure/);
  });

  it('fails the configurator when the enrollee rejects the configuration', () => {
    const { configurator, enrollee } = chirpFlow();
    const r = runPair(configurator, enrollee, { applyStatus: DppStatus.ConfigRejected });
    const msg = failedWith(r.configuratorOutcome, ErrorCode.ConfigRejected);
    assert.match(msg, /ConfigRejected/);
  });

  it('ignores garbage and frames of another stage without losing the session', () => {
    const { configurator } = chirpFlow();
    let s = configurator;
    // Feed junk before starting: decoding errors are reported, not thrown.
    const { stepConfigurator } = configuratorModule;
    for (const junk of [
      new Uint8Array(0),
      Uint8Array.of(0x09),
      Uint8Array.of(0x42, 1, 2),
      new Uint8Array(20000),
    ]) {
      const r = stepConfigurator(s, { type: 'message', bytes: junk });
      s = r.session;
    }
    const started = stepConfigurator(s, { type: 'start' });
    assert.equal(started.session.stage.name, 'awaitAuthResponse');
    const junk = stepConfigurator(started.session, {
      type: 'message',
      bytes: Uint8Array.of(0x09, 0x50, 0x6f, 0x9a, 0x1a, 0x01, 0x0b),
    });
    assert.equal(junk.session.stage.name, 'awaitAuthResponse');
    assert.equal(junk.effects[0]?.type, 'ignored');
  });
});

import * as configuratorModule from '../../protocol/dpp/session/configurator.js';
