// What the engine has to do for one provider, and what state each key is in, derived from three
// records: the user's choice, the sync record (what Pieces OS holds of ours), and the chosen key. No
// state is stored twice: "waiting", "synced", "inactive" and "local only" are read off these facts.
//
// Pieces OS holds one key per provider, so changes coalesce by construction: only the difference
// between what should be held and what is held is sent. Create then update is one create of the
// latest; create … delete before anything was sent is nothing; A → B → A before a sync is nothing.
import type { ChoiceRecord, KeyRecord, SentRecord, SyncFailure } from '../store/records';
import { keyVersion } from '../store/records';

export type Plan =
  /** Pieces OS holds what it should. */
  | { readonly kind: 'none' }
  /**
   * Wait: the chosen key is in the middle of a change or unreadable ('busy'), or the choice names a key
   * that no longer exists ('dangling': the engine asks the store to repair the choice under its lock).
   */
  | { readonly kind: 'wait'; readonly why: 'busy' | 'dangling' }
  | {
      readonly kind: 'push';
      readonly keyId: string;
      readonly version: string;
      readonly secretRev: string;
      readonly nonce: string;
      readonly call: 'create' | 'update';
    }
  | { readonly kind: 'remove'; readonly nonce: string };

export interface PlanInput {
  readonly choice: ChoiceRecord | undefined;
  readonly sent: SentRecord | undefined;
  /** The chosen key's record (undefined when absent); `skipped`: its file exists but cannot be read. */
  readonly active: KeyRecord | undefined;
  readonly activeSkipped?: boolean;
  /**
   * What the last comparison with Pieces OS (`GET /user`) found where it differs from the sync record:
   * no key at all ('none': a push must create), or another key ('other'; `keyId` when it is one of ours).
   */
  readonly held?: HeldDifference;
}

export type HeldDifference = { readonly kind: 'none' } | { readonly kind: 'other'; readonly keyId?: string };

export function plan(input: PlanInput): Plan {
  const { choice, sent, active } = input;
  const nonce = choice?.nonce ?? '';
  const holds = sent?.holds ?? 'none';
  if (choice?.activeId) {
    if (!active) return { kind: 'wait', why: input.activeSkipped ? 'busy' : 'dangling' };
    if (active.pending) return { kind: 'wait', why: 'busy' };
    const version = keyVersion(active);
    if (holds === 'ours' && sent?.keyId === active.id && sent.version === version && sent.nonce === nonce) return { kind: 'none' };
    return {
      kind: 'push',
      keyId: active.id,
      version,
      secretRev: active.secretRev,
      nonce,
      call: holds === 'ours' && input.held?.kind !== 'none' ? 'update' : 'create',
    };
  }
  return holds === 'none' ? { kind: 'none' } : { kind: 'remove', nonce };
}

/** What a plan sends, as a string (the same plan twice is the same call). */
export function planKey(planned: Plan): string {
  return planned.kind === 'push'
    ? `push:${planned.keyId}:${planned.version}:${planned.nonce}`
    : planned.kind === 'remove'
      ? `remove:${planned.nonce}`
      : planned.kind;
}

/** Whether `failure` was about exactly this plan (a later change is not marked by an earlier failure). */
export function failureOf(planned: Plan, sent: SentRecord | undefined): SyncFailure | undefined {
  const failure = sent?.failure;
  if (!failure) return undefined;
  if (planned.kind === 'push') {
    return failure.keyId === planned.keyId && failure.version === planned.version && failure.nonce === planned.nonce ? failure : undefined;
  }
  if (planned.kind === 'remove') return failure.keyId === undefined && failure.nonce === planned.nonce ? failure : undefined;
  return undefined;
}

/** A key's state towards Pieces OS, as the tree, the status bar and messages name it. */
export type KeyState =
  | { readonly kind: 'localOnly' }
  | { readonly kind: 'inactive' }
  /** Not the key the user chose, but the one Pieces OS holds (it was changed in Pieces). */
  | { readonly kind: 'heldInstead' }
  | { readonly kind: 'synced'; readonly at?: string }
  /** The key the user chose was sent, but Pieces OS holds no key now, or another one. */
  | { readonly kind: 'notHeld'; readonly held: 'none' | 'other' }
  | { readonly kind: 'waiting'; readonly reason?: string; readonly at?: string }
  | { readonly kind: 'signIn'; readonly reason: string }
  | { readonly kind: 'keyring'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly at: string }
  | { readonly kind: 'rejected'; readonly reason: string; readonly at: string };

/** Failure kinds that wait for the user to sign in to Pieces rather than for the key to change. */
export const SIGN_IN_KINDS: ReadonlySet<string> = new Set(['notSignedIn', 'session']);

/**
 * The one state of a key that every view draws. "Synced" needs both records to agree that Pieces OS holds
 * it and the last look at Pieces OS not to contradict them: a key Pieces OS forgot is "not in Pieces OS".
 */
export function keyState(key: KeyRecord, syncs: boolean, input: PlanInput): KeyState {
  if (!syncs) return { kind: 'localOnly' };
  if (input.choice?.activeId !== key.id) {
    return input.held?.kind === 'other' && input.held.keyId === key.id ? { kind: 'heldInstead' } : { kind: 'inactive' };
  }
  const planned = plan({ ...input, active: key });
  if (planned.kind === 'none') {
    if (input.held) return { kind: 'notHeld', held: input.held.kind };
    return { kind: 'synced', ...(input.sent?.at ? { at: input.sent.at } : {}) };
  }
  const failure = failureOf(planned, input.sent);
  if (!failure) return { kind: 'waiting' };
  if (failure.parked) {
    return failure.kind === 'unauthorized'
      ? { kind: 'rejected', reason: failure.reason, at: failure.at }
      : { kind: 'failed', reason: failure.reason, at: failure.at };
  }
  if (SIGN_IN_KINDS.has(failure.kind)) return { kind: 'signIn', reason: failure.reason };
  if (failure.kind === 'keyring') return { kind: 'keyring', reason: failure.reason };
  return { kind: 'waiting', reason: failure.reason, at: failure.at };
}

/**
 * What Pieces OS holds, as it confirmed, compared with `key`: this key ('this'), nothing ('none'), or
 * something it has not confirmed ('unconfirmed': a call whose answer was lost or refused, an earlier
 * value of the key, another key). Dialogs word what Pieces OS holds from this, never from the choice.
 */
export type Hold = 'this' | 'none' | 'unconfirmed';

export function holdOf(key: KeyRecord, sent: SentRecord | undefined, held: HeldDifference | undefined): Hold {
  if (held?.kind === 'none') return 'none';
  if (held?.kind === 'other') return held.keyId === key.id ? 'this' : 'unconfirmed';
  const holds = sent?.holds ?? 'none';
  if (holds === 'none') return 'none';
  return holds === 'ours' && sent?.keyId === key.id && sent.version === keyVersion(key) ? 'this' : 'unconfirmed';
}
