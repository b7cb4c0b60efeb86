/**
 * The simulation's processes (the radio hub, a fleet) are children of whoever runs the site: the
 * demo, the benchmark, a test. Should that parent die without stopping them (a closed terminal,
 * SIGKILL), they must not run on: they watch their parent and exit when it is gone.
 */

const CHECK_MS = 500;

export function exitWithParent(): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    // Reparented (to init or a subreaper): our parent is gone.
    if (process.ppid !== parent) process.exit(0);
  }, CHECK_MS);
  timer.unref();
}
