/**
 * `configurator demo`: a SIMULATION of a site, end to end, with the real daemon. A temporary data
 * dir, the radio hub, the ESP32 bridge's host build on a pty, the daemon (this process) on that
 * pty, and a fleet of simulated enrollees in a process of its own: most whitelisted, some unknown,
 * one spoofing a whitelisted key. A progress bar while it runs, then a table of every device.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../daemon/config/load.js';
import { createLogger } from '../../daemon/logging.js';
import { createBundleBuilder } from '../../daemon/service/bundles.js';
import { ConfiguratorDaemon } from '../../daemon/service/daemon.js';
import { createRadio } from '../../daemon/service/radio.js';
import { openStores } from '../../daemon/service/stores.js';
import { parseImport } from '../../whitelist/import.js';
import { FINAL_DEVICE_STATES } from '../../whitelist/types.js';
import { formatTable } from '../../daemon/cli/support/table.js';
import { demoConfig, DEMO_SSID } from './demo-config.js';
import { DemoTeardown } from './teardown.js';
import { startConsole } from '../../daemon/console/start-console.js';
import type { ConsoleServer } from '../../daemon/console/server.js';
import { loadOrCreateTokens } from '../../daemon/console/tokens.js';
import { DaemonErrorCode } from '../../daemon/errors.js';
import { isConfiguratorError } from '../../protocol/errors.js';

/** The console on its usual port, or on any free one when that is taken (another daemon). */
async function startDemoConsole(
  options: Omit<Parameters<typeof startConsole>[0], 'port'>,
): Promise<ConsoleServer> {
  try {
    return await startConsole(options);
  } catch (e) {
    if (!isConfiguratorError(e, DaemonErrorCode.ConsoleUnavailable)) throw e;
    return startConsole({ ...options, port: 0 });
  }
}

export interface DemoOptions {
  readonly enrollees: number;
  readonly once: boolean;
  /** Run the devices on the TypeScript simulator or on our C enrollee (enrollee-host). */
  readonly enrollee: 'ts' | 'c';
  /** Keep the temporary data dir (database, logs, keys) after the demo ends. */
  readonly keep: boolean;
  readonly out: NodeJS.WriteStream;
}

const STOP_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;

interface Row {
  mac: string;
  role: string;
  label: string;
  keyHash: string;
  state: string;
  reason: string;
}

