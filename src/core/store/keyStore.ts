// Where keys live: key bytes only in SecretStorage (SecretVault); each key's metadata, each provider's
// choice and each provider's sync record as one small file (RecordFolder), written atomically, one
// change at a time across windows (StoreMutex). Every multi-step change writes a `pending` mark first,
// so that a crash after any step is finished or undone by recovery (recovery.ts). No `vscode` import:
// the folder, the lock and SecretStorage come in as ports, so the same code runs under plain mocha.
import { randomBytes, randomUUID } from 'node:crypto';
import { Emitter, type Disposable, type Event } from '../emitter';
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderId, type ProviderInfo } from '../providers/catalogue';
import type { StoreMutex } from './mutex';
import type { RecordCache, RecordsChanged } from './recordCache';
import { ForeignEntryError } from './ownEntries';
import type { RecordFolderPort } from './recordFolder';
import {
  type ChoiceRecord,
  type KeyRecord,
  type SentRecord,
  type Verification,
  STORE_VERSION,
  choiceFile,
  keyFile,
  parseChoice,
  parseKey,
  parseSent,
  sentFile,
} from './records';
import { KeyringUnavailableError, type SecretVault } from './secretVault';
import { AddUnfinishedError } from './unfinished';

export type { KeyRecord, Verification } from './records';

export interface NewKey {
  provider: ProviderId;
  name: string;
  secret: string;
  organization?: string;
}

/** The key was deleted (perhaps in another window) while the user was acting on it. */
export class KeyGoneError extends Error {
  constructor() {
    super(l10n.t('That key no longer exists; it may have been deleted in another window.'));
    this.name = 'KeyGoneError';
  }
}

/** The store was written by a newer version of the extension: it is read-only here. */
export class ReadOnlyStoreError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ReadOnlyStoreError';
  }
}

export interface KeyStoreParts {
  folder: RecordFolderPort;
  cache: RecordCache;
  vault: SecretVault;
  mutex: StoreMutex;
  now?: () => Date;
  providers?: readonly ProviderInfo[];
  /** Every secret the store reads or writes, for redaction of logs and messages. */
  onSecret?: (secret: string) => void;
  /** A change was left half done with its mark (an add whose last write failed): recovery should run soon. */
  onUnfinished?: () => void;
}

export interface RemoveResult {
  /** False when the keyring refused to delete the bytes: the key is gone from the list, and recovery deletes them later. */
  readonly secretDeleted: boolean;
}

export const newRev = (): string => randomBytes(6).toString('hex');

const FOREIGN = Symbol('foreign');

export class KeyStore implements Disposable {
  private readonly folder: RecordFolderPort;
  private readonly cache: RecordCache;
  readonly vault: SecretVault;
  private readonly mutex: StoreMutex;
  private readonly now: () => Date;
  private readonly providers: readonly ProviderInfo[];
  private readonly secretChanged = new Emitter<string>();
  private readonly subscriptions: Disposable[] = [];
  private readOnlyReason: string | undefined;

  /** Fires after any record changed, in this window or another, with the names of the records that did. */
  readonly onDidChange: Event<RecordsChanged>;
  /** Fires with a key id when its secret changed (here or in another window). */
  readonly onDidChangeSecret: Event<string> = this.secretChanged.event;

  constructor(private readonly parts: KeyStoreParts) {
    this.folder = parts.folder;
    this.cache = parts.cache;
    this.vault = parts.vault;
    this.mutex = parts.mutex;
    this.now = parts.now ?? (() => new Date());
    this.providers = parts.providers ?? PROVIDERS;
    this.onDidChange = this.cache.onDidChange;
    this.subscriptions.push(this.vault.onDidChange((id) => this.secretChanged.fire(id)));
  }

  // ---- Reading (from this window's cache) ------------------------------------------------------------

  /** Keys the user sees, sorted (catalogue order, then name); no add or delete in progress. */
  list(): readonly KeyRecord[] {
    return this.cache.visibleKeys();
  }

