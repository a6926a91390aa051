// Brings Pieces OS to the state the user chose, whatever happens to the service in between.
//
// The queue: every change is written (in globalState, through KeyStore) as the intent of its provider
// before any call is attempted, naming the key by id. Pieces OS holds one key per provider, so the
// queue coalesces as it is written: create then update is one create of the latest value; create …
// delete before any sync is nothing; update then update is one update; a change made while a call is
// in flight gets one more call after it. One call is in flight at a time, providers in catalogue order.
// Transient failures retry with backoff; 401 and repeated malformed responses park the intent until
// the user acts. Only the window holding the lease sends.
import { backoffDelay, type Timers } from './connection';
import { type Drift, KeyFingerprints, compareWithHeld } from './drift';
import { Emitter, type Disposable, type Event } from './emitter';
import { ServiceUnreachableError, isPiecesError, type PiecesError } from './errors';
import type { KeyRecord, KeyStore, PiecesTarget, SyncIntent, SyncStatus } from './keyStore';
import { t } from './l10n';
import type { Lease } from './lease';
import { keyTail } from './mask';
import { PROVIDERS, type ProviderId, type ProviderInfo } from './providers';
import type { KeyFields, ServicePort } from './servicePort';

export type { Drift } from './drift';

export type SyncOutcome =
  | { readonly kind: 'nothingToDo' }
  | { readonly kind: 'pushed'; readonly keyId: string; readonly call: 'create' | 'update' }
  | { readonly kind: 'removed' }
  | { readonly kind: 'waiting'; readonly reason: 'autoSyncOff' | 'otherWindow' }
  | { readonly kind: 'failed'; readonly keyId: string | undefined; readonly error: PiecesError; readonly parked: boolean };

/** The first failure among `outcomes`, if any. */
export function firstFailure(outcomes: readonly SyncOutcome[]): Extract<SyncOutcome, { kind: 'failed' }> | undefined {
  return outcomes.find((o): o is Extract<SyncOutcome, { kind: 'failed' }> => o.kind === 'failed');
}

export interface EngineState {
  readonly pending: number;
  readonly parked: number;
  readonly busy: boolean;
  readonly lastError?: string;
  readonly nextRetryAt?: number;
  readonly drift: Partial<Record<ProviderId, Drift>>;
}

