/** A Node system error (ENOENT, EEXIST …), optionally of one code. */
export function isErrnoException(e: unknown, code?: string): e is NodeJS.ErrnoException {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (e as NodeJS.ErrnoException).code === code)
  );
}
