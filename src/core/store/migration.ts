// Opening the store: its format version, the one-time move from the globalState layout of 0.1 (one
// `providerKeys.metadata.v1` value holding every key, target and intent), and recovery.
//
// Migration runs once, under the store lock, before `meta.json` exists: it writes every record, then
// `meta.json` (which marks the store complete), and only then removes the old globalState values. A
// crash in between simply runs it again. Secrets stay where they are (same SecretStorage keys; their raw
// values read as revision LEGACY_REV). A store whose meta.json has a newer version is never written:
// the store becomes read-only and says so.
import { t } from '../l10n';
import { PROVIDERS, type ProviderId } from '../providers';
import type { KeyStore } from './keyStore';
import { newRev } from './keyStore';
import { ForeignEntryError } from './ownEntries';
import type { RecordFolderPort } from './recordFolder';
import {
  type ChoiceRecord,
  type KeyRecord,
  type SentRecord,
  META_NAME,
  STORE_VERSION,
  choiceFile,
  keyFile,
  keyVersion,
  sentFile,
} from './records';
import { LEGACY_REV } from './secretVault';

/** The globalState keys of 0.1, read once and removed after migration. */
export const LEGACY_KEYS = { metadata: 'providerKeys.metadata.v1', lease: 'providerKeys.syncLease.v1' } as const;
/** The cross-window signal 0.1 kept in SecretStorage (no key bytes); removed after migration. */
export const LEGACY_REVISION_SECRET = 'providerKeys.revision';

