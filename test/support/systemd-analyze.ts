/**
 * systemd-analyze on a unit file that is not installed: `verify` (syntax, known keys, the
 * ExecStart binary, units it wants) and `security --offline` (the exposure score). Debian's
 * `systemd` package has it; .ci/run installs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasSystemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;
}

function withUnitFile<T>(name: string, text: string, use: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'dpp-unit-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Everything `systemd-analyze verify` says (a warning counts), with its exit code. */
export function verifyUnit(
  name: string,
  text: string,
  alsoUnits: readonly string[] = [],
): { status: number | null; output: string } {
  return withUnitFile(name, text, (file) => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', file, ...alsoUnits], {
      encoding: 'utf8',
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  });
}

/** The overall exposure `systemd-analyze security --offline=yes` gives the unit (0 best, 10 worst). */
export function exposureOf(name: string, text: string): number {
  return withUnitFile(name, text, (file) => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', file], {
      encoding: 'utf8',
    });
    const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
    if (m === null) throw new Error(`no exposure level in: ${r.stdout}${r.stderr}`);
    return Number(m[1]);
  });
}

/** The units a unit's Wants= lines name. */
export function wantedUnits(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('Wants='))
    .flatMap((l) => l.slice('Wants='.length).split(/\s+/))
    .filter((u) => u !== '');
}
