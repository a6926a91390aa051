// The provider catalogue, as data. Pieces OS accepts only an OpenAI key today (the contract's
// only provider field is `open_AI`); every other provider is kept in VS Code only, and says so.

export type ProviderId = 'openai' | 'anthropic' | 'google' | 'mistral' | 'groq' | 'openrouter';

export interface ProviderInfo {
  readonly id: ProviderId;
  readonly label: string;
  /** Prefixes a key of this provider usually starts with, longest first; an empty list means none. */
  readonly keyPrefixes: readonly string[];
  /** The environment variable the provider's own tools read. */
  readonly envVar: string;
  /** Whether Pieces OS accepts this provider's key (create/update/delete sync it). */
  readonly syncsToPieces: boolean;
  /** Whether the provider has organization ids (`org-…`) that Pieces OS can store with the key. */
  readonly hasOrganization: boolean;
}

export const PROVIDERS: readonly ProviderInfo[] = [
  { id: 'openai', label: 'OpenAI', keyPrefixes: ['sk-svcacct-', 'sk-admin-', 'sk-proj-', 'sk-'], envVar: 'OPENAI_API_KEY', syncsToPieces: true, hasOrganization: true },
  { id: 'anthropic', label: 'Anthropic', keyPrefixes: ['sk-ant-'], envVar: 'ANTHROPIC_API_KEY', syncsToPieces: false, hasOrganization: false },
  { id: 'google', label: 'Google Gemini', keyPrefixes: ['AIza'], envVar: 'GEMINI_API_KEY', syncsToPieces: false, hasOrganization: false },
  { id: 'mistral', label: 'Mistral AI', keyPrefixes: [], envVar: 'MISTRAL_API_KEY', syncsToPieces: false, hasOrganization: false },
  { id: 'groq', label: 'Groq', keyPrefixes: ['gsk_'], envVar: 'GROQ_API_KEY', syncsToPieces: false, hasOrganization: false },
  { id: 'openrouter', label: 'OpenRouter', keyPrefixes: ['sk-or-v1-', 'sk-or-'], envVar: 'OPENROUTER_API_KEY', syncsToPieces: false, hasOrganization: false },
];

export function getProvider(id: string): ProviderInfo | undefined {
  return PROVIDERS.find((provider) => provider.id === id);
}

/** The longest catalogue prefix `key` starts with, across all providers, or '' when none. */
export function knownPrefixOf(key: string): string {
  let best = '';
  for (const provider of PROVIDERS) {
    for (const prefix of provider.keyPrefixes) {
      if (key.startsWith(prefix) && prefix.length > best.length) best = prefix;
    }
  }
  return best;
}
