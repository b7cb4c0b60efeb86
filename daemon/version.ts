/**
 * The release, read once from the package's own package.json (dist/daemon/version.js and
 * daemon/version.ts both sit two levels below it), so it is written in one place only.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const manifest: unknown = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  );
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

export const VERSION: string = readVersion();
