// What a failed call means, decided in one place: whether retrying can help or the change waits for the
// user (parked), whether Pieces OS certainly received nothing (then it holds what it held before), which
// attempt it was, and when to try again. The engine asks; it never decides these itself.
import { ServiceUnreachableError } from '../pieces/errors';
import { PiecesPaths } from '../pieces/wire';
import type { ProviderId } from '../providers/catalogue';
import { type KeyRecord, type SentRecord, STORE_VERSION } from '../store/records';
import { KeyringUnavailableError } from '../store/secretVault';
import { BACKOFF_MAX_MS, backoffDelay, clamp } from '../time';
import type { SyncError } from './outcome';
import { type Plan, failureOf } from './plan';

/** Malformed answers are retried this many times, then the change is parked. */
export const MAX_BAD_RESPONSES = 3;
/**
 * A key changed this recently in another window may not have reached this window's copy of
 * SecretStorage yet: an empty or older read is waited for (briefly) before it counts as a keyring problem.
 */
const SECRET_PROPAGATION_MS = 10_000;

/** A plan that makes a call. */
export type Sending = Extract<Plan, { kind: 'push' | 'remove' }>;

export interface Verdict {
  /** The error's kind, as recorded ('keyring' for the keyring). */
  readonly kind: string;
  /** Which attempt at this very plan failed (1 for the first). */
  readonly attempts: number;
  /** Retrying cannot help: the change waits for the user. */
  readonly parks: boolean;
  /** Certain that nothing reached Pieces OS: it holds what it held before this attempt. */
  readonly notApplied: boolean;
}

/** Judges a failed attempt at `planned`; `sent` is the sync record before the failure is written. */
export function judge(error: SyncError, planned: Sending, sent: SentRecord | undefined): Verdict {
  const kind: string = error.kind;
  const attempts = (failureOf(planned, sent) ? (sent?.attempts ?? 0) : 0) + 1;
  // The identity check before a key call (GET /user at the address the call would go to) failed: the
  // key call itself was never sent.
  const beforeTheCall = error instanceof KeyringUnavailableError || error.operation === `GET ${PiecesPaths.user}`;
  // Retrying cannot help: the key or the request was refused, or this Pieces OS has no such endpoint.
  const parks =
    !beforeTheCall &&
    (kind === 'unauthorized' ||
      kind === 'invalidInput' ||
      kind === 'notFound' ||
      (kind === 'badResponse' && attempts >= MAX_BAD_RESPONSES));
  const notApplied =
    beforeTheCall ||
    kind === 'notSignedIn' ||
    kind === 'session' ||
    kind === 'userChanged' ||
    kind === 'refusedUrl' ||
    (error instanceof ServiceUnreachableError && (error.reason === 'refused' || error.reason === 'notFound'));
  return { kind, attempts, parks, notApplied };
}

/** Whether who is signed in may have changed, so the Pieces user is read again before the next call. */
export function forgetsUser(kind: string): boolean {
  return kind === 'unauthorized' || kind === 'notSignedIn' || kind === 'session' || kind === 'userChanged';
}

/**
 * The sync record after a failure: the failure (for exactly this plan, so a later change is not marked by
 * it) and the attempts; if nothing reached Pieces OS, what it held `before` the attempt is put back.
 */
export function failedRecord(
  current: SentRecord,
  before: SentRecord | undefined,
  provider: ProviderId,
  planned: Sending,
  error: SyncError,
  verdict: Verdict,
  reason: string,
  at: string,
): SentRecord {
  const {
    v: _v,
    provider: _p,
    attempts: _a,
    failure: _f,
    ...held
  } = before ?? { v: STORE_VERSION, provider, holds: 'none' as const, attempts: 0 };
  const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return {
    ...current,
    ...(verdict.notApplied ? held : {}),
    attempts: verdict.attempts,
    failure: {
      ...(planned.kind === 'push' ? { keyId: planned.keyId, version: planned.version } : {}),
      nonce: planned.nonce,
      kind: verdict.kind,
      reason,
      at,
      parked: verdict.parks,
      ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs)
        ? { retryAfterMs: clamp(retryAfterMs, 0, BACKOFF_MAX_MS) }
        : {}),
    },
  };
}

/** When to try a failed change again: after its `Retry-After` (at least 1 s), else with backoff by attempt. */
export function retryDelay(sent: SentRecord | undefined, random?: () => number): number {
  const retryAfter = sent?.failure?.retryAfterMs;
  const backoff = backoffDelay(Math.max(0, (sent?.attempts ?? 1) - 1), random);
  return retryAfter !== undefined ? clamp(Math.max(retryAfter, 1000), 0, BACKOFF_MAX_MS) : backoff;
}

/** Whether a missing or older secret is probably another window's write still on its way here. */
export function secretOnItsWay(error: KeyringUnavailableError, record: KeyRecord, now: number): boolean {
  if (error.reason === 'failed') return false;
  const changed = Date.parse(record.updatedAt);
  return error.reason === 'stale' || (Number.isFinite(changed) && now - changed < SECRET_PROPAGATION_MS);
}
