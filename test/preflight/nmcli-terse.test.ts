import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { splitTerseLine } from '../../daemon/preflight/nmcli-terse.js';
import { parseScan } from '../../daemon/preflight/wifi-scan.js';

const RECORDINGS = fileURLToPath(new URL('../../../test/preflight/nmcli/', import.meta.url));

/** What nmcli -e yes does to a value: `\` → `\\`, `:` → `\:`. */
const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');

describe('nmcli terse output', () => {
  it('splits on unescaped ":" only and unescapes "\\:" and "\\\\"', () => {
    assert.deepEqual(splitTerseLine('Lab\\:2:B0\\:BE:1'), ['Lab:2', 'B0:BE', '1']);
    assert.deepEqual(splitTerseLine('back\\\\slash::x'), ['back\\slash', '', 'x']);
  });

  it('gives back any fields nmcli escaped and joined', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 8 }), (f) => {
        assert.deepEqual(splitTerseLine(f.map(escape).join(':')), f);
      }),
    );
  });

  it('parses a recorded scan: ":", "\\" and non-ASCII SSIDs, a hidden one, security flags', () => {
    const aps = parseScan(readFileSync(`${RECORDINGS}site/wifi-list.txt`, 'utf8'));
    assert.equal(aps.length, 11);
    const by = (ssid: string) => aps.find((ap) => ap.ssid === ssid);
    assert.deepEqual(by('Lab:2'), {
      ssid: 'Lab:2',
      bssid: 'B0:BE:76:11:22:33',
      channel: 1,
      frequencyMHz: 2412,
      signal: 74,
      security: 'WPA2 WPA3',
      offers: ['psk', 'sae'],
    });
    assert.equal(by('Café Réseau 工場')?.channel, 6);
    assert.equal(by('back\\slash')?.bssid, '3C:84:6A:99:00:05');
    assert.deepEqual(by('Secure-Only')?.offers, ['sae']);
    assert.deepEqual(by('Guest')?.offers, ['open']);
    assert.deepEqual(by('Corp')?.offers, ['802.1X']);
    assert.equal(by('')?.channel, 11, 'the hidden network is kept, with an empty SSID');
  });
});
