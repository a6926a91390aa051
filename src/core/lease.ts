// One window at a time sends the queued changes. The holder writes a lease with an expiry into
// globalState (shared by all windows) and renews it while it works; another window takes over once
// the holder stops renewing (closed, crashed, reloaded). globalState offers no compare-and-set, so
// two windows can, rarely, both believe they hold it for a moment; the sync calls are idempotent
// (the same key pushed twice ends in the same state), so that costs a call, never the result.
import type { MementoPort } from './keyStore';

export const LEASE_KEY = 'providerKeys.syncLease.v1';
export const LEASE_TTL_MS = 20_000;

interface LeaseRecord {
  holder: string;
  expires: number;
}

export class Lease {
  constructor(
    private readonly memento: MementoPort,
    readonly holder: string,
    private readonly now: () => number,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  /** Takes or renews the lease; false when another live window holds it. */
  async acquire(): Promise<boolean> {
    const current = this.read();
    const now = this.now();
    if (current && current.holder !== this.holder && current.expires > now) return false;
    await this.memento.update(LEASE_KEY, { holder: this.holder, expires: now + this.ttlMs } satisfies LeaseRecord);
    return this.read()?.holder === this.holder;
  }

  /** Whether this window holds a lease that has not expired. */
  holds(): boolean {
    const current = this.read();
    return !!current && current.holder === this.holder && current.expires > this.now();
  }

  /** When the current holder's lease runs out (for a waiting window to try again), or undefined. */
  expiresAt(): number | undefined {
    return this.read()?.expires;
  }

  /** Gives the lease up, so another window need not wait for it to expire. */
  async release(): Promise<void> {
    if (this.read()?.holder === this.holder) await this.memento.update(LEASE_KEY, undefined);
  }

  private read(): LeaseRecord | undefined {
    const value = this.memento.get<LeaseRecord>(LEASE_KEY);
    return value && typeof value.holder === 'string' && typeof value.expires === 'number' ? value : undefined;
  }
}
