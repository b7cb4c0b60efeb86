/**
 * The field notes' golden vector (§4: Anjay's sample PSK configuration) reproduced byte for byte
 * by the library and by the built CLI, and decoded back; the `lwm2m` CLI contract; and the sizes
 * of PSK, NoSec and Certificate-mode bundles against the DPP Configuration Object limit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runConfigurator } from '../support/cli-in-process.js';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../../protocol/bytes.js';
import {
  base64url,
  encodeConfigurationObject,
  MAX_LWM2M_BUNDLE_LEN,
} from '../../protocol/dpp/config-object.js';
import { ESPNOW_V1_PAYLOAD, FRAGMENT_HEADER_LEN } from '../../protocol/espnow/fragment.js';
import {
  buildBundle,
  decodeBundle,
  describeBundle,
  encodeBundle,
  formatBundleDescription,
  parseBundleDescription,
} from '../../protocol/lwm2m/bundle.js';
import { decodeSenmlCbor, type SenmlRecord } from '../../protocol/lwm2m/senml-cbor.js';
import { ErrorCode, isConfiguratorError } from '../../protocol/errors.js';

const MAIN = fileURLToPath(new URL('../../harness/configurator.js', import.meta.url));

const GOLDEN_HEX =
  '8aa200662f302f312f30037822636f6170733a2f2f65752e696f742e617673797374656d2e636c6f75643a35363834a200662f302f312f3104f4a200662f302f312f320200a200662f302f312f3308557265672d746573742d70736b2d6964656e74697479a200662f302f312f3508533378406d706c3350354b3533637233744b3379a200672f302f312f31300201a200662f312f312f300201a200662f312f312f31021a00015180a200662f312f312f3604f4a200662f312f312f37036155';
const GOLDEN_SHA256 = '156fe4852b41c917ea4c0123255aa98da5022190c60a9790e96d7279fc442df2';
const GOLDEN = fromHex(GOLDEN_HEX);

const te = new TextEncoder();

function rec(path: string, value: SenmlRecord['value']): SenmlRecord {
  const [objectId, instanceId, resourceId] = path.split('/').slice(1).map(Number) as [
    number,
    number,
    number,
  ];
  return { path: { objectId, instanceId, resourceId }, value };
}

const str = (value: string) => ({ type: 'string', value }) as const;
const int = (value: number) => ({ type: 'integer', value: BigInt(value) }) as const;
const bool = (value: boolean) => ({ type: 'boolean', value }) as const;
const opaque = (value: Uint8Array) => ({ type: 'opaque', value }) as const;

/** Anjay's sample PSK configuration, in path order. */
const GOLDEN_RECORDS: SenmlRecord[] = [
  rec('/0/1/0', str('coaps://eu.iot.avsystem.cloud:5684')),
  rec('/0/1/1', bool(false)),
  rec('/0/1/2', int(0)),
  rec('/0/1/3', opaque(te.encode('reg-test-psk-identity'))),
  rec('/0/1/5', opaque(te.encode('3x@mpl3P5K53cr3tK3y'))),
  rec('/0/1/10', int(1)),
  rec('/1/1/0', int(1)),
  rec('/1/1/1', int(86400)),
  rec('/1/1/6', bool(false)),
  rec('/1/1/7', str('U')),
];

/** The same configuration as the CLI reads it, members deliberately out of path order. */
const GOLDEN_DESCRIPTION = `{
  "/1/1/7": "U",
  "/0/1/0": "coaps://eu.iot.avsystem.cloud:5684",
  "/0/1/1": false,
  "/0/1/2": 0,
  "/0/1/3": {"text": "reg-test-psk-identity"},
  "/0/1/5": {"hex": "${toHex(te.encode('3x@mpl3P5K53cr3tK3y'))}"},
  "/0/1/10": 1,
  "/1/1/0": 1,
  "/1/1/1": 86400,
  "/1/1/6": false
}
`;

