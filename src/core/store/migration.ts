// Opening the store: its format version, the one-time move from the globalState layout of 0.1 (one
// `providerKeys.metadata.v1` value holding every key, target and intent), and recovery.
//
// Migration runs once, under the store lock, before `meta.json` exists: it writes every record, then
// `meta.json` (which marks the store complete and names the moved value by its digest), and only then
// removes the old globalState values. A crash in between runs it again (records already written are
// kept); a removal that fails is logged, never stops the store, and is tried again at the next start.
// Only the value that was moved is ever removed. Old data is taken as strictly as typed input: see
// migrateLegacy. Secrets stay where they are (same SecretStorage keys; their raw values read as
// revision LEGACY_REV), and recovery never deletes a raw value as an orphan, so the key bytes of rows
// that could not be moved are kept. A store whose meta.json has a newer version is never written:
// the store becomes read-only and says so.
import { createHash } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderId, type ProviderInfo } from '../providers/catalogue';
import { SecretRedactor, excerpt } from '../keys/redact';
import { MAX_NAME_LENGTH, validateKeyName, validateOrganizationId } from '../keys/validation';
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
  options: {
    memento?: MementoPort;
    deleteSecret?: (name: string) => PromiseLike<void>;
    now?: () => Date;
    log?: (message: string) => void;
    /** The records are read: the keys can be shown (what migration and recovery then change follows). */
    onLoaded?: () => void;
  } = {},
): Promise<OpenReport> {
  const log = options.log ?? (() => undefined);
  await store.refresh();
  options.onLoaded?.();
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
    const moved = legacy === undefined ? undefined : await migrateLegacy(store, legacy, now, log);
    if (moved) migrated = { keys: moved.keys, skipped: moved.skipped };
    // `migratedDigest` names the old value that was moved: only that value is ever removed (below).
    await folder.write(
      META_NAME,
      JSON.stringify({
        v: STORE_VERSION,
        createdAt: now,
        ...(moved ? { migratedFrom: 'globalState 0.1', migratedDigest: digest(legacy) } : {}),
      }),
    );
    if (moved) {
      log(`Moved ${moved.keys} key(s) from the old storage layout${moved.skipped ? `; ${moved.skipped} row(s) could not be moved` : ''}.`);
    }
  });
  // The store is complete: only now let go of the old layout, at this start or, if that fails, a later one.
  if (options.memento) await removeLegacy(folder, options.memento, options.deleteSecret, log);
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
  const meta = parseMeta(text);
  if (typeof meta?.v === 'number' && meta.v > STORE_VERSION) {
    return l10n.t(
      'Your keys were saved by a newer version of Provider Keys (storage format {0}). Update the extension; until then they are shown read-only.',
      meta.v,
    );
  }
  return undefined;
}

function parseMeta(text: string | undefined): { v?: unknown; migratedDigest?: unknown } | undefined {
  if (text === undefined) return undefined;
  try {
    const meta = JSON.parse(text) as { v?: unknown; migratedDigest?: unknown } | null;
    return meta && typeof meta === 'object' ? meta : undefined;
  } catch {
    return undefined; // unreadable: rewritten as ours on the next open
  }
}

/** A fingerprint of the old value (not the value: names may hold anything), to know it again at a later start. */
function digest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value) ?? '')
    .digest('hex');
}

/**
 * Removes the old globalState values once the store says they were moved, and only if the value is
 * still the one that was moved (a window still running 0.1 may have written another since: that one
 * was not moved, so it stays). A failure is logged and never stops the store: the next start tries again.
 */
async function removeLegacy(
  folder: RecordFolderPort,
  memento: MementoPort,
  deleteSecret: ((name: string) => PromiseLike<void>) | undefined,
  log: (message: string) => void,
): Promise<void> {
  const legacy = memento.get<unknown>(LEGACY_KEYS.metadata);
  if (legacy === undefined) return; // removed already (it goes last), or there never was one
  const moved = parseMeta(await readMeta(folder).catch(() => undefined))?.migratedDigest;
  if (typeof moved !== 'string') return; // not moved (an unknown version, say): it stays
  if (digest(legacy) !== moved) {
    log('The old storage value changed after it was moved (a window of the old version may still be open); it is left as it is.');
    return;
  }
  // The revision signal holds no key bytes: a keyring that refuses to delete it does not keep the old value.
  await Promise.resolve(deleteSecret?.(LEGACY_REVISION_SECRET)).catch(() => undefined);
  try {
    if (memento.get<unknown>(LEGACY_KEYS.lease) !== undefined) await memento.update(LEGACY_KEYS.lease, undefined);
    await memento.update(LEGACY_KEYS.metadata, undefined);
  } catch (error) {
    log(
      `Could not remove the old storage value (${error instanceof Error ? error.name : 'error'}); the store works without it, and the next start tries again.`,
    );
  }
}

