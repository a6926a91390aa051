// Brings Pieces OS to the state the user chose, whatever happens to the service in between.
//
// Nothing is queued: the user's choice and the chosen key (written by KeyStore before anything is
// sent) say what Pieces OS should hold; the sync record (written only by the window holding the sender
// lease) says what it holds. The difference is what is sent (see sync/plan.ts), so a reload, a crash
// or another window loses nothing and changes coalesce by construction. A call that may have reached
// Pieces OS is recorded as "may hold" before it is made, so a later delete is never skipped. Transient
// failures retry with backoff (429/503 honour Retry-After); a 401 on a key call, another 4xx, or
// repeated garbled answers park the change until the user acts. One call is in flight at a time.
import { Emitter, type Disposable, type Event } from '../emitter';
import * as l10n from '@vscode/l10n';
import type { ServicePort } from '../pieces/servicePort';
import { PROVIDERS, type ProviderId, type ProviderInfo } from '../providers/catalogue';
import type { KeyStore } from '../store/keyStore';
import type { GenerationLock } from '../store/lock';
import type { KeyRecord } from '../store/records';
import { KeyringUnavailableError } from '../store/secretVault';
import { BACKOFF_MAX_MS, type Clock, clamp, realClock } from '../time';
import type { AdoptDeps } from './adopt';
import { type Drift, KeyFingerprints } from './drift';
import { retryDelay } from './failurePolicy';
import type { FailedOutcome, SyncOutcome } from './outcome';
import { type Hold, type KeyState, type Plan, failureOf, holdOf, keyState, plan, planKey } from './plan';
import { Reconciler } from './reconcile';
import { LeaseLostError, Sender } from './sender';

export interface EngineState {
  /** Providers whose change waits to be sent (not parked). */
  readonly pending: number;
  /** Providers whose change waits for the user (401, refused, garbled). */
  readonly parked: number;
  readonly busy: boolean;
  readonly lastError?: string;
  readonly nextRetryAt?: number;
  readonly drift: Partial<Record<ProviderId, Drift>>;
}

export interface SyncEngineOptions {
  store: KeyStore;
  service: ServicePort;
  /** The sender lease (one window sends); absent: this engine always sends (tests). */
  lease?: GenerationLock;
  clock?: Clock;
  providers?: readonly ProviderInfo[];
  autoSync?: () => boolean;
  random?: () => number;
  log?: (message: string) => void;
}

/** How soon a secret on its way from another window is looked for again. */
const SECRET_RECHECK_MS = 250;

/** Calls per provider in one pass: a change made while a call was in flight gets one more (bounded for churn). */
const ROUNDS_PER_PROVIDER = 4;

export class SyncEngine implements Disposable {
  readonly store: KeyStore;
  private readonly service: ServicePort;
  private readonly clock: Clock;
  private readonly providers: readonly ProviderInfo[];
  readonly fingerprints = new KeyFingerprints();
  private readonly changed = new Emitter<void>();
  private readonly keyringTrouble = new Emitter<KeyringUnavailableError>();
  private chain: Promise<unknown> = Promise.resolve();
  private busy = false;
  private retryHandle: unknown;
  private nextRetryAt: number | undefined;
  /** What Pieces OS holds compared with the choice (reconcile.ts). */
  private readonly reconciler: Reconciler;
  /** One call at a time, and the records around it (sender.ts). */
  private readonly sender: Sender;
  /** The last failed attempt per provider in this window, while its retry waits (answered again, not re-sent). */
  private readonly recentFailure = new Map<ProviderId, { plan: string; outcome: FailedOutcome }>();
  private disposed = false;
  private draining = false;
  private kickedWhileDraining = false;

  readonly onDidChange: Event<void> = this.changed.event;
  /** Fires when the keyring did not give a key the engine had to send (to tell the user what to do). */
  readonly onKeyringTrouble: Event<KeyringUnavailableError> = this.keyringTrouble.event;

