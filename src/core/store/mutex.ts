// One writer at a time across every window: a short-lived GenerationLock held for each change to the
// store (and for the secret I/O that belongs to it), plus an in-process chain so that a window never
// contends with itself. A window that died holding it delays others by at most the TTL.
import { clamp } from '../time';
import { GenerationLock } from './lock';

/** How long a window may hold the store lock before another takes it over. */
export const STORE_LOCK_TTL_MS = 10_000;
const POLL_MS = 15;

export class StoreBusyError extends Error {
  constructor() {
    super('Another VS Code window kept the key store busy for too long; try again.');
    this.name = 'StoreBusyError';
  }
}

export class StoreMutex {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly lock: GenerationLock,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Runs `work` holding the lock; concurrent calls in this process run one after another. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(() => this.locked(work));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 2 * this.lock.ttlMs;
    while (!(await this.lock.acquire())) {
      if (Date.now() > deadline) throw new StoreBusyError();
      // Poll briefly: a live holder keeps the lock for milliseconds; a dead one for at most the TTL.
      const wait = clamp(await this.lock.waitMs(), 0, this.lock.ttlMs);
      await this.sleep(Math.min(wait, POLL_MS + Math.floor(Math.random() * POLL_MS)));
    }
    try {
      return await work();
    } finally {
      await this.lock.release().catch(() => undefined);
    }
  }
}
