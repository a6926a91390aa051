// Which key a command is about, for every command that acts on one key (the key flows and the "use the
// keys" flows alike): the key given by a tree row or an id, or one picked among the stored keys that fit,
// with its mask from the MaskCache (no secret read for a key the tree has shown).
import { Commands } from '../constants';
import * as l10n from '@vscode/l10n';
import type { MaskCache } from '../core/keys/maskCache';
import { getProvider } from '../core/providers/catalogue';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';
import { BACK, type Prompter } from './prompter';

/** What a command receives: a tree item's key, a key id, or nothing (then it asks). */
export type KeyArgument = { readonly record: KeyRecord } | string | undefined;

export interface PickKeyDeps {
  readonly store: Pick<KeyStore, 'get' | 'list'>;
  readonly masks: Pick<MaskCache, 'get'>;
  prompter(): Prompter;
  runCommand(command: string, ...args: unknown[]): PromiseLike<unknown>;
}

export interface KeyQuestion {
  title: string;
  placeholder: string;
  /** Only the keys that fit the command are offered; `noneFits` says why when there are keys but none fits. */
  filter?: { fits: (k: KeyRecord) => boolean; noneFits: string };
  /** A word after the mask, such as "used by Pieces OS". */
  note?: (k: KeyRecord) => string | undefined;
}

/**
 * The key `arg` names, or the one the user picks; undefined when there is none or the user cancels, and
 * for a tree row that is not a key (a key binding such as F2 on the drift row: nothing to act on).
 */
export async function resolveKey(deps: PickKeyDeps, arg: unknown, question: KeyQuestion): Promise<KeyRecord | undefined> {
  if (typeof arg === 'string') return deps.store.get(arg);
  if (arg && typeof arg === 'object' && 'record' in arg) return deps.store.get((arg as { record: KeyRecord }).record.id);
  if (arg && typeof arg === 'object' && 'kind' in arg) return undefined;
  const all = deps.store.list();
  const keys = question.filter ? all.filter(question.filter.fits) : all;
  if (keys.length === 0) {
    if (all.length > 0 && question.filter) {
      void deps.prompter().message('info', question.filter.noneFits);
      return undefined;
    }
    // No key at all: the way on is adding one, one click away (the command does not wait for the message).
    const add = l10n.t('Add Key…');
    void deps
      .prompter()
      .message('info', l10n.t('There is no key yet. Add one, then try again.'), add)
      .then((choice) => (choice === add ? deps.runCommand(Commands.addKey) : undefined));
    return undefined;
  }
  const items = await Promise.all(
    keys.map(async (k) => {
      const mask = await deps.masks.get(k);
      const note = question.note?.(k);
      const description = `${getProvider(k.provider)?.label ?? k.provider} · ${mask === 'unavailable' ? '…' : mask}${note ? ` · ${note}` : ''}`;
      return { label: k.name, description, value: k };
    }),
  );
  const answer = await deps.prompter().pick({ title: question.title, placeholder: question.placeholder, items });
  return answer === BACK ? undefined : answer;
}
