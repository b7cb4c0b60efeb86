/** A `daemon.json` as a running daemon writes it, for the commands that read it (no daemon behind it). */
import {
  processResources,
  writeDaemonState,
  type DaemonState,
} from '../../daemon/service/state-file.js';

/** Says that a daemon (this process, so it counts as alive) runs on the data dir; `fields` on top. */
export function writeRunningState(dataDir: string, fields: Partial<DaemonState> = {}): void {
  const now = new Date().toISOString();
  writeDaemonState(dataDir, {
    pid: process.pid,
    startedAt: now,
    updatedAt: now,
    version: 'test',
    tcp: null,
    radio: null,
    activeSessions: 0,
    counters: {},
    process: processResources(),
    link: null,
    ...fields,
  });
}
