// What both imports share: the quick pick of found keys (masked, where they came from, which cannot be
// imported and why; those stored already are named, not offered) and the report of what was imported.
import type { Candidate } from '../../core/import/environment';
import { describeSources } from '../../core/import/environment';
import { type ImportResult, importKeys } from '../../core/import/importKeys';
import type { KeyRecord } from '../../core/store/keyStore';
import * as l10n from '@vscode/l10n';
import { maskKey } from '../../core/keys/mask';
import { getProvider } from '../../core/providers/catalogue';
import { validateApiKey } from '../../core/keys/validation';
import { BACK, type PickItem } from '../prompter';
import { type FlowDeps, readSecret } from './flowDeps';

/** The stored key with the same value, if any. */
async function storedAs(deps: FlowDeps, candidate: Candidate): Promise<KeyRecord | undefined> {
  for (const record of deps.store.keysOf(candidate.provider)) {
    if ((await readSecret(deps, record.id)) === candidate.secret.trim()) return record;
  }
  return undefined;
}

/** What an import found: the keys it can offer, and those already stored (named, never offered). */
export interface Found {
  readonly items: Array<PickItem<Candidate>>;
  /** The keys found that are stored already: their names, and where each was found. */
  readonly stored: ReadonlyArray<{ readonly name: string; readonly where: string }>;
}

/**
 * Quick pick items for candidates; nothing is ticked at first: only what the user picks is imported. A key
 * stored already is not an item (ticking it could do nothing): the pick names it instead.
 */
export async function candidateItems(deps: FlowDeps, candidates: readonly Candidate[], label?: (c: Candidate) => string): Promise<Found> {
  const found = await Promise.all(
    candidates.map(async (candidate) => {
      const stored = await storedAs(deps, candidate);
      if (stored) return { stored: { name: stored.name, where: describeSources(candidate.sources) } };
      const provider = getProvider(candidate.provider);
      const checked = provider ? validateApiKey(candidate.secret, provider) : undefined;
      let detail: string | undefined;
      let icon: string | undefined;
      if (checked && !checked.ok) [icon, detail] = ['error', l10n.t('Cannot be imported: {0}', checked.error)];
      else if (checked?.ok && checked.warning) [icon, detail] = ['warning', checked.warning];
      const item: PickItem<Candidate> = {
        label: label ? label(candidate) : `${provider?.label ?? candidate.provider}  ${maskKey(candidate.secret)}`,
        ...(icon ? { icon } : {}),
        description: describeSources(candidate.sources),
        ...(detail ? { detail } : {}),
        value: candidate,
      };
      return { item };
    }),
  );
  return {
    items: found.flatMap((f) => ('item' in f ? [f.item] : [])),
    stored: found.flatMap((f) => ('stored' in f ? [f.stored] : [])),
  };
}

/** Asks which candidates to import, imports them and reports; returns the results (empty when cancelled). */
export async function pickAndImport(
  deps: FlowDeps,
  title: string,
  placeholder: string,
  found: Found,
  afterwards: (results: ImportResult[]) => { text: string; button?: string; onButton?: () => PromiseLike<unknown> } | undefined = () =>
    undefined,
): Promise<ImportResult[]> {
  if (found.items.length === 0) {
    const all = found.stored.map((s) => l10n.t('"{0}" ({1})', s.name, s.where)).join(', ');
    void deps.workbench().message('info', l10n.t('Every key found is stored already: {0}.', all));
    return [];
  }
  // The title has the room the placeholder lacks: the names of the keys found that are stored already.
  const names = found.stored.map((s) => `"${s.name}"`).join(', ');
  const picked = await deps.workbench().pickMany({
    title: names ? l10n.t('{0} (stored already, not listed: {1})', title, names) : title,
    placeholder,
    items: found.items,
  });
  if (picked === undefined || picked === BACK || picked.length === 0) return [];
  const results = await importKeys({ store: deps.store, sync: deps.sync, hasKeyInUse: (p) => deps.hasKeyInUse(p) }, picked);
  for (const result of results) {
    const where = describeSources(result.candidate.sources);
    const label = getProvider(result.candidate.provider)?.label ?? result.candidate.provider;
    if (result.kind === 'added') deps.log.info(`Imported ${label} key "${result.record.name}" from ${where}`);
    else if (result.kind === 'refused') deps.log.warn(`Did not import the ${label} key from ${where}: ${result.reason}`);
  }
  const extra = afterwards(results);
  const text = [summarize(results), extra?.text].filter(Boolean).join(' ');
  const severity = results.some((r) => r.kind === 'refused') ? 'warning' : 'info';
  const choice = await deps.workbench().message(severity, text, ...(extra?.button ? [extra.button] : []));
  if (extra?.button && choice === extra.button) await extra.onButton?.();
  return results;
}

/** One paragraph: what was imported, what Pieces OS now uses, what was refused and why. */
export function summarize(results: readonly ImportResult[]): string {
  const added = results.filter((r) => r.kind === 'added');
  const refused = results.filter((r) => r.kind === 'refused');
  const stored = results.filter((r) => r.kind === 'alreadyStored');
  const parts: string[] = [];
  if (added.length > 0) {
    const names = added.map((r) => `"${r.record.name}" (${getProvider(r.record.provider)?.label ?? r.record.provider})`).join(', ');
    parts.push(
      added.length === 1
        ? l10n.t("Imported 1 key into VS Code's secret storage: {0}.", names)
        : l10n.t("Imported {0} keys into VS Code's secret storage: {1}.", added.length, names),
    );
    for (const r of added) {
      if (r.usedByPieces) parts.push(l10n.t('Pieces OS will use "{0}".', r.record.name));
      if (r.note) parts.push(r.note);
    }
  }
  if (stored.length > 0) parts.push(l10n.t('Already stored: {0}.', stored.map((r) => `"${r.existing.name}"`).join(', ')));
  if (refused.length > 0) {
    parts.push(l10n.t('Not imported: {0}', refused.map((r) => `${describeSources(r.candidate.sources)}: ${r.reason}`).join(' ')));
  }
  return parts.join(' ');
}
