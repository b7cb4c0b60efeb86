/**
 * One nmcli run for everyone who asks while it runs or shortly after: at start, the preflight and
 * the bridges' channels hear the same air, and NetworkManager is asked once.
 */
import { scanWifi, type ScanResult } from './wifi-scan.js';

/** A scan this recent is still the air as it is. */
export const SCAN_FRESH_MS = 5000;

export function sharedScan(
  scan: () => Promise<ScanResult> = scanWifi,
  freshMs = SCAN_FRESH_MS,
  now: () => number = () => performance.now(),
): () => Promise<ScanResult> {
  let last: { readonly result: Promise<ScanResult>; doneAt?: number } | undefined;
  return () => {
    if (last !== undefined && (last.doneAt === undefined || now() - last.doneAt < freshMs))
      return last.result;
    const entry: { readonly result: Promise<ScanResult>; doneAt?: number } = {
      // A scan never rejects by contract; a stand-in that does is a scan that could not run.
      result: scan().catch((e: unknown) => ({
        ok: false as const,
        reason: e instanceof Error ? e.message : String(e),
      })),
    };
    void entry.result.then(() => (entry.doneAt = now()));
    last = entry;
    return entry.result;
  };
}
