// What one pass of the engine answers for each call it made or did not make. The flows read it to say
// how a change went; it lives apart from the engine so that the flows' bundles need none of the engine.
import type { PiecesError } from '../pieces/errors';
import type { KeyringUnavailableError } from '../store/secretVault';

/** Why a call was not made or failed, as the engine reports it. */
export type SyncOutcome =
  | { readonly kind: 'nothingToDo' }
  | { readonly kind: 'pushed'; readonly keyId: string; readonly call: 'create' | 'update' }
  | { readonly kind: 'removed' }
  | { readonly kind: 'waiting'; readonly reason: 'autoSyncOff' | 'otherWindow' | 'secretOnItsWay' }
  | { readonly kind: 'failed'; readonly keyId: string | undefined; readonly error: SyncError; readonly parked: boolean };

export type FailedOutcome = Extract<SyncOutcome, { kind: 'failed' }>;

/** A failure the engine reports: a Pieces OS error, or the keyring that did not give the key. */
export type SyncError = PiecesError | KeyringUnavailableError;

/** The first failure among `outcomes`, if any. */
export function firstFailure(outcomes: readonly SyncOutcome[]): FailedOutcome | undefined {
  return outcomes.find((o): o is FailedOutcome => o.kind === 'failed');
}
