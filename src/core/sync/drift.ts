// Reconciliation: how what Pieces OS holds compares with the key the user chose. Keys are compared
// through salted hashes made in memory, so that neither key is kept, logged or stored for it. The
// fingerprints are cached by key id and secret revision: a sync compares the chosen key first and reads
// another key's secret at most once per revision.
import { createHash, randomBytes } from 'node:crypto';
import type { ProviderId } from '../providers/catalogue';
import type { KeyRecord, KeyStore } from '../store/keyStore';
import { KeyringUnavailableError } from '../store/secretVault';

/** How what Pieces OS holds compares with the key the user chose. */
export type Drift =
  | { readonly kind: 'inSync' }
  /** Pieces OS holds a key other than ours; `ourKeyId` when it is one of our other keys. `mask` as maskKey shows it. */
  | { readonly kind: 'holdsOther'; readonly mask: string; readonly name?: string; readonly ourKeyId?: string }
  /** Our key is marked as sent, but Pieces OS holds none. */
  | { readonly kind: 'holdsNone'; readonly activeId: string }
  /** We chose no key, yet Pieces OS holds one we do not have. */
  | { readonly kind: 'holdsUnknown'; readonly mask: string; readonly name?: string };

/** A drift that is a difference (not in sync). */
export type Difference = Exclude<Drift, { readonly kind: 'inSync' }>;

/** What Pieces OS holds, reduced to what a comparison and the tree need. */
export interface HeldKey {
  readonly fingerprint: string;
  /** The key as every other view shows one (maskKey: no characters of a short key). */
  readonly mask: string;
  readonly name?: string;
}

/** Salted SHA-256 fingerprints of keys; the salt lives in memory only, for the life of the window. */
export class KeyFingerprints {
  private readonly salt = randomBytes(16);
  /** key id → { secret revision, fingerprint } */
  private readonly cache = new Map<string, { rev: string; fingerprint: string }>();
  /** Secret reads made to fill the cache (for the bench and tests). */
  reads = 0;

  of(key: string): string {
    return createHash('sha256').update(this.salt).update(key).digest('hex');
  }

  /** The fingerprint of a stored key, from the cache when its revision is unchanged; undefined when unreadable. */
  async ofStored(store: KeyStore, record: KeyRecord): Promise<string | undefined> {
    const cached = this.cache.get(record.id);
    if (cached && cached.rev === record.secretRev) return cached.fingerprint;
    try {
      this.reads++;
      const fingerprint = this.of(await store.secret(record.id));
      this.cache.set(record.id, { rev: record.secretRev, fingerprint });
      return fingerprint;
    } catch (error) {
      if (error instanceof KeyringUnavailableError) return undefined;
      throw error;
    }
  }

  /** Remembers the fingerprint of a key the caller holds in hand (just added or adopted). */
  note(record: KeyRecord, key: string): void {
    this.cache.set(record.id, { rev: record.secretRev, fingerprint: this.of(key) });
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  /** The key of `provider` whose bytes have this fingerprint, if any; `first` is compared before the others. */
  async find(store: KeyStore, provider: ProviderId, fingerprint: string, first?: KeyRecord): Promise<KeyRecord | undefined> {
    if (first && (await this.ofStored(store, first)) === fingerprint) return first;
    for (const record of store.keysOf(provider)) {
      if (record.id !== first?.id && (await this.ofStored(store, record)) === fingerprint) return record;
    }
    return undefined;
  }
}

/**
 * Compares the chosen key (`active`, with its fingerprint) with what Pieces OS holds; `ours` is our
 * key that matches what Pieces OS holds, when there is one.
 */
export function compareWithHeld(
  active: { readonly id: string; readonly fingerprint: string } | undefined,
  held: HeldKey | undefined,
  ours: KeyRecord | undefined,
): Drift {
  const about = held ? { mask: held.mask, ...(held.name ? { name: held.name } : {}) } : undefined;
  if (active) {
    if (!held || !about) return { kind: 'holdsNone', activeId: active.id };
    if (held.fingerprint === active.fingerprint) return { kind: 'inSync' };
    return { kind: 'holdsOther', ...about, ...(ours ? { ourKeyId: ours.id } : {}) };
  }
  if (!about) return { kind: 'inSync' };
  return ours ? { kind: 'holdsOther', ...about, ourKeyId: ours.id } : { kind: 'holdsUnknown', ...about };
}