  get(id: string): KeyRecord | undefined {
    const record = this.cache.key(id);
    return record && record.pending?.op !== 'add' && record.pending?.op !== 'delete' ? record : undefined;
  }

  keysOf(provider: ProviderId): KeyRecord[] {
    return this.list().filter((key) => key.provider === provider);
  }

  /** Any key record, an add or delete in progress included (for the engine and recovery). */
  record(id: string): KeyRecord | undefined {
    return this.cache.key(id);
  }

  allRecords(): IterableIterator<KeyRecord> {
    return this.cache.allKeys();
  }

  choice(provider: ProviderId): ChoiceRecord | undefined {
    return this.cache.choice(provider);
  }

  /** The key Pieces OS should use for `provider`, if it still exists. */
  activeKey(provider: ProviderId): KeyRecord | undefined {
    const id = this.cache.choice(provider)?.activeId;
    return id ? this.get(id) : undefined;
  }

  sent(provider: ProviderId): SentRecord | undefined {
    return this.cache.sent(provider);
  }

  /** Why the store is read-only (written by a newer version), or undefined. */
  get readOnly(): string | undefined {
    return this.readOnlyReason;
  }

  /** Marks the store read-only (a newer version wrote it): every change then refuses, nothing is written. */
  setReadOnly(reason: string): void {
    this.readOnlyReason = reason;
  }

  /** The key bytes of a key the user sees; KeyringUnavailableError when the keyring gives nothing or an older copy. */
  async secret(id: string): Promise<string> {
    const record = this.get(id);
    if (!record) throw new KeyGoneError();
    const key = await this.vault.readRev(id, record.secretRev);
    this.parts.onSecret?.(key);
    return key;
  }

  /** The key Pieces OS last accepted, kept while a rotation waits for it to accept the new one. */
  async previousSecret(id: string): Promise<string | undefined> {
    const record = this.get(id);
    if (!record?.previousRev) return undefined;
    const key = await this.vault.readRev(id, record.previousRev, 'previous');
    this.parts.onSecret?.(key);
    return key;
  }

  // ---- Changes (one at a time across windows; each reads the file, not the cache) -------------------

  /** Stores a new key; `choose`: Pieces OS should use it. Pending mark → secret → choice → visible. */
  add(input: NewKey, options: { choose?: boolean } = {}): Promise<KeyRecord> {
    return this.change(async () => {
      if (!this.providers.some((p) => p.id === input.provider)) throw new Error(`unknown provider ${input.provider}`);
      const at = this.iso();
      const id = randomUUID();
      const record: KeyRecord = {
        v: STORE_VERSION,
        id,
        provider: input.provider,
        name: input.name,
        ...(input.organization ? { organization: input.organization } : {}),
        createdAt: at,
        updatedAt: at,
        secretRev: newRev(),
        pending: { op: 'add', at, ...(options.choose ? { choose: true } : {}) },
      };
      await this.put(keyFile(id), record);
      try {
        await this.vault.write(id, record.secretRev, input.secret);
      } catch (error) {
        // Nothing usable was stored: take the mark back (recovery does it if this fails too).
        await this.drop(keyFile(id)).catch(() => undefined);
        throw error;
      }
      this.parts.onSecret?.(input.secret);
      try {
        return await this.finishAdd(record);
      } catch (error) {
        // The key bytes are stored and the mark says so: this add is not lost, recovery finishes it.
        this.parts.onUnfinished?.();
        throw new AddUnfinishedError(record, error);
      }
    });
  }

  /** Finishes an add whose secret is stored: the choice (if asked for), then the record without its mark. */
  async finishAdd(record: KeyRecord): Promise<KeyRecord> {
    if (record.pending?.op !== 'add') return record;
    if (record.pending.choose) await this.writeChoice(record.provider, record.id, false);
    const { pending: _done, ...visible } = record;
    await this.put(keyFile(record.id), visible);
    return visible;
  }

