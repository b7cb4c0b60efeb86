import { readFileSync, statSync } from 'node:fs';
import { CliExit, EXIT_INVALID_INPUT } from './exit.js';
import { isErrnoException } from './errno.js';

/** A regular file of at most `limit` bytes, or a one-line reason (exit 2). */
export function readRegularFile(file: string, limit: number): Buffer {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new CliExit(EXIT_INVALID_INPUT, `${file}: not a regular file`);
    if (st.size > limit)
      throw new CliExit(
        EXIT_INVALID_INPUT,
        `${file}: ${st.size} bytes is more than the ${limit}-byte limit`,
      );
    return readFileSync(file);
  } catch (e) {
    if (isErrnoException(e))
      throw new CliExit(EXIT_INVALID_INPUT, `cannot read ${file}: ${e.code ?? e.message}`);
    throw e;
  }
}