export interface MementoPort {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface OpenReport {
  readOnly?: string;
  migrated?: { keys: number; skipped: number };
}

interface LegacyKey {
  id?: unknown;
  provider?: unknown;
  name?: unknown;
  organization?: unknown;
  createdAt?: unknown;
  updatedAt?: unknown;
  sync?: { kind?: unknown; reason?: unknown; at?: unknown } | null;
}

interface LegacyTarget {
  activeId?: unknown;
  holds?: unknown;
  intent?: { op?: unknown; parked?: { reason?: unknown; at?: unknown } | null } | null;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Reads meta.json, migrates the globalState layout if this is the store's first open, and marks newer stores read-only. */
export async function openStore(
  store: KeyStore,
  folder: RecordFolderPort,
  options: { memento?: MementoPort; deleteSecret?: (name: string) => PromiseLike<void>; now?: () => Date; log?: (message: string) => void } = {},
): Promise<OpenReport> {
  const log = options.log ?? (() => undefined);
  await store.refresh();
  const newer = checkMeta(await readMeta(folder));
  if (newer) {
    store.setReadOnly(newer);
    log(`The key store was written by a newer version (format ${newer}); it is read-only here.`);
    return { readOnly: newer };
  }
  let migrated: OpenReport['migrated'];
  await store.change(async () => {
    if ((await readMeta(folder)) !== undefined) return; // another window finished first
    const now = (options.now ?? (() => new Date()))().toISOString();
    const legacy = options.memento?.get<unknown>(LEGACY_KEYS.metadata);
    if (legacy !== undefined) migrated = await migrateLegacy(store, legacy, now, log);
    await folder.write(META_NAME, JSON.stringify({ v: STORE_VERSION, createdAt: now, ...(migrated ? { migratedFrom: 'globalState 0.1' } : {}) }));
  });
  // The store is complete: only now let go of the old layout.
  if (migrated && options.memento) {
    await options.memento.update(LEGACY_KEYS.metadata, undefined);
    await options.memento.update(LEGACY_KEYS.lease, undefined);
    await Promise.resolve(options.deleteSecret?.(LEGACY_REVISION_SECRET)).catch(() => undefined);
    log(`Moved ${migrated.keys} key(s) from the old storage layout${migrated.skipped ? `; ${migrated.skipped} unreadable row(s) skipped` : ''}.`);
  }
  return migrated ? { migrated } : {};
}

/** meta.json's text; undefined when it is absent, or when what is there is not a file the store wrote. */
async function readMeta(folder: RecordFolderPort): Promise<string | undefined> {
  try {
    return await folder.read(META_NAME);
  } catch (error) {
    if (error instanceof ForeignEntryError) return undefined; // written again (the entry moved aside) like a missing one
    throw error;
  }
}

/** A message when meta.json is from a newer version; undefined when it is ours, absent or unreadable. */
function checkMeta(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const meta = JSON.parse(text) as { v?: unknown };
    if (typeof meta.v === 'number' && meta.v > STORE_VERSION) {
      return t('Your keys were saved by a newer version of Provider Keys (storage format {0}). Update the extension; until then they are shown read-only.', meta.v);
    }
  } catch {
    // unreadable: rewritten as ours on the next open
  }
  return undefined;
}

async function migrateLegacy(store: KeyStore, legacy: unknown, now: string, log: (message: string) => void): Promise<OpenReport['migrated']> {
  const value = legacy as { version?: unknown; keys?: unknown; pieces?: unknown } | null;
  if (!value || typeof value !== 'object' || value.version !== 1 || !Array.isArray(value.keys)) {
    log('The old storage value has an unknown shape or version; it is left untouched.');
    return undefined;
  }
  const keys = new Map<string, KeyRecord>();
  const states = new Map<string, LegacyKey['sync']>();
  let skipped = 0;
  for (const row of value.keys as unknown[]) {
    const key = toKeyRecord(row as LegacyKey | null, now);
    if (!key) {
      skipped++;
      continue;
    }
    keys.set(key.id, key);
    states.set(key.id, (row as LegacyKey).sync);
    await store.put(keyFile(key.id), key);
  }
  const pieces = (value.pieces && typeof value.pieces === 'object' ? value.pieces : {}) as Partial<Record<ProviderId, LegacyTarget | null>>;
  for (const provider of PROVIDERS) {
    const target = pieces[provider.id];
    if (!target || typeof target !== 'object') continue;
    const activeId = isString(target.activeId) && keys.has(target.activeId) ? target.activeId : undefined;
    const choice: ChoiceRecord = { v: STORE_VERSION, provider: provider.id, ...(activeId ? { activeId } : {}), nonce: newRev(), at: now };
    await store.put(choiceFile(provider.id), choice);
    const active = activeId ? keys.get(activeId) : undefined;
    const sync = activeId ? states.get(activeId) : undefined;
    await store.put(sentFile(provider.id), toSentRecord(provider.id, target, choice, active, sync));
  }
  if (skipped > 0) log(`${skipped} unreadable row(s) in the old storage were skipped.`);
  return { keys: keys.size, skipped };
}

function toKeyRecord(row: LegacyKey | null, now: string): KeyRecord | undefined {
  if (!row || typeof row !== 'object') return undefined;
  const { id, provider, name, organization } = row;
  if (!isString(id) || !/^[A-Za-z0-9_-]{1,64}$/.test(id) || !isString(name)) return undefined;
  if (!PROVIDERS.some((p) => p.id === provider)) return undefined;
  return {
    v: STORE_VERSION,
    id,
    provider: provider as ProviderId,
    name,
    ...(isString(organization) && organization ? { organization } : {}),
    createdAt: isString(row.createdAt) ? row.createdAt : now,
    updatedAt: isString(row.updatedAt) ? row.updatedAt : now,
    secretRev: LEGACY_REV,
  };
}

function toSentRecord(provider: ProviderId, target: LegacyTarget, choice: ChoiceRecord, active: KeyRecord | undefined, sync: LegacyKey['sync']): SentRecord {
  const holds = target.holds === true ? 'ours' : 'none';
  const intent = target.intent && typeof target.intent === 'object' ? target.intent : undefined;
  const base: SentRecord = { v: STORE_VERSION, provider, holds, attempts: 0 };
  if (!intent && active && holds === 'ours' && sync?.kind === 'synced') {
    return { ...base, keyId: active.id, version: keyVersion(active), nonce: choice.nonce, ...(isString(sync.at) ? { at: sync.at } : {}) };
  }
  const parked = intent?.parked;
  if (parked && typeof parked === 'object') {
    const rejected = sync?.kind === 'rejected';
    return {
      ...base,
      failure: {
        ...(active ? { keyId: active.id, version: keyVersion(active) } : {}),
        nonce: choice.nonce,
        kind: rejected ? 'unauthorized' : 'parked',
        reason: isString(parked.reason) ? parked.reason.slice(0, 300) : t('An earlier change could not be sent.'),
        at: isString(parked.at) ? parked.at : choice.at,
        parked: true,
      },
    };
  }
  return base; // a change waited: it is sent again from the choice
}
