import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPrivateKeyFile, writePrivateKeyFile } from '../../daemon/keys/key-file.js';
import { toHex } from '../../protocol/bytes.js';
import { compressPoint, generateKeyPair } from '../../protocol/dpp/crypto/p256.js';
import { ErrorCode, isConfiguratorError, errorCodeName } from '../../protocol/errors.js';

// hostap tests/hwsim/test_dpp.py dpp_key_p256 / dpp_key_p384: ECPrivateKey DER as hex.
const HOSTAP_P256 =
  '30570201010420777fc55dc51e967c10ec051b91d860b5f1e6c934e48d5daffef98d032c64b170a00a06082a8648ce3d030107a124032200020c804188c7f85beb6e91070d2b3e5e39b90ca77b4d3c5251bc1844d6ca29dcad';
const HOSTAP_P384 =
  '307402010104302f56fdd83b5345cacb630eb7c22fa5ad5daba37307c95191e2a75756d137003bd8b32dbcb00eb5650c1eb499ecfcaec0a00706052b81040022a13403320003615ec2141b5b77aebb6523f8a012755f9a34405a8398d2ceeeebca7f5ce868bf55056cba4c4ec62fad3ed26dd29e0f23';

describe('private key files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dpp-key-file-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes PKCS#8 PEM with mode 0600 and reads it back', () => {
    const pair = generateKeyPair();
    const file = join(dir, 'a.pem');
    writePrivateKeyFile(file, pair);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(
      readFileSync(file, 'utf8'),
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]*-----END PRIVATE KEY-----\n$/,
    );
    assert.deepEqual(readPrivateKeyFile(file), pair);
  });

  it('refuses to overwrite a file or follow a symlink (EEXIST)', () => {
    const file = join(dir, 'b.pem');
    writeFileSync(file, 'old');
    assert.throws(() => writePrivateKeyFile(file, generateKeyPair()), { code: 'EEXIST' });
    assert.equal(readFileSync(file, 'utf8'), 'old');
    const link = join(dir, 'link.pem');
    const target = join(dir, 'target.pem');
    symlinkSync(target, link);
    assert.throws(() => writePrivateKeyFile(link, generateKeyPair()), { code: 'EEXIST' });
    assert.equal(existsSync(target), false);
  });

  it("reads hostap's hex ECPrivateKey (with a trailing newline)", () => {
    const file = join(dir, 'hostap.hex');
    writeFileSync(file, `${HOSTAP_P256}\n`);
    const pair = readPrivateKeyFile(file);
    assert.equal(
      toHex(pair.privateKey),
      '777fc55dc51e967c10ec051b91d860b5f1e6c934e48d5daffef98d032c64b170',
    );
    assert.equal(
      toHex(compressPoint(pair.publicKey)),
      '020c804188c7f85beb6e91070d2b3e5e39b90ca77b4d3c5251bc1844d6ca29dcad',
    );
  });

  it('reads SEC1 PEM ("EC PRIVATE KEY")', () => {
    const pem = createPrivateKey({
      key: Buffer.from(HOSTAP_P256, 'hex'),
      format: 'der',
      type: 'sec1',
    })
      .export({ type: 'sec1', format: 'pem' })
      .toString();
    assert.match(pem, /BEGIN EC PRIVATE KEY/);
    const file = join(dir, 'sec1.pem');
    writeFileSync(file, pem);
    assert.equal(
      toHex(readPrivateKeyFile(file).privateKey),
      '777fc55dc51e967c10ec051b91d860b5f1e6c934e48d5daffef98d032c64b170',
    );
  });

  const refusals: Array<[string, string, ErrorCode]> = [
    ['a P-384 key', HOSTAP_P384, ErrorCode.UriUnsupportedCurve],
    ['text that is no key', 'hello', ErrorCode.KeyBadEncoding],
    ['hex that is no key', '3000', ErrorCode.KeyBadEncoding],
    // Same scalar, public key with the other y (02 → 03): the stored public key lies.
    [
      'a mismatched public key',
      HOSTAP_P256.replace(/02(0c8041)/, '03$1'),
      ErrorCode.CryptoKeyMismatch,
    ],
    [
      'an encrypted PEM',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n',
      ErrorCode.KeyBadEncoding,
    ],
  ];
  for (const [name, content, code] of refusals) {
    it(`refuses ${name}: ${errorCodeName(code)}`, () => {
      const file = join(dir, `refuse-${name.replace(/\W+/g, '-')}`);
      writeFileSync(file, content);
      assert.throws(
        () => readPrivateKeyFile(file),
        (e: unknown) => isConfiguratorError(e, code),
      );
    });
  }
});
