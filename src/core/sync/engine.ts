// Brings Pieces OS to the state the user chose, whatever happens to the service in between.
//
// Nothing is queued: the user's choice and the chosen key (written by KeyStore before anything is
// sent) say what Pieces OS should hold; the sync record (written only by the window holding the sender
// lease) says what it holds. The difference is what is sent (see sync/plan.ts), so a reload, a crash
// or another window loses nothing and changes coalesce by construction. A call that may have reached
// Pieces OS is recorded as "may hold" before it is made, so a later delete is never skipped. Transient
// failures retry with backoff (429/503 honour Retry-After); a 401 on a key call, another 4xx, or
// repeated garbled answers park the change until the user acts. One call is in flight at a time.
import { type Drift, type HeldKey, KeyFingerprints, compareWithHeld } from './drift';
import { Emitter, type Disposable, type Event } from '../emitter';
import { ServiceUnreachableError, isPiecesError, type PiecesError } from '../pieces/errors';
import { t } from '../l10n';
import { maskKey } from '../keys/mask';
import { PROVIDERS, type ProviderId, type ProviderInfo } from '../providers/catalogue';
import { excerpt } from '../keys/redact';
import { PiecesPaths } from '../pieces/wire';
import type { ServicePort } from '../pieces/servicePort';
import type { KeyStore } from '../store/keyStore';
import type { GenerationLock } from '../store/lock';
import { type KeyRecord, type SentRecord, STORE_VERSION, keyVersion } from '../store/records';
import { KeyringUnavailableError } from '../store/secretVault';
import { BACKOFF_MAX_MS, type Clock, backoffDelay, clamp, realClock } from '../time';
import { type HeldDifference, type Hold, type KeyState, type Plan, failureOf, holdOf, keyState, plan } from './plan';

export type { Drift } from './drift';
export type { Hold, KeyState } from './plan';

/** Why a call was not made or failed, as the engine reports it. */
export type SyncOutcome =
  | { readonly kind: 'nothingToDo' }
  | { readonly kind: 'pushed'; readonly keyId: string; readonly call: 'create' | 'update' }
  | { readonly kind: 'removed' }
  | { readonly kind: 'waiting'; readonly reason: 'autoSyncOff' | 'otherWindow' | 'secretOnItsWay' }
  | { readonly kind: 'failed'; readonly keyId: string | undefined; readonly error: SyncError; readonly parked: boolean };

/** A failure the engine reports: a Pieces OS error, or the keyring that did not give the key. */
export type SyncError = PiecesError | KeyringUnavailableError;

/** What a plan sends, as a string (the same plan twice is the same call). */
function planKey(planned: Plan): string {
  return planned.kind === 'push' ? `push:${planned.keyId}:${planned.version}:${planned.nonce}` : planned.kind === 'remove' ? `remove:${planned.nonce}` : planned.kind;
}

/** The first failure among `outcomes`, if any. */
export function firstFailure(outcomes: readonly SyncOutcome[]): Extract<SyncOutcome, { kind: 'failed' }> | undefined {
  return outcomes.find((o): o is Extract<SyncOutcome, { kind: 'failed' }> => o.kind === 'failed');
}

/** What keeping the key Pieces OS holds works with (sync/adopt.ts). */
export interface AdoptDeps {
  store: KeyStore;
  service: ServicePort;
  fingerprints: KeyFingerprints;
  provider: ProviderId;
}

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

/** Malformed answers are retried this many times, then the change is parked. */
export const MAX_BAD_RESPONSES = 3;
/**
 * A key changed this recently in another window may not have reached this window's copy of
 * SecretStorage yet: an empty or older read is waited for (briefly) before it counts as a keyring problem.
 */
const SECRET_PROPAGATION_MS = 10_000;
const SECRET_RECHECK_MS = 250;

/** Calls per provider in one pass: a change made while a call was in flight gets one more (bounded for churn). */
const ROUNDS_PER_PROVIDER = 4;

class LeaseLostError extends Error {}

