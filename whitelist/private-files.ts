/**
 * The data dir holds every device's secrets (the database) and our private bootstrapping key, so
 * it is 0700 and each of those files 0600: we create them so whatever the umask. One found open to
 * its group or to others (a restore or `cp` under a loose umask, a stray chmod) is refused with
 * the chmod that fixes it, never repaired behind the admin's back: what it holds may already have
 * been read, and only the admin can judge that (docs/deployment.md, "File permissions").
 */
import { statSync } from 'node:fs';
import { ConfiguratorError } from '../protocol/errors.js';
import { WhitelistErrorCode } from './errors.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Whether a file's mode gives its group or others any access at all. */
export function openToOthers(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

export interface PrivatePath {
  readonly path: string;
  readonly kind: 'directory' | 'file';
}

/**
 * Refuse, in one error naming every offender and the commands that fix them, if any of `paths`
 * is open to its group or others. A path that does not exist (yet) is not an offender.
 */
export function requirePrivate(paths: readonly PrivatePath[]): void {
  // Windows has no such mode bits (node reports 0o666 for every writable file).
  if (process.platform === 'win32') return;
  const open: (PrivatePath & { mode: number })[] = [];
  for (const p of paths) {
    const mode = modeOf(p.path);
    if (mode !== undefined && openToOthers(mode)) open.push({ ...p, mode });
  }
  if (open.length === 0) return;
  const listed = open.map((p) => `${p.path} (mode ${octal(p.mode)})`).join(', ');
  const fixes = (['directory', 'file'] as const)
    .map((kind) => {
      const of = open.filter((p) => p.kind === kind).map((p) => shellQuote(p.path));
      if (of.length === 0) return undefined;
      const mode = kind === 'directory' ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
      return `chmod ${mode.toString(8)} ${of.join(' ')}`;
    })
    .filter((fix) => fix !== undefined);
  throw new ConfiguratorError(
    WhitelistErrorCode.StoreNotPrivate,
    `${listed} ${open.length === 1 ? 'is' : 'are'} open to group or others, and the data dir ` +
      "holds every device's secrets and the configurator's private key: not used so. " +
      `Fix: ${fixes.join(' && ')} (then consider who may have read ${open.length === 1 ? 'it' : 'them'} meanwhile)`,
  );
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return undefined;
    throw new ConfiguratorError(
      WhitelistErrorCode.StoreOpenFailed,
      `cannot check the mode of ${path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** The path as the shell reads it: as is when plain, else in single quotes. */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