  constructor(private readonly options: SyncEngineOptions) {
    this.store = options.store;
    this.service = options.service;
    this.clock = options.clock ?? realClock;
    this.providers = (options.providers ?? PROVIDERS).filter((p) => p.syncsToPieces);
    this.reconciler = new Reconciler({ store: this.store, service: this.service, fingerprints: this.fingerprints, lease: options.lease });
    this.sender = new Sender({
      ...{ store: this.store, service: this.service, lease: options.lease, clock: this.clock, fingerprints: this.fingerprints },
      log: (message) => this.log(message),
      busy: (busy) => this.setBusy(busy),
      keyringTrouble: (error) => this.keyringTrouble.fire(error),
    });
  }

  // ---- What the tree, the status bar and the flows read ----------------------------------------------

  /** What the engine would do for `provider` now, from this window's copy of the records. */
  planFor(provider: ProviderId): Plan {
    const choice = this.store.choice(provider);
    const activeId = choice?.activeId;
    const held = this.reconciler.heldDifference(provider);
    return plan({
      choice,
      sent: this.store.sent(provider),
      active: activeId ? this.store.record(activeId) : undefined,
      activeSkipped: !!activeId && this.store.isSkipped(activeId),
      ...(held ? { held } : {}),
    });
  }

  /** A key's state towards Pieces OS: the one state the tree, the status bar, dialogs and messages show. */
  stateOf(key: KeyRecord): KeyState {
    const syncs = this.providers.some((p) => p.id === key.provider);
    const choice = this.store.choice(key.provider);
    const held = this.reconciler.heldDifference(key.provider);
    return keyState(key, syncs, { choice, sent: this.store.sent(key.provider), active: key, ...(held ? { held } : {}) });
  }

  /** What Pieces OS holds as far as it confirmed, compared with `key` (for dialogs: never from the choice alone). */
  holdOf(key: KeyRecord): Hold {
    return holdOf(key, this.store.sent(key.provider), this.reconciler.heldDifference(key.provider));
  }

  /**
   * Removals that wait for the user (Pieces OS refused them: 401, 404, 409, 422, garbled answers). No key
   * row shows them (the key is gone), so the status bar names them.
   */
  parkedRemovals(): Array<{ provider: ProviderId; reason: string }> {
    const removals: Array<{ provider: ProviderId; reason: string }> = [];
    for (const provider of this.providers) {
      const planned = this.planFor(provider.id);
      if (planned.kind !== 'remove') continue;
      const failure = failureOf(planned, this.store.sent(provider.id));
      if (failure?.parked) removals.push({ provider: provider.id, reason: failure.reason });
    }
    return removals;
  }

  get state(): EngineState {
    let pending = 0;
    let parked = 0;
    for (const provider of this.providers) {
      const planned = this.planFor(provider.id);
      if (planned.kind === 'none' || (planned.kind === 'wait' && planned.why === 'dangling')) continue;
      if (failureOf(planned, this.store.sent(provider.id))?.parked) parked++;
      else pending++;
    }
    return {
      pending,
      parked,
      busy: this.busy,
      ...(this.sender.lastError ? { lastError: this.sender.lastError } : {}),
      ...(this.nextRetryAt ? { nextRetryAt: this.nextRetryAt } : {}),
      drift: this.reconciler.all,
    };
  }

  // ---- What the user did (each is a write of the choice, then a kick) ----------------------------------

  /** Pieces OS should use `keyId`. */
  async choose(provider: ProviderId, keyId: string): Promise<void> {
    await this.store.setChoice(provider, keyId);
    this.reconciler.set(provider, undefined);
    this.changed.fire();
    this.kick();
  }

  /** Pieces OS should hold none of our keys. */
  async release(provider: ProviderId): Promise<void> {
    await this.store.setChoice(provider, undefined);
    this.reconciler.set(provider, undefined);
    this.changed.fire();
    this.kick();
  }

  // ---- Sending ---------------------------------------------------------------------------------------

  /** Sends what waits soon, if auto sync is on (after a change, a reconnect, a URL change, focus). */
  kick(): void {
    if (this.options.autoSync && !this.options.autoSync()) return;
    if (this.draining) {
      this.kickedWhileDraining = true;
      return;
    }
    // A retry already waiting (backoff, or another window's lease) is not hurried by a kick.
    if (this.retryHandle !== undefined) return;
    this.schedule(0);
  }

