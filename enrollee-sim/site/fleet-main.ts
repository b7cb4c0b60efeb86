#!/usr/bin/env node
/**
 * A fleet of simulated devices on the simulated radio, as a process of its own:
 *   node dist/enrollee-sim/site/fleet-main.js --hub-port P --count N [--unknown U] [--spoofers S]
 *     --keys DIR --ap-ssid SSID --ap-pass-file FILE [--chirp-ms MS] [--give-up-s S] [--stagger-ms MS]
 *     [--enrollee ts|c] [--channels LIST] [--ap-channel N]
 *   … --write-uris FILE   writes the whitelisted devices' DPP URIs (one per line) and exits.
 * Every device walks the channel plan LIST (default 6, the channel its URI names) and moves to
 * the AP's channel (--ap-channel, default 6) when it joins. `--enrollee c` runs the whitelisted
 * and unknown devices on our C enrollee (enrollee-host) instead of the TypeScript one.
 * While running it prints one JSON line per device when it is done, then a summary line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RadioNode } from '../radio/node.js';
import { deviceUri, loadOrCreateFleet, type FleetDevice } from './fleet-devices.js';
import { runFleetOnAir, runFleetOverTcp, type FleetEndpoint } from './fleet.js';
import { makePeer } from '../../protocol/dpp/auth-common.js';
import { parseDppUri } from '../../protocol/dpp/uri.js';
import { exitWithParent } from '../exit-with-parent.js';

exitWithParent();

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: "${text}" is not a whole number`);
  return n;
}

async function endpointOn(
  d: FleetDevice,
  hubPort: number,
  channel: number,
): Promise<FleetEndpoint> {
  const node = await RadioNode.join({ mac: d.mac, channel, hubPort, hearBroadcasts: false });
  const endpoint: FleetEndpoint = {
    mac: d.mac,
    onFrame: () => {},
    send: (dst: string, payload: Uint8Array) => node.send(dst, payload),
    setChannel: (ch: number) => node.setChannel(ch),
    close: () => node.close(),
  };
  node.onFrame = (f) => endpoint.onFrame(f);
  return endpoint;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'hub-port': { type: 'string' },
      count: { type: 'string', default: '50' },
      unknown: { type: 'string', default: '0' },
      spoofers: { type: 'string', default: '0' },
      keys: { type: 'string' },
      'ap-ssid': { type: 'string' },
      'ap-pass-file': { type: 'string' },
      'chirp-ms': { type: 'string', default: '1000' },
      'give-up-s': { type: 'string', default: '15' },
      'stagger-ms': { type: 'string', default: '1000' },
      'write-uris': { type: 'string' },
      'tcp-port': { type: 'string' },
      'configurator-uri': { type: 'string' },
      enrollee: { type: 'string', default: 'ts' },
      channels: { type: 'string', default: '6' },
      'ap-channel': { type: 'string', default: '6' },
    },
  });
  if (values.keys === undefined) throw new Error('--keys DIR is required');
  const fleet = loadOrCreateFleet(values.keys, {
    count: count('count', values.count, 50),
    unknown: count('unknown', values.unknown, 0),
    spoofers: count('spoofers', values.spoofers, 0),
  });
  if (values['write-uris'] !== undefined) {
    const uris = fleet.filter((d) => d.role === 'whitelisted').map(deviceUri);
    writeFileSync(values['write-uris'], `${uris.join('\n')}\n`, { mode: 0o600 });
    return;
  }
  const hubPort = count('hub-port', values['hub-port'], 0);
  const tcpPort = count('tcp-port', values['tcp-port'], 0);
  if (hubPort === 0 && tcpPort === 0) throw new Error('--hub-port or --tcp-port is required');
  if (values['ap-ssid'] === undefined || values['ap-pass-file'] === undefined) {
    throw new Error('--ap-ssid and --ap-pass-file are required');
  }
  const ap = {
    ssid: values['ap-ssid'],
    passphrase: readFileSync(values['ap-pass-file'], 'utf8').split('\n')[0]!,
  };
  const chirpMs = count('chirp-ms', values['chirp-ms'], 1000);
  const giveUpMs = count('give-up-s', values['give-up-s'], 15) * 1000;
  const staggerMs = count('stagger-ms', values['stagger-ms'], 1000);
  const write = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
  if (tcpPort !== 0) {
    if (values['configurator-uri'] === undefined)
      throw new Error('--tcp-port needs --configurator-uri');
    const uri = parseDppUri(values['configurator-uri']);
    if (!uri.ok) throw new Error(`--configurator-uri: ${uri.error.message}`);
    const { summary } = await runFleetOverTcp({
      fleet,
      port: tcpPort,
      configurator: makePeer(uri.value.key),
      ap,
      staggerMs,
      giveUpMs,
      onLine: write,
    });
    write(summary);
    return;
  }
  if (values.enrollee !== 'ts' && values.enrollee !== 'c')
    throw new Error(`--enrollee: "${values.enrollee}" is neither ts nor c`);
  const channels = (values.channels ?? '6').split(',').map((c) => count('channels', c, 6));
  if (channels.some((c) => c < 1 || c > 14)) throw new Error('--channels: channels are 1 to 14');
  const apChannel = count('ap-channel', values['ap-channel'], 6);
  const { summary } = await runFleetOnAir({
    fleet,
    endpointFor: (d) => endpointOn(d, hubPort, channels[0]!),
    ap: { ...ap, channel: apChannel },
    deviceOptions: () => ({ channels }),
    chirpMs,
    giveUpMs,
    staggerMs,
    onLine: write,
    cEnrollee:
      values.enrollee === 'c'
        ? {
            hubPort,
            keysDir: values.keys,
            ap: { ssid: ap.ssid, passFile: values['ap-pass-file'], channel: apChannel },
            channels,
          }
        : undefined,
  });
  write(summary);
}

main().catch((e: unknown) => {
  process.stderr.write(`fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
