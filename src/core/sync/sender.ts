// One call to Pieces OS at a time, and the sync record around it: "Pieces OS may hold it" written before a
// call that may reach it, what it holds written after it confirmed, and a failure recorded as the failure
// policy judges it (failurePolicy.ts). When to call, and which plan, is the engine's (engine.ts).
import { excerpt } from '../keys/redact';
import { isPiecesError } from '../pieces/errors';
import type { ServicePort } from '../pieces/servicePort';
import { PROVIDERS, type ProviderId } from '../providers/catalogue';
import type { KeyStore } from '../store/keyStore';
import type { GenerationLock } from '../store/lock';
import { type KeyRecord, type SentRecord, STORE_VERSION, keyVersion } from '../store/records';
import { KeyringUnavailableError } from '../store/secretVault';
import type { Clock } from '../time';
import type { KeyFingerprints } from './drift';
import { type Sending, failedRecord, forgetsUser, judge, secretOnItsWay } from './failurePolicy';
import type { SyncError, SyncOutcome } from './outcome';

/** Another window took over the sender lease: this window stops sending (the engine catches it). */
export class LeaseLostError extends Error {}

export interface SenderDeps {
  readonly store: KeyStore;
  readonly service: ServicePort;
  /** The sender lease: the sync record is written only while it is held. Absent: always (tests). */
  readonly lease?: GenerationLock | undefined;
  readonly clock: Clock;
  readonly fingerprints: KeyFingerprints;
  log(message: string): void;
  /** A call starts (true) or ends (false): the status bar says "syncing" meanwhile. */
  busy(busy: boolean): void;
  /** The keyring did not give the key to send (the user is told what to do). */
  keyringTrouble(error: KeyringUnavailableError): void;
}

export class Sender {
  /** What the last call that failed said (clipped, redacted), until a call succeeds. */
  lastError: string | undefined;
  private userIdCache: string | undefined;

  constructor(private readonly deps: SenderDeps) {}

  /** Forget the cached Pieces user id (after a 401, a reconnect or an address change). */
  forgetUser(): void {
    this.userIdCache = undefined;
  }

  /**
   * Pieces OS holds `record` already (the user kept the key it holds): only the lease holder may record
   * that; otherwise the holder sends it once more.
   */
  async recordHeld(provider: ProviderId, record: KeyRecord): Promise<void> {
    const { store, lease } = this.deps;
    if (lease && !(await lease.acquire())) return;
    const nonce = store.choice(provider)?.nonce ?? '';
    await store.writeSent(provider, (current) => {
      const { failure: _cleared, ...rest } = current;
      return { ...rest, holds: 'ours', keyId: record.id, version: keyVersion(record), nonce, at: this.iso(), attempts: 0 };
    });
  }

  /** Makes the call `planned` asks for and records what it did (or why it failed). */
  async send(provider: ProviderId, planned: Sending): Promise<SyncOutcome> {
    const before = this.deps.store.sent(provider);
    const keyId = planned.kind === 'push' ? planned.keyId : undefined;
    this.deps.busy(true);
    try {
      if (planned.kind === 'remove') {
        const user = await this.userId();
        await this.deps.service.remove(provider, user);
        await this.writeSent(provider, () => ({
          v: STORE_VERSION,
          provider,
          holds: 'none',
          nonce: planned.nonce,
          at: this.iso(),
          attempts: 0,
        }));
        this.lastError = undefined;
        this.deps.log(`Removed the ${this.label(provider)} key from Pieces OS`);
        return { kind: 'removed' };
      }
      const record = this.deps.store.record(planned.keyId);
      if (!record) return { kind: 'nothingToDo' };
      let secret: string;
      try {
        secret = await this.deps.store.vault.readRev(planned.keyId, planned.secretRev);
      } catch (error) {
        if (error instanceof KeyringUnavailableError && secretOnItsWay(error, record, this.deps.clock.now())) {
          return { kind: 'waiting', reason: 'secretOnItsWay' };
        }
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
      await this.deps.service.push(provider, user, planned.call, {
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
      this.deps.fingerprints.note(record, secret);
      if (record.previousRev) await this.deps.store.dropPrevious(planned.keyId, planned.secretRev);
      this.lastError = undefined;
      this.deps.log(`Sent "${record.name}" to Pieces OS (${planned.call})`);
      return { kind: 'pushed', keyId: planned.keyId, call: planned.call };
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      if (!isPiecesError(error) && !(error instanceof KeyringUnavailableError)) throw error;
      return this.failed(provider, planned, keyId, error, before);
    } finally {
      this.deps.busy(false);
    }
  }

  /** Records a failed call as the failure policy judges it (failurePolicy.ts), and says so. */
  private async failed(
    provider: ProviderId,
    planned: Sending,
    keyId: string | undefined,
    error: SyncError,
    before: SentRecord | undefined,
  ): Promise<SyncOutcome> {
    // Service text as it may be stored and shown: clipped, then redacted (every stored key, and anything key-like).
    const message = excerpt(error.message);
    this.lastError = message;
    const verdict = judge(error, planned, this.deps.store.sent(provider));
    if (forgetsUser(verdict.kind)) this.forgetUser();
    await this.writeSent(provider, (current) =>
      failedRecord(current, before, provider, planned, error, verdict, message, this.iso()),
    ).catch((writeError: unknown) => {
      if (writeError instanceof LeaseLostError) throw writeError;
      this.deps.log(`Could not record the failure: ${writeError instanceof Error ? writeError.message : String(writeError)}`);
    });
    if (error instanceof KeyringUnavailableError) this.deps.keyringTrouble(error);
    const how = verdict.parks ? ', waiting for you' : `, attempt ${verdict.attempts}`;
    this.deps.log(`Sync of ${this.label(provider)} failed (${verdict.kind}${how}): ${message}`);
    return { kind: 'failed', keyId, error, parked: verdict.parks };
  }

  /** Writes the sync record, if this window still holds the lease. */
  private async writeSent(provider: ProviderId, change: (current: SentRecord) => SentRecord): Promise<void> {
    if (this.deps.lease && !(await this.deps.lease.holds())) throw new LeaseLostError();
    await this.deps.store.writeSent(provider, change);
  }

  private async userId(): Promise<string> {
    this.userIdCache ??= await this.deps.service.userId();
    return this.userIdCache;
  }

  private label(provider: ProviderId): string {
    return PROVIDERS.find((p) => p.id === provider)?.label ?? provider;
  }

  private iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}
