// Where each provider's keys come from and how a key is checked: the provider catalogue's second
// half, kept beside catalogue.ts so that the sync layer's catalogue stays as it is. A Record over
// ProviderId makes a provider added to the catalogue without an entry here a type error.
import type { ProviderId } from './catalogue';

/** How the provider expects its key on a request. */
export type KeyAuth =
  { readonly kind: 'bearer' } | { readonly kind: 'header'; readonly name: string; readonly extra?: Readonly<Record<string, string>> };

export interface ProviderApi {
  /** The page where a signed-in user creates a key (opened by "Get a Key…"). */
  readonly keyPage: string;
  /** The API's base URL; `providerKeys.verify.baseUrls` can replace it on this machine. */
  readonly baseUrl: string;
  /**
   * The cheapest read-only call that needs a valid key, relative to `baseUrl`. OpenRouter's model list
   * is public, so its key endpoint is used instead.
   */
  readonly verifyPath: string;
  readonly auth: KeyAuth;
  /** Other variable names tools read the key from, besides the catalogue's `envVar`. */
  readonly envAliases: readonly string[];
  /** Keychain service names under which the key is commonly stored (`secret-tool`, keytar scripts). */
  readonly keychainServices: readonly string[];
}

export const PROVIDER_APIS: Readonly<Record<ProviderId, ProviderApi>> = {
  openai: {
    keyPage: 'https://platform.openai.com/api-keys',
    baseUrl: 'https://api.openai.com/v1',
    verifyPath: '/models',
    auth: { kind: 'bearer' },
    envAliases: [],
    keychainServices: ['openai', 'OPENAI_API_KEY'],
  },
  anthropic: {
    keyPage: 'https://console.anthropic.com/settings/keys',
    baseUrl: 'https://api.anthropic.com/v1',
    verifyPath: '/models',
    auth: { kind: 'header', name: 'x-api-key', extra: { 'anthropic-version': '2023-06-01' } },
    envAliases: [],
    keychainServices: ['anthropic', 'ANTHROPIC_API_KEY'],
  },
  google: {
    keyPage: 'https://aistudio.google.com/app/apikey',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    verifyPath: '/models',
    // In a header rather than `?key=`, so that the key never appears in a URL (proxies log URLs).
    auth: { kind: 'header', name: 'x-goog-api-key' },
    // Google's Gen AI SDKs read GOOGLE_API_KEY as well.
    envAliases: ['GOOGLE_API_KEY'],
    keychainServices: ['gemini', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  },
  mistral: {
    keyPage: 'https://console.mistral.ai/api-keys',
    baseUrl: 'https://api.mistral.ai/v1',
    verifyPath: '/models',
    auth: { kind: 'bearer' },
    envAliases: [],
    keychainServices: ['mistral', 'MISTRAL_API_KEY'],
  },
  groq: {
    keyPage: 'https://console.groq.com/keys',
    baseUrl: 'https://api.groq.com/openai/v1',
    verifyPath: '/models',
    auth: { kind: 'bearer' },
    envAliases: [],
    keychainServices: ['groq', 'GROQ_API_KEY'],
  },
  openrouter: {
    keyPage: 'https://openrouter.ai/settings/keys',
    baseUrl: 'https://openrouter.ai/api/v1',
    verifyPath: '/key',
    auth: { kind: 'bearer' },
    envAliases: [],
    keychainServices: ['openrouter', 'OPENROUTER_API_KEY'],
  },
};

/** The OpenAI SDKs read the organization id from this variable; an imported OpenAI key takes it along. */
export const OPENAI_ORG_ENV = 'OPENAI_ORG_ID';
