// Checks for what a user types. A refusal explains what is wrong; an unexpected prefix is only a
// warning, since providers change their key formats. Messages never quote the key.
import { t } from './l10n';
import { PROVIDERS, type ProviderInfo } from './providers';

export const MIN_KEY_LENGTH = 8;
export const MAX_KEY_LENGTH = 512;
export const MAX_NAME_LENGTH = 64;

export type Checked =
  | { readonly ok: true; readonly value: string; readonly warning?: string }
  | { readonly ok: false; readonly error: string };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/;
const KEY_CHARS = /^[\x21-\x7e]+$/;

export function validateApiKey(input: string, provider: ProviderInfo): Checked {
  const value = input.trim();
  if (value === '') return { ok: false, error: t('Enter the API key.') };
  if (/[\r\n]/.test(value)) return { ok: false, error: t('An API key is a single line; the text you pasted has line breaks.') };
  if (CONTROL.test(value.replace(/\t/g, ''))) return { ok: false, error: t('The key contains invisible control characters; copy it again from the provider.') };
  if (/\s/.test(value)) return { ok: false, error: t('An API key has no spaces; the text you pasted has some inside it.') };
  if (!KEY_CHARS.test(value)) return { ok: false, error: t('The key contains characters an API key never has (only printable ASCII is allowed).') };
  if (value.length < MIN_KEY_LENGTH) return { ok: false, error: t('That is too short for an API key ({0} characters; at least {1}).', value.length, MIN_KEY_LENGTH) };
  if (value.length > MAX_KEY_LENGTH) return { ok: false, error: t('That is too long for an API key ({0} characters; at most {1}).', value.length, MAX_KEY_LENGTH) };
  if (provider.keyPrefixes.length > 0 && !provider.keyPrefixes.some((prefix) => value.startsWith(prefix))) {
    return {
      ok: true,
      value,
      warning: t('{0} keys usually start with "{1}". Check that this is the right key; it can still be saved.', provider.label, provider.keyPrefixes[provider.keyPrefixes.length - 1] ?? ''),
    };
  }
  return { ok: true, value };
}

/** An OpenAI organization id: optional; when given, `org-` followed by letters and digits. */
export function validateOrganizationId(input: string): Checked {
  const value = input.trim();
  if (value === '') return { ok: true, value };
  if (/\s/.test(value) || CONTROL.test(value)) return { ok: false, error: t('An organization id has no spaces or line breaks.') };
  if (!/^org-[A-Za-z0-9_-]{4,64}$/.test(value)) {
    return { ok: false, error: t('An organization id looks like "org-" followed by letters and digits (find it in your OpenAI organization settings), or leave it empty.') };
  }
  return { ok: true, value };
}

const KEY_PREFIXES = PROVIDERS.flatMap((provider) => provider.keyPrefixes);
const LONG_KEY_RUN = /[A-Za-z0-9_-]{32,}/;

/** Whether a name looks like a pasted key: a catalogue prefix with 8 or more key characters after it, or a long run. */
function looksLikeKey(name: string): boolean {
  if (LONG_KEY_RUN.test(name)) return true;
  return name.split(/\s+/).some((word) => KEY_PREFIXES.some((prefix) => word.startsWith(prefix) && /^[\x21-\x7e]{8,}$/.test(word.slice(prefix.length))));
}

/** A key's display name: not empty, one short line, not a key, unique per provider (case-insensitive). */
export function validateKeyName(input: string, takenNames: Iterable<string> = []): Checked {
  const value = input.trim();
  if (value === '') return { ok: false, error: t('Enter a name for the key, such as "Personal" or "Work".') };
  if (CONTROL.test(value) || /[\r\n]/.test(value)) return { ok: false, error: t('A name is a single line of visible characters.') };
  // Names are stored in plain text (globalState), so a key pasted into the name box must not be kept.
  if (looksLikeKey(value)) return { ok: false, error: t('That looks like an API key. Names are stored in plain text: paste the key in the next step, and give it a name such as "Work".') };
  if (value.length > MAX_NAME_LENGTH) return { ok: false, error: t('A name has at most {0} characters.', MAX_NAME_LENGTH) };
  const lower = value.toLowerCase();
  for (const taken of takenNames) {
    if (taken.toLowerCase() === lower) return { ok: false, error: t('A key named "{0}" already exists for this provider.', value) };
  }
  return { ok: true, value };
}
