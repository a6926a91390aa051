// Where keys live: key bytes only in SecretStorage, everything else (provider, name, organization,
// dates, sync state, which key Pieces OS uses) in globalState. No `vscode` import: the two stores
// come in as ports, so the store is tested under plain mocha and used unchanged in VS Code.
import { randomUUID } from 'node:crypto';
import { StorageKeys as STORE_KEYS } from '../constants';
import { Emitter, type Disposable, type Event } from './emitter';
import { PROVIDERS, type ProviderId, type ProviderInfo } from './providers';

export interface SecretStoragePort {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
  onDidChange(listener: (event: { key: string }) => unknown): Disposable;
}

export interface MementoPort {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** The state of one key towards Pieces OS, as the tree shows it. Reasons never hold key bytes. */
export type SyncStatus =
  | { readonly kind: 'localOnly' }
  | { readonly kind: 'inactive' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'synced'; readonly at: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly at: string }
  | { readonly kind: 'rejected'; readonly reason: string; readonly at: string }
  | { readonly kind: 'notSignedIn'; readonly at: string };

export interface KeyRecord {
  readonly id: string;
  readonly provider: ProviderId;
  readonly name: string;
  readonly organization?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly sync: SyncStatus;
  /** The last on-demand check with the provider (Verify Key); absent until the first one. */
  readonly verified?: Verification;
}

/** What the provider said when the key was last checked. `at` is an ISO time. */
export interface Verification {
  readonly at: string;
  readonly result: 'ok' | 'rejected';
  readonly status?: number;
}

/**
 * A change not yet confirmed by Pieces OS: the durable queue entry of one provider. Pieces OS holds one
 * key per provider, so later changes coalesce into this one entry as they are written (see SyncEngine).
 * It names the key by id and never holds key bytes; it is written before the call is attempted and
 * removed only after Pieces OS confirmed it.
 */
export interface SyncIntent {
  /** Push the active key (create or update, decided when sent), or remove ours from Pieces OS. */
  readonly op: 'push' | 'remove';
  /** What the user did last, for the log and the tree. */
  readonly cause: 'create' | 'update' | 'use' | 'delete';
  readonly since: string;
  /** Failed attempts so far, for backoff and for the bound on malformed responses. */
  readonly attempts: number;
  /** Set when retrying cannot help (401, repeated malformed responses): waits for the user. */
  readonly parked?: { readonly reason: string; readonly at: string };
}

/** What Pieces OS should hold for one provider, and whether that has been sent. */
export interface PiecesTarget {
  /** The key Pieces OS should use; undefined means it should hold none of ours. */
  readonly activeId?: string;
  /** Whether Pieces OS holds a key we sent (the last confirmed call was a create or update). */
  readonly holds: boolean;
  readonly intent?: SyncIntent;
  /** Counts changes, so that a call that finishes after a newer change does not clear it. */
  readonly seq: number;
}

interface Metadata {
  readonly version: 1;
  readonly keys: readonly KeyRecord[];
  readonly pieces: Partial<Record<ProviderId, PiecesTarget>>;
}

export interface NewKey {
  provider: ProviderId;
  name: string;
  secret: string;
  organization?: string;
}

export interface KeyChange {
  secret?: string;
  name?: string;
  /** A new organization id; '' removes it. */
  organization?: string;
}

const EMPTY: Metadata = { version: 1, keys: [], pieces: {} };

export class KeyStore implements Disposable {
  private readonly changed = new Emitter<void>();
  private readonly subscription: Disposable;
  /** Writes run one after another, so that two quick changes never overwrite each other. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  private readonly changedElsewhere = new Emitter<void>();
  /** Marks this store's revisions, so that its own writes are told apart from other windows'. */
  private readonly writer = randomUUID();

  /** Fires after any change: made here, or in another window (seen through SecretStorage). */
  readonly onDidChange: Event<void> = this.changed.event;
  /** Fires after a change made by another window (another store over the same SecretStorage). */
  readonly onDidChangeElsewhere: Event<void> = this.changedElsewhere.event;

  private readonly providers: readonly ProviderInfo[];

