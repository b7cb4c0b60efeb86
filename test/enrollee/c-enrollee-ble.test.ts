/**
 * The C enrollee's Bluetooth LE carrier (firmware-enrollee/core/ble_discovery.c) against
 * docs/ble-discovery.md, computed here from the document alone with node:crypto: for fixed and
 * fresh keys, the advertisement must be exactly Flags + Service Data (the service UUID
 * little-endian, version 1, flags 0, the first 8 bytes of SHA-256 over the key's DER as the URI
 * carries it), and the URI characteristic's value exactly the URI the device prints for its label.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { PATHS } from './c-processes.js';

const TOOL = PATHS.vectors;
const SERVICE_UUID = '8f42633b-b4e6-4d5d-8032-4eacfd0eaab7';
const APPENDIX_B_RESPONDER = '54ce181a98525f217216f59b245f60e9df30ac7f6b26c939418cfc3c42d1afa0';

interface Carrier {
  readonly uri: string;
  readonly adv: string;
  readonly value: string;
}

/** The C core's URI, advertisement and characteristic value for this key and channel plan. */
function carrierOf(privateHex: string, channels: string | null): Carrier {
  assert.ok(existsSync(TOOL), `${TOOL} is missing: run make -C firmware-enrollee`);
  const commands = [
    `boot_priv ${privateHex}`,
    ...(channels ? [`channels ${channels}`] : []),
    'start',
  ];
  const r = spawnSync(TOOL, [], { input: commands.join('\n') + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, `enrollee-vectors failed: ${r.stdout}${r.stderr}`);
  const line = (kind: string): string => {
    const found = r.stdout.split('\n').find((l) => l.startsWith(`${kind} `));
    assert.ok(found, `no ${kind} line in ${r.stdout}`);
    return found.slice(kind.length + 1);
  };
  return { uri: line('uri'), adv: line('ble_adv'), value: line('ble_uri') };
}

/** The advertisement as docs/ble-discovery.md defines it, for the key in this URI. */
function expectedAdvertisement(uri: string): string {
  const k = /(?:^DPP:|;)K:([^;]+);/.exec(uri);
  assert.ok(k, `no K: token in ${uri}`);
  const hash = createHash('sha256').update(Buffer.from(k[1]!, 'base64')).digest();
  const uuidOnAir = Buffer.from(SERVICE_UUID.replaceAll('-', ''), 'hex').reverse();
  const serviceData = Buffer.concat([Buffer.from([1, 0]), hash.subarray(0, 8)]);
  const flags = Buffer.from([0x02, 0x01, 0x06]);
  const service = Buffer.concat([
    Buffer.from([1 + uuidOnAir.length + serviceData.length, 0x21]),
    uuidOnAir,
    serviceData,
  ]);
  return Buffer.concat([flags, service]).toString('hex');
}

function freshPrivateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const d = privateKey.export({ format: 'jwk' }).d;
  assert.ok(d);
  return Buffer.from(d, 'base64url').toString('hex');
}

describe('C enrollee: the Bluetooth LE carrier of its DPP URI (docs/ble-discovery.md)', () => {
  it('advertises the Appendix B responder key as the document defines, 31 bytes', () => {
    const c = carrierOf(APPENDIX_B_RESPONDER, '6');
    assert.equal(c.adv, expectedAdvertisement(c.uri));
    assert.equal(c.adv.length / 2, 31);
    // the first 8 bytes of SHA-256 over this key's DER (the vector's r_asn1), written out
    assert.ok(c.adv.endsWith('0100922ddd7a3ed69f46'), c.adv);
  });

  it('serves exactly the label URI, printable ASCII within 255 bytes', () => {
    for (const channels of ['6', '1,6,11', '1,2,3,4,5,6,7,8,9,10,11,12,13,14', null]) {
      const c = carrierOf(APPENDIX_B_RESPONDER, channels);
      assert.equal(c.value, c.uri);
      assert.ok(c.value.length <= 255);
      assert.match(c.value, /^DPP:[\x20-\x7e]*;;$/);
    }
  });

  it('agrees for fresh keys', () => {
    for (let i = 0; i < 8; i++) {
      const c = carrierOf(freshPrivateKey(), '1,6,11');
      assert.equal(c.adv, expectedAdvertisement(c.uri));
      assert.equal(c.value, c.uri);
    }
  });
});
