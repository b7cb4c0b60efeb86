import { ConfiguratorError } from '../../../protocol/errors.js';
import { loadConfig, type DaemonConfig } from '../../config/load.js';
import { CliExit, EXIT_INVALID_INPUT } from './exit.js';

/** The configuration for a command; a bad file or key is invalid input (exit 2, one line). */
export function loadConfigForCli(configPath: string | undefined, dataDir: string): DaemonConfig {
  try {
    return loadConfig({ configPath, dataDir });
  } catch (e) {
    if (e instanceof ConfiguratorError) throw new CliExit(EXIT_INVALID_INPUT, e.message);
    throw e;
  }
}
