// Import from OS Keychain: looks under the service names scripts and `secret-tool` commonly use (or
// one the user types), shows the matches masked, and imports the picked ones. keytar runs in a child
// process (see core/import/keychain.ts); when it cannot, one message says why and what to do.
import * as path from 'node:path';
import { Commands } from '../../constants';
import type { Candidate } from '../../core/import/environment';
import type { ImportResult } from '../../core/import/importKeys';
import { type KeychainLookup, type KeychainMatch, KeychainProcess, keychainMatches, wellKnownServices } from '../../core/import/keychain';
import * as l10n from '@vscode/l10n';
import { maskKey } from '../../core/keys/mask';
import { PROVIDERS, type ProviderId, getProvider } from '../../core/providers/catalogue';
import { BACK } from '../prompter';
import type { FlowDeps } from './flowDeps';
import { candidateItems, pickAndImport } from './importCommon';

const OTHER = Symbol('other service');

export async function runImportFromKeychain(deps: FlowDeps): Promise<ImportResult[]> {
  const keychain = new KeychainProcess({
    helperPath: path.join(deps.distPath, 'keychain-helper.js'),
    modulePaths: deps.knobs.keychainModulePaths ?? [path.join(deps.distPath, 'keytar.node'), 'keytar'],
    ...(deps.knobs.keychainEnv ? { env: deps.knobs.keychainEnv } : {}),
    ...(deps.knobs.keychainTimeoutMs ? { timeoutMs: deps.knobs.keychainTimeoutMs } : {}),
  });
  const workbench = deps.workbench();
  const find = (services: string[]): PromiseLike<KeychainLookup> =>
    workbench.withProgress(l10n.t('Looking in the OS keychain (unlock it if asked)…'), (signal) => keychain.find(services, signal));

  const known = wellKnownServices();
  const first = await find(known);
  if (!first.ok) return unavailable(deps, first);
  const withEntries = known.filter((s) => (first.found[s]?.length ?? 0) > 0);
  let service: string | undefined;
  let lookup: KeychainLookup = first;
  if (withEntries.length > 0) {
    const answer = await deps.workbench().pick<string | typeof OTHER>({
      title: l10n.t('Import from OS Keychain'),
      placeholder: l10n.t('Which keychain service holds your keys?'),
      items: [
        ...withEntries.map((s) => ({ label: s, description: l10n.t('{0} entries', first.found[s]?.length ?? 0), value: s })),
        { label: l10n.t('Other service name…'), description: l10n.t('type the name the key was stored under'), value: OTHER },
      ],
    });
    if (answer === undefined || answer === BACK) return [];
    if (answer !== OTHER) service = answer;
  }
  if (service === undefined) {
    const typed = await deps.workbench().input({
      title: l10n.t('Import from OS Keychain'),
      prompt:
        withEntries.length > 0
          ? l10n.t('The service name the key was stored under.')
          : l10n.t('Nothing found under the usual names ({0}). Type the service name the key was stored under.', known.join(', ')),
      placeholder: l10n.t('openai, OPENAI_API_KEY, …'),
      validate: (value) =>
        value.trim() === '' || /[\r\n]/.test(value)
          ? { severity: 'error', message: l10n.t('Enter a service name (one line).') }
          : undefined,
    });
    if (typed === undefined || typed === BACK) return [];
    service = typed.trim();
    lookup = await find([service]);
    if (!lookup.ok) return unavailable(deps, lookup);
  }
  const matches = keychainMatches(service, lookup.ok ? (lookup.found[service] ?? []) : []);
  if (matches.length === 0) {
    void deps.workbench().message('info', l10n.t('The OS keychain holds nothing under "{0}".', service));
    return [];
  }
  const candidates = await withProviders(deps, service, matches);
  if (!candidates) return [];
  const found = await candidateItems(
    deps,
    candidates,
    (c) => `${(c.sources[0]?.kind === 'keychain' && c.sources[0].account) || service}  ${maskKey(c.secret)}`,
  );
  return pickAndImport(deps, l10n.t('Import from OS Keychain'), l10n.t("Pick the keys to keep in VS Code's secret storage"), found);
}

async function unavailable(deps: FlowDeps, lookup: Extract<KeychainLookup, { ok: false }>): Promise<ImportResult[]> {
  deps.log.warn(`OS keychain unavailable (${lookup.unavailable.kind})`);
  const fromEnv = l10n.t('Import from Environment');
  const choice = await deps
    .workbench()
    .message('warning', lookup.unavailable.message, ...(lookup.unavailable.kind === 'moduleMissing' ? [fromEnv] : []));
  if (choice === fromEnv) await deps.workbench().runCommand(Commands.importFromEnvironment);
  return [];
}

/**
 * Candidates from matches. Entries whose service name and prefix do not tell the provider (Mistral
 * keys have no prefix) get one question for all of them: keys under one service name belong together.
 */
async function withProviders(deps: FlowDeps, service: string, matches: readonly KeychainMatch[]): Promise<Candidate[] | undefined> {
  let fallback: ProviderId | undefined;
  if (matches.some((m) => !m.provider)) {
    const answer = await deps.workbench().pick({
      title: l10n.t('Import from OS Keychain'),
      placeholder: l10n.t('Which provider are the keys under "{0}" for?', service),
      items: PROVIDERS.map((p) => ({ label: p.label, value: p.id })),
    });
    if (answer === undefined || answer === BACK) return undefined;
    fallback = answer;
  }
  return matches.map((match) => {
    const provider = (match.provider ?? fallback) as ProviderId;
    return {
      provider,
      secret: match.secret,
      sources: [match.source],
      suggestedName: match.account || match.service || (getProvider(provider)?.label ?? provider),
    };
  });
}
