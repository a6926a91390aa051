// The questions the add and rotate flows share, each written once: provider, name, key, organization.
// Every step shows what it was answered before, so going Back loses nothing (the pasted key included).
import * as l10n from '@vscode/l10n';
import { PROVIDERS, type ProviderInfo } from '../core/providers/catalogue';
import { type Checked, validateApiKey, validateKeyName, validateOrganizationId } from '../core/keys/validation';
import { DONE, type Step } from './multiStep';
import { BACK, type InputButton, type InputCheck, type Prompter } from './prompter';

export interface KeyAnswers {
  provider?: ProviderInfo;
  name?: string;
  secret?: string;
  /** '' means none. */
  organization?: string;
}

export function toCheck(result: Checked): InputCheck {
  if (!result.ok) return { severity: 'error', message: result.error, ...(result.keyLike ? { atOnce: true } : {}) };
  return result.warning ? { severity: 'warning', message: result.warning } : undefined;
}

/** The placeholder of a key box: the provider's usual prefix. */
function keyPlaceholder(provider: ProviderInfo): string {
  const prefix = provider.keyPrefixes[provider.keyPrefixes.length - 1];
  return prefix ? l10n.t('{0}… (paste the key; it stays hidden)', prefix) : l10n.t('Paste the key; it stays hidden');
}

/**
 * The provider question. It shows no "n/m": how many steps follow depends on the answer (OpenAI has an
 * organization step, the others do not), and the steps after it are numbered from 2.
 */
export function providerStep<S extends KeyAnswers>(prompter: () => Prompter, title: () => string, next: Step<S>): Step<S> {
  return async (state) => {
    const answer = await prompter().pick({
      title: title(),
      placeholder: l10n.t('Which provider is the key for?'),
      items: PROVIDERS.map((p) => ({
        label: p.label,
        description: p.syncsToPieces ? l10n.t('synced to Pieces OS') : l10n.t('local only: Pieces OS does not take it'),
        value: p,
      })),
    });
    if (answer === undefined || answer === BACK) return answer;
    if (state.provider?.id !== answer.id) delete state.secret; // a key typed for another provider is not this one's
    state.provider = answer;
    return next;
  };
}

export function nameStep<S extends KeyAnswers>(
  prompter: () => Prompter,
  title: () => string,
  takenNames: (state: S) => readonly string[],
  next: Step<S>,
): Step<S> {
  return async (state, at) => {
    const taken = takenNames(state);
    const answer = await prompter().input({
      title: title(),
      step: at,
      prompt: l10n.t('A name that tells this key apart. Names are stored in plain text, so never paste a key here.'),
      placeholder: l10n.t('Personal, Work, Team …'),
      value: state.name ?? (taken.length === 0 ? 'Default' : ''),
      validate: (value) => toCheck(validateKeyName(value, taken)),
    });
    if (answer === undefined || answer === BACK) return answer;
    state.name = answer.trim();
    return next;
  };
}

/**
 * The key box. A key that is certainly another provider's ("sk-ant-…" in the OpenAI box) is refused; with
 * `moveTo` (the add flow) it is only a warning while typing, and Enter asks whether to add it under that
 * provider instead: yes calls `moveTo` and goes on with that provider's steps, no shows the box again.
 */
export function secretStep<S extends KeyAnswers>(
  prompter: () => Prompter,
  title: () => string,
  prompt: (provider: ProviderInfo) => string,
  next: Step<S>,
  buttons: (provider: ProviderInfo) => InputButton[] = () => [],
  moveTo?: (state: S, other: ProviderInfo) => void,
): Step<S> {
  return async (state, at) => {
    for (;;) {
      const provider = state.provider;
      if (!provider) return undefined;
      const answer = await prompter().input({
        title: title(),
        step: at,
        prompt: prompt(provider),
        placeholder: keyPlaceholder(provider),
        password: true,
        ...(state.secret !== undefined ? { value: state.secret } : {}),
        validate: (value) => {
          const checked = validateApiKey(value, provider);
          if (moveTo && !checked.ok && checked.otherProvider) {
            return { severity: 'warning', message: l10n.t('{0} Press Enter to add it there instead.', checked.error) };
          }
          return toCheck(checked);
        },
        buttons: buttons(provider),
      });
      if (answer === undefined || answer === BACK) return answer;
      state.secret = answer.trim();
      const checked = validateApiKey(answer, provider);
      const other = !checked.ok ? checked.otherProvider : undefined;
      if (moveTo && other) {
        const move = l10n.t('Add as {0} Key', other.label);
        const choice = await prompter().ask(
          l10n.t('This looks like a key from {0}, not from {1}.', other.label, provider.label),
          l10n.t('It starts as {0} keys do. Add it under {0}, or cancel and paste the {1} key.', other.label, provider.label),
          [move],
        );
        if (choice !== move) continue; // the box again, with the key as pasted
        moveTo(state, other);
        return other.hasOrganization ? organizationStep(prompter, title, next) : next;
      }
      return provider.hasOrganization ? organizationStep(prompter, title, next) : next;
    }
  };
}

export function organizationStep<S extends KeyAnswers>(prompter: () => Prompter, title: () => string, next: Step<S>): Step<S> {
  return async (state, at) => {
    const answer = await prompter().input({
      title: title(),
      step: at,
      prompt: l10n.t('Optional: the OpenAI organization id. Leave it empty for your default organization.'),
      placeholder: l10n.t('org-… (optional)'),
      value: state.organization ?? '',
      validate: (value) => toCheck(validateOrganizationId(value)),
    });
    if (answer === undefined || answer === BACK) return answer;
    state.organization = answer.trim();
    return next;
  };
}

/** The step that ends a flow. */
export function doneStep<S>(): Step<S> {
  return () => Promise.resolve(DONE);
}

/** How many steps the key and organization questions take for `provider` (2 with an organization). */
export function secretSteps(provider: ProviderInfo | undefined): number {
  return 1 + (provider === undefined || provider.hasOrganization ? 1 : 0);
}
