// The user's flows: add, rotate, rename, delete, use for Pieces OS, sync now, restore the previous key.
// Every question goes through the Prompter (no `vscode` import: unit-tested under plain mocha); every
// change is stored first and then sent, or left waiting.
import { Commands } from '../constants';
import * as l10n from '@vscode/l10n';
import type { MaskCache } from '../core/keys/maskCache';
import { type ProviderId, type ProviderInfo, getProvider } from '../core/providers/catalogue';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';
import { isAddUnfinished } from '../core/store/unfinished';
import type { SyncEngine } from '../core/sync/engine';
import { type SyncOutcome, firstFailure } from '../core/sync/outcome';
import { uniqueName } from '../core/import/importKeys';
import { validateKeyName } from '../core/keys/validation';
import { deleteEffect, stateWord } from '../core/sync/vocabulary';
import { runSteps } from './multiStep';
import { type KeyAnswers, doneStep, nameStep, providerStep, secretStep, secretSteps, toCheck } from './keySteps';
import { BACK, type InputButton, type Prompter } from './prompter';
import { type KeyArgument, type KeyQuestion, resolveKey } from './pickKey';
import { FailureReporter } from './reportFailure';

export type { KeyArgument } from './pickKey';

export interface KeyActionsDeps {
  store: KeyStore;
  sync: SyncEngine;
  masks: MaskCache;
  prompter: () => Prompter;
  autoSync: () => boolean;
  runCommand: (command: string, ...args: unknown[]) => PromiseLike<unknown>;
  log: { info(message: string): void; warn(message: string): void };
}

interface Outcome {
  done: string;
  confirmed: string;
  waiting: string;
}

export class KeyActions {
  readonly report: FailureReporter;

  constructor(private readonly deps: KeyActionsDeps) {
    this.report = new FailureReporter({
      store: deps.store,
      prompter: deps.prompter,
      runCommand: deps.runCommand,
      log: deps.log,
      syncNow: () => this.syncNow(),
      restorePrevious: (id) => this.restorePrevious(id),
      updateKey: (id) => this.updateKey(id),
    });
  }

  private get prompter(): Prompter {
    return this.deps.prompter();
  }

  async addKey(presetProvider?: ProviderId): Promise<KeyRecord | undefined> {
    const state: KeyAnswers = {};
    const preset = presetProvider ? getProvider(presetProvider) : undefined;
    if (preset) state.provider = preset;
    const title = (): string => (state.provider ? l10n.t('Add {0} Key', state.provider.label) : l10n.t('Add Key'));
    const taken = (s: KeyAnswers): string[] => (s.provider ? this.deps.store.keysOf(s.provider.id).map((k) => k.name) : []);
    // Where the key goes, truthfully: an OpenAI key is also sent to Pieces OS once Pieces OS uses it.
    const prompt = (provider: ProviderInfo): string =>
      provider.syncsToPieces
        ? l10n.t(
            "Paste the {0} API key. It is kept in VS Code's secret storage and, once Pieces OS uses it, in Pieces OS on this computer.",
            provider.label,
          )
        : l10n.t("Paste the {0} API key. It is kept in VS Code's secret storage only: Pieces OS does not take {0} keys.", provider.label);
    // A key of another provider pasted here is added under that provider, if the user says so; the name
    // stays unless that provider has a key of that name already (then it gets " (2)").
    const moveTo = (s: KeyAnswers, other: ProviderInfo): void => {
      s.provider = other;
      if (s.name !== undefined) s.name = uniqueName(s.name, taken(s));
      if (!other.hasOrganization) delete s.organization;
    };
    const afterName = secretStep(() => this.prompter, title, prompt, doneStep<KeyAnswers>(), getKeyButton(this.deps.runCommand), moveTo);
    const name = nameStep(() => this.prompter, title, taken, afterName);
    const first = preset ? name : providerStep(() => this.prompter, title, name);
    const total = (s: KeyAnswers): number => (preset ? 0 : 1) + 1 + secretSteps(s.provider);
    if (!(await runSteps(first, state, total))) return undefined; // Escape: nothing stored, nothing sent
    const provider = state.provider;
    if (!provider || state.name === undefined || state.secret === undefined) return undefined;

    // Which key Pieces OS should use is asked before anything is stored: one question, two plain answers.
    // The question says the new key is saved whatever the answer, so closing it (Cancel, Escape) keeps
    // the key too, without switching: a key pasted through four steps is never dropped without a word.
    const current = provider.syncsToPieces ? this.deps.store.activeKey(provider.id) : undefined;
    let choose = provider.syncsToPieces && !current;
    let closed = false;
    if (current) {
      const useNew = l10n.t('Use "{0}" in Pieces OS', state.name);
      const keep = l10n.t('Keep "{0}" in Pieces OS', current.name);
      const answer = await this.prompter.ask(
        l10n.t('Which {0} key should Pieces OS use?', provider.label),
        l10n.t(
          'Pieces OS holds one {0} key and uses "{1}" now. "{2}" is saved in VS Code whatever you answer; Cancel keeps "{1}" in Pieces OS.',
          provider.label,
          current.name,
          state.name,
        ),
        [useNew, keep],
      );
      choose = answer === useNew;
      closed = answer === undefined;
    }
    let record: KeyRecord;
    try {
      record = await this.deps.store.add(
        {
          provider: provider.id,
          name: state.name,
          secret: state.secret,
          ...(state.organization ? { organization: state.organization } : {}),
        },
        { choose },
      );
    } catch (error) {
      if (!isAddUnfinished(error)) throw error;
      // Not a failed add: the key is saved, and recovery finishes it (then it is listed and sent).
      this.deps.masks.note(error.record, state.secret);
      this.deps.log.warn(
        `Added ${provider.label} key "${error.record.name}", but its last write failed (${String(error.reason)}); it is being finished`,
      );
      void this.prompter.message(
        'warning',
        l10n.t(
          'Saved "{0}" ({1}); it is being finished and appears in the list shortly.',
          error.record.name,
          this.deps.masks.peek(error.record),
        ),
      );
      return undefined;
    }
    this.deps.masks.note(record, state.secret);
    this.deps.log.info(`Added ${provider.label} key "${record.name}"`);
    const saved = l10n.t('Saved "{0}" ({1}).', record.name, this.deps.masks.peek(record));
    if (!provider.syncsToPieces) {
      void this.prompter.message('info', l10n.t('{0} Local only: Pieces OS does not accept {1} keys.', saved, provider.label));
    } else if (!choose && current) {
      const kept = closed
        ? l10n.t(
            '{0} Pieces OS keeps using "{1}" (the question was closed without an answer); "Use for Pieces OS" switches to "{2}" any time.',
            saved,
            current.name,
            record.name,
          )
        : l10n.t('{0} Pieces OS keeps using "{1}".', saved, current.name);
      void this.prompter.message('info', kept);
    } else if (current) {
      // A switch says so: "Pieces OS switched", not only that the new key is saved.
      await this.sendChange(provider.id, this.switchOutcome(saved, record.name), record.id);
    } else {
      await this.sendChange(provider.id, { ...this.outcome(saved), confirmed: l10n.t('{0} Synced: Pieces OS uses it.', saved) }, record.id);
    }
    return record;
  }

