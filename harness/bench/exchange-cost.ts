/**
 * CPU cost of the Configurator's side of one complete DPP exchange (authentication,
 * Configuration Request/Response, Configuration Result, Connection Status Result), measured on
 * the real protocol code with each crypto backend (elliptic curve and AES-SIV). Only the
 * Configurator's steps are timed; the Enrollee's work is excluded. Also the backends' primitives
 * alone (ECDH, key generation, one AES-SIV operation).
 */
import { aessiv } from '@noble/ciphers/aes.js';
import { makeIdentity, makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import {
  encodeConfigurationObject,
  encodeConnectionStatus,
} from '../../protocol/dpp/config-object.js';
import {
  nativeAesSivBackend,
  nodeAesSivBackend,
  useAesSivBackend,
  type AesSivBackend,
} from '../../protocol/dpp/crypto/aes-siv.js';
import {
  generateKeyPair,
  nativeEcBackend,
  nobleEcBackend,
  nodeEcBackend,
  useEcBackend,
  type EcBackend,
} from '../../protocol/dpp/crypto/p256.js';
import {
  createConfiguratorInitiator,
  stepConfigurator,
  type ConfiguratorSession,
} from '../../protocol/dpp/session/configurator.js';
import {
  createEnrolleeResponder,
  stepEnrollee,
  type EnrolleeSession,
} from '../../protocol/dpp/session/enrollee.js';
import type {
  ConfiguratorEffect,
  ConfiguratorInput,
  EnrolleeEffect,
  EnrolleeInput,
} from '../../protocol/dpp/session/types.js';

/** What the protocol code runs on: an elliptic-curve backend and an AES-SIV backend. */
export interface CryptoBackends {
  readonly name: string;
  readonly ec: EcBackend;
  readonly aesSiv: AesSivBackend;
}

const nobleAesSivBackend: AesSivBackend = {
  name: '@noble/ciphers',
  encrypt: (key, plaintext, ad) => aessiv(key, ...ad).encrypt(plaintext),
  decrypt: (key, sealed, ad) => {
    try {
      return aessiv(key, ...ad).decrypt(sealed);
    } catch {
      return null;
    }
  },
};

/** The native addon (when built), node:crypto, and pure JS (@noble/curves + @noble/ciphers). */
export function cryptoBackendSets(): CryptoBackends[] {
  const sets: CryptoBackends[] = [];
  if (nativeEcBackend && nativeAesSivBackend) {
    sets.push({ name: 'native', ec: nativeEcBackend, aesSiv: nativeAesSivBackend });
  }
  sets.push({ name: 'node:crypto', ec: nodeEcBackend, aesSiv: nodeAesSivBackend });
  sets.push({ name: '@noble', ec: nobleEcBackend, aesSiv: nobleAesSivBackend });
  return sets;
}

export interface ExchangeCost {
  backend: string;
  mutual: boolean;
  exchanges: number;
  configuratorMsPerExchange: number;
  enrolleeMsPerExchange: number;
}

const te = new TextEncoder();
const CONFIG = encodeConfigurationObject({
  ssid: te.encode('factory-floor'),
  credential: { akm: 'psk', pass: 'correct horse battery' },
  lwm2mBundle: new Uint8Array(192),
});

function identity(): BootstrapIdentity {
  const pair = generateKeyPair();
  return makeIdentity(encodeBootstrapKey(pair.publicKey), pair.privateKey);
}

/** Runs one exchange to completion with no loss; returns [configurator ns, enrollee ns]. */
function oneExchange(
  configuratorId: BootstrapIdentity,
  enrolleeId: BootstrapIdentity,
  mutual: boolean,
): [bigint, bigint] {
  let conf: ConfiguratorSession = createConfiguratorInitiator({
    peer: makePeer(enrolleeId.key),
    own: configuratorId,
    requireMutual: mutual,
  });
  let enr: EnrolleeSession = createEnrolleeResponder({
    own: enrolleeId,
    peer: mutual ? makePeer(configuratorId.key) : undefined,
    requireMutual: mutual,
    configRequest: { name: 'bench', wifiTech: 'infra', netRole: 'sta' },
  });
  let confNs = 0n;
  let enrNs = 0n;
  const queue: Array<['c', ConfiguratorInput] | ['e', EnrolleeInput]> = [['c', { type: 'start' }]];
  const route = (from: 'c' | 'e', effects: (ConfiguratorEffect | EnrolleeEffect)[]) => {
    for (const e of effects) {
      if (e.type === 'send')
        queue.push(
          from === 'c'
            ? ['e', { type: 'message', bytes: e.message }]
            : ['c', { type: 'message', bytes: e.message }],
        );
      else if (e.type === 'configurationRequested')
        queue.push(['c', { type: 'configure', configObject: CONFIG, sendConnStatus: true }]);
      else if (e.type === 'configurationReceived') {
        queue.push(['e', { type: 'configApplied', status: 0 }]);
        queue.push([
          'e',
          { type: 'connectionAttempted', connStatus: encodeConnectionStatus({ result: 0 }) },
        ]);
      }
    }
  };
  while (queue.length > 0) {
    const next = queue.shift()!;
    const t0 = process.hrtime.bigint();
    if (next[0] === 'c') {
      const r = stepConfigurator(conf, next[1]);
      confNs += process.hrtime.bigint() - t0;
      conf = r.session;
      route('c', r.effects);
    } else {
      const r = stepEnrollee(enr, next[1]);
      enrNs += process.hrtime.bigint() - t0;
      enr = r.session;
      route('e', r.effects);
    }
  }
  if (conf.stage.name !== 'done' || conf.stage.outcome.result !== 'connected') {
    throw new Error(`benchmark exchange did not complete: ${JSON.stringify(conf.stage)}`);
  }
  return [confNs, enrNs];
}

/**
 * Median over `rounds` rounds of `exchanges` exchanges each: this machine is a shared VM, and the
 * median of rounds is far steadier than one long mean.
 */
export function measureExchangeCost(
  backend: CryptoBackends,
  mutual: boolean,
  exchanges: number,
  rounds = 5,
): ExchangeCost {
  const previousEc = useEcBackend(backend.ec);
  const previousAesSiv = useAesSivBackend(backend.aesSiv);
  try {
    const configuratorId = identity();
    const enrolleeId = identity();
    for (let i = 0; i < Math.min(20, exchanges); i++)
      oneExchange(configuratorId, enrolleeId, mutual); // warm-up
    const conf: number[] = [];
    const enr: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let confNs = 0n;
      let enrNs = 0n;
      for (let i = 0; i < exchanges; i++) {
        const [c, e] = oneExchange(configuratorId, enrolleeId, mutual);
        confNs += c;
        enrNs += e;
      }
      conf.push(Number(confNs) / 1e6 / exchanges);
      enr.push(Number(enrNs) / 1e6 / exchanges);
    }
    return {
      backend: backend.name,
      mutual,
      exchanges: exchanges * rounds,
      configuratorMsPerExchange: median(conf),
      enrolleeMsPerExchange: median(enr),
    };
  } finally {
    useEcBackend(previousEc);
    useAesSivBackend(previousAesSiv);
  }
}