const GOLDEN_LINES = [
  '/0/1/0   string   "coaps://eu.iot.avsystem.cloud:5684"  # LwM2M Server URI',
  '/0/1/1   boolean  false  # Bootstrap-Server',
  '/0/1/2   integer  0  # Security Mode',
  '/0/1/3   opaque   7265672d746573742d70736b2d6964656e74697479 "reg-test-psk-identity"  # Public Key or Identity',
  '/0/1/5   opaque   3378406d706c3350354b3533637233744b3379 "3x@mpl3P5K53cr3tK3y"  # Secret Key',
  '/0/1/10  integer  1  # Short Server ID',
  '/1/1/0   integer  1  # Short Server ID',
  '/1/1/1   integer  86400  # Lifetime',
  '/1/1/6   boolean  false  # Notification Storing When Disabled or Offline',
  '/1/1/7   string   "U"  # Binding',
];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** In this process, stdout as bytes (encode writes a binary bundle). */
async function run(...args: string[]): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  const r = await runConfigurator(...args);
  return { status: r.status, stdout: r.stdoutBytes, stderr: r.stderr };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('LwM2M bundle: golden vector (field notes §4)', () => {
  describe('library', () => {
    it('the vector is what the field notes say: 192 bytes, the given SHA-256', async () => {
      assert.equal(GOLDEN.length, 192);
      assert.equal(sha256(GOLDEN), GOLDEN_SHA256);
    });

    it('encodes Anjay’s sample PSK configuration byte for byte', async () => {
      const bytes = encodeBundle(GOLDEN_RECORDS);
      assert.equal(toHex(bytes), GOLDEN_HEX);
      assert.equal(sha256(bytes), GOLDEN_SHA256);
    });

    it('encodes the same bytes whatever the order of the records', async () => {
      const shuffled = [...GOLDEN_RECORDS].reverse();
      assert.equal(toHex(encodeBundle(shuffled)), GOLDEN_HEX);
    });

    it('builds the same bytes from the JSON description', async () => {
      const built = buildBundle(GOLDEN_DESCRIPTION);
      assert.ok(built.ok, built.ok ? '' : built.error.describe());
      assert.equal(toHex(built.value), GOLDEN_HEX);
    });

    it('decodes back to the same records, strictly and validated', async () => {
      const raw = decodeSenmlCbor(GOLDEN);
      assert.ok(raw.ok);
      assert.deepEqual(raw.value, GOLDEN_RECORDS);
      const valid = decodeBundle(GOLDEN);
      assert.ok(valid.ok);
      assert.deepEqual(valid.value, GOLDEN_RECORDS);
    });

    it('describes the bundle one line per resource', async () => {
      assert.deepEqual(describeBundle(GOLDEN_RECORDS), GOLDEN_LINES);
    });

    it('formats a description that builds the same bytes', async () => {
      const text = formatBundleDescription(GOLDEN_RECORDS);
      const parsed = parseBundleDescription(text);
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value, GOLDEN_RECORDS);
      const built = buildBundle(text);
      assert.ok(built.ok);
      assert.equal(toHex(built.value), GOLDEN_HEX);
    });
  });

  describe('CLI (node dist/harness/configurator.js lwm2m …)', () => {
    let dir: string;
    let description: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'dpp-lwm2m-cli-'));
      description = join(dir, 'golden.json');
      writeFileSync(description, GOLDEN_DESCRIPTION);
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('lwm2m encode writes the exact 192 bytes to stdout', async () => {
      const r = await run('lwm2m', 'encode', description);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.length, 192);
      assert.equal(r.stdout.toString('hex'), GOLDEN_HEX);
      assert.equal(sha256(r.stdout), GOLDEN_SHA256);
    });

    it('lwm2m encode --out writes the bytes to a 0600 file and never overwrites it', async () => {
      const out = join(dir, 'golden.cbor');
      const r = await run('lwm2m', 'encode', description, '--out', out);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.length, 0);
      assert.equal(readFileSync(out).toString('hex'), GOLDEN_HEX);
      assert.equal(statSync(out).mode & 0o777, 0o600);

      const again = await run('lwm2m', 'encode', description, '--out', out);
      assert.equal(again.status, 2);
      assert.deepEqual(lines(again.stderr), [
        `configurator: refusing to overwrite ${out}: the file exists`,
      ]);
    });

    it('lwm2m decode prints the golden bundle one line per resource', async () => {
      const file = join(dir, 'vector.cbor');
      writeFileSync(file, GOLDEN);
      const r = await run('lwm2m', 'decode', file);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.toString('utf8'), `${GOLDEN_LINES.join('\n')}\n`);
    });

    it('refuses to write binary to a terminal', function () {
      // `script` gives the command a pseudo-terminal as stdout (util-linux).
      const probe = spawnSync('script', ['--version']);
      if (probe.error || probe.status !== 0) this.skip();
      const cmd = [process.execPath, MAIN, 'lwm2m', 'encode', description]
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ');
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
      assert.equal(r.status, 2, r.stdout);
      assert.match(r.stdout, /configurator: refusing to write binary CBOR to a terminal/);
      assert.doesNotMatch(r.stdout, /coaps/);
    });

    for (const [name, text, reason] of [
      [
        'PSK without a key',
        GOLDEN_DESCRIPTION.replace(/\s*"\/0\/1\/5": \{[^}]*\},/, ''),
        /E820 Lwm2mMissingCredential: \/0\/1\/5: /,
      ],
      [
        'a text string where opaque is expected',
        GOLDEN_DESCRIPTION.replace('{"text": "reg-test-psk-identity"}', '"reg-test-psk-identity"'),
        /E808 Lwm2mWrongType: \/0\/1\/3: /,
      ],
      ['not JSON', '{"/0/1/0": ', /E810 Lwm2mBadDescription: /],
    ] as const) {
      it(`lwm2m encode refuses ${name}: exit 2, one stderr line, nothing on stdout`, async () => {
        const file = join(dir, 'bad.json');
        writeFileSync(file, text);
        const r = await run('lwm2m', 'encode', file);
        assert.equal(r.status, 2);
        assert.equal(r.stdout.length, 0);
        const err = lines(r.stderr);
        assert.equal(err.length, 1, r.stderr);
        assert.match(err[0]!, new RegExp(`^configurator: invalid bundle description ${file}: `));
        assert.match(err[0]!, reason);
      });
    }

    for (const [name, bytes, reason] of [
      ['trailing bytes', Uint8Array.of(...GOLDEN, 0x00), /E804 Lwm2mTrailingBytes: /],
      ['an empty bundle', Uint8Array.of(0x80), /E811 Lwm2mEmptyBundle: /],
      [
        'an indefinite-length array',
        Uint8Array.of(0x9f, ...GOLDEN.subarray(1), 0xff),
        /E802 Lwm2mIndefiniteLength: /,
      ],
    ] as const) {
      it(`lwm2m decode refuses ${name}: exit 2, one stderr line`, async () => {
        const file = join(dir, 'bad.cbor');
        writeFileSync(file, bytes);
        const r = await run('lwm2m', 'decode', file);
        assert.equal(r.status, 2);
        assert.equal(r.stdout.length, 0);
        const err = lines(r.stderr);
        assert.equal(err.length, 1, r.stderr);
        assert.match(err[0]!, new RegExp(`^configurator: invalid bundle ${file}: `));
        assert.match(err[0]!, reason);
      });
    }

    it('a missing or oversized input file exits 2 with a one-line reason', async () => {
      const missing = await run('lwm2m', 'decode', join(dir, 'nope.cbor'));
      assert.equal(missing.status, 2);
      assert.deepEqual(lines(missing.stderr), [
        `configurator: cannot read ${join(dir, 'nope.cbor')}: ENOENT`,
      ]);
      const big = join(dir, 'big.cbor');
      writeFileSync(big, new Uint8Array(MAX_LWM2M_BUNDLE_LEN + 1));
      const r = await run('lwm2m', 'decode', big);
      assert.equal(r.status, 2);
      assert.equal(lines(r.stderr).length, 1);
      assert.match(r.stderr, /more than the 4096-byte limit/);
    });
  });
});

