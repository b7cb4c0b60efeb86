import type { Command } from 'commander';
import { loadConfigForCli } from '../support/load-config.js';
import type { DeviceEvent } from '../../engine/engine.js';
import { createLogger } from '../../logging.js';
import { createBundleBuilder } from '../../service/bundles.js';
import { ConfiguratorDaemon } from '../../service/daemon.js';
import { openStores } from '../../service/stores.js';
import { dataDirOf } from '../support/data-dir.js';
import { CliExit, EXIT_INVALID_INPUT } from '../support/exit.js';

interface ConnectOptions {
  device: string;
  config?: string;
}

function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 1 && port <= 65535)) {
    throw new CliExit(EXIT_INVALID_INPUT, `"${text}" is not HOST:PORT (IPv6 as [addr]:port)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

/**
 * `configurator connect HOST:PORT --device HASH`: provision one whitelisted device that listens for
 * DPP over TCP (hostap: DPP_CONTROLLER_START role=enrollee), as initiator, with the same store,
 * profile and per-device secrets as the daemon.
 */
export function registerConnectCommand(program: Command): void {
  program
    .command('connect')
    .description('provision a whitelisted device that listens for DPP over TCP, as initiator')
    .argument('<host:port>', 'where the device listens')
    .requiredOption('--device <hash>', 'its whitelist entry (bootstrapping key hash)')
    .option('--config <file>', 'configuration file (default as for start)')
    .action(async (target: string, options: ConnectOptions, command: Command) => {
      const { host, port } = parseHostPort(target);
      const keyHash = options.device.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(keyHash)) {
        throw new CliExit(EXIT_INVALID_INPUT, '--device: a key hash is 64 hex digits');
      }
      const dataDir = dataDirOf(command);
      const config = loadConfigForCli(options.config, dataDir);
      const bundles = createBundleBuilder(config);
      if (!bundles.ok) throw new CliExit(EXIT_INVALID_INPUT, bundles.error.message);
      const log = createLogger({
        level: config.log.level,
        format: config.log.format,
        destination: process.stderr,
      });
      const daemon = await ConfiguratorDaemon.start({
        config: { ...config, tcp: { ...config.tcp, enabled: false } },
        dataDir,
        log,
        stores: openStores(dataDir, log),
        bundles: bundles.value,
      });
      try {
        const final = new Promise<DeviceEvent>((resolve) => {
          daemon.engine.records.on('device', (e) => {
            if (
              e.keyHash === keyHash &&
              ['provisioned', 'connected', 'failed', 'refused'].includes(e.state)
            )
              resolve(e);
          });
          daemon.engine.records.on('refused', (e) => {
            if (e.keyHash === keyHash || e.subject === keyHash)
              resolve({
                keyHash,
                state: 'refused',
                address: e.address,
                transport: 'tcp',
                reason: e.reason,
              });
          });
        });
        let started: boolean;
        try {
          started = await daemon.connectOut(host, port, keyHash);
        } catch (e) {
          throw new CliExit(1, `cannot connect to ${target}: ${(e as Error).message}`);
        }
        const result = await final;
        process.stdout.write(
          `${keyHash} ${result.state}${result.reason === undefined ? '' : `: ${result.reason}`}\n`,
        );
        if (!started || (result.state !== 'provisioned' && result.state !== 'connected'))
          process.exitCode = 1;
      } finally {
        await daemon.stop(0);
      }
    });
}