export class SyncEngine implements Disposable {
  readonly store: KeyStore;
  private readonly service: ServicePort;
  private readonly clock: Clock;
  private readonly providers: readonly ProviderInfo[];
  readonly fingerprints = new KeyFingerprints();
  private readonly changed = new Emitter<void>();
  private readonly keyringTrouble = new Emitter<KeyringUnavailableError>();
  private userIdCache: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private busy = false;
  private lastError: string | undefined;
  private retryHandle: unknown;
  private nextRetryAt: number | undefined;
  private drift: Partial<Record<ProviderId, Drift>> = {};
  /** The last failed attempt per provider in this window, while its retry waits (answered again, not re-sent). */
  private readonly recentFailure = new Map<ProviderId, { plan: string; outcome: Extract<SyncOutcome, { kind: 'failed' }> }>();
  /** What Pieces OS held at the last comparison, per provider: the salted fingerprint, or 'none'. */
  private readonly heldMarker = new Map<ProviderId, string>();
  /** The marker of a difference the user chose to leave as it is. */
  private readonly ignoredDrift = new Map<ProviderId, string>();
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
  }

  // ---- What the tree, the status bar and the flows read ----------------------------------------------

  /** What the engine would do for `provider` now, from this window's copy of the records. */
  planFor(provider: ProviderId): Plan {
    const choice = this.store.choice(provider);
    const activeId = choice?.activeId;
    const held = this.heldDifference(provider);
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
    const held = this.heldDifference(key.provider);
    return keyState(key, syncs, { choice, sent: this.store.sent(key.provider), active: key, ...(held ? { held } : {}) });
  }

  /** What Pieces OS holds as far as it confirmed, compared with `key` (for dialogs: never from the choice alone). */
  holdOf(key: KeyRecord): Hold {
    return holdOf(key, this.store.sent(key.provider), this.heldDifference(key.provider));
  }

  /** What the last comparison found that Pieces OS holds, where it differs from the choice (the drift, as plan.ts takes it). */
  private heldDifference(provider: ProviderId): HeldDifference | undefined {
    const drift = this.drift[provider];
    if (!drift || drift.kind === 'inSync') return undefined;
    if (drift.kind === 'holdsNone') return { kind: 'none' };
    return { kind: 'other', ...(drift.kind === 'holdsOther' && drift.ourKeyId ? { keyId: drift.ourKeyId } : {}) };
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
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.nextRetryAt ? { nextRetryAt: this.nextRetryAt } : {}),
      drift: { ...this.drift },
    };
  }

  // ---- What the user did (each is a write of the choice, then a kick) ----------------------------------

  /** Pieces OS should use `keyId`. */
  async choose(provider: ProviderId, keyId: string): Promise<void> {
    await this.store.setChoice(provider, keyId);
    delete this.drift[provider];
    this.changed.fire();
    this.kick();
  }

  /** Pieces OS should hold none of our keys. */
  async release(provider: ProviderId): Promise<void> {
    await this.store.setChoice(provider, undefined);
    delete this.drift[provider];
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
    this.userIdCache = undefined;
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
    this.userIdCache = undefined;
  }

  // ---- Reconciliation ----------------------------------------------------------------------------------

  /** Reads what Pieces OS holds and compares it with the chosen key; skipped while a change waits. */
  reconcile(): Promise<EngineState['drift']> {
    return this.serialized(async () => {
      for (const provider of this.providers) await this.reconcileOne(provider.id);
      this.changed.fire();
      return { ...this.drift };
    });
  }

  /** Drift answer "send mine": send the chosen key again. */
  async pushOurs(provider: ProviderId): Promise<void> {
    const activeId = this.store.choice(provider)?.activeId;
    if (!activeId || !this.store.get(activeId)) throw new Error(t('There is no key of yours for Pieces OS to use.'));
    const heldNone = this.drift[provider]?.kind === 'holdsNone';
    await this.store.setChoice(provider, activeId, { nonce: true });
    this.drift = { ...this.drift };
    if (heldNone) this.drift[provider] = { kind: 'holdsNone', activeId };
    else delete this.drift[provider];
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
      // Pieces OS already holds it: only the lease holder may record that; otherwise the holder sends it once more.
      if (!this.options.lease || (await this.options.lease.acquire())) {
        const choice = this.store.choice(provider);
        await this.store.writeSent(provider, (current) => {
          const { failure: _cleared, ...rest } = current;
          return { ...rest, holds: 'ours', keyId: record.id, version: keyVersion(record), nonce: choice?.nonce ?? '', at: this.iso(), attempts: 0 };
        });
      }
      this.drift[provider] = { kind: 'inSync' };
      this.changed.fire();
      this.kick();
      return this.store.get(record.id) ?? record;
    });
  }

  /** Drift answer "leave it": stop showing this difference until Pieces OS holds yet another key. */
  ignoreDrift(provider: ProviderId): void {
    const held = this.heldMarker.get(provider);
    if (held !== undefined) this.ignoredDrift.set(provider, held);
    delete this.drift[provider];
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
          const outcome = await this.sendOne(provider, planned);
          outcomes.push(outcome);
          if (outcome.kind === 'failed') this.recentFailure.set(provider, { plan: planKey(planned), outcome });
          else this.recentFailure.delete(provider);
          if (outcome.kind === 'waiting') {
            retryMs = Math.min(retryMs ?? Infinity, SECRET_RECHECK_MS);
            break;
          }
          if (outcome.kind === 'failed') {
            if (!outcome.parked) retryMs = Math.min(retryMs ?? Infinity, this.retryDelay(provider));
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

  private retryDelay(provider: ProviderId): number {
    const sent = this.store.sent(provider);
    const retryAfter = sent?.failure?.retryAfterMs;
    const backoff = backoffDelay(Math.max(0, (sent?.attempts ?? 1) - 1), this.options.random);
    return retryAfter !== undefined ? clamp(Math.max(retryAfter, 1000), 0, BACKOFF_MAX_MS) : backoff;
  }

  private async sendOne(provider: ProviderId, planned: Extract<Plan, { kind: 'push' | 'remove' }>): Promise<SyncOutcome> {
    const before = this.store.sent(provider);
    const keyId = planned.kind === 'push' ? planned.keyId : undefined;
    this.setBusy(true);
    try {
      if (planned.kind === 'remove') {
        const user = await this.userId();
        await this.service.remove(provider, user);
        await this.writeSent(provider, () => ({ v: STORE_VERSION, provider, holds: 'none', nonce: planned.nonce, at: this.iso(), attempts: 0 }));
        this.lastError = undefined;
        this.log(`Removed the ${this.label(provider)} key from Pieces OS`);
        return { kind: 'removed' };
      }
      const record = this.store.record(planned.keyId);
      if (!record) return { kind: 'nothingToDo' };
      let secret: string;
      try {
        secret = await this.store.vault.readRev(planned.keyId, planned.secretRev);
      } catch (error) {
        if (error instanceof KeyringUnavailableError && this.onItsWay(error, record)) return { kind: 'waiting', reason: 'secretOnItsWay' };
        throw error;
      }
      const user = await this.userId();
      // From here on the call may reach Pieces OS, whatever its answer: until it confirms, Pieces OS may
      // hold this key or what it held before. Written first, so that a later delete is never skipped and a
      // switch back to the key it held before is sent again.
      await this.writeSent(provider, (current) => {
        const { keyId: _key, version: _version, nonce: _nonce, ...rest } = current;
        return { ...rest, holds: current.holds === 'none' ? 'maybe' : current.holds };
      });
      await this.service.push(provider, user, planned.call, {
        apiKey: secret,
        name: record.name,
        // An update changes only the fields it names: an empty organization clears one set before.
        ...(record.organization ? { organization: record.organization } : planned.call === 'update' ? { organization: '' } : {}),
      });
      await this.writeSent(provider, () => ({
        v: STORE_VERSION,
        provider,
        holds: 'ours',
        keyId: planned.keyId,
        version: planned.version,
        nonce: planned.nonce,
        at: this.iso(),
        attempts: 0,
      }));
      this.fingerprints.note(record, secret);
      if (record.previousRev) await this.store.dropPrevious(planned.keyId, planned.secretRev);
      this.lastError = undefined;
      this.log(`Sent "${record.name}" to Pieces OS (${planned.call})`);
      return { kind: 'pushed', keyId: planned.keyId, call: planned.call };
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      if (!isPiecesError(error) && !(error instanceof KeyringUnavailableError)) throw error;
      return this.failed(provider, planned, keyId, error, before);
    } finally {
      this.setBusy(false);
    }
  }

  private async failed(
    provider: ProviderId,
    planned: Extract<Plan, { kind: 'push' | 'remove' }>,
    keyId: string | undefined,
    error: SyncError,
    before: SentRecord | undefined,
  ): Promise<SyncOutcome> {
    const message = this.clean(error.message);
    this.lastError = message;
    const kind: string = error.kind;
    // Who is signed in may have changed: read the user again before the next call.
    if (kind === 'unauthorized' || kind === 'notSignedIn' || kind === 'session' || kind === 'userChanged') this.userIdCache = undefined;
    const previous = failureOf(planned, this.store.sent(provider));
    const attempts = (previous ? (this.store.sent(provider)?.attempts ?? 0) : 0) + 1;
    // The identity check before a key call (GET /user at the address the call would go to) failed: the
    // key call itself was never sent.
    const beforeTheCall = error instanceof KeyringUnavailableError || error.operation === `GET ${PiecesPaths.user}`;
    // Retrying cannot help: the key or the request was refused, or this Pieces OS has no such endpoint.
    const parks =
      !beforeTheCall && (kind === 'unauthorized' || kind === 'invalidInput' || kind === 'notFound' || (kind === 'badResponse' && attempts >= MAX_BAD_RESPONSES));
    // Certain that nothing reached Pieces OS: it holds what it held before this attempt.
    const notApplied =
      beforeTheCall ||
      kind === 'notSignedIn' ||
      kind === 'session' ||
      kind === 'userChanged' ||
      kind === 'refusedUrl' ||
      (error instanceof ServiceUnreachableError && (error.reason === 'refused' || error.reason === 'notFound'));
    const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
    await this.writeSent(provider, (current) => {
      const { v: _v, provider: _p, attempts: _a, failure: _f, ...held } = before ?? { v: STORE_VERSION, provider, holds: 'none' as const, attempts: 0 };
      return {
        ...current,
        ...(notApplied ? held : {}),
        attempts,
        failure: {
          ...(planned.kind === 'push' ? { keyId: planned.keyId, version: planned.version } : {}),
          nonce: planned.nonce,
          kind,
          reason: message,
          at: this.iso(),
          parked: parks,
          ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) ? { retryAfterMs: clamp(retryAfterMs, 0, BACKOFF_MAX_MS) } : {}),
        },
      };
    }).catch((writeError: unknown) => {
      if (writeError instanceof LeaseLostError) throw writeError;
      this.log(`Could not record the failure: ${writeError instanceof Error ? writeError.message : String(writeError)}`);
    });
    if (error instanceof KeyringUnavailableError) this.keyringTrouble.fire(error);
    this.log(`Sync of ${this.label(provider)} failed (${kind}${parks ? ', waiting for you' : `, attempt ${attempts}`}): ${message}`);
    return { kind: 'failed', keyId, error, parked: parks };
  }

  /** Whether a missing or older secret is probably another window's write still on its way here. */
  private onItsWay(error: KeyringUnavailableError, record: KeyRecord): boolean {
    if (error.reason === 'failed') return false;
    const changed = Date.parse(record.updatedAt);
    return error.reason === 'stale' || (Number.isFinite(changed) && this.clock.now() - changed < SECRET_PROPAGATION_MS);
  }

  /** Writes the sync record, if this window still holds the lease. */
  private async writeSent(provider: ProviderId, change: (current: SentRecord) => SentRecord): Promise<void> {
    if (this.options.lease && !(await this.options.lease.holds())) throw new LeaseLostError();
    await this.store.writeSent(provider, change);
  }

  private async reconcileOne(provider: ProviderId): Promise<void> {
    const planned = this.planFor(provider);
    if (planned.kind !== 'none') {
      delete this.drift[provider]; // a change waits: its state in the tree explains the difference
      return;
    }
    let heldKey: HeldKey | undefined;
    try {
      const held = await this.service.held(provider);
      // The key bytes are reduced to a fingerprint and a mask at once (the mask rule of every other view), and not kept.
      heldKey = held?.apiKey ? { fingerprint: this.fingerprints.of(held.apiKey), mask: maskKey(held.apiKey), ...(held.name ? { name: held.name } : {}) } : undefined;
    } catch (error) {
      if (!isPiecesError(error)) throw error;
      return; // nothing to compare with; the connection state says why
    }
    const active = this.store.activeKey(provider);
    const activeFingerprint = active ? await this.fingerprints.ofStored(this.store, active) : undefined;
    if (active && activeFingerprint === undefined) return; // the keyring gives nothing: compare later
    const ours = heldKey ? await this.fingerprints.find(this.store, provider, heldKey.fingerprint, active) : undefined;
    const drift = compareWithHeld(active && activeFingerprint ? { id: active.id, fingerprint: activeFingerprint } : undefined, heldKey, ours);
    await this.settleMaybe(provider, ours, heldKey?.name);
    const ignored = this.ignoredDrift.get(provider);
    const marker = heldKey?.fingerprint ?? 'none';
    this.heldMarker.set(provider, marker);
    if (drift.kind === 'inSync') this.ignoredDrift.delete(provider);
    if (ignored && marker === ignored) delete this.drift[provider];
    else this.drift[provider] = drift;
  }

  /** "Pieces OS may hold ours" is settled by what it holds, by the lease holder only. */
  private async settleMaybe(provider: ProviderId, ours: KeyRecord | undefined, heldName: string | undefined): Promise<void> {
    if (this.store.sent(provider)?.holds !== 'maybe') return;
    if (this.options.lease && !(await this.options.lease.holds())) return;
    await this.store.writeSent(provider, (current) => {
      if (current.holds !== 'maybe') return current;
      if (!ours) return { ...current, holds: 'none' };
      // The version is known only when what Pieces OS holds is exactly ours (same name); otherwise it is sent again.
      const { version: _unknown, ...rest } = current;
      return { ...rest, holds: 'ours', keyId: ours.id, ...(ours.name === heldName ? { version: keyVersion(ours) } : {}) };
    });
  }

  private async userId(): Promise<string> {
    this.userIdCache ??= await this.service.userId();
    return this.userIdCache;
  }

  /** Service text as it may be stored and shown: clipped, then redacted (every stored key, and anything key-like). */
  private clean(text: string): string {
    return excerpt(text);
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.changed.fire();
  }

  private label(provider: ProviderId): string {
    return PROVIDERS.find((p) => p.id === provider)?.label ?? provider;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}