export interface PrimitiveCost {
  backend: string;
  /** x of k·P for a fixed k, as pI is used twice per exchange. */
  ecdhXUs: number;
  generateKeyPairUs: number;
  /** One operation, the mean of an encrypt and a decrypt: 32-byte key, 2 AD, 100-byte text. */
  aesSivUs: number;
}

/** Microseconds per call of each primitive, median of `rounds` rounds of `iterations`. */
export function measurePrimitives(
  backend: CryptoBackends,
  iterations: number,
  rounds = 5,
): PrimitiveCost {
  const { ec, aesSiv } = backend;
  const own = ec.generateKeyPair().privateKey;
  const peer = ec.generateKeyPair().publicKey;
  const key = new Uint8Array(32).fill(0x5a);
  const ad = [new Uint8Array(6).fill(1), new Uint8Array(40).fill(2)];
  const text = new Uint8Array(100).fill(3);
  const sealed = aesSiv.encrypt(key, text, ad);
  const perCall = (f: () => unknown): number => {
    for (let i = 0; i < Math.min(50, iterations); i++) f(); // warm-up
    const us: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) f();
      us.push(Number(process.hrtime.bigint() - t0) / 1e3 / iterations);
    }
    return median(us);
  };
  return {
    backend: backend.name,
    ecdhXUs: perCall(() => ec.ecdhX(own, peer)),
    generateKeyPairUs: perCall(() => ec.generateKeyPair()),
    aesSivUs:
      (perCall(() => aesSiv.encrypt(key, text, ad)) +
        perCall(() => aesSiv.decrypt(key, sealed, ad))) /
      2,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