  /**
   * Stores a new secret for a key (and optionally a new organization; '' removes it). While the key is
   * the one Pieces OS uses, the key it last accepted is kept as the previous secret until it accepts
   * the new one, so that a rejected rotation can be undone.
   */
  rotate(id: string, secret: string, change: { organization?: string } = {}): Promise<KeyRecord> {
    return this.change(async () => {
      const current = await this.freshVisibleKey(id);
      const rev = newRev();
      const marked: KeyRecord = {
        ...current,
        pending: { op: 'rotate', at: this.iso(), rev, ...(change.organization !== undefined ? { organization: change.organization } : {}) },
      };
      await this.put(keyFile(id), marked);
      let previousRev = current.previousRev;
      if (previousRev === undefined && (await this.keepsPrevious(current))) {
        previousRev = await this.keepPrevious(current);
      }
      try {
        await this.vault.write(id, rev, secret);
      } catch (error) {
        await this.put(keyFile(id), { ...current, ...(previousRev ? { previousRev } : {}) }).catch(() => undefined);
        throw error;
      }
      this.parts.onSecret?.(secret);
      return this.finishRotate(marked, previousRev);
    });
  }

  /** Finishes a rotation whose new secret is stored. */
  async finishRotate(marked: KeyRecord, previousRev: string | undefined): Promise<KeyRecord> {
    if (marked.pending?.op !== 'rotate') return marked;
    const { pending, organization: oldOrganization, previousRev: _old, ...rest } = marked;
    const organization = pending.organization === undefined ? oldOrganization : pending.organization || undefined;
    const next: KeyRecord = {
      ...rest,
      ...(organization ? { organization } : {}),
      secretRev: pending.rev,
      ...(previousRev ? { previousRev } : {}),
      updatedAt: this.iso(),
    };
    await this.put(keyFile(marked.id), next);
    return next;
  }

  /** Renames a key and/or changes its organization ('' removes it). */
  update(id: string, change: { name?: string; organization?: string }): Promise<KeyRecord> {
    return this.change(async () => {
      const current = await this.freshVisibleKey(id);
      const { organization: oldOrganization, ...rest } = current;
      const organization = change.organization === undefined ? oldOrganization : change.organization || undefined;
      const next: KeyRecord = {
        ...rest,
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(organization ? { organization } : {}),
        ...(change.organization !== undefined ? { updatedAt: this.iso() } : {}),
      };
      await this.put(keyFile(id), next);
      return next;
    });
  }

  /** Makes the kept previous key the current one again (the rotation Pieces OS rejected is undone). */
  restorePrevious(id: string): Promise<KeyRecord> {
    return this.change(async () => {
      const current = await this.freshVisibleKey(id);
      if (!current.previousRev) throw new Error(l10n.t('There is no previous key to restore.'));
      const previous = await this.vault.readRev(id, current.previousRev, 'previous');
      const rev = newRev();
      const marked: KeyRecord = { ...current, pending: { op: 'rotate', at: this.iso(), rev } };
      await this.put(keyFile(id), marked);
      await this.vault.write(id, rev, previous);
      const next = await this.finishRotate(marked, undefined);
      await this.vault.delete(id, 'previous').catch(() => undefined); // recovery collects it otherwise
      return next;
    });
  }

  /** Pieces OS accepted `rev`: the previous key is no longer needed. */
  dropPrevious(id: string, acceptedRev: string): Promise<void> {
    return this.change(async () => {
      const current = await this.freshKey(id);
      if (!current?.previousRev || current.secretRev !== acceptedRev || current.pending) return;
      const { previousRev: _dropped, ...next } = current;
      await this.put(keyFile(id), next);
      await this.vault.delete(id, 'previous').catch(() => undefined);
    });
  }

  setVerified(id: string, verified: Verification): Promise<void> {
    return this.change(async () => {
      const current = await this.freshVisibleKey(id);
      await this.put(keyFile(id), { ...current, verified });
    });
  }

