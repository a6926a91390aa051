// Finds provider keys where tools already keep them: the environment and `.env` files. Only the
// catalogue's variable names are looked at; `.env` text is parsed by `dotenv` (quotes, comments,
// `export`, CRLF and duplicates as every dotenv-based tool reads them). Nothing here reads a file
// or writes anything: the VS Code layer decides which files may be read (trusted workspaces only).
import { parse } from 'dotenv';
import * as l10n from '@vscode/l10n';
import { OPENAI_ORG_ENV, PROVIDER_APIS } from '../providers/apis';
import { PROVIDERS, type ProviderId } from '../providers/catalogue';

export type CandidateSource =
  | { readonly kind: 'environment'; readonly variable: string }
  | { readonly kind: 'dotenv'; readonly variable: string; readonly file: string }
  | { readonly kind: 'keychain'; readonly service: string; readonly account: string };

/** A key found somewhere, not stored yet. `secret` is held in memory only. */
export interface Candidate {
  readonly provider: ProviderId;
  readonly secret: string;
  readonly organization?: string;
  /** Every place the same value was found, first one first. */
  readonly sources: readonly CandidateSource[];
  /** The key's name if imported (a clash gets a suffix). */
  readonly suggestedName: string;
}

/** `.env` files larger than this are not read: a key file is a few lines. */
export const MAX_DOTENV_BYTES = 256 * 1024;

/** The variable names that hold a key of `provider`: the catalogue's first, then the aliases. */
export function variablesOf(provider: ProviderId): string[] {
  const info = PROVIDERS.find((p) => p.id === provider);
  return [...(info ? [info.envVar] : []), ...PROVIDER_APIS[provider].envAliases];
}

/** Every variable name looked for, for messages ("looked for OPENAI_API_KEY, …"). */
export function allVariables(): string[] {
  return PROVIDERS.flatMap((p) => variablesOf(p.id));
}

/**
 * `.env`, `.env.local`, `.env.development` and the like; not the templates that hold placeholders
 * (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`, `.env.defaults`).
 */
export function isDotenvFileName(name: string): boolean {
  if (!/^\.env(\.[\w.-]+)?$/.test(name)) return false;
  return !/\.(example|sample|template|dist|defaults)$/i.test(name);
}

/** Keys in an environment object, such as the extension host's `process.env`. */
export function candidatesFromEnvironment(env: Readonly<Record<string, string | undefined>>): Candidate[] {
  return collect(env, (variable) => ({ kind: 'environment', variable }));
}

/** Keys in the text of one `.env` file; `file` is how the file is named to the user (a relative path). */
export function candidatesFromDotenv(text: string, file: string): Candidate[] {
  return collect(parse(text), (variable) => ({ kind: 'dotenv', variable, file }));
}

/**
 * Keys in `vars`, each named after where it was found ("OPENAI_API_KEY in .env.local", "GROQ_API_KEY
 * (environment)"), so that two imports are told apart, and from keys typed by hand.
 */
function collect(vars: Readonly<Record<string, string | undefined>>, source: (variable: string) => CandidateSource): Candidate[] {
  const found: Candidate[] = [];
  for (const provider of PROVIDERS) {
    for (const variable of variablesOf(provider.id)) {
      const secret = vars[variable]?.trim();
      if (!secret) continue; // unset or empty: nothing to import
      const organization = provider.id === 'openai' ? vars[OPENAI_ORG_ENV]?.trim() : undefined;
      const from = source(variable);
      found.push({
        provider: provider.id,
        secret,
        ...(organization ? { organization } : {}),
        sources: [from],
        suggestedName: describeSources([from]),
      });
    }
  }
  return found;
}

/** One candidate per provider and value, in the order first seen, with all the places it was found. */
export function mergeCandidates(lists: ReadonlyArray<readonly Candidate[]>): Candidate[] {
  const merged = new Map<string, Candidate>();
  for (const candidate of lists.flat()) {
    const id = `${candidate.provider}\u0000${candidate.secret}`;
    const seen = merged.get(id);
    merged.set(id, seen ? { ...seen, sources: [...seen.sources, ...candidate.sources] } : candidate);
  }
  return [...merged.values()];
}

/** Where a candidate was found, for a quick pick: "OPENAI_API_KEY in .env.local, environment". */
export function describeSources(sources: readonly CandidateSource[]): string {
  return sources
    .map((s) =>
      s.kind === 'environment'
        ? l10n.t('{0} (environment)', s.variable)
        : s.kind === 'dotenv'
          ? l10n.t('{0} in {1}', s.variable, s.file)
          : `${s.service} / ${s.account}`,
    )
    .join(', ');
}
