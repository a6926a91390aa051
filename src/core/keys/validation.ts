// Checks for what a user types. A refusal explains what is wrong; what is only unusual (a prefix or a
// length the provider does not issue today) is a warning, since providers change their key formats.
// Certain is refused: fewer characters than any provider's keys, or another provider's own prefix
// ("sk-ant-" in the OpenAI box), which would send Pieces OS a key it cannot use. Messages never quote
// the key (a catalogue prefix is not the key: masks show it too).
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderInfo, knownPrefixOf, providerOfKey } from '../providers/catalogue';
import { knownSecrets } from './redact';
import { hasInvisible } from './text';

/** No provider in the catalogue issues keys this short (the shortest, Mistral's, have 32 characters). */
export const MIN_KEY_LENGTH = 20;
export const MAX_KEY_LENGTH = 512;
export const MAX_NAME_LENGTH = 64;

export type Checked =
  | { readonly ok: true; readonly value: string; readonly warning?: string }
  /**
   * `otherProvider`: the key is refused because it is that provider's (a flow may offer to add it there).
   * `keyLike`: a key, or part of one, in a plain text box (a name, an organization id): say so as it is typed.
   */
  | { readonly ok: false; readonly error: string; readonly otherProvider?: ProviderInfo; readonly keyLike?: boolean };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/;
const KEY_CHARS = /^[\x21-\x7e]+$/;

export function validateApiKey(input: string, provider: ProviderInfo): Checked {
  if (typeof input !== 'string') return { ok: false, error: l10n.t('Enter the API key.') };
  const value = input.trim();
  if (value === '') return { ok: false, error: l10n.t('Enter the API key.') };
  if (/[\r\n]/.test(value)) return { ok: false, error: l10n.t('An API key is a single line; the text you pasted has line breaks.') };
  if (CONTROL.test(value.replace(/\t/g, ''))) {
    return { ok: false, error: l10n.t('The key contains invisible control characters; copy it again from the provider.') };
  }
  if (/\s/.test(value)) return { ok: false, error: l10n.t('An API key has no spaces; the text you pasted has some inside it.') };
  if (!KEY_CHARS.test(value)) {
    return { ok: false, error: l10n.t('The key contains characters an API key never has (only printable ASCII is allowed).') };
  }
  if (value.length < MIN_KEY_LENGTH) {
    return { ok: false, error: l10n.t('That is too short for an API key ({0} characters; at least {1}).', value.length, MIN_KEY_LENGTH) };
  }
  if (value.length > MAX_KEY_LENGTH) {
    return { ok: false, error: l10n.t('That is too long for an API key ({0} characters; at most {1}).', value.length, MAX_KEY_LENGTH) };
  }
  const other = otherProviderOf(value, provider);
  if (other) {
    return {
      ok: false,
      error: l10n.t(
        'This looks like a key from {0} (it starts with "{1}"), not from {2}.',
        other.label,
        knownPrefixOf(value),
        provider.label,
      ),
      otherProvider: other,
    };
  }
  if (provider.keyPrefixes.length > 0 && !provider.keyPrefixes.some((prefix) => value.startsWith(prefix))) {
    return {
      ok: true,
      value,
      warning: l10n.t(
        '{0} keys usually start with "{1}". Check that this is the right key; it can still be saved.',
        provider.label,
        provider.keyPrefixes[provider.keyPrefixes.length - 1] ?? '',
      ),
    };
  }
  const [shortest, longest] = provider.keyLength;
  if (value.length < shortest || value.length > longest) {
    const usual =
      shortest === longest
        ? l10n.t('{0} keys have {1} characters', provider.label, shortest)
        : l10n.t('{0} keys have {1} to {2} characters', provider.label, shortest, longest);
    return {
      ok: true,
      value,
      warning: l10n.t('{0}; this one has {1}. Check that you copied all of it; it can still be saved.', usual, value.length),
    };
  }
  return { ok: true, value };
}

/**
 * The provider `key` certainly belongs to instead of `provider`: another provider's prefix is the longest
 * one it starts with ("sk-ant-…" is Anthropic's, though "sk-" is OpenAI's). Undefined when the key fits
 * `provider`, or no prefix tells.
 */
export function otherProviderOf(key: string, provider: ProviderInfo): ProviderInfo | undefined {
  const owner = providerOfKey(key);
  return owner && owner.id !== provider.id ? owner : undefined;
}

/**
 * A key that came from elsewhere (the one Pieces OS holds, an import), checked as `validateApiKey`
 * checks what a user types, except that nothing is trimmed: a key with spaces or a line break around
 * it is refused, not silently changed.
 */
export function validateHeldApiKey(input: unknown, provider: ProviderInfo): Checked {
  if (typeof input !== 'string' || input === '') return { ok: false, error: l10n.t('The key is empty.') };
  if (input !== input.trim()) {
    return {
      ok: false,
      error: /[\r\n\u2028\u2029\u0085]/.test(input)
        ? l10n.t('An API key is a single line; this one has a line break around it.')
        : l10n.t('An API key has no spaces; this one has spaces or invisible characters around it.'),
    };
  }
  return validateApiKey(input, provider);
}