/** What a move carried: how many keys, how many rows could not be moved. */
interface Moved {
  keys: number;
  skipped: number;
}

/**
 * Moves 0.1's rows as strictly as typed input is taken: a name, organization id or date that a user
 * could not type now is replaced (a name by a neutral one, such as "OpenAI key 1") and logged without
 * its old text; failure reasons are redacted like new ones. A row that cannot be moved (an unknown
 * provider, a bad id) is counted, and its key bytes stay where they are (recovery never deletes a
 * secret that this format did not write). A record already written (by a run that crashed) is kept.
 */
async function migrateLegacy(store: KeyStore, legacy: unknown, now: string, log: (message: string) => void): Promise<Moved | undefined> {
  const value = legacy as { version?: unknown; keys?: unknown; pieces?: unknown } | null;
  if (!value || typeof value !== 'object' || value.version !== 1 || !Array.isArray(value.keys)) {
    log('The old storage value has an unknown shape or version; it is left untouched.');
    return undefined;
  }
  const rows = value.keys as unknown[];
  const existing = new Set(await store.listRecordNames());
  // The key bytes of the old rows, so that a name or reason holding part of one is caught as it would be in typed input.
  const stored = new SecretRedactor();
  const secrets: string[] = [];
  for (const row of rows) {
    const id = legacyId(row);
    if (!id) continue;
    try {
      const { key } = await store.vault.read(id);
      stored.remember(key);
      secrets.push(key);
    } catch {
      // the keyring gives nothing now: names are still checked as typed names are, reasons still redacted
    }
  }

  const candidates: Array<{ row: LegacyKey; id: string; provider: ProviderInfo; name?: string }> = [];
  const taken = new Map<ProviderId, string[]>();
  let skipped = 0;
  for (const row of rows) {
    const id = legacyId(row);
    const provider = PROVIDERS.find((p) => p.id === (row as LegacyKey | null)?.provider);
    if (!id || !provider || candidates.some((c) => c.id === id)) {
      skipped++;
      continue;
    }
    const names = taken.get(provider.id) ?? [];
    taken.set(provider.id, names);
    const name = acceptedName((row as LegacyKey).name, names, stored);
    if (name !== undefined) names.push(name);
    candidates.push({ row: row as LegacyKey, id, provider, ...(name !== undefined ? { name } : {}) });
  }

  const keys = new Map<string, KeyRecord>();
  const states = new Map<string, LegacyKey['sync']>();
  for (const candidate of candidates) {
    const { row, id, provider } = candidate;
    let name = candidate.name;
    if (name === undefined) {
      const names = taken.get(provider.id) ?? [];
      name = neutralName(provider, names);
      names.push(name);
      log(
        `A key moved from the old storage layout is now named "${name}": its old name is not one a typed name could be, so it was not kept.`,
      );
    }
    const organization = acceptedOrganization(row.organization, stored);
    if (organization === undefined) {
      log(`"${name}": its organization id from the old storage layout is not one a typed id could be, so it was not kept.`);
    }
    const record: KeyRecord = {
      v: STORE_VERSION,
      id,
      provider: provider.id,
      name,
      ...(organization ? { organization } : {}),
      createdAt: isoOr(row.createdAt, now),
      updatedAt: isoOr(row.updatedAt, now),
      secretRev: LEGACY_REV,
    };
    const kept = existing.has(keyFile(id)) ? await store.freshKey(id).catch(() => undefined) : undefined;
    if (!kept && !existing.has(keyFile(id))) await store.put(keyFile(id), record);
    keys.set(id, kept ?? record);
    states.set(id, row.sync);
  }

  const pieces = (value.pieces && typeof value.pieces === 'object' ? value.pieces : {}) as Partial<Record<ProviderId, LegacyTarget | null>>;
  for (const provider of PROVIDERS) {
    const target = pieces[provider.id];
    if (!target || typeof target !== 'object') continue;
    const activeId = isString(target.activeId) && keys.get(target.activeId)?.provider === provider.id ? target.activeId : undefined;
    let choice = existing.has(choiceFile(provider.id)) ? await store.freshChoice(provider.id) : undefined;
    if (!choice) {
      choice = { v: STORE_VERSION, provider: provider.id, ...(activeId ? { activeId } : {}), nonce: newRev(), at: now };
      await store.put(choiceFile(provider.id), choice);
    }
    if (existing.has(sentFile(provider.id))) continue;
    const active = activeId ? keys.get(activeId) : undefined;
    const sync = activeId ? states.get(activeId) : undefined;
    await store.put(sentFile(provider.id), toSentRecord(provider.id, target, choice, active, sync, now, secrets));
  }
  if (skipped > 0) {
    log(`${skipped} row(s) of the old storage could not be moved (an unknown provider or id); their key bytes stay in secret storage.`);
  }
  return { keys: keys.size, skipped };
}

