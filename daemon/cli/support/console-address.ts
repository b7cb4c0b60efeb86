/**
 * Where the console of this data dir's daemon serves, and which certificate it serves under
 * HTTPS: what the running daemon announces in its state file (the port it really got, the
 * certificate it really serves), else what the configuration says.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { CERT_FILE, usesTls } from '../../console/tls.js';
import { readDaemonState, type ConsoleAddress } from '../../service/state-file.js';

/**
 * The console as the configuration describes it, or undefined when it is disabled. Throws the
 * configuration's ConfiguratorError when the file cannot be read.
 */
export function configuredConsole(
  configPath: string | undefined,
  dataDir: string,
): ConsoleAddress | undefined {
  const config = loadConfig({ configPath, dataDir });
  const c = config.console;
  if (!c.enabled) return undefined;
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  if (!usesTls(c)) return { url: `http://${host}:${c.port}/` };
  return {
    url: `https://${host}:${c.port}/`,
    certFile:
      c.certFile === undefined ? resolve(dataDir, CERT_FILE) : resolve(config.baseDir, c.certFile),
  };
}

/** The running daemon's console, else the configured one; undefined when neither can be told. */
export function consoleAddress(
  configPath: string | undefined,
  dataDir: string,
): ConsoleAddress | undefined {
  const announced = readDaemonState(dataDir)?.console;
  if (announced !== undefined) return announced;
  try {
    return configuredConsole(configPath, dataDir);
  } catch {
    return undefined;
  }
}
