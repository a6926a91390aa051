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

// eslint-disable-next-line no-control-regex
const INVISIBLE_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;
/** A long run of the characters keys are made of, with letters and digits mixed: probably a pasted key. */
const KEY_LIKE_RUN = /(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}/;

/** Whether a name looks like a key (it would be stored in plain text): a catalogue prefix with more after it, or a long key-like run. */
export function looksLikeKey(name: string): boolean {
  const compact = name.trim();
  if (KEY_LIKE_RUN.test(compact)) return true;
  return PROVIDERS.some((p) => p.keyPrefixes.some((prefix) => compact.startsWith(prefix) && /^[A-Za-z0-9_-]{8,}$/.test(compact.slice(prefix.length))));
}

/** A key's display name: not empty, one short line, no key, unique per provider (case-insensitive). */
export function validateKeyName(input: string, takenNames: Iterable<string> = []): Checked {
  const value = input.trim();
  if (value === '') return { ok: false, error: t('Enter a name for the key, such as "Personal" or "Work".') };
  if (INVISIBLE_OR_BIDI.test(value) || /[\r\n]/.test(value)) return { ok: false, error: t('A name is a single line of visible characters (no control, invisible or text-direction characters).') };
  if (value.length > MAX_NAME_LENGTH) return { ok: false, error: t('A name has at most {0} characters.', MAX_NAME_LENGTH) };
  if (looksLikeKey(value)) return { ok: false, error: t('That looks like an API key. Names are stored in plain text: paste the key in the next step, and give it a name such as "Personal" or "Work".') };
  const lower = value.toLowerCase();
  for (const taken of takenNames) {
    if (taken.toLowerCase() === lower) return { ok: false, error: t('A key named "{0}" already exists for this provider; choose another name.', taken) };
  }
  return { ok: true, value };
}