  /** Sends everything now, parked changes included, whatever `autoSync` says. */
  syncNow(): Promise<SyncOutcome[]> {
    this.sender.forgetUser();
    return this.serialized(async () => {
      for (const provider of this.providers) {
        const planned = this.planFor(provider.id);
        const failure = failureOf(planned, this.store.sent(provider.id));
        if (failure?.parked) await this.store.renewNonce(provider.id, failure.nonce);
      }
      return this.drainNow(true, true);
    });
  }

  /**
   * One pass over the providers (respecting `autoSync` and the lease). A change whose last attempt
   * failed moments ago and waits for its retry is answered with that failure, not sent again at once;
   * `now` sends it anyway (Pieces OS came back, the user asked to refresh).
   */
  drain(options: { now?: boolean } = {}): Promise<SyncOutcome[]> {
    return this.serialized(() => this.drainNow(false, options.now ?? false));
  }

  /** Resolves when every drain, sync and reconciliation asked for so far has finished. */
  async whenIdle(): Promise<void> {
    await this.chain;
  }

  /** Forget the cached Pieces user id (after a 401, a reconnect or an address change). */
  forgetUser(): void {
    this.sender.forgetUser();
  }

  // ---- Reconciliation ----------------------------------------------------------------------------------

  /** Reads what Pieces OS holds and compares it with the chosen key; skipped while a change waits. */
  reconcile(): Promise<EngineState['drift']> {
    return this.serialized(async () => {
      for (const provider of this.providers) await this.reconcileOne(provider.id);
      this.changed.fire();
      return this.reconciler.all;
    });
  }

  /** Drift answer "send mine": send the chosen key again. */
  async pushOurs(provider: ProviderId): Promise<void> {
    const activeId = this.store.choice(provider)?.activeId;
    if (!activeId || !this.store.get(activeId)) throw new Error(l10n.t('There is no key of yours for Pieces OS to use.'));
    const heldNone = this.reconciler.of(provider)?.kind === 'holdsNone';
    await this.store.setChoice(provider, activeId, { nonce: true });
    this.reconciler.set(provider, heldNone ? { kind: 'holdsNone', activeId } : undefined);
    this.changed.fire();
    this.kick();
  }

  /**
   * Drift answer "keep theirs": `keep` (sync/adopt.ts, passed in by the drift command so that its
   * validation loads with the commands) stores the key Pieces OS holds and makes it the one in use;
   * here, one change at a time with sending, it is recorded as held, so nothing is sent back.
   */
  adopt(provider: ProviderId, keep: (deps: AdoptDeps) => Promise<KeyRecord>): Promise<KeyRecord> {
    return this.serialized(async () => {
      const record = await keep({ store: this.store, service: this.service, fingerprints: this.fingerprints, provider });
      await this.sender.recordHeld(provider, record);
      this.reconciler.set(provider, { kind: 'inSync' });
      this.changed.fire();
      this.kick();
      return this.store.get(record.id) ?? record;
    });
  }

  /** Drift answer "leave it": stop showing this difference until Pieces OS holds yet another key. */
  ignoreDrift(provider: ProviderId): void {
    this.reconciler.ignore(provider);
    this.changed.fire();
  }

  dispose(): void {
    this.disposed = true;
    this.clock.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
    this.changed.dispose();
    this.keyringTrouble.dispose();
  }