// ---- sizes ------------------------------------------------------------------------------------

/** Deterministic stand-in bytes of a DER object: sizes matter here, not content. */
function der(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  out[0] = 0x30;
  out[1] = 0x82;
  out[2] = (length - 4) >> 8;
  out[3] = (length - 4) & 0xff;
  for (let i = 4; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const SERVER_RECORDS = [
  rec('/1/1/0', int(1)),
  rec('/1/1/1', int(86400)),
  rec('/1/1/6', bool(false)),
  rec('/1/1/7', str('U')),
];

const NOSEC_RECORDS = [
  rec('/0/1/0', str('coap://eu.iot.avsystem.cloud:5683')),
  rec('/0/1/1', bool(false)),
  rec('/0/1/2', int(3)),
  rec('/0/1/10', int(1)),
  ...SERVER_RECORDS,
];

/** A real P-256 private key (PKCS#8 DER, 138 bytes) and ~500-byte certificates. */
const deviceKey = new Uint8Array(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'der',
    type: 'pkcs8',
  }),
);
const CERT_RECORDS = [
  rec('/0/1/0', str('coaps://eu.iot.avsystem.cloud:5684')),
  rec('/0/1/1', bool(false)),
  rec('/0/1/2', int(2)),
  rec('/0/1/3', opaque(der(500, 1))),
  rec('/0/1/4', opaque(der(500, 2))),
  rec('/0/1/5', opaque(deviceKey)),
  rec('/0/1/10', int(1)),
  ...SERVER_RECORDS,
];

