/**
 * CPU cost of the Configurator's side of one complete DPP exchange (authentication,
 * Configuration Request/Response, Configuration Result, Connection Status Result), measured on
 * the real protocol code with each elliptic-curve backend. Only the Configurator's steps are
 * timed; the Enrollee's work is excluded.
 */
import { makeIdentity, makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { encodeBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import {
  encodeConfigurationObject,
  encodeConnectionStatus,
} from '../../protocol/dpp/config-object.js';
import {
  generateKeyPair,
  nodeEcBackend as backendDefault,
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
import type { Effect, Input } from '../../protocol/dpp/session/types.js';

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
  const queue: Array<['c' | 'e', Input]> = [['c', { type: 'start' }]];
  const route = (from: 'c' | 'e', effects: Effect[]) => {
    for (const e of effects) {
      if (e.type === 'send')
        queue.push([from === 'c' ? 'e' : 'c', { type: 'message', bytes: e.message }]);
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
    const [to, input] = queue.shift()!;
    const t0 = process.hrtime.bigint();
    if (to === 'c') {
      const r = stepConfigurator(conf, input);
      confNs += process.hrtime.bigint() - t0;
      conf = r.session;
      route('c', r.effects);
    } else {
      const r = stepEnrollee(enr, input);
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
  backend: EcBackend,
  mutual: boolean,
  exchanges: number,
  rounds = 5,
): ExchangeCost {
  useEcBackend(backend);
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
    useEcBackend(backendDefault);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
