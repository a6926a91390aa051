// Brings Pieces OS to the state the user chose. Pieces OS holds one OpenAI key per user, so the
// state to reach is small: "use this key" or "hold none of ours". A change marks the target
// pending (in globalState, so a reload loses nothing) and `sync` sends the one call that gets there.
import { isPiecesError, type PiecesError } from './errors';
import type { KeyStore, PiecesTarget, SyncStatus } from './keyStore';
import type { PiecesClient } from './piecesClient';
import { PROVIDERS, type ProviderId } from './providers';

export type SyncOutcome =
  | { readonly kind: 'nothingToDo' }
  | { readonly kind: 'pushed'; readonly keyId: string; readonly call: 'create' | 'update' }
  | { readonly kind: 'removed' }
  | { readonly kind: 'failed'; readonly keyId: string | undefined; readonly error: PiecesError };

export interface PiecesSyncOptions {
  now?: () => Date;
  /** Told before and after each call, for "syncing" in the status bar. */
  onBusy?: (busy: boolean) => void;
}

export class PiecesSync {
  private userId: string | undefined;
  private readonly now: () => Date;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: PiecesClient,
    private readonly store: KeyStore,
    private readonly options: PiecesSyncOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Forget the cached Pieces user id (after a 401, or when the service comes back). */
  forgetUser(): void {
    this.userId = undefined;
  }

  /** Makes `keyId` the key Pieces OS should use for its provider, and marks that pending. */
  async choose(provider: ProviderId, keyId: string): Promise<void> {
    const previous = this.store.target(provider);
    if (previous.activeId && previous.activeId !== keyId && this.store.get(previous.activeId)) {
      await this.store.setSync(previous.activeId, { kind: 'inactive' });
    }
    await this.store.setTarget(provider, { activeId: keyId, holds: previous.holds, pending: 'push', seq: next(previous) });
    await this.store.setSync(keyId, { kind: 'pending' });
  }

  /** The active key changed (rotated, renamed, new organization): send it again. */
  async changed(provider: ProviderId, keyId: string): Promise<void> {
    const target = this.store.target(provider);
    if (target.activeId !== keyId) return;
    await this.store.setTarget(provider, { ...target, pending: 'push', seq: next(target) });
    await this.store.setSync(keyId, { kind: 'pending' });
  }

  /** Pieces OS should hold none of our keys for `provider` (its active key was deleted). */
  async release(provider: ProviderId): Promise<void> {
    const target = this.store.target(provider);
    const { activeId: _gone, ...rest } = target;
    await this.store.setTarget(provider, target.holds ? { ...rest, pending: 'remove', seq: next(target) } : { holds: false, seq: next(target) });
  }

  /** Whether any provider has a change not yet sent. */
  pendingCount(): number {
    return PROVIDERS.filter((p) => p.syncsToPieces && this.store.target(p.id).pending).length;
  }

  /** Sends what is pending for every provider that syncs, one call at a time. */
  async syncAll(): Promise<SyncOutcome[]> {
    const outcomes: SyncOutcome[] = [];
    for (const provider of PROVIDERS) {
      if (provider.syncsToPieces) outcomes.push(await this.sync(provider.id));
    }
    return outcomes;
  }

  /**
   * Sends what is pending for `provider`. Calls for one provider never overlap; a change made while
   * a call was in flight is sent by one more call right after it.
   */
  sync(provider: ProviderId): Promise<SyncOutcome> {
    const run = this.running.then(async () => {
      let outcome = await this.syncNow(provider);
      for (let round = 0; round < 3 && outcome.kind !== 'failed' && this.store.target(provider).pending; round++) {
        outcome = await this.syncNow(provider);
      }
      return outcome;
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  private async syncNow(provider: ProviderId): Promise<SyncOutcome> {
    const target = this.store.target(provider);
    if (!target.pending) return { kind: 'nothingToDo' };
    const keyId = target.pending === 'push' ? target.activeId : undefined;
    this.options.onBusy?.(true);
    try {
      const user = await this.user();
      if (target.pending === 'remove') {
        await this.client.deleteKey(user);
        await this.settle(provider, target, { holds: false });
        return { kind: 'removed' };
      }
      const record = keyId ? this.store.get(keyId) : undefined;
      const secret = keyId ? await this.store.secret(keyId) : undefined;
      if (!keyId || !record || !secret) {
        // The chosen key vanished (deleted in another window): nothing of ours to send.
        await this.settle(provider, target, { holds: target.holds });
        return { kind: 'nothingToDo' };
      }
      const input = { apiKey: secret, name: record.name, ...(record.organization ? { organization: record.organization } : {}) };
      const call = target.holds ? 'update' : 'create';
      if (call === 'update') await this.client.updateKey(user, input);
      else await this.client.createKey(user, input);
      await this.settle(provider, target, { activeId: keyId, holds: true });
      await this.store.setSync(keyId, { kind: 'synced', at: this.now().toISOString() });
      return { kind: 'pushed', keyId, call };
    } catch (error) {
      if (!isPiecesError(error)) throw error;
      if (error.kind === 'unauthorized') this.forgetUser();
      if (keyId && this.store.get(keyId)) await this.store.setSync(keyId, this.failure(error));
      return { kind: 'failed', keyId, error };
    } finally {
      this.options.onBusy?.(false);
    }
  }

  private async settle(provider: ProviderId, sent: PiecesTarget, result: { activeId?: string; holds: boolean }): Promise<void> {
    const latest = this.store.target(provider);
    if ((latest.seq ?? 0) !== (sent.seq ?? 0)) {
      // Something changed while the call was in flight: keep that change pending, record what was sent.
      await this.store.setTarget(provider, { ...latest, holds: result.holds });
    } else {
      await this.store.setTarget(provider, { ...result, seq: latest.seq ?? 0 });
    }
  }

  private async user(): Promise<string> {
    this.userId ??= (await this.client.getUser()).id;
    return this.userId;
  }

  private failure(error: PiecesError): SyncStatus {
    const at = this.now().toISOString();
    if (error.kind === 'unauthorized') return { kind: 'rejected', reason: error.message, at };
    if (error.kind === 'notSignedIn') return { kind: 'notSignedIn', at };
    return { kind: 'failed', reason: error.message, at };
  }
}

function next(target: PiecesTarget): number {
  return (target.seq ?? 0) + 1;
}
