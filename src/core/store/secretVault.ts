// Key bytes, and only key bytes, in VS Code's SecretStorage. Each secret carries the revision its key
// record names, so a window whose copy of SecretStorage is behind (VS Code keeps one per window and
// updates it by events) notices that it read an older value and waits, instead of sending it.
//
// A keyring can fail: `get` throws, or returns nothing while it is locked (common on Linux). For a key
// whose record exists, both mean "unavailable for now", never "deleted": callers keep what they have
// and try again later.
import type { Disposable } from '../emitter';

export interface SecretStoragePort {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
  onDidChange(listener: (event: { key: string }) => unknown): Disposable;
  /** Every key stored by this extension (VS Code 1.106+); absent on older versions. */
  keys?(): PromiseLike<string[]>;
}

export const SECRET_PREFIX = 'providerKeys.secret.';
const PREVIOUS_SUFFIX = '.previous';
/** The revision of a secret written before secrets carried one (the globalState store, v0.1). */
export const LEGACY_REV = 'legacy';

export type Slot = 'current' | 'previous';

/** The keyring did not give a secret its record says exists (locked, failing, or not yet in this window). */
export class KeyringUnavailableError extends Error {
  readonly kind = 'keyring';
  constructor(
    readonly reason: 'empty' | 'failed' | 'stale',
    message = reason === 'stale'
      ? "VS Code's secret storage has not caught up with a change made in another window yet."
      : "VS Code's secret storage (the OS keyring) did not return the key.",
  ) {
    super(message);
    this.name = 'KeyringUnavailableError';
  }
}

export interface StoredSecret {
  readonly rev: string;
  readonly key: string;
}

export function secretName(id: string, slot: Slot = 'current'): string {
  return `${SECRET_PREFIX}${id}${slot === 'previous' ? PREVIOUS_SUFFIX : ''}`;
}

/** The key id and slot a SecretStorage key belongs to, or undefined for keys that are not ours. */
export function secretOwner(name: string): { id: string; slot: Slot } | undefined {
  if (!name.startsWith(SECRET_PREFIX)) return undefined;
  const rest = name.slice(SECRET_PREFIX.length);
  const previous = rest.endsWith(PREVIOUS_SUFFIX);
  const id = previous ? rest.slice(0, -PREVIOUS_SUFFIX.length) : rest;
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? { id, slot: previous ? 'previous' : 'current' } : undefined;
}

export function wrapSecret(rev: string, key: string): string {
  return JSON.stringify({ rev, key });
}

export function unwrapSecret(value: string): StoredSecret {
  return wrapped(value) ?? { rev: LEGACY_REV, key: value };
}

/** The revision and key of a value this store wrote; undefined for a raw value (written by 0.1). */
function wrapped(value: string): StoredSecret | undefined {
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as { rev?: unknown; key?: unknown } | null;
      if (typeof parsed?.rev === 'string' && typeof parsed.key === 'string') return { rev: parsed.rev, key: parsed.key };
    } catch {
      // not ours: a raw value
    }
  }
  return undefined;
}

/** Reads and writes wrapped secrets, turning every keyring failure into KeyringUnavailableError. */
export class SecretVault {
  constructor(private readonly secrets: SecretStoragePort) {}

  /** The secret in `slot`; throws KeyringUnavailableError when the keyring gives nothing. */
  async read(id: string, slot: Slot = 'current'): Promise<StoredSecret> {
    let value: string | undefined;
    try {
      value = await this.secrets.get(secretName(id, slot));
    } catch {
      throw new KeyringUnavailableError('failed');
    }
    if (value === undefined || value === '') throw new KeyringUnavailableError('empty');
    return unwrapSecret(value);
  }

  /** The secret in `slot` if it has revision `rev`; throws KeyringUnavailableError otherwise. */
  async readRev(id: string, rev: string, slot: Slot = 'current'): Promise<string> {
    const stored = await this.read(id, slot);
    if (stored.rev !== rev) throw new KeyringUnavailableError('stale');
    return stored.key;
  }

  async write(id: string, rev: string, key: string, slot: Slot = 'current'): Promise<void> {
    try {
      await this.secrets.store(secretName(id, slot), wrapSecret(rev, key));
    } catch {
      throw new KeyringUnavailableError('failed', "VS Code's secret storage (the OS keyring) refused to store the key.");
    }
  }

  async delete(id: string, slot: Slot = 'current'): Promise<void> {
    try {
      await this.secrets.delete(secretName(id, slot));
    } catch {
      throw new KeyringUnavailableError('failed', "VS Code's secret storage (the OS keyring) did not delete the key.");
    }
  }

  /** Our SecretStorage keys, where VS Code can list them (1.106+); undefined below that. */
  async list(): Promise<string[] | undefined> {
    if (!this.secrets.keys) return undefined;
    try {
      return (await this.secrets.keys()).filter((name) => name.startsWith(SECRET_PREFIX));
    } catch {
      return undefined;
    }
  }

  /**
   * Whether the value under `name` was written by this store (with a revision). False for a raw value,
   * which only 0.1 wrote (its row may not have been moved, or been left for a newer version), and for
   * one that cannot be read now: recovery deletes only what this format wrote.
   */
  async writtenByStore(name: string): Promise<boolean> {
    try {
      const value = await this.secrets.get(name);
      return value !== undefined && wrapped(value) !== undefined;
    } catch {
      return false;
    }
  }

  async deleteRaw(name: string): Promise<void> {
    await this.secrets.delete(name);
  }

  onDidChange(listener: (id: string, slot: Slot) => void): Disposable {
    return this.secrets.onDidChange((event) => {
      const owner = secretOwner(event.key);
      if (owner) listener(owner.id, owner.slot);
    });
  }
}