function banner(out: NodeJS.WriteStream, text: string): void {
  const line = '='.repeat(text.length + 4);
  out.write(`\n${line}\n  ${text}\n${line}\n`);
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { out, enrollees } = options;
  // The simulation parts are loaded only here: the daemon itself never needs them.
  const site = await import('../../enrollee-sim/site/processes.js');
  const fleetRun = await import('../../enrollee-sim/site/fleet-process.js');
  banner(
    out,
    `SIMULATION — ${enrollees} simulated enrollees${options.enrollee === 'c' ? ' (our C enrollee)' : ''}, simulated radio, ESP32 bridge host build`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'dpp-configurator-demo-'));
  const passphrase = randomBytes(12).toString('base64url');
  writeFileSync(join(dataDir, 'wifi.pass'), `${passphrase}\n`, { mode: 0o600 });
  const linkPath = join(dataDir, 'bridge-tty');
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify(demoConfig(linkPath)), {
    mode: 0o600,
  });
  out.write(
    `data dir: ${dataDir}${options.keep ? '' : ' (removed at the end; --keep keeps it)'}\n`,
  );

  // Whatever was started is stopped, last first, and the data dir removed: at the end, or at
  // once on SIGHUP (a closed terminal), SIGINT or SIGTERM. Children also watch for our death.
  const teardown = new DemoTeardown(dataDir, options.keep);
  let stopAsked: () => void = () => {};
  const asked = new Promise<void>((resolve) => (stopAsked = resolve));
  let running = true;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!running) return stopAsked();
    // After a hang-up there is no terminal left to write to.
    if (signal !== 'SIGHUP') out.write(`\n${signal}: stopping the simulation\n`);
    void teardown.run().then(() => process.exit(128 + (osConstants.signals[signal] ?? 0)));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await runSite();
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    await teardown.run();
  }

  async function runSite(): Promise<number> {
    const hub = await site.startHubProcess({ loss: 0.02 });
    teardown.add(() => hub.kill());
    const bridge = await site.startBridgeProcess({ hubPort: hub.port, linkPath });
    teardown.add(() => bridge.kill());
    const unknown = Math.max(1, Math.round(enrollees * 0.1));
    const spoofers = enrollees >= 3 ? 1 : 0;
    const keysDir = join(dataDir, 'sim-devices');
    const urisFile = join(dataDir, 'whitelist-uris.txt');
    await fleetRun.writeFleetUris({ count: enrollees, unknown, spoofers, keysDir, urisFile });

    const config = loadConfig({ dataDir, env: {} });
    const logFile = join(dataDir, 'daemon.log');
    const log = createLogger({
      level: 'info',
      format: 'json',
      destination: createWriteStream(logFile, { mode: 0o600 }),
    });
    const stores = openStores(dataDir, log);
    const rows = parseImport(readFileSync(urisFile, 'utf8'), 'uris');
    if (!rows.ok) throw rows.error;
    const imported = stores.whitelistStore.importEntries(rows.value, {
      actor: 'demo',
      skipInvalid: false,
    });
    out.write(
      `whitelist: ${imported.added} devices imported; ${unknown} unknown and ${spoofers} spoofer will be refused\n`,
    );
    const bundles = createBundleBuilder(config);
    if (!bundles.ok) throw bundles.error;
    const radio = createRadio(config, log);
    const daemon = await ConfiguratorDaemon.start({
      config,
      dataDir,
      log,
      stores,
      radio,
      bundles: bundles.value,
      publishState: true,
      controlSocket: true,
    });
    teardown.add(() => daemon.stop(1000));
    out.write(`daemon: running (log: ${logFile}); Wi-Fi network "${DEMO_SSID}"\n`);
    const consoleServer = await startDemoConsole({ config, dataDir, log, stores, daemon });
    teardown.add(() => consoleServer.stop());
    out.write(
      `console: ${consoleServer.url}  (log in with the token ${loadOrCreateTokens(dataDir).tokens.admin})\n\n`,
    );

    // Progress: each simulated device counts once it has its final word from the daemon.
    const finalByAddress = new Map<string, { state: string; reason: string }>();
    const bar = new cliProgress.SingleBar(
      {
        format:
          ' {bar} {value}/{total} devices | provisioned {ok} | refused {refused} | failed {failed}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const tally = (): { ok: number; refused: number; failed: number } => {
      let ok = 0;
      let refused = 0;
      let failed = 0;
      for (const v of finalByAddress.values()) {
        if (v.state === 'provisioned' || v.state === 'connected') ok++;
        else if (v.state === 'refused') refused++;
        else failed++;
      }
      return { ok, refused, failed };
    };
    bar.start(enrollees, 0, { ok: 0, refused: 0, failed: 0 });
    const note = (address: string, state: string, reason = ''): void => {
      const previous = finalByAddress.get(address);
      if (
        previous !== undefined &&
        (previous.state === 'provisioned' || previous.state === 'connected')
      )
        return;
      // A spoofer's failed authentication is its refusal; the session's failure says it again.
      if (previous?.state === 'refused' && state === 'failed') return;
      finalByAddress.set(address, { state, reason });
      bar.update(Math.min(finalByAddress.size, enrollees), tally());
    };
    daemon.engine.records.on('device', (e) => {
      if (FINAL_DEVICE_STATES.has(e.state)) note(e.address, e.state, e.reason ?? '');
    });
    daemon.engine.records.on('refused', (e) => note(e.address, 'refused', e.reason));

    const results = await fleetRun.runFleetProcess({
      hubPort: hub.port,
      count: enrollees,
      unknown,
      spoofers,
      keysDir,
      apSsid: DEMO_SSID,
      apPassFile: join(dataDir, 'wifi.pass'),
      giveUpS: 8,
      enrollee: options.enrollee,
      onSpawn: (fleet) =>
        teardown.add(async () => {
          if (fleet.exitCode === null && fleet.signalCode === null) {
            const gone = new Promise((r) => fleet.once('exit', r));
            fleet.kill('SIGTERM');
            await gone;
          }
        }),
    });
    bar.update(Math.min(finalByAddress.size, enrollees), tally());
    bar.stop();

    const sorted = [...results].sort((a, b) => a.label.localeCompare(b.label));
    const table: Row[] = sorted.map((r) => {
      const daemonView = finalByAddress.get(r.mac);
      return {
        mac: r.mac,
        role: r.role,
        label: r.label,
        keyHash: r.keyHash.slice(0, 12),
        state: daemonView?.state ?? (r.role === 'whitelisted' ? r.result : 'refused'),
        reason: daemonView?.reason ?? r.reason ?? '',
      };
    });
    out.write(
      `\n${formatTable(
        ['DEVICE', 'MAC', 'KEY HASH', 'EXPECTED', 'FINAL STATE', 'REASON'],
        table.map((r) => [
          r.label,
          r.mac,
          r.keyHash,
          r.role === 'whitelisted' ? 'provision' : `refuse (${r.role})`,
          r.state,
          r.reason,
        ]),
      )}`,
    );
    const good = table.every((r) =>
      r.role === 'whitelisted'
        ? r.state === 'provisioned' || r.state === 'connected'
        : r.state === 'refused',
    );
    // Counted from the table, as printed: a device whose session was still running when the fleet
    // gave up (a spoofer on a loaded machine) has its row from the fleet's side.
    const t = {
      ok: table.filter((r) => r.state === 'provisioned' || r.state === 'connected').length,
      refused: table.filter((r) => r.state === 'refused').length,
    };
    out.write(
      `\nSIMULATION result: ${t.ok} provisioned, ${t.refused} refused, ${table.length - t.ok - t.refused} failed — ${good ? 'as expected' : 'NOT as expected'}\n`,
    );

    if (options.once) return good ? 0 : 1;
    out.write(
      [
        '',
        'The daemon keeps running on the simulated site. Try, in another terminal:',
        `  npx configurator --data-dir ${dataDir} status`,
        `  npx configurator --data-dir ${dataDir} watch`,
        `  npx configurator --data-dir ${dataDir} devices`,
        `  npx configurator --data-dir ${dataDir} audit --since 1h`,
        `  npx configurator --data-dir ${dataDir} whitelist list`,
        `  npx configurator --data-dir ${dataDir} identity`,
        `or open the console: ${consoleServer.url}`,
        `Ctrl-C to stop${options.keep ? '' : ' (the data dir is removed then)'}.`,
        '',
      ].join('\n'),
    );
    running = false;
    await asked;
    return good ? 0 : 1;
  }
}