  /**
   * Deletes a key: pending mark (it leaves the list) → the choice moves to `successor` (or to none) if
   * it pointed here → the secrets → the record. If the keyring refuses the delete, the mark stays and
   * recovery deletes the bytes later.
   */
  remove(id: string, options: { successor?: string } = {}): Promise<RemoveResult> {
    return this.change(async () => {
      const current = await this.freshKey(id);
      if (!current || current.pending?.op === 'delete') return { secretDeleted: true };
      const marked: KeyRecord = {
        ...current,
        pending: { op: 'delete', at: this.iso(), ...(options.successor ? { successor: options.successor } : {}) },
      };
      await this.put(keyFile(id), marked);
      return this.finishRemove(marked);
    });
  }

  async finishRemove(marked: KeyRecord): Promise<RemoveResult> {
    if (marked.pending?.op !== 'delete') return { secretDeleted: false };
    const successor = marked.pending.successor;
    const choice = await this.freshChoice(marked.provider);
    if (choice?.activeId === marked.id) {
      const next = successor && (await this.freshVisibleKeyOrUndefined(successor)) ? successor : undefined;
      await this.writeChoice(marked.provider, next, false);
    }
    try {
      await this.vault.delete(marked.id);
      if (marked.previousRev) await this.vault.delete(marked.id, 'previous');
    } catch (error) {
      if (error instanceof KeyringUnavailableError) return { secretDeleted: false };
      throw error;
    }
    await this.drop(keyFile(marked.id));
    return { secretDeleted: true };
  }

  /** Pieces OS should use `activeId` (undefined: none of ours). `nonce`: send again even if nothing changed. */
  setChoice(provider: ProviderId, activeId: string | undefined, options: { nonce?: boolean } = {}): Promise<ChoiceRecord> {
    return this.change(async () => {
      if (activeId !== undefined) await this.freshVisibleKey(activeId);
      return this.writeChoice(provider, activeId, options.nonce ?? false);
    });
  }

  /** A choice that names a key with no record at all (checked under the lock) is set to none. */
  repairChoice(provider: ProviderId): Promise<void> {
    return this.change(async () => {
      const choice = await this.freshChoice(provider);
      if (!choice?.activeId || this.cache.isSkipped(keyFile(choice.activeId))) return;
      if (!(await this.freshKey(choice.activeId))) await this.writeChoice(provider, undefined, false);
    });
  }

  /** Reads a provider's choice, sync record and chosen key from disk into the cache (before planning). */
  async refreshProvider(provider: ProviderId): Promise<void> {
    await this.cache.refresh(choiceFile(provider));
    await this.cache.refresh(sentFile(provider));
    const activeId = this.cache.choice(provider)?.activeId;
    if (activeId) await this.cache.refresh(keyFile(activeId));
  }

  /** Whether a key's record file exists but cannot be read (malformed, or from a newer version). */
  isSkipped(id: string): boolean {
    return this.cache.isSkipped(keyFile(id));
  }

  /** Changes the choice's nonce (so a parked failure is retried) if it is still `nonce`. */
  renewNonce(provider: ProviderId, nonce: string): Promise<void> {
    return this.change(async () => {
      const choice = await this.freshChoice(provider);
      if (choice && choice.nonce === nonce) await this.writeChoice(provider, choice.activeId, true);
    });
  }

  /** The sync engine's record of what Pieces OS holds; `change` gets the record as it is on disk now. */
  writeSent(provider: ProviderId, change: (current: SentRecord) => SentRecord | undefined): Promise<SentRecord> {
    return this.change(async () => {
      const current = (await this.freshSent(provider)) ?? { v: STORE_VERSION, provider, holds: 'none' as const, attempts: 0 };
      const next = change(current);
      if (!next || next === current) return current;
      await this.put(sentFile(provider), { ...next, v: STORE_VERSION, provider });
      return next;
    });
  }

  /** Runs `work` as one change of the store (used by recovery and migration). */
  change<T>(work: () => Promise<T>): Promise<T> {
    if (this.readOnlyReason) return Promise.reject(new ReadOnlyStoreError(this.readOnlyReason));
    return this.mutex.run(work);
  }

  /** The names of every record file, read from the folder now. */
  listRecordNames(): Promise<string[]> {
    return this.folder.list();
  }