function legacyId(row: unknown): string | undefined {
  const id = row && typeof row === 'object' ? (row as LegacyKey).id : undefined;
  return isString(id) && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

/** The old name as a typed name would be taken (trimmed), or undefined when a typed name like it would be refused. */
function acceptedName(name: unknown, taken: readonly string[], stored: SecretRedactor): string | undefined {
  if (!isString(name)) return undefined;
  const checked = validateKeyName(name.length > 4 * MAX_NAME_LENGTH ? name.slice(0, 4 * MAX_NAME_LENGTH) : name, taken);
  return checked.ok && !stored.containsSecret(checked.value) ? checked.value : undefined;
}

/** "OpenAI key 1", or the first such name that is free. */
function neutralName(provider: ProviderInfo, taken: readonly string[]): string {
  const lower = new Set(taken.map((name) => name.toLowerCase()));
  for (let n = 1; ; n++) {
    const name = l10n.t('{0} key {1}', provider.label, n);
    if (!lower.has(name.toLowerCase())) return name;
  }
}

/** The organization id as typed input would take it; '' for none; undefined when it is refused (and dropped). */
function acceptedOrganization(organization: unknown, stored: SecretRedactor): string | undefined {
  if (organization === undefined || organization === null || organization === '') return '';
  if (!isString(organization)) return undefined;
  const checked = validateOrganizationId(organization.length > 256 ? organization.slice(0, 256) : organization);
  return checked.ok && !stored.containsSecret(checked.value) ? checked.value : undefined;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** `value` if it is an ISO time (what 0.1 wrote), else `fallback`: nothing else is copied into a record. */
function isoOr(value: unknown, fallback: string): string {
  return isString(value) && ISO_TIME.test(value) && Number.isFinite(Date.parse(value)) ? value : fallback;
}

function toSentRecord(
  provider: ProviderId,
  target: LegacyTarget,
  choice: ChoiceRecord,
  active: KeyRecord | undefined,
  sync: LegacyKey['sync'],
  now: string,
  secrets: readonly string[],
): SentRecord {
  const holds = target.holds === true ? 'ours' : 'none';
  const intent = target.intent && typeof target.intent === 'object' ? target.intent : undefined;
  const base: SentRecord = { v: STORE_VERSION, provider, holds, attempts: 0 };
  const syncAt = sync && typeof sync === 'object' ? sync.at : undefined;
  if (!intent && active && holds === 'ours' && sync?.kind === 'synced') {
    return {
      ...base,
      keyId: active.id,
      version: keyVersion(active),
      nonce: choice.nonce,
      ...(isString(syncAt) && ISO_TIME.test(syncAt) ? { at: syncAt } : {}),
    };
  }
  const parked = intent?.parked;
  if (parked && typeof parked === 'object') {
    const rejected = sync?.kind === 'rejected';
    // 0.1 kept what the service answered, which could echo the key: redacted and clipped as a new failure is.
    const reason = isString(parked.reason) ? excerpt(parked.reason, secrets) : '';
    return {
      ...base,
      failure: {
        ...(active ? { keyId: active.id, version: keyVersion(active) } : {}),
        nonce: choice.nonce,
        kind: rejected ? 'unauthorized' : 'parked',
        reason: reason || l10n.t('An earlier change could not be sent.'),
        at: isoOr(parked.at, now),
        parked: true,
      },
    };
  }
  return base; // a change waited: it is sent again from the choice
}