export interface Clock extends Timers {
  now(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SyncEngineOptions {
  store: KeyStore;
  service: ServicePort;
  clock?: Clock;
  providers?: readonly ProviderInfo[];
  lease?: Lease;
  autoSync?: () => boolean;
  random?: () => number;
  log?: (message: string) => void;
}

/** Malformed answers are retried this many times, then the intent is parked. */
export const MAX_BAD_RESPONSES = 3;

export class SyncEngine implements Disposable {
  private readonly store: KeyStore;
  private readonly service: ServicePort;
  private readonly clock: Clock;
  private readonly providers: readonly ProviderInfo[];
  private readonly fingerprints = new KeyFingerprints();
  private readonly changed = new Emitter<void>();
  private userIdCache: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private busy = false;
  private lastError: string | undefined;
  private retryHandle: unknown;
  private nextRetryAt: number | undefined;
  private drift: Partial<Record<ProviderId, Drift>> = {};
  private readonly ignoredDrift = new Map<ProviderId, string>();
  private disposed = false;
  private draining = false;
  private kickedWhileDraining = false;

  readonly onDidChange: Event<void> = this.changed.event;

  constructor(private readonly options: SyncEngineOptions) {
    this.store = options.store;
    this.service = options.service;
    this.clock = options.clock ?? realClock;
    this.providers = (options.providers ?? PROVIDERS).filter((p) => p.syncsToPieces);
  }

  get state(): EngineState {
    let pending = 0;
    let parked = 0;
    for (const provider of this.providers) {
      const intent = this.store.target(provider.id).intent;
      if (intent?.parked) parked++;
      else if (intent) pending++;
    }
    return {
      pending,
      parked,
      busy: this.busy,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.nextRetryAt ? { nextRetryAt: this.nextRetryAt } : {}),
      drift: { ...this.drift },
    };
  }

  // ---- What the user did: each writes the provider's intent, coalescing with what waits. -------

  /** Pieces OS should use `keyId` (a new first key, a switch, or a successor after a delete). */
  async choose(provider: ProviderId, keyId: string, cause: 'create' | 'use' = 'use'): Promise<void> {
    const previous = this.store.target(provider);
    if (previous.activeId && previous.activeId !== keyId && this.store.get(previous.activeId)) {
      await this.store.setSync(previous.activeId, { kind: 'inactive' });
    }
    await this.write(provider, previous, { activeId: keyId, intent: this.coalesce(previous, 'push', cause) });
    await this.store.setSync(keyId, { kind: 'pending' });
  }

  /** The key's bytes, name or organization changed; only the key Pieces OS uses needs a call. */
  async keyChanged(provider: ProviderId, keyId: string): Promise<void> {
    const target = this.store.target(provider);
    if (target.activeId !== keyId) return;
    await this.write(provider, target, { activeId: keyId, intent: this.coalesce(target, 'push', 'update') });
    await this.store.setSync(keyId, { kind: 'pending' });
  }

  /** Pieces OS should hold none of our keys (the key it used was deleted). */
  async release(provider: ProviderId): Promise<void> {
    const target = this.store.target(provider);
    // Never sent: create … delete is nothing. Sent: one delete.
    await this.write(provider, target, target.holds ? { intent: this.coalesce(target, 'remove', 'delete') } : {});
  }

  // ---- Sending ---------------------------------------------------------------------------------

  /** Sends what waits soon, if auto sync is on (after a change, a reconnect, a URL change, focus). */
  kick(): void {
    if (this.options.autoSync && !this.options.autoSync()) return;
    // During a drain, the drain itself decides what comes next (a retry with backoff, or one more pass).
    if (this.draining) {
      this.kickedWhileDraining = true;
      return;
    }
    // A retry already waiting (backoff, or another window's lease) is not hurried by a kick.
    if (this.retryHandle !== undefined) return;
    this.schedule(0);
  }

  /** Sends everything now, parked intents included, whatever `autoSync` says. */
  syncNow(): Promise<SyncOutcome[]> {
    this.userIdCache = undefined;
    return this.serialized(async () => {
      for (const provider of this.providers) {
        const target = this.store.target(provider.id);
        if (target.intent?.parked) {
          const { parked: _cleared, ...intent } = target.intent;
          await this.store.setTarget(provider.id, { ...target, intent: { ...intent, attempts: 0 } });
        }
      }
      return this.drainNow(true);
    });
  }

  /** One pass over the providers (respecting `autoSync` and the lease). */
  drain(): Promise<SyncOutcome[]> {
    return this.serialized(() => this.drainNow(false));
  }

  /** Resolves when every drain, sync and reconciliation asked for so far has finished. */
  async whenIdle(): Promise<void> {
    await this.chain;
  }

  /** Forget the cached Pieces user id (after a 401 or a reconnect). */
  forgetUser(): void {
    this.userIdCache = undefined;
  }

  // ---- Reconciliation ----------------------------------------------------------------------------

  /** Reads what Pieces OS holds and compares it with the chosen key; skipped while a change waits. */
  reconcile(): Promise<EngineState['drift']> {
    return this.serialized(async () => {
      for (const provider of this.providers) await this.reconcileOne(provider.id);
      this.changed.fire();
      return { ...this.drift };
    });
  }

  /** Drift answer "push ours": send the chosen key again. */
  async pushOurs(provider: ProviderId): Promise<void> {
    const target = this.store.target(provider);
    if (!target.activeId) throw new Error(t('There is no key of yours for Pieces OS to use.'));
    delete this.drift[provider];
    await this.choose(provider, target.activeId, 'use');
    this.kick();
  }

  /** Drift answer "adopt theirs": keep the key Pieces OS holds in SecretStorage and make it ours. */
  adopt(provider: ProviderId): Promise<KeyRecord> {
    return this.serialized(async () => {
      const held = await this.service.held(provider);
      if (!held?.apiKey) throw new Error(t('Pieces OS holds no key to adopt.'));
      const existing = await this.fingerprints.find(this.store, provider, this.fingerprints.of(held.apiKey));
      const taken = this.store.keysOf(provider).map((k) => k.name.toLowerCase());
      let name = held.name?.trim() || t('From Pieces OS');
      for (let i = 2; taken.includes(name.toLowerCase()); i++) name = `${held.name?.trim() || t('From Pieces OS')} (${i})`;
      const record =
        existing ??
        (await this.store.add({ provider, name, secret: held.apiKey, ...(held.organization ? { organization: held.organization } : {}) }));
      const target = this.store.target(provider);
      if (target.activeId && target.activeId !== record.id && this.store.get(target.activeId)) {
        await this.store.setSync(target.activeId, { kind: 'inactive' });
      }
      await this.store.setTarget(provider, { activeId: record.id, holds: true, seq: target.seq + 1 });
      await this.store.setSync(record.id, { kind: 'synced', at: this.iso() });
      this.drift[provider] = { kind: 'inSync' };
      this.changed.fire();
      return this.store.get(record.id) ?? record;
    });
  }

  /** Drift answer "leave it": stop showing this difference until Pieces OS holds yet another key. */
  ignoreDrift(provider: ProviderId): void {
    const drift = this.drift[provider];
    if (drift && 'tail' in drift) this.ignoredDrift.set(provider, drift.tail);
    if (drift?.kind === 'holdsNone') this.ignoredDrift.set(provider, 'none');
    delete this.drift[provider];
    this.changed.fire();
  }

  dispose(): void {
    this.disposed = true;
    this.clock.clearTimeout(this.retryHandle);
    this.changed.dispose();
  }

  // ---- Internals ---------------------------------------------------------------------------------

  private coalesce(previous: PiecesTarget, op: SyncIntent['op'], cause: SyncIntent['cause']): SyncIntent {
    const waiting = previous.intent;
    // A push not yet confirmed while Pieces OS holds nothing of ours stays a create.
    const effective = op === 'push' && !previous.holds && (waiting?.cause === 'create' || cause === 'create') ? 'create' : cause;
    return { op, cause: effective, since: waiting?.since ?? this.iso(), attempts: 0 };
  }

  private async write(provider: ProviderId, previous: PiecesTarget, next: { activeId?: string; intent?: SyncIntent }): Promise<void> {
    await this.store.setTarget(provider, {
      ...(next.activeId ? { activeId: next.activeId } : {}),
      holds: previous.holds,
      ...(next.intent ? { intent: next.intent } : {}),
      seq: previous.seq + 1,
    });
    delete this.drift[provider];
    this.changed.fire();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    this.clock.clearTimeout(this.retryHandle);
    this.nextRetryAt = delayMs > 0 ? this.clock.now() + delayMs : undefined;
    this.retryHandle = this.clock.setTimeout(() => {
      this.retryHandle = undefined;
      this.nextRetryAt = undefined;
      // If a drain queued ahead of this one failed and scheduled a retry with backoff, that retry
      // does the work: this one must not hurry it.
      void this.serialized(async () => (this.retryHandle === undefined ? this.drainNow(false) : []));
    }, delayMs);
  }

  private async drainNow(force: boolean): Promise<SyncOutcome[]> {
    this.draining = true;
    this.kickedWhileDraining = false;
    try {
      const outcomes = await this.drainPass(force);
      if (this.kickedWhileDraining && this.retryHandle === undefined && this.state.pending > 0) this.schedule(0);
      return outcomes;
    } finally {
      this.draining = false;
    }
  }

  private async drainPass(force: boolean): Promise<SyncOutcome[]> {
    if (!force && this.options.autoSync && !this.options.autoSync()) return [{ kind: 'waiting', reason: 'autoSyncOff' }];
    if (this.state.pending === 0) {
      await this.options.lease?.release();
      return [];
    }
    if (this.options.lease && !(await this.options.lease.acquire())) {
      // Another window sends; look again when its lease would run out.
      const expires = this.options.lease.expiresAt() ?? this.clock.now();
      this.schedule(Math.max(1000, expires - this.clock.now() + 100));
      return [{ kind: 'waiting', reason: 'otherWindow' }];
    }
    const outcomes: SyncOutcome[] = [];
    let retryAttempt: number | undefined;
    for (const provider of this.providers) {
      // A change made while a call was in flight is sent right after it (bounded, in case of churn).
      for (let round = 0; round < 4; round++) {
        const outcome = await this.sendOne(provider.id);
        if (outcome.kind === 'nothingToDo') break;
        outcomes.push(outcome);
        if (outcome.kind === 'failed') {
          if (!outcome.parked) retryAttempt = Math.max(retryAttempt ?? 0, this.store.target(provider.id).intent?.attempts ?? 1);
          break;
        }
        await this.reconcileOne(provider.id);
      }
    }
    if (retryAttempt !== undefined) this.schedule(backoffDelay(retryAttempt - 1, this.options.random));
    else if (this.state.pending === 0) await this.options.lease?.release();
    this.changed.fire();
    return outcomes;
  }

  private async sendOne(provider: ProviderId): Promise<SyncOutcome> {
    const target = this.store.target(provider);
    const intent = target.intent;
    if (!intent || intent.parked) return { kind: 'nothingToDo' };
    const keyId = intent.op === 'push' ? target.activeId : undefined;
    this.setBusy(true);
    try {
      const user = await this.userId();
      if (intent.op === 'remove') {
        await this.service.remove(provider, user);
        await this.settle(provider, target, { holds: false });
        this.log(`Removed the ${provider} key from Pieces OS`);
        return { kind: 'removed' };
      }
      const record = keyId ? this.store.get(keyId) : undefined;
      const secret = keyId ? await this.store.secret(keyId) : undefined;
      if (!keyId || !record || !secret) {
        // The chosen key is gone (deleted in another window): there is nothing of ours to send.
        await this.settle(provider, target, { holds: target.holds });
        return { kind: 'nothingToDo' };
      }
      const call = target.holds ? 'update' : 'create';
      await this.service.push(provider, user, call, {
        apiKey: secret,
        name: record.name,
        // An update changes only the fields it names: an empty organization clears one set before
        // (by this key, or by the key Pieces OS used until now).
        ...(record.organization ? { organization: record.organization } : call === 'update' ? { organization: '' } : {}),
      });
      await this.settle(provider, target, { activeId: keyId, holds: true });
      if (this.store.target(provider).activeId === keyId && !this.store.target(provider).intent) {
        await this.store.setSync(keyId, { kind: 'synced', at: this.iso() });
      }
      this.lastError = undefined;
      this.log(`Sent "${record.name}" to Pieces OS (${call})`);
      return { kind: 'pushed', keyId, call };
    } catch (error) {
      if (!isPiecesError(error)) throw error;
      return this.failed(provider, target, keyId, error);
    } finally {
      this.setBusy(false);
    }
  }

  private async failed(provider: ProviderId, sent: PiecesTarget, keyId: string | undefined, error: PiecesError): Promise<SyncOutcome> {
    this.lastError = error.message;
    if (error.kind === 'unauthorized' || error.kind === 'notSignedIn') this.userIdCache = undefined;
    const latest = this.store.target(provider);
    const attempts = (sent.intent?.attempts ?? 0) + 1;
    const parks =
      error.kind === 'unauthorized' ||
      error.kind === 'invalidInput' ||
      (error.kind === 'badResponse' && attempts >= MAX_BAD_RESPONSES);
    // A call whose answer was lost or garbled may have been applied: from now on assume Pieces OS may
    // hold our key, so that a later "remove" is sent rather than skipped (a delete of nothing is harmless).
    const mayHaveApplied =
      error.kind === 'badResponse' || (error instanceof ServiceUnreachableError && error.reason !== 'refused' && error.reason !== 'notFound');
    const holds = latest.holds || (mayHaveApplied && sent.intent?.op === 'push');
    if (latest.seq === sent.seq && latest.intent) {
      // Only this intent's record changes; a newer change replaced it otherwise, and starts afresh.
      const intent: SyncIntent = { ...latest.intent, attempts, ...(parks ? { parked: { reason: error.message, at: this.iso() } } : {}) };
      await this.store.setTarget(provider, { ...latest, holds, intent });
    } else if (holds !== latest.holds) {
      await this.store.setTarget(provider, { ...latest, holds });
    }
    if (keyId && this.store.get(keyId)) await this.store.setSync(keyId, this.status(error, parks));
    this.log(`Sync of ${provider} failed (${error.kind}${parks ? ', waiting for you' : `, attempt ${attempts}`}): ${error.message}`);
    return { kind: 'failed', keyId, error, parked: parks };
  }

  /** Clears the intent if nothing newer was written while its call was in flight. */
  private async settle(provider: ProviderId, sent: PiecesTarget, result: { activeId?: string; holds: boolean }): Promise<void> {
    const latest = this.store.target(provider);
    if (latest.seq === sent.seq) {
      await this.store.setTarget(provider, { ...(result.activeId ? { activeId: result.activeId } : {}), holds: result.holds, seq: latest.seq });
    } else {
      await this.store.setTarget(provider, { ...latest, holds: result.holds });
    }
  }

  private async reconcileOne(provider: ProviderId): Promise<void> {
    const target = this.store.target(provider);
    if (target.intent) {
      // A change waits (or waits for the user): its state in the tree already explains the difference.
      delete this.drift[provider];
      return;
    }
    let held: Partial<KeyFields> | undefined;
    try {
      held = await this.service.held(provider);
    } catch (error) {
      if (!isPiecesError(error)) throw error;
      return; // Nothing to compare with; the connection state says why.
    }
    // The key bytes are reduced to a fingerprint and a tail at once, and not kept.
    const heldKey = held?.apiKey
      ? { fingerprint: this.fingerprints.of(held.apiKey), tail: keyTail(held.apiKey), ...(held.name ? { name: held.name } : {}) }
      : undefined;
    held = undefined;
    const active = target.activeId ? this.store.get(target.activeId) : undefined;
    const activeSecret = active ? await this.store.secret(active.id) : undefined;
    const ours = heldKey ? await this.fingerprints.find(this.store, provider, heldKey.fingerprint) : undefined;
    const drift = compareWithHeld(active && activeSecret ? { id: active.id, fingerprint: this.fingerprints.of(activeSecret) } : undefined, heldKey, ours);
    // What Pieces OS holds decides whether the next push is a create or an update.
    const holds = drift.kind === 'inSync' ? !!heldKey : drift.kind !== 'holdsNone';
    if (holds !== target.holds) await this.store.setTarget(provider, { ...target, holds });
    const ignored = this.ignoredDrift.get(provider);
    const marker = 'tail' in drift ? drift.tail : drift.kind === 'holdsNone' ? 'none' : undefined;
    if (drift.kind === 'inSync') this.ignoredDrift.delete(provider);
    if (ignored && marker === ignored) delete this.drift[provider];
    else this.drift[provider] = drift;
  }

  private async userId(): Promise<string> {
    this.userIdCache ??= await this.service.userId();
    return this.userIdCache;
  }

  private status(error: PiecesError, parked: boolean): SyncStatus {
    const at = this.iso();
    if (error.kind === 'unauthorized') return { kind: 'rejected', reason: error.message, at };
    if (error.kind === 'notSignedIn') return { kind: 'notSignedIn', at };
    return { kind: 'failed', reason: parked ? t('{0} Run Sync Now to try again.', error.message) : error.message, at };
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.changed.fire();
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}