  /** Reads one record again, or every record (watcher events, window focus). */
  refresh(name?: string): Promise<void> {
    return name ? this.cache.refresh(name) : this.cache.loadAll();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.secretChanged.dispose();
  }

  // ---- Internals (called inside change()) -----------------------------------------------------------

  async put(name: string, record: object): Promise<void> {
    const text = JSON.stringify(record);
    await this.folder.write(name, text);
    this.cache.set(name, text);
  }

  async drop(name: string): Promise<void> {
    await this.folder.remove(name);
    this.cache.delete(name);
  }

  async freshKey(id: string): Promise<KeyRecord | undefined> {
    const text = await this.readRecord(keyFile(id));
    if (text === FOREIGN) throw new Error(l10n.t('The record of this key cannot be read ({0}); it is left as it is.', 'foreign'));
    if (text === undefined) return undefined;
    const parsed = parseKey(text, id);
    if (!parsed.ok) throw new Error(l10n.t('The record of this key cannot be read ({0}); it is left as it is.', parsed.why));
    this.cache.set(keyFile(id), text);
    return parsed.value;
  }

  /** A record's text; FOREIGN when something that is not a record file sits at its name (never read). */
  private async readRecord(name: string): Promise<string | undefined | typeof FOREIGN> {
    try {
      return await this.folder.read(name);
    } catch (error) {
      if (error instanceof ForeignEntryError) return FOREIGN;
      throw error;
    }
  }

  private async freshVisibleKeyOrUndefined(id: string): Promise<KeyRecord | undefined> {
    const record = await this.freshKey(id);
    return record && record.pending?.op !== 'add' && record.pending?.op !== 'delete' ? record : undefined;
  }

  private async freshVisibleKey(id: string): Promise<KeyRecord> {
    const record = await this.freshVisibleKeyOrUndefined(id);
    if (!record) throw new KeyGoneError();
    return record;
  }

  async freshChoice(provider: ProviderId): Promise<ChoiceRecord | undefined> {
    const text = await this.readRecord(choiceFile(provider));
    if (text === undefined || text === FOREIGN) return undefined; // not ours: a new choice is written in its place
    const parsed = parseChoice(text, provider);
    if (!parsed.ok) return undefined; // malformed: a new choice replaces it; a newer one made the store read-only
    this.cache.set(choiceFile(provider), text);
    return parsed.value;
  }

  private async freshSent(provider: ProviderId): Promise<SentRecord | undefined> {
    const text = await this.readRecord(sentFile(provider));
    if (text === undefined || text === FOREIGN) return undefined;
    const parsed = parseSent(text, provider);
    if (!parsed.ok) return undefined;
    this.cache.set(sentFile(provider), text);
    return parsed.value;
  }

  private async writeChoice(provider: ProviderId, activeId: string | undefined, renewNonce: boolean): Promise<ChoiceRecord> {
    const current = await this.freshChoice(provider);
    const next: ChoiceRecord = {
      v: STORE_VERSION,
      provider,
      ...(activeId ? { activeId } : {}),
      nonce: !current || renewNonce ? newRev() : current.nonce,
      at: this.iso(),
    };
    await this.put(choiceFile(provider), next);
    return next;
  }

  /** Whether a rotation of `key` keeps the old secret: it is the key a syncable provider's Pieces OS uses. */
  private async keepsPrevious(key: KeyRecord): Promise<boolean> {
    const provider = this.providers.find((p) => p.id === key.provider);
    return !!provider?.syncsToPieces && (await this.freshChoice(key.provider))?.activeId === key.id;
  }

  /** Copies the current secret to the previous slot; undefined (nothing kept) when the keyring gives nothing. */
  private async keepPrevious(key: KeyRecord): Promise<string | undefined> {
    try {
      const old = await this.vault.readRev(key.id, key.secretRev);
      await this.vault.write(key.id, key.secretRev, old, 'previous');
      return key.secretRev;
    } catch (error) {
      if (error instanceof KeyringUnavailableError) return undefined;
      throw error;
    }
  }

  private iso(): string {
    return this.now().toISOString();
  }
}
