/**
 * The preflight when the daemon starts: a warning in the log per problem, never a refusal (the
 * network may come up later; TCP enrollees need no radio). It runs beside the start, since nmcli
 * can take seconds, and not at all with radio.preflight: false.
 */
import type { Logger } from 'pino';
import type { DaemonConfig } from '../config/load.js';
import { needsScan } from './bridge-channels.js';
import { runPreflight } from './preflight.js';
import { scanWifi, type ScanResult } from './wifi-scan.js';

/**
 * Resolves once the warnings are logged; the start does not wait for it. The profiles' findings
 * only: each bridge's channel warning is the daemon's to log (at start and whenever it comes up).
 */
export function preflightInBackground(
  config: DaemonConfig,
  log: Logger,
  scan: () => Promise<ScanResult> = scanWifi,
): Promise<void> {
  if (!config.radio.preflight) return Promise.resolve();
  // A bridge on channel auto has already said why the air could not be heard: one line is enough.
  const saidByBridges = needsScan(config.radio.bridges);
  return runPreflight(config, undefined, scan).then(
    (r) => {
      if (!r.ok) {
        log[saidByBridges ? 'debug' : 'warn'](
          `preflight: Wi-Fi not checked: ${r.reason} (radio.preflight: false skips it)`,
        );
        return;
      }
      for (const p of r.profiles)
        for (const line of [...p.problems, ...p.warnings]) log.warn(`preflight: ${line}`);
    },
    (e: unknown) => log.warn({ err: e }, 'preflight: Wi-Fi not checked'),
  );
}
