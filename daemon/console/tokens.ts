/**
 * The console's access tokens: one for admins (every change) and one for installers (read only),
 * made at first start and kept in `<dataDir>/console-tokens.json`, 0600 like the other private
 * files. A token is the only secret the console knows; a login turns it into a session cookie.
 * Rotating one ends every session opened with the old one (the file is read again at each check).
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirectory } from '../../whitelist/database.js';
import { requirePrivate, PRIVATE_FILE_MODE } from '../../whitelist/private-files.js';
import { ConfiguratorError } from '../../protocol/errors.js';
import { DaemonErrorCode } from '../errors.js';

export const CONSOLE_ROLES = ['admin', 'viewer'] as const;
/** admin: every change; viewer: sees everything an admin sees (never a secret), changes nothing. */
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export const TOKENS_FILE = 'console-tokens.json';

export type ConsoleTokens = Readonly<Record<ConsoleRole, string>>;

/** `<role>-<43 base64url characters>`: 256 random bits, and the role readable at a glance. */
const TOKEN_SHAPE = /^(admin|viewer)-[A-Za-z0-9_-]{43}$/;

export function tokensPath(dataDir: string): string {
  return join(dataDir, TOKENS_FILE);
}

function newToken(role: ConsoleRole): string {
  return `${role}-${randomBytes(32).toString('base64url')}`;
}

function unreadable(path: string, why: string): ConfiguratorError {
  return new ConfiguratorError(
    DaemonErrorCode.ConsoleTokensInvalid,
    `${path}: ${why} (\`configurator console token --rotate\` writes a new one)`,
  );
}

/** The tokens in the file, or undefined when there is none yet. */
export function readTokens(dataDir: string): ConsoleTokens | undefined {
  const path = tokensPath(dataDir);
  requirePrivate([{ path, kind: 'file' }]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return undefined;
    throw unreadable(path, `cannot read it: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw unreadable(path, 'not JSON');
  }
  const tokens: Partial<Record<ConsoleRole, string>> = {};
  for (const role of CONSOLE_ROLES) {
    const value = (doc as Record<string, unknown> | null)?.[role];
    if (typeof value !== 'string' || !TOKEN_SHAPE.test(value) || !value.startsWith(`${role}-`))
      throw unreadable(path, `no valid ${role} token in it`);
    tokens[role] = value;
  }
  return tokens as ConsoleTokens;
}

function writeTokens(dataDir: string, tokens: ConsoleTokens): void {
  ensureDirectory(dataDir);
  const path = tokensPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(tokens, null, 2)}\n`, {
    mode: PRIVATE_FILE_MODE,
    flag: 'w',
  });
  renameSync(tmp, path);
}

/** The tokens, made now if the file does not exist yet. */
export function loadOrCreateTokens(dataDir: string): { tokens: ConsoleTokens; created: boolean } {
  const existing = readTokens(dataDir);
  if (existing !== undefined) return { tokens: existing, created: false };
  const tokens = { admin: newToken('admin'), viewer: newToken('viewer') };
  writeTokens(dataDir, tokens);
  return { tokens, created: true };
}

/**
 * A new token for `role`; the other role's stays. A file that is not JSON or lacks a valid token
 * (the fix its refusal names) is replaced whole: both roles get new tokens. A file open to others
 * is still refused: its tokens may have been read, and the admin should know.
 */
export function rotateToken(
  dataDir: string,
  role: ConsoleRole,
): { tokens: ConsoleTokens; replacedBrokenFile: boolean } {
  let current: ConsoleTokens;
  let replacedBrokenFile = false;
  try {
    current = loadOrCreateTokens(dataDir).tokens;
  } catch (e) {
    if (!(e instanceof ConfiguratorError) || e.code !== DaemonErrorCode.ConsoleTokensInvalid)
      throw e;
    current = { admin: newToken('admin'), viewer: newToken('viewer') };
    replacedBrokenFile = true;
  }
  const tokens = { ...current, [role]: newToken(role) };
  writeTokens(dataDir, tokens);
  return { tokens, replacedBrokenFile };
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Tokens as the server checks them: the file is read again when it changed on disk, so a rotation
 * by the CLI takes effect at once, without a restart.
 */
export class TokenKeeper {
  private tokens: ConsoleTokens;
  private mtimeMs: number;

  constructor(private readonly dataDir: string) {
    this.tokens = loadOrCreateTokens(dataDir).tokens;
    this.mtimeMs = this.fileTime();
  }

  private fileTime(): number {
    try {
      return statSync(tokensPath(this.dataDir)).mtimeMs;
    } catch {
      return -1;
    }
  }

  private current(): ConsoleTokens {
    const mtime = this.fileTime();
    if (mtime !== this.mtimeMs) {
      this.mtimeMs = mtime;
      // A broken or missing file keeps the tokens known so far rather than locking everyone out;
      // the daemon's start refuses such a file, with the fix.
      try {
        const read = readTokens(this.dataDir);
        if (read !== undefined) this.tokens = read;
      } catch {
        // kept as they were
      }
    }
    return this.tokens;
  }

  /** The role this token is for, compared in constant time; undefined when it is none. */
  roleOf(token: string): ConsoleRole | undefined {
    const given = digest(token);
    const tokens = this.current();
    let found: ConsoleRole | undefined;
    for (const role of CONSOLE_ROLES) {
      if (timingSafeEqual(given, digest(tokens[role]))) found = role;
    }
    return found;
  }

  /** An id of the role's current token (not the token): sessions opened with an older one end. */
  generation(role: ConsoleRole): string {
    return digest(this.current()[role]).subarray(0, 8).toString('hex');
  }
}