/**
 * The DPP Configuration Response carrying the bundle, estimated: the real Configuration Object
 * JSON (with the bundle as base64url), ~70 bytes of DPP/GAS framing and the 16-byte SIV tag; and
 * the 244-byte ESP-NOW v1 fragments it takes.
 */
function deliverySize(bundle: Uint8Array): {
  configObject: number;
  message: number;
  fragments: number;
} {
  const configObject = encodeConfigurationObject({
    ssid: te.encode('factory-floor'),
    credential: { akm: 'psk', pass: 'correct horse battery' },
    lwm2mBundle: bundle,
  }).length;
  const message = configObject + 70 + 16;
  const fragments = Math.ceil(message / (ESPNOW_V1_PAYLOAD - FRAGMENT_HEADER_LEN));
  return { configObject, message, fragments };
}

describe('LwM2M bundle sizes (MAX_LWM2M_BUNDLE_LEN = 4096)', () => {
  for (const [mode, records] of [
    ['PSK (the golden vector)', GOLDEN_RECORDS],
    ['NoSec', NOSEC_RECORDS],
    ['Certificate (500-byte certificates, 138-byte PKCS#8 key)', CERT_RECORDS],
  ] as const) {
    const bundle = encodeBundle(records);
    const d = deliverySize(bundle);
    it(
      `${mode}: ${bundle.length} bytes, ${base64url(bundle).length} base64url, ` +
        `Configuration Object ${d.configObject} B, message ~${d.message} B, ${d.fragments} ESP-NOW fragments`,
      () => {
        assert.ok(bundle.length <= MAX_LWM2M_BUNDLE_LEN);
        const back = decodeBundle(bundle);
        assert.ok(back.ok);
        assert.deepEqual(back.value, records);
      },
    );
  }

  it('a Certificate-mode bundle fits with room for a CA chain', async () => {
    const bundle = encodeBundle(CERT_RECORDS);
    assert.ok(bundle.length < 1400, `${bundle.length} bytes`);
    assert.ok(MAX_LWM2M_BUNDLE_LEN - bundle.length > 2500);
  });

  it('a bundle over the limit is refused before it is sent', async () => {
    const huge = CERT_RECORDS.map((r) =>
      r.path.resourceId === 4 && r.path.objectId === 0 ? rec('/0/1/4', opaque(der(4000, 3))) : r,
    );
    assert.throws(
      () => encodeBundle(huge),
      (e: unknown) => isConfiguratorError(e, ErrorCode.Lwm2mTooLarge),
    );
  });
});
