// Reconciliation: how what Pieces OS holds compares with the key the user chose. Keys are compared
// through salted hashes made in memory, so that neither key is kept, logged or stored for it.
import { createHash, randomBytes } from 'node:crypto';
import type { KeyRecord, KeyStore } from './keyStore';
import type { ProviderId } from './providers';

/** How what Pieces OS holds compares with the key the user chose. */
export type Drift =
  | { readonly kind: 'inSync' }
  /** Pieces OS holds a key other than ours; `ourKeyId` when it is one of our other keys. */
  | { readonly kind: 'holdsOther'; readonly tail: string; readonly name?: string; readonly ourKeyId?: string }
  /** Our key is marked as sent, but Pieces OS holds none. */
  | { readonly kind: 'holdsNone'; readonly activeId: string }
  /** We chose no key, yet Pieces OS holds one we do not have. */
  | { readonly kind: 'holdsUnknown'; readonly tail: string; readonly name?: string };

/** What Pieces OS holds, reduced to what a comparison and the tree need. */
export interface HeldKey {
  readonly fingerprint: string;
  readonly tail: string;
  readonly name?: string;
}

/** Salted SHA-256 fingerprints of keys; the salt lives in memory only, for the life of the window. */
export class KeyFingerprints {
  private readonly salt = randomBytes(16);

  of(key: string): string {
    return createHash('sha256').update(this.salt).update(key).digest('hex');
  }

  /** The key of `provider` in `store` whose bytes have this fingerprint, if any. */
  async find(store: KeyStore, provider: ProviderId, fingerprint: string): Promise<KeyRecord | undefined> {
    for (const record of store.keysOf(provider)) {
      const secret = await store.secret(record.id);
      if (secret && this.of(secret) === fingerprint) return record;
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
  const about = held ? { tail: held.tail, ...(held.name ? { name: held.name } : {}) } : undefined;
  if (active) {
    if (!held || !about) return { kind: 'holdsNone', activeId: active.id };
    if (held.fingerprint === active.fingerprint) return { kind: 'inSync' };
    return { kind: 'holdsOther', ...about, ...(ours ? { ourKeyId: ours.id } : {}) };
  }
  if (!about) return { kind: 'inSync' };
  return ours ? { kind: 'holdsOther', ...about, ourKeyId: ours.id } : { kind: 'holdsUnknown', ...about };
}
