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
  /**
   * How many characters the provider's keys have, shortest to longest, as issued today. A key outside
   * this range gets a warning, not a refusal: providers change their formats. (Every provider's keys
   * are far longer than MIN_KEY_LENGTH, below which a key is refused for any provider.)
   */
  readonly keyLength: readonly [min: number, max: number];
}

// Key lengths: OpenAI's user keys are "sk-" and 48 characters (51), project, service-account and admin keys
// about 164 or more; Anthropic's "sk-ant-api03-" and 95 (108); Gemini's "AIza" and 35 (39); Mistral's 32;
// Groq's "gsk_" and 52 (56); OpenRouter's "sk-or-v1-" and 64 hex digits (73).
export const PROVIDERS: readonly ProviderInfo[] = [
  {
    id: 'openai',
    label: 'OpenAI',
    keyPrefixes: ['sk-svcacct-', 'sk-admin-', 'sk-proj-', 'sk-'],
    envVar: 'OPENAI_API_KEY',
    syncsToPieces: true,
    hasOrganization: true,
    keyLength: [51, 256],
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    keyPrefixes: ['sk-ant-'],
    envVar: 'ANTHROPIC_API_KEY',
    syncsToPieces: false,
    hasOrganization: false,
    keyLength: [100, 130],
  },
  {
    id: 'google',
    label: 'Google Gemini',
    keyPrefixes: ['AIza'],
    envVar: 'GEMINI_API_KEY',
    syncsToPieces: false,
    hasOrganization: false,
    keyLength: [39, 39],
  },
  {
    id: 'mistral',
    label: 'Mistral AI',
    keyPrefixes: [],
    envVar: 'MISTRAL_API_KEY',
    syncsToPieces: false,
    hasOrganization: false,
    keyLength: [32, 32],
  },
  {
    id: 'groq',
    label: 'Groq',
    keyPrefixes: ['gsk_'],
    envVar: 'GROQ_API_KEY',
    syncsToPieces: false,
    hasOrganization: false,
    keyLength: [56, 56],
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    keyPrefixes: ['sk-or-v1-', 'sk-or-'],
    envVar: 'OPENROUTER_API_KEY',
    syncsToPieces: false,
    hasOrganization: false,
    keyLength: [73, 73],
  },
];

export function getProvider(id: string): ProviderInfo | undefined {
  return PROVIDERS.find((provider) => provider.id === id);
}

/** The longest catalogue prefix `key` starts with, across all providers, or '' when none. */
export function knownPrefixOf(key: string): string {
  return prefixOwner(key)?.prefix ?? '';
}

/**
 * The provider whose prefix `key` starts with, by the longest prefix: "sk-ant-…" is Anthropic's although
 * "sk-" is OpenAI's. Undefined when no catalogue prefix fits.
 */
export function providerOfKey(key: string): ProviderInfo | undefined {
  return prefixOwner(key)?.provider;
}

function prefixOwner(key: string): { prefix: string; provider: ProviderInfo } | undefined {
  let best: { prefix: string; provider: ProviderInfo } | undefined;
  for (const provider of PROVIDERS) {
    for (const prefix of provider.keyPrefixes) {
      if (key.startsWith(prefix) && prefix.length > (best?.prefix.length ?? 0)) best = { prefix, provider };
    }
  }
  return best;
}
