// Stores the keys a user picked in an import, exactly as if typed: the same validation, unique names,
// and sync like any new key. Kept small and behind narrow ports (store.keysOf/secret/add, sync.kick).
import type { Candidate } from './environment';
import type { KeyRecord, NewKey } from '../store/keyStore';
import { isAddUnfinished } from '../store/unfinished';
import * as l10n from '@vscode/l10n';
import { getProvider, type ProviderId } from '../providers/catalogue';
import { MAX_NAME_LENGTH, validateApiKey, validateKeyName, validateOrganizationId } from '../keys/validation';

export interface ImportDeps {
  readonly store: {
    keysOf(provider: ProviderId): KeyRecord[];
    /** The key bytes; rejects when the keyring gives nothing (then the key cannot be compared). */
    secret(id: string): Promise<string>;
    add(input: NewKey, options?: { choose?: boolean }): Promise<KeyRecord>;
  };
  readonly sync: {
    kick(): void;
  };
  /** Whether Pieces OS already uses (or is meant to use) a key of `provider`. */
  hasKeyInUse(provider: ProviderId): boolean;
}

export type ImportResult =
  | {
      readonly kind: 'added';
      readonly candidate: Candidate;
      readonly record: KeyRecord;
      readonly usedByPieces: boolean;
      readonly note?: string;
    }
  | { readonly kind: 'refused'; readonly candidate: Candidate; readonly reason: string }
  | { readonly kind: 'alreadyStored'; readonly candidate: Candidate; readonly existing: KeyRecord };

export async function importKeys(deps: ImportDeps, picked: readonly Candidate[]): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  const chosen = new Set<ProviderId>();
  for (const candidate of picked) {
    const provider = getProvider(candidate.provider);
    if (!provider) {
      results.push({ kind: 'refused', candidate, reason: l10n.t('Unknown provider "{0}".', candidate.provider) });
      continue;
    }
    const checked = validateApiKey(candidate.secret, provider);
    if (!checked.ok) {
      results.push({ kind: 'refused', candidate, reason: checked.error });
      continue;
    }
    const existing = await findStored(deps, provider.id, checked.value);
    if (existing) {
      results.push({ kind: 'alreadyStored', candidate, existing });
      continue;
    }
    let organization: string | undefined;
    let note: string | undefined;
    if (candidate.organization && provider.hasOrganization) {
      const org = validateOrganizationId(candidate.organization);
      if (org.ok) organization = org.value || undefined;
      else note = l10n.t('The organization id found with it was left out: {0}', org.error);
    }
    const name = uniqueName(
      candidate.suggestedName,
      deps.store.keysOf(provider.id).map((k) => k.name),
    );
    // The first key of a provider that Pieces OS accepts becomes the one it uses, as in Add Key.
    const usedByPieces = provider.syncsToPieces && !chosen.has(provider.id) && !deps.hasKeyInUse(provider.id);
    let record: KeyRecord;
    try {
      record = await deps.store.add(
        { provider: provider.id, name, secret: checked.value, ...(organization ? { organization } : {}) },
        { choose: usedByPieces },
      );
    } catch (error) {
      if (!isAddUnfinished(error)) throw error;
      // Saved; recovery finishes it. Not a failure, and the rest of the import goes on.
      record = error.record;
      note = [note, l10n.t('It is being finished and appears in the list shortly.')].filter(Boolean).join(' ');
    }
    if (usedByPieces) chosen.add(provider.id);
    results.push({ kind: 'added', candidate, record, usedByPieces, ...(note ? { note } : {}) });
  }
  if (results.some((r) => r.kind === 'added')) deps.sync.kick();
  return results;
}

async function findStored(deps: ImportDeps, provider: ProviderId, secret: string): Promise<KeyRecord | undefined> {
  for (const record of deps.store.keysOf(provider)) {
    const stored = await deps.store.secret(record.id).catch(() => undefined); // unreadable: not the same key, as far as we can tell
    if (stored === secret) return record;
  }
  return undefined;
}

/** `base` if free and valid, else `base (2)`, `base (3)`, …; a name that cannot be valid becomes "Imported". */
export function uniqueName(base: string, taken: readonly string[]): string {
  const suffixRoom = 5; // " (99)"
  const cleaned = base.trim().replace(/\s+/g, ' ');
  let stem = cleaned.length > MAX_NAME_LENGTH - suffixRoom ? `…${cleaned.slice(-(MAX_NAME_LENGTH - suffixRoom - 1))}` : cleaned;
  if (!validateKeyName(stem).ok) stem = l10n.t('Imported');
  for (let n = 1; ; n++) {
    const name = n === 1 ? stem : `${stem} (${n})`;
    if (validateKeyName(name, taken).ok) return name;
  }
}
