/**
 * The C enrollee core (firmware-enrollee/) against protocol/dpp on the same keys and nonces: the
 * TypeScript Configurator and Enrollee build the whole exchange; the C core, fed the Configurator's
 * messages through build-host/enrollee-vectors, must send the TypeScript Enrollee's bytes exactly —
 * Presence Announcement, Authentication Response, Configuration Request, Configuration Result,
 * Connection Status Result — and fragment them as protocol/espnow does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { DppStatus } from '../../protocol/dpp/attributes.js';
import { makeIdentity, makePeer, type BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { buildAuthRequest, processAuthResponse } from '../../protocol/dpp/auth-initiator.js';
import { processAuthRequest } from '../../protocol/dpp/auth-responder.js';
import {
  bootstrapKeyHash,
  chirpHash,
  encodeBootstrapKey,
} from '../../protocol/dpp/bootstrap-key.js';
import {
  buildConfigurationRequest,
  buildConfigurationResponse,
  buildConfigurationResult,
  buildConnectionStatusResult,
} from '../../protocol/dpp/config-exchange.js';
import { buildPresenceAnnouncement } from '../../protocol/dpp/presence.js';
import {
  encodeConfigurationObject,
  encodeConfigurationRequest,
  encodeConnectionStatus,
  type ConfigurationRequest,
} from '../../protocol/dpp/config-object.js';
import { publicKeyOf } from '../../protocol/dpp/crypto/p256.js';
import { decodeMessage, type DppFrame } from '../../protocol/dpp/frames.js';
import { dppUriOfKey, parseDppUri } from '../../protocol/dpp/uri.js';
import { fragmentDppMessage } from '../../protocol/espnow/fragment.js';
import { PATHS } from './c-processes.js';

const TOOL = PATHS.vectors;

interface Sent {
  readonly dst: string;
  readonly limit: number;
  readonly messageId: number;
  readonly message: string;
  readonly payloads: string[];
}

interface Transcript {
  readonly uri: string;
  readonly sent: Sent[];
  readonly lines: string[];
}

/** Run the C core on these commands; every line of its output, with the sends collected. */
function runC(commands: readonly string[]): Transcript {
  assert.ok(existsSync(TOOL), `${TOOL} is missing: run make -C firmware-enrollee`);
  const r = spawnSync(TOOL, [], { input: commands.join('\n') + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, `enrollee-vectors failed: ${r.stdout}${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  const sent: Sent[] = [];
  let uri = '';
  for (const line of lines) {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'uri') uri = rest.join(' ');
    if (kind === 'send') {
      const [dst, limit, id, message] = rest;
      sent.push({
        dst: dst!,
        limit: Number(limit),
        messageId: Number(id),
        message: message!,
        payloads: [],
      });
    }
    if (kind === 'payload') sent[sent.length - 1]!.payloads.push(rest[0]!);
  }
  return { uri, sent, lines };
}

function frameOf(bytes: Uint8Array): DppFrame {
  const m = decodeMessage(bytes);
  assert.ok(m.ok && m.value.kind === 'dpp');
  return m.value;
}

function identityOf(privateHex: string): BootstrapIdentity {
  const priv = fromHex(privateHex);
  return makeIdentity(encodeBootstrapKey(publicKeyOf(priv)), priv);
}

// Fixed keys and nonces (the Appendix B values where they fit; any valid ones would do).
const ENROLLEE_BOOT = '54ce181a98525f217216f59b245f60e9df30ac7f6b26c939418cfc3c42d1afa0';
const CONFIGURATOR_BOOT = '15b2a83c5a0a38b61f2aa8200ee4994b8afdc01c58507d10d0a38f7eedf051bb';
const I_PROTO = 'a87de9afbb406c96e5f79a3df895ecac3ad406f95da66314c8cb3165e0c61783';
const R_PROTO = 'f798ed2e19286f6a6efe210b1863badb99af2a14b497634dbfd2a97394fb5aa5';
const I_NONCE = '13f4602a16daeb69712263b9c46cba31';
const R_NONCE = '3d0cfb011ca916d796f7029ff0b43393';
const E_NONCE = '9a3bbd0e0a6c2f4d51e8a7c3b2f10655';
const CONFIGURATOR_MAC = '02cf00000001';
const FIRST_MESSAGE_ID = 65534; // wraps during the run

const DEVICE: ConfigurationRequest = {
  name: 'enrollee',
  wifiTech: 'infra',
  netRole: 'sta',
  deviceInfo: { manufacturer: 'Acme', model: 'AC-1', serial: 'SN 42 "b"', firmware: '1.0.0' },
};
const SSID = 'factory-floor';
const PASS = 'correct horse battery';
const BUNDLE = fromHex(
  '8aa200662f302f312f30037822636f6170733a2f2f65752e696f742e617673797374656d2e636c6f75643a35363834',
);

/** The TypeScript side of one whole session, and the commands that replay it to the C core. */
function session(mutual: boolean) {
  const enrollee = identityOf(ENROLLEE_BOOT);
  const configurator = identityOf(CONFIGURATOR_BOOT);
  const iProto = { privateKey: fromHex(I_PROTO), publicKey: publicKeyOf(fromHex(I_PROTO)) };
  const rProto = { privateKey: fromHex(R_PROTO), publicKey: publicKeyOf(fromHex(R_PROTO)) };
  const init = buildAuthRequest({
    role: 'configurator',
    own: configurator,
    peer: makePeer(enrollee.key),
    requireMutual: mutual,
    protocolKey: iProto,
    nonce: fromHex(I_NONCE),
  });
  const responder = processAuthRequest(
    {
      role: 'enrollee',
      own: enrollee,
      peer: mutual ? makePeer(configurator.key) : undefined,
      requireMutual: mutual,
      protocolKey: rProto,
      nonce: fromHex(R_NONCE),
    },
    frameOf(init.request),
  );
  assert.ok(responder.ok, responder.ok ? '' : responder.error.describe());
  const auth = processAuthResponse(init, frameOf(responder.value.response));
  assert.ok(auth.ok, auth.ok ? '' : auth.error.describe());
  assert.equal(auth.value.mutual, mutual);
  const ke = auth.value.ke;
  const eNonce = fromHex(E_NONCE);
  const configRequest = buildConfigurationRequest(
    ke,
    eNonce,
    encodeConfigurationRequest(DEVICE),
    eNonce[0]!,
  );
  const configObject = encodeConfigurationObject({
    ssid: new TextEncoder().encode(SSID),
    credential: { akm: 'psk', pass: PASS },
    lwm2mBundle: BUNDLE,
  });
  const configResponse = buildConfigurationResponse(ke, eNonce[0]!, {
    status: DppStatus.Ok,
    eNonce,
    configObjects: [configObject],
    sendConnStatus: true,
  });
  const expected = {
    announcement: buildPresenceAnnouncement(chirpHash(enrollee.key), enrollee.key.der),
    authResponse: responder.value.response,
    configRequest,
    configResult: buildConfigurationResult(ke, eNonce, DppStatus.Ok),
    connStatusResult: buildConnectionStatusResult(
      ke,
      eNonce,
      encodeConnectionStatus({ result: DppStatus.Ok, ssid: new TextEncoder().encode(SSID) }),
    ),
  };
  const commands = [
    `boot_priv ${ENROLLEE_BOOT}`,
    `proto_priv ${R_PROTO}`,
    `r_nonce ${R_NONCE}`,
    `e_nonce ${E_NONCE}`,
    `message_id ${FIRST_MESSAGE_ID}`,
    'channels 6',
    `name ${DEVICE.name}`,
    `manufacturer ${DEVICE.deviceInfo!.manufacturer!}`,
    `model ${DEVICE.deviceInfo!.model!}`,
    `serial ${DEVICE.deviceInfo!.serial!}`,
    `firmware ${DEVICE.deviceInfo!.firmware!}`,
    ...(mutual ? [`pin ${dppUriOfKey(configurator.key)}`] : []),
    'start',
    `rx ${CONFIGURATOR_MAC} ${toHex(init.request)}`,
    `rx ${CONFIGURATOR_MAC} ${toHex(auth.value.confirm)}`,
    `rx ${CONFIGURATOR_MAC} ${toHex(configResponse)}`,
    'wifi 0',
  ];
  return { enrollee, expected, commands };
}

describe('C enrollee core against protocol/dpp (same keys and nonces, same bytes)', () => {
  for (const mutual of [false, true]) {
    describe(mutual ? 'mutual, pinning the configurator' : 'responder-only', () => {
      const { enrollee, expected, commands } = session(mutual);
      const c = runC(commands);

      it('publishes the same URI key and announces with the same Presence Announcement', () => {
        const uri = parseDppUri(c.uri);
        assert.ok(uri.ok, uri.ok ? '' : uri.error.describe());
        assert.equal(toHex(bootstrapKeyHash(uri.value.key)), toHex(enrollee.hash));
        assert.deepEqual(uri.value.channels, [{ opClass: 81, channel: 6 }]);
        assert.equal(c.sent[0]!.dst, 'ffffffffffff');
        assert.equal(c.sent[0]!.message, toHex(expected.announcement));
      });

      it('answers with the same Authentication Response, Configuration Request, Result and Connection Status Result', () => {
        const unicast = c.sent.slice(1);
        assert.deepEqual(
          unicast.map((s) => s.message),
          [
            expected.authResponse,
            expected.configRequest,
            expected.configResult,
            expected.connStatusResult,
          ].map(toHex),
        );
        for (const s of unicast) assert.equal(s.dst, CONFIGURATOR_MAC);
      });

      it('delivers the credentials and the LwM2M bundle', () => {
        const line = c.lines.find((l) => l.startsWith('credentials '));
        assert.equal(
          line,
          `credentials ${toHex(new TextEncoder().encode(SSID))} psk pass ${toHex(new TextEncoder().encode(PASS))} ${toHex(BUNDLE)}`,
        );
        assert.ok(c.lines.includes('state done 0'));
      });

      it('fragments every message as fragmentDppMessage does, one new messageId per message', () => {
        c.sent.forEach((s, i) => {
          assert.equal(s.messageId, (FIRST_MESSAGE_ID + i) & 0xffff);
          assert.equal(s.limit, 250);
          assert.deepEqual(
            s.payloads,
            // The C enrollee's radio receives v2 (its default): its headers carry the flag.
            fragmentDppMessage(fromHex(s.message), s.messageId, 250, true).map(toHex),
          );
        });
        // The mutual Authentication Response (with the Initiator hash) needs two fragments.
        assert.equal(c.sent[1]!.payloads.length, mutual ? 2 : 1);
      });
    });
  }

  it('a pinned C enrollee refuses a configurator that is not the pinned one', () => {
    const { commands } = session(false);
    const other = identityOf(I_PROTO); // any key but the configurator's
    const pin = `pin ${dppUriOfKey(other.key)}`;
    const c = runC([...commands.slice(0, 11), pin, ...commands.slice(11, 13)]);
    assert.equal(c.sent.length, 1); // the announcement only
    assert.ok(c.lines.includes('ignored 305'), c.lines.join('\n')); // E305 AuthMutualRequired
    assert.ok(!c.lines.some((l) => l.startsWith('state awaitAuthConfirm')));
  });
});
