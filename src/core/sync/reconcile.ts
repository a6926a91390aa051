// Reconciliation: what Pieces OS holds (`GET /user`) compared with the key the user chose, per provider.
// It keeps the last difference found (the drift the tree and the status bar show), what Pieces OS held
// then (a salted fingerprint, so a difference the user chose to leave alone stays hidden until Pieces OS
// holds yet another key), and settles "Pieces OS may hold ours" from what it holds.
import { isPiecesError } from '../pieces/errors';
import type { ServicePort } from '../pieces/servicePort';
import { maskKey } from '../keys/mask';
import type { ProviderId } from '../providers/catalogue';
import type { KeyStore } from '../store/keyStore';
import type { GenerationLock } from '../store/lock';
import { type KeyRecord, keyVersion } from '../store/records';
import { type Drift, type HeldKey, type KeyFingerprints, compareWithHeld } from './drift';
import type { HeldDifference } from './plan';

export interface ReconcilerDeps {
  readonly store: KeyStore;
  readonly service: ServicePort;
  readonly fingerprints: KeyFingerprints;
  /** The sender lease: only its holder writes the sync record. Absent: always (tests). */
  readonly lease?: GenerationLock | undefined;
}

export class Reconciler {
  private drift: Partial<Record<ProviderId, Drift>> = {};
  /** What Pieces OS held at the last comparison, per provider: the salted fingerprint, or 'none'. */
  private readonly heldMarker = new Map<ProviderId, string>();
  /** The marker of a difference the user chose to leave as it is. */
  private readonly ignoredDrift = new Map<ProviderId, string>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** The last comparison, per provider (a copy). */
  get all(): Partial<Record<ProviderId, Drift>> {
    return { ...this.drift };
  }

  of(provider: ProviderId): Drift | undefined {
    return this.drift[provider];
  }

  /** What the last comparison found that Pieces OS holds, where it differs from the choice (the drift, as plan.ts takes it). */
  heldDifference(provider: ProviderId): HeldDifference | undefined {
    const drift = this.drift[provider];
    if (!drift || drift.kind === 'inSync') return undefined;
    if (drift.kind === 'holdsNone') return { kind: 'none' };
    return { kind: 'other', ...(drift.kind === 'holdsOther' && drift.ourKeyId ? { keyId: drift.ourKeyId } : {}) };
  }

  /** Sets what is known of `provider` (undefined: nothing, until the next comparison). */
  set(provider: ProviderId, drift: Drift | undefined): void {
    if (drift) this.drift[provider] = drift;
    else delete this.drift[provider];
  }

  /** Drift answer "leave it": stop showing this difference until Pieces OS holds yet another key. */
  ignore(provider: ProviderId): void {
    const held = this.heldMarker.get(provider);
    if (held !== undefined) this.ignoredDrift.set(provider, held);
    delete this.drift[provider];
  }

  /** Compares `provider` with what Pieces OS holds; `changeWaits`: a change is about to be sent, so nothing is compared. */
  async compare(provider: ProviderId, changeWaits: boolean): Promise<void> {
    if (changeWaits) {
      delete this.drift[provider]; // a change waits: its state in the tree explains the difference
      return;
    }
    const { store, service, fingerprints } = this.deps;
    let heldKey: HeldKey | undefined;
    try {
      const held = await service.held(provider);
      // The key bytes are reduced to a fingerprint and a mask at once (the mask rule of every other view), and not kept.
      heldKey = held?.apiKey
        ? { fingerprint: fingerprints.of(held.apiKey), mask: maskKey(held.apiKey), ...(held.name ? { name: held.name } : {}) }
        : undefined;
    } catch (error) {
      if (!isPiecesError(error)) throw error;
      return; // nothing to compare with; the connection state says why
    }
    const active = store.activeKey(provider);
    const activeFingerprint = active ? await fingerprints.ofStored(store, active) : undefined;
    if (active && activeFingerprint === undefined) return; // the keyring gives nothing: compare later
    const ours = heldKey ? await fingerprints.find(store, provider, heldKey.fingerprint, active) : undefined;
    const drift = compareWithHeld(
      active && activeFingerprint ? { id: active.id, fingerprint: activeFingerprint } : undefined,
      heldKey,
      ours,
    );
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
    const { store, lease } = this.deps;
    if (store.sent(provider)?.holds !== 'maybe') return;
    if (lease && !(await lease.holds())) return;
    await store.writeSent(provider, (current) => {
      if (current.holds !== 'maybe') return current;
      if (!ours) return { ...current, holds: 'none' };
      // The version is known only when what Pieces OS holds is exactly ours (same name); otherwise it is sent again.
      const { version: _unknown, ...rest } = current;
      return { ...rest, holds: 'ours', keyId: ours.id, ...(ours.name === heldName ? { version: keyVersion(ours) } : {}) };
    });
  }
}