  // ---- Internals ---------------------------------------------------------------------------------------

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    this.clock.clearTimeout(this.retryHandle);
    const delay = clamp(delayMs, 0, BACKOFF_MAX_MS);
    this.nextRetryAt = delay > 0 ? this.clock.now() + delay : undefined;
    this.retryHandle = this.clock.setTimeout(() => {
      this.retryHandle = undefined;
      this.nextRetryAt = undefined;
      // If a drain queued ahead of this one scheduled a retry with backoff, that retry does the work.
      void this.serialized(async () => (this.retryHandle === undefined ? this.drainNow(false, true) : [])).catch((error: unknown) =>
        this.log(`Sync stopped: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, delay);
  }

  private async drainNow(force: boolean, now: boolean): Promise<SyncOutcome[]> {
    this.draining = true;
    this.kickedWhileDraining = false;
    try {
      const outcomes = await this.drainPass(force, now);
      if (this.kickedWhileDraining && this.retryHandle === undefined && this.state.pending > 0) this.schedule(0);
      return outcomes;
    } finally {
      this.draining = false;
      this.changed.fire();
    }
  }

  /**
   * Providers with a call to make (fresh from disk), repairing choices that name a deleted key; and, for
   * changes parked for the user, the failure this window saw (so a flow can say what waits for the user).
   */
  private async providersWithWork(): Promise<{ work: ProviderId[]; parked: SyncOutcome[] }> {
    const work: ProviderId[] = [];
    const parked: SyncOutcome[] = [];
    for (const provider of this.providers) {
      await this.store.refreshProvider(provider.id);
      let planned = this.planFor(provider.id);
      if (planned.kind === 'wait' && planned.why === 'dangling') {
        await this.store.repairChoice(provider.id);
        planned = this.planFor(provider.id);
      }
      if (planned.kind !== 'push' && planned.kind !== 'remove') continue;
      if (!failureOf(planned, this.store.sent(provider.id))?.parked) {
        work.push(provider.id);
        continue;
      }
      const recent = this.recentFailure.get(provider.id);
      if (recent && recent.plan === planKey(planned)) parked.push(recent.outcome);
    }
    return { work, parked };
  }

  private async drainPass(force: boolean, now: boolean): Promise<SyncOutcome[]> {
    if (!force && this.options.autoSync && !this.options.autoSync()) return [{ kind: 'waiting', reason: 'autoSyncOff' }];
    const { work, parked } = await this.providersWithWork();
    const lease = this.options.lease;
    if (work.length === 0) {
      await lease?.release();
      return parked;
    }
    if (lease && !(await lease.acquire())) {
      // Another window sends; look again when its lease would run out (never later than the TTL).
      this.schedule(clamp((await lease.waitMs()) + 100, 100, lease.ttlMs));
      return [{ kind: 'waiting', reason: 'otherWindow' }];
    }
    const outcomes: SyncOutcome[] = [...parked];
    let retryMs: number | undefined;
    try {
      for (const provider of work) {
        // A change made while a call was in flight is sent right after it (bounded, in case of churn).
        for (let round = 0; round < ROUNDS_PER_PROVIDER; round++) {
          if (round > 0) await this.store.refreshProvider(provider);
          const planned = this.planFor(provider);
          if (planned.kind !== 'push' && planned.kind !== 'remove') break;
          // A change that just failed waits for its retry (backoff, Retry-After), or for the user if it is
          // parked: a drain asked for meanwhile (a flow, a kick) answers with that failure, when this
          // window saw it, instead of sending it again at once.
          const recent = this.recentFailure.get(provider);
          const sameAsRecent = recent !== undefined && recent.plan === planKey(planned);
          if (failureOf(planned, this.store.sent(provider))?.parked) {
            if (sameAsRecent && round > 0) outcomes.push(recent.outcome); // parked during this pass
            break;
          }
          if (!now && sameAsRecent && this.retryHandle !== undefined) {
            outcomes.push(recent.outcome);
            break;
          }
          if (lease && !(await lease.acquire())) throw new LeaseLostError();
          const outcome = await this.sender.send(provider, planned);
          outcomes.push(outcome);
          if (outcome.kind === 'failed') this.recentFailure.set(provider, { plan: planKey(planned), outcome });
          else this.recentFailure.delete(provider);
          if (outcome.kind === 'waiting') {
            retryMs = Math.min(retryMs ?? Infinity, SECRET_RECHECK_MS);
            break;
          }
          if (outcome.kind === 'failed') {
            if (!outcome.parked) retryMs = Math.min(retryMs ?? Infinity, retryDelay(this.store.sent(provider), this.options.random));
            // This window's copy of SecretStorage is behind for good: let a window whose copy is right send.
            if (outcome.error instanceof KeyringUnavailableError && outcome.error.reason === 'stale') await lease?.release();
            break;
          }
          await this.reconcileOne(provider);
        }
      }
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.log('Another VS Code window took over sending to Pieces OS.');
      this.schedule(lease?.ttlMs ?? 0);
      return outcomes;
    }
    if (retryMs !== undefined) this.schedule(retryMs);
    else if (this.state.pending === 0) await lease?.release();
    return outcomes;
  }

  private reconcileOne(provider: ProviderId): Promise<void> {
    return this.reconciler.compare(provider, this.planFor(provider).kind !== 'none');
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.changed.fire();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}