  async updateKey(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, l10n.t('Update (Rotate) Key'), l10n.t('Which key do you want to update?'));
    if (!record) return undefined;
    const provider = getProvider(record.provider);
    if (!provider) return undefined;
    const state: KeyAnswers = { provider, name: record.name, organization: record.organization ?? '' };
    const title = (): string => l10n.t('Update "{0}"', record.name);
    const usedByPieces = provider.syncsToPieces && this.deps.store.choice(record.provider)?.activeId === record.id;
    const prompt = (p: ProviderInfo): string =>
      usedByPieces
        ? l10n.t(
            'Paste the new {0} API key for "{1}". It replaces the old one in VS Code\'s secret storage and in Pieces OS on this computer.',
            p.label,
            record.name,
          )
        : l10n.t('Paste the new {0} API key for "{1}". It replaces the old one in VS Code\'s secret storage.', p.label, record.name);
    if (
      !(await runSteps(
        secretStep(() => this.prompter, title, prompt, doneStep<KeyAnswers>(), getKeyButton(this.deps.runCommand)),
        state,
        () => secretSteps(provider),
      ))
    ) {
      return undefined;
    }
    if (state.secret === undefined) return undefined;
    const next = await this.deps.store.rotate(
      record.id,
      state.secret,
      provider.hasOrganization ? { organization: state.organization ?? '' } : {},
    );
    this.deps.masks.note(next, state.secret);
    this.deps.log.info(`Updated ${provider.label} key "${next.name}"`);
    await this.afterChange(next, l10n.t('Updated "{0}" ({1}).', next.name, this.deps.masks.peek(next)));
    return next;
  }

  async renameKey(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, l10n.t('Rename Key'), l10n.t('Which key do you want to rename?'));
    if (!record) return undefined;
    const taken = this.deps.store
      .keysOf(record.provider)
      .filter((k) => k.id !== record.id)
      .map((k) => k.name);
    const answer = await this.prompter.input({
      title: l10n.t('Rename "{0}"', record.name),
      prompt: l10n.t('The new name of the key. Names are stored in plain text, so never paste a key here.'),
      placeholder: l10n.t('Personal, Work, Team …'),
      value: record.name,
      validate: (value) => toCheck(validateKeyName(value, taken)),
    });
    if (answer === undefined || answer === BACK || answer.trim() === record.name) return undefined;
    const next = await this.deps.store.update(record.id, { name: answer.trim() });
    this.deps.log.info(`Renamed ${getProvider(record.provider)?.label ?? record.provider} key "${record.name}" to "${next.name}"`);
    await this.afterChange(next, l10n.t('Renamed to "{0}".', next.name));
    return next;
  }

  async deleteKey(arg: KeyArgument): Promise<boolean> {
    const record = await this.resolveKey(arg, l10n.t('Delete Key'), l10n.t('Which key do you want to delete?'));
    if (!record) return false;
    const provider = getProvider(record.provider);
    const label = provider?.label ?? record.provider;
    const isActive = !!provider?.syncsToPieces && this.deps.store.choice(record.provider)?.activeId === record.id;
    const mask = await this.maskOf(record);
    const others = this.deps.store.keysOf(record.provider).filter((k) => k.id !== record.id);
    // What Pieces OS holds is worded from what it confirmed, not from the choice (a rejected key is not "used").
    const effect = deleteEffect(this.deps.sync.stateOf(record), this.deps.sync.holdOf(record), label);
    let successor: KeyRecord | undefined;
    let after = effect;
    if (isActive && others.length > 0) {
      // Which key takes over is a choice, not the confirmation: the delete is confirmed below, as every delete is.
      const held = this.deps.sync.stateOf(record).kind === 'synced';
      const answer = await this.prompter.pick<KeyRecord | 'none'>({
        title: l10n.t('Delete "{0}" ({1})', record.name, mask),
        placeholder: held
          ? l10n.t('Pieces OS uses "{0}". Which key should it use after the delete?', record.name)
          : l10n.t(
              'You chose "{0}" for Pieces OS ({1}). Which key should it use after the delete?',
              record.name,
              stateWord(this.deps.sync.stateOf(record)),
            ),
        items: [
          ...others.map((k) => ({ label: l10n.t('Use "{0}"', k.name), description: this.deps.masks.peek(k), value: k })),
          { label: l10n.t('Use none'), description: l10n.t('Pieces OS holds no {0} key', label), value: 'none' as const },
        ],
      });
      if (answer === undefined || answer === BACK) return false;
      if (answer !== 'none') {
        successor = answer;
        after = l10n.t('After the delete Pieces OS uses "{0}".', answer.name);
      }
    }
    // One confirmation for every delete: a modal that says what happens and that it cannot be undone.
    const confirmed = await this.prompter.confirm(
      l10n.t('Delete "{0}" ({1})?', record.name, mask),
      isActive
        ? l10n.t("{0} The key is removed from VS Code's secret storage. This cannot be undone.", after)
        : l10n.t("The key is removed from VS Code's secret storage. This cannot be undone."),
      l10n.t('Delete'),
    );
    if (!confirmed) return false;
    const result = await this.deps.store.remove(record.id, successor ? { successor: successor.id } : {});
    this.deps.masks.forget(record.id);
    this.deps.log.info(`Deleted ${label} key "${record.name}"`);
    const deleted = result.secretDeleted
      ? l10n.t('Deleted "{0}".', record.name)
      : l10n.t('Deleted "{0}". VS Code\'s secret storage did not answer, so the key bytes are removed the next time it does.', record.name);
    if (!isActive) {
      void this.prompter.message('info', deleted);
      return true;
    }
    const outcome = successor
      ? this.switchOutcome(deleted, successor.name)
      : {
          done: deleted,
          confirmed: l10n.t('{0} Pieces OS holds no {1} key now.', deleted, label),
          waiting: l10n.t('{0} Pieces OS will hold no {1} key once it answers.', deleted, label),
        };
    await this.sendChange(record.provider, outcome, successor?.id);
    return true;
  }

  async useForPieces(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, l10n.t('Use for Pieces OS'), l10n.t('Which key should Pieces OS use?'), {
      fits: (k) => !!getProvider(k.provider)?.syncsToPieces && this.deps.store.choice(k.provider)?.activeId !== k.id,
      noneFits: l10n.t('There is no other key Pieces OS could use: it takes OpenAI keys, and uses the one it has.'),
    });
    if (!record) return undefined;
    if (!getProvider(record.provider)?.syncsToPieces) {
      void this.prompter.message(
        'warning',
        l10n.t('Pieces OS does not accept {0} keys.', getProvider(record.provider)?.label ?? record.provider),
      );
      return undefined;
    }
    await this.deps.sync.choose(record.provider, record.id);
    const chosen = this.switchOutcome(l10n.t('You chose "{0}" for Pieces OS.', record.name), record.name);
    await this.sendChange(record.provider, { ...chosen, confirmed: l10n.t('Pieces OS switched to "{0}".', record.name) }, record.id);
    return record;
  }

  /** Undoes a rotation Pieces OS rejected: the key it accepted before becomes the current one again. */
  async restorePrevious(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, l10n.t('Restore Previous Key'), l10n.t('Which key should get its previous value back?'), {
      fits: (k) => !!k.previousRev,
      noneFits: l10n.t('No key has a previous value to restore: it is kept only until Pieces OS accepts the new one.'),
    });
    if (!record) return undefined;
    const next = await this.deps.store.restorePrevious(record.id);
    this.deps.masks.forget(record.id);
    this.deps.log.info(`Restored the previous ${getProvider(record.provider)?.label ?? record.provider} key of "${record.name}"`);
    await this.afterChange(next, l10n.t('Restored the previous key of "{0}" ({1}).', next.name, await this.maskOf(next)));
    return next;
  }

  /** Sends everything waiting now, parked changes included, whatever `autoSync` says. */
  async syncNow(): Promise<SyncOutcome[]> {
    const outcomes = await this.deps.sync.syncNow();
    const failed = firstFailure(outcomes);
    if (failed) await this.report.failure(failed.error, failed.keyId);
    else if (outcomes.some((o) => o.kind === 'waiting')) {
      void this.prompter.message('info', l10n.t('Another VS Code window is sending your changes to Pieces OS.'));
    } else if (outcomes.some((o) => o.kind !== 'nothingToDo')) {
      void this.prompter.message('info', l10n.t('Synced: Pieces OS has your latest changes.'));
    } else void this.prompter.message('info', l10n.t('Nothing to sync: Pieces OS already has your latest changes.'));
    return outcomes;
  }

  private async afterChange(record: KeyRecord, done: string): Promise<void> {
    if (this.deps.store.choice(record.provider)?.activeId !== record.id || !getProvider(record.provider)?.syncsToPieces) {
      void this.prompter.message('info', done);
      return;
    }
    await this.sendChange(record.provider, this.outcome(done), record.id);
  }

  /** The three endings of a message about a change: what was done, and then confirmed (synced) or waiting. */
  private outcome(done: string): Outcome {
    return {
      done,
      confirmed: l10n.t('{0} Synced to Pieces OS.', done),
      waiting: l10n.t('{0} Waiting: it is sent to Pieces OS when it answers.', done),
    };
  }

  /** The same for a change of the key Pieces OS uses: the message says that Pieces OS switched. */
  private switchOutcome(done: string, name: string): Outcome {
    return {
      done,
      confirmed: l10n.t('{0} Pieces OS switched to "{1}".', done, name),
      waiting: l10n.t('{0} Pieces OS switches to "{1}" when it answers.', done, name),
    };
  }

  /** Sends what waits for `provider` now (if auto sync is on) and says how it went. */
  private async sendChange(provider: ProviderId, text: Outcome, keyId: string | undefined): Promise<void> {
    if (!this.deps.autoSync()) {
      void this.prompter.message('info', l10n.t('{0} Waiting: Pieces OS gets it when you run Sync Now (auto sync is off).', text.done));
      return;
    }
    const outcomes = await this.deps.sync.drain();
    const failed = firstFailure(outcomes);
    if (failed) await this.report.failure(failed.error, failed.keyId ?? keyId, text.done);
    else if (outcomes.some((o) => o.kind === 'waiting' && o.reason === 'otherWindow')) {
      void this.prompter.message('info', l10n.t('{0} Another VS Code window sends it to Pieces OS.', text.done));
    } else if (this.deps.sync.planFor(provider).kind !== 'none') void this.prompter.message('info', text.waiting);
    else void this.prompter.message('info', text.confirmed);
  }

  private async maskOf(record: KeyRecord): Promise<string> {
    const mask = await this.deps.masks.get(record);
    return mask === 'unavailable' ? '…' : mask;
  }

  /** The key a command is about (pickKey.ts); the picker marks the key Pieces OS uses. */
  private resolveKey(arg: KeyArgument, title: string, placeholder: string, filter?: KeyQuestion['filter']): Promise<KeyRecord | undefined> {
    const inUse = (k: KeyRecord): string | undefined =>
      this.deps.store.choice(k.provider)?.activeId === k.id ? l10n.t('used by Pieces OS') : undefined;
    return resolveKey(this.deps, arg, { title, placeholder, ...(filter ? { filter } : {}), note: inUse });
  }
}

/** "Get a key…" beside a key box (add and rotate) opens the provider's key page; the box stays open. */
function getKeyButton(runCommand: KeyActionsDeps['runCommand']): (provider: ProviderInfo) => InputButton[] {
  return (provider) => [
    {
      icon: 'link-external',
      tooltip: l10n.t('Get a key from {0}…', provider.label),
      run: () => void runCommand(Commands.getKey, provider.id),
    },
  ];
}