/** An OpenAI organization id: optional; when given, `org-` followed by letters and digits. */
export function validateOrganizationId(input: string): Checked {
  const value = input.trim();
  if (value === '') return { ok: true, value };
  // An organization id ("org-" and 24 letters and digits) is itself a long run of key characters: only what
  // is not one is checked for looking like a key.
  if (!value.startsWith('org-') && (providerOfKey(value) || keyLikeReason(value) || knownSecrets.containsSecret(value))) {
    return {
      ok: false,
      error: l10n.t(
        'That looks like an API key, not an organization id; this box shows what you type. Delete it here, and paste the key in the key box.',
      ),
      keyLike: true,
    };
  }
  if (/\s/.test(value) || CONTROL.test(value)) return { ok: false, error: l10n.t('An organization id has no spaces or line breaks.') };
  if (!/^org-[A-Za-z0-9_-]{4,64}$/.test(value)) {
    return {
      ok: false,
      error: l10n.t(
        'An organization id looks like "org-" followed by letters and digits (find it in your OpenAI organization settings), or leave it empty.',
      ),
    };
  }
  return { ok: true, value };
}

/** Catalogue prefixes, longest first: "sk-proj-" is reported rather than "sk-". */
const KEY_PREFIXES = [...new Set(PROVIDERS.flatMap((provider) => provider.keyPrefixes))].sort((a, b) => b.length - a.length);
/** After a catalogue prefix, this many key characters make a name look like a key. */
const KEY_LIKE_AFTER_PREFIX = 8;
/** A run of key characters this long is a key whatever it holds (a UUID-shaped token has 36). */
const KEY_LIKE_RUN = 32;
/** A shorter run (from this length) is a key when one unbroken part of it mixes letters and digits. */
const KEY_LIKE_MIXED_RUN = 24;
const KEY_LIKE_MIXED_PART = 16;

/**
 * Why `name` looks like an API key, or undefined. Names are stored in plain text, so a key pasted
 * into the name box must not be kept: a catalogue prefix at the start of a word followed by key
 * characters, a run of 32 key characters ([A-Za-z0-9_-]), or a run of 24 with a 16-character part
 * that mixes letters and digits. Ordinary names ("2024-01-15-production-key") pass.
 */
export function keyLikeReason(name: string): string | undefined {
  for (const prefix of KEY_PREFIXES) {
    for (let at = name.indexOf(prefix); at >= 0; at = name.indexOf(prefix, at + 1)) {
      const before = at > 0 ? name.charAt(at - 1) : '';
      if (/[A-Za-z0-9]/.test(before)) continue;
      const tail = /^[A-Za-z0-9_-]*/.exec(name.slice(at + prefix.length))?.[0] ?? '';
      if (tail.length >= KEY_LIKE_AFTER_PREFIX) return l10n.t('it starts like a key ("{0}…")', prefix);
    }
  }
  for (const run of name.match(/[A-Za-z0-9_-]+/g) ?? []) {
    if (run.length >= KEY_LIKE_RUN) return l10n.t('it has {0} key characters in a row', run.length);
    if (
      run.length >= KEY_LIKE_MIXED_RUN &&
      run.split(/[-_]/).some((part) => part.length >= KEY_LIKE_MIXED_PART && /\d/.test(part) && /[A-Za-z]/.test(part))
    ) {
      return l10n.t('it has {0} key characters in a row', run.length);
    }
  }
  return undefined;
}

/**
 * A key's display name: not empty, one short line of visible characters, unique per provider
 * (case-insensitive), and nothing that looks like a key or holds part of a stored one (names are
 * stored in plain text).
 */
export function validateKeyName(input: string, takenNames: Iterable<string> = []): Checked {
  if (typeof input !== 'string') return { ok: false, error: l10n.t('Enter a name for the key, such as "Personal" or "Work".') };
  const value = input.trim();
  if (value === '') return { ok: false, error: l10n.t('Enter a name for the key, such as "Personal" or "Work".') };
  if (/[\r\n\u2028\u2029\u0085]/.test(value)) return { ok: false, error: l10n.t('A name is a single line of visible characters.') };
  if (hasInvisible(value)) {
    return {
      ok: false,
      error: l10n.t('A name cannot contain invisible, control or text-direction characters; type it again rather than pasting it.'),
    };
  }
  if (value.length > MAX_NAME_LENGTH) return { ok: false, error: l10n.t('A name has at most {0} characters.', MAX_NAME_LENGTH) };
  const keyLike = keyLikeReason(value);
  if (keyLike) {
    return {
      ok: false,
      error: l10n.t(
        'That name looks like an API key ({0}). Names are stored in plain text, so use a few words such as "Work" instead.',
        keyLike,
      ),
      keyLike: true,
    };
  }
  if (knownSecrets.containsSecret(value)) {
    return {
      ok: false,
      error: l10n.t('That name contains part of one of your keys. Names are stored in plain text; choose another name.'),
      keyLike: true,
    };
  }
  const lower = value.toLowerCase();
  for (const taken of takenNames) {
    if (taken.toLowerCase() === lower) {
      return { ok: false, error: l10n.t('A key named "{0}" already exists for this provider; choose another name.', taken) };
    }
  }
  return { ok: true, value };
}