  constructor(
    private readonly secrets: SecretStoragePort,
    private readonly memento: MementoPort,
    options: { now?: () => Date; providers?: readonly ProviderInfo[] } = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.providers = options.providers ?? PROVIDERS;
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === STORE_KEYS.revision || event.key.startsWith(STORE_KEYS.secretPrefix)) this.changed.fire();
      if (event.key === STORE_KEYS.revision) {
        void Promise.resolve(secrets.get(STORE_KEYS.revision)).then((revision) => {
          if (revision && !revision.startsWith(`${this.writer}:`)) this.changedElsewhere.fire();
        });
      }
    });
  }

  list(): KeyRecord[] {
    const order = (id: ProviderId): number => this.providers.findIndex((p) => p.id === id);
    return [...this.read().keys].sort(
      (a, b) => order(a.provider) - order(b.provider) || a.name.localeCompare(b.name) || a.createdAt.localeCompare(b.createdAt),
    );
  }

  get(id: string): KeyRecord | undefined {
    return this.read().keys.find((key) => key.id === id);
  }

  keysOf(provider: ProviderId): KeyRecord[] {
    return this.list().filter((key) => key.provider === provider);
  }

  async secret(id: string): Promise<string | undefined> {
    return this.secrets.get(STORE_KEYS.secretPrefix + id);
  }

  target(provider: ProviderId): PiecesTarget {
    return this.read().pieces[provider] ?? { holds: false, seq: 0 };
  }

  add(input: NewKey): Promise<KeyRecord> {
    return this.serialized(async () => {
      const at = this.now().toISOString();
      const provider = this.providers.find((p) => p.id === input.provider);
      if (!provider) throw new Error(`unknown provider ${input.provider}`);
      const record: KeyRecord = {
        id: randomUUID(),
        provider: input.provider,
        name: input.name,
        ...(input.organization ? { organization: input.organization } : {}),
        createdAt: at,
        updatedAt: at,
        sync: provider.syncsToPieces ? { kind: 'inactive' } : { kind: 'localOnly' },
      };
      // The secret first: a crash between the two writes leaves an unused secret, never a key without one.
      await this.secrets.store(STORE_KEYS.secretPrefix + record.id, input.secret);
      await this.write((meta) => ({ ...meta, keys: [...meta.keys, record] }));
      return record;
    });
  }

  update(id: string, change: KeyChange): Promise<KeyRecord> {
    return this.serialized(async () => {
      const current = this.require(id);
      if (change.secret !== undefined) await this.secrets.store(STORE_KEYS.secretPrefix + id, change.secret);
      const { organization: _dropped, ...rest } = current;
      const organization = change.organization === undefined ? current.organization : change.organization || undefined;
      const next: KeyRecord = {
        ...rest,
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(organization ? { organization } : {}),
        updatedAt: change.secret !== undefined || change.organization !== undefined ? this.now().toISOString() : current.updatedAt,
      };
      await this.write((meta) => ({ ...meta, keys: meta.keys.map((key) => (key.id === id ? next : key)) }));
      return next;
    });
  }

  remove(id: string): Promise<void> {
    return this.serialized(async () => {
      await this.write((meta) => ({ ...meta, keys: meta.keys.filter((key) => key.id !== id) }));
      await this.secrets.delete(STORE_KEYS.secretPrefix + id);
    });
  }

  setSync(id: string, sync: SyncStatus): Promise<void> {
    return this.serialized(() =>
      this.write((meta) => ({ ...meta, keys: meta.keys.map((key) => (key.id === id ? { ...key, sync } : key)) })),
    );
  }

  setVerified(id: string, verified: Verification): Promise<void> {
    return this.serialized(() =>
      this.write((meta) => ({ ...meta, keys: meta.keys.map((key) => (key.id === id ? { ...key, verified } : key)) })),
    );
  }

  setTarget(provider: ProviderId, target: PiecesTarget): Promise<void> {
    return this.serialized(() => this.write((meta) => ({ ...meta, pieces: { ...meta.pieces, [provider]: target } })));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.changedElsewhere.dispose();
  }

  private require(id: string): KeyRecord {
    const record = this.get(id);
    if (!record) throw new Error('That key no longer exists; it may have been deleted in another window.');
    return record;
  }

  private read(): Metadata {
    const stored = this.memento.get<Metadata>(STORE_KEYS.metadata);
    if (!stored || stored.version !== 1 || !Array.isArray(stored.keys)) return EMPTY;
    return { version: 1, keys: stored.keys, pieces: stored.pieces ?? {} };
  }

  private async write(change: (meta: Metadata) => Metadata): Promise<void> {
    await this.memento.update(STORE_KEYS.metadata, change(this.read()));
    // globalState has no change event across windows; a counter in SecretStorage does.
    await this.secrets.store(STORE_KEYS.revision, `${this.writer}:${Date.now()}`);
    this.changed.fire();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
