/**
 * What the demo started, stopped in reverse order, then its temporary data dir removed (unless
 * kept): once, whether the demo ends, fails or is stopped by a signal.
 */
import { rmSync } from 'node:fs';

export class DemoTeardown {
  private readonly stops: (() => Promise<unknown>)[] = [];
  private done: Promise<void> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly keep: boolean,
  ) {}

  add(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      // One that fails must not keep the others running.
      for (const stop of this.stops.reverse()) await stop().catch(() => undefined);
      if (!this.keep) rmSync(this.dataDir, { recursive: true, force: true });
    })();
    return this.done;
  }
}
