/**
 * `/metrics` in Prometheus' text exposition format (version 0.0.4): devices by state, refusals by
 * reason, sessions, the radio link's counters, and a histogram of exchange durations (from a
 * session's start to its end, by how it ended).
 */
import type { SessionEndedEvent } from '../engine/device-records.js';
import type { ConsoleDaemon, ConsoleStores } from './context.js';

/** Seconds; an ESP-NOW exchange takes about 0.1–2 s, a lost frame adds retransmissions. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

interface Histogram {
  readonly buckets: number[];
  count: number;
  sum: number;
}

export class ExchangeDurations {
  private readonly byResult = new Map<string, Histogram>();

  constructor(daemon: ConsoleDaemon) {
    daemon.engine.records.on('ended', (e) => this.observe(e));
  }

  observe(e: SessionEndedEvent): void {
    if (e.durationMs === undefined) return;
    const seconds = e.durationMs / 1000;
    let h = this.byResult.get(e.result);
    if (h === undefined) {
      h = { buckets: DURATION_BUCKETS.map(() => 0), count: 0, sum: 0 };
      this.byResult.set(e.result, h);
    }
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.buckets[i]!++;
    });
    h.count++;
    h.sum += seconds;
  }

  lines(): string[] {
    const out = [
      '# HELP dpp_exchange_duration_seconds Sessions from start to end, by how they ended.',
      '# TYPE dpp_exchange_duration_seconds histogram',
    ];
    for (const [result, h] of this.byResult) {
      const l = `result="${escapeLabel(result)}"`;
      DURATION_BUCKETS.forEach((le, i) =>
        out.push(`dpp_exchange_duration_seconds_bucket{${l},le="${le}"} ${h.buckets[i]}`),
      );
      out.push(`dpp_exchange_duration_seconds_bucket{${l},le="+Inf"} ${h.count}`);
      out.push(`dpp_exchange_duration_seconds_sum{${l}} ${h.sum}`);
      out.push(`dpp_exchange_duration_seconds_count{${l}} ${h.count}`);
    }
    return out;
  }
}

/** A label value as the format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A counter name from one of ours (camelCase) in Prometheus' snake_case. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/[^a-z0-9_]/g, '_');
}

function family(name: string, type: 'gauge' | 'counter', help: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

export function metricsText(
  daemon: ConsoleDaemon,
  stores: ConsoleStores,
  durations: ExchangeDurations,
): string {
  const status = daemon.status();
  const out: string[] = [];
  out.push(...family('dpp_devices', 'gauge', 'Devices by state.'));
  for (const [state, n] of Object.entries(stores.devices.countsByState()))
    out.push(`dpp_devices{state="${escapeLabel(state)}"} ${n}`);
  out.push(...family('dpp_whitelist_entries', 'gauge', 'Whitelist entries.'));
  out.push(`dpp_whitelist_entries ${stores.whitelist.count()}`);
  out.push(...family('dpp_unlisted_devices', 'gauge', 'Devices heard but not listed (bounded).'));
  out.push(`dpp_unlisted_devices ${stores.unlisted.totals().devices}`);
  out.push(...family('dpp_refusals_total', 'counter', 'Refusals since start, by reason code.'));
  for (const [reason, n] of daemon.engine.refusalTotals)
    out.push(`dpp_refusals_total{reason="${escapeLabel(reason)}"} ${n}`);
  out.push(...family('dpp_sessions_active', 'gauge', 'Sessions running.'));
  out.push(`dpp_sessions_active ${status.activeSessions}`);
  out.push(...family('dpp_sessions_waiting', 'gauge', 'Whitelisted devices waiting for room.'));
  out.push(`dpp_sessions_waiting ${status.waitingSessions ?? 0}`);
  out.push(...family('dpp_engine_events_total', 'counter', 'Session engine counters since start.'));
  for (const [name, n] of Object.entries(status.counters))
    out.push(`dpp_engine_events_total{event="${escapeLabel(snake(name))}"} ${n}`);
  if (status.radio !== null) {
    out.push(...family('dpp_radio_up', 'gauge', 'Whether the ESP32 bridge link is up.'));
    out.push(`dpp_radio_up ${status.radio.up ? 1 : 0}`);
    out.push(...family('dpp_bridge_up', 'gauge', 'Whether each ESP32 bridge is up.'));
    for (const b of status.radio.bridges ?? [])
      out.push(`dpp_bridge_up{bridge="${escapeLabel(b.name)}"} ${b.up ? 1 : 0}`);
  }
  if (status.link !== null) {
    out.push(...family('dpp_link_events_total', 'counter', 'Radio link and bridge counters.'));
    for (const [name, n] of Object.entries(status.link))
      out.push(`dpp_link_events_total{counter="${escapeLabel(snake(name))}"} ${n}`);
  }
  out.push(...family('dpp_process_cpu_seconds_total', 'counter', 'CPU time used since start.'));
  out.push(
    `dpp_process_cpu_seconds_total ${(status.process.cpuUserMs + status.process.cpuSystemMs) / 1000}`,
  );
  out.push(...family('dpp_process_resident_memory_bytes', 'gauge', 'Resident memory.'));
  out.push(`dpp_process_resident_memory_bytes ${Math.round(status.process.rssMb * 1048576)}`);
  out.push(...durations.lines());
  return `${out.join('\n')}\n`;
}
