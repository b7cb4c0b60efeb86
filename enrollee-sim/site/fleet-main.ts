#!/usr/bin/env node
/**
 * A fleet of simulated devices on the simulated radio, as a process of its own:
 *   node dist/enrollee-sim/site/fleet-main.js --hub-port P --count N [--unknown U] [--spoofers S]
 *     --keys DIR --ap-ssid SSID --ap-pass-file FILE [--chirp-ms MS] [--give-up-s S] [--stagger-ms MS]
 *   … --write-uris FILE   writes the whitelisted devices' DPP URIs (one per line) and exits.
 * While running it prints one JSON line per device when it is done, then a summary line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { toHex } from '../../protocol/bytes.js';
import { RadioNode } from '../radio/node.js';
import { deviceUri, loadOrCreateFleet, type FleetDevice } from './fleet-devices.js';
import { SimDevice, type AirEndpoint, type SimulatedAp } from './sim-device.js';
import { initiateOverTcp, type TcpDeviceResult } from './tcp-device.js';
import { makePeer, type PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import { parseDppUri } from '../../protocol/dpp/uri.js';

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: "${text}" is not a whole number`);
  return n;
}

async function endpointOn(
  d: FleetDevice,
  hubPort: number,
): Promise<AirEndpoint & { close(): Promise<void> }> {
  const node = await RadioNode.join({ mac: d.mac, channel: 6, hubPort, hearBroadcasts: false });
  const endpoint = {
    mac: d.mac,
    onFrame: (() => {}) as AirEndpoint['onFrame'],
    send: (dst: string, payload: Uint8Array) => node.send(dst, payload),
    close: () => node.close(),
  };
  node.onFrame = (f) => endpoint.onFrame(f);
  return endpoint;
}

/** Each device initiates DPP over TCP, again after a failure, until configured or out of time. */
async function runOverTcp(
  fleet: readonly FleetDevice[],
  port: number,
  configurator: PeerBootstrap,
  ap: SimulatedAp,
  staggerMs: number,
  giveUpMs: number,
  started: number,
): Promise<void> {
  const lines = await Promise.all(
    fleet.map(async (d) => {
      await new Promise((r) => setTimeout(r, Math.random() * staggerMs));
      const first = performance.now();
      let attempts = 0;
      let last: TcpDeviceResult | undefined;
      while (performance.now() - first < giveUpMs * 8) {
        attempts++;
        last = await initiateOverTcp('127.0.0.1', port, d.identity, configurator, {
          ap,
          timeoutMs: 10_000,
        }).catch(() => undefined);
        if (last?.outcome?.result === 'configured' || d.role !== 'whitelisted') break;
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      }
      const configured = last?.outcome?.result === 'configured';
      const line = {
        type: 'enrollee',
        label: d.label,
        mac: d.mac,
        role: d.role,
        keyHash: toHex(d.identity.hash),
        result: configured ? 'configured' : 'not configured',
        reason: configured
          ? 'configured over TCP'
          : last?.outcome?.result === 'failed'
            ? last.outcome.error.message
            : 'refused',
        joined: last?.joined ?? false,
        ttpMs:
          configured && last?.configuredAfterMs !== undefined
            ? Math.round(performance.now() - first)
            : null,
        attempts,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      return line;
    }),
  );
  process.stdout.write(
    `${JSON.stringify({
      type: 'summary',
      devices: lines.length,
      configured: lines.filter((l) => l.result === 'configured').length,
      durationS: (performance.now() - started) / 1000,
    })}\n`,
  );
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
  const started = performance.now();
  if (tcpPort !== 0) {
    if (values['configurator-uri'] === undefined)
      throw new Error('--tcp-port needs --configurator-uri');
    const uri = parseDppUri(values['configurator-uri']);
    if (!uri.ok) throw new Error(`--configurator-uri: ${uri.error.message}`);
    await runOverTcp(fleet, tcpPort, makePeer(uri.value.key), ap, staggerMs, giveUpMs, started);
    return;
  }
  const victim = fleet.find((d) => d.role === 'whitelisted')!;
  const endpoints = await Promise.all(fleet.map((d) => endpointOn(d, hubPort)));
  const results = fleet.map(async (d, i) => {
    const device = new SimDevice(endpoints[i]!, {
      identity: d.identity,
      ap,
      serial: d.serial,
      announcedKey: d.role === 'spoofer' ? victim.identity.key : undefined,
      chirpMs,
      retries: d.role === 'whitelisted' ? 20 : 0,
    });
    // A batch is powered up over a second or so, not in one instant.
    await new Promise((r) => setTimeout(r, Math.random() * staggerMs));
    device.start();
    // Devices that will never be configured give up after a while (a real one keeps chirping).
    const limit = d.role === 'whitelisted' ? giveUpMs * 8 : giveUpMs;
    const timer = new Promise<undefined>((r) => setTimeout(() => r(undefined), limit).unref());
    const report = await Promise.race([device.done, timer]);
    device.stop();
    const line = {
      type: 'enrollee',
      label: d.label,
      mac: d.mac,
      role: d.role,
      keyHash: toHex(d.identity.hash),
      result: report === undefined ? 'not configured' : report.outcome.result,
      reason:
        report === undefined
          ? `no configuration after ${limit / 1000} s`
          : report.outcome.result === 'failed'
            ? report.outcome.error.message
            : report.joined
              ? 'joined the simulated AP'
              : 'did not join the simulated AP',
      joined: report?.joined ?? false,
      ttpMs:
        report?.configuredAt === undefined
          ? null
          : Math.round(report.configuredAt - report.firstChirpAt),
      attempts: (report?.failures ?? 0) + 1,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return line;
  });
  const lines = await Promise.all(results);
  await Promise.all(endpoints.map((e) => e.close()));
  const configured = lines.filter((l) => l.result === 'configured');
  process.stdout.write(
    `${JSON.stringify({
      type: 'summary',
      devices: lines.length,
      configured: configured.length,
      joined: lines.filter((l) => l.joined).length,
      durationS: (performance.now() - started) / 1000,
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`fleet: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
