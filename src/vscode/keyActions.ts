// The user's flows: add, rotate, rename, delete, use for Pieces OS, sync now. Every question goes
// through the Prompter; every change is stored first and then sent (or left pending).
import { Commands } from '../constants';
import type { PiecesError } from '../core/errors';
import type { KeyRecord, KeyStore } from '../core/keyStore';
import { t } from '../core/l10n';
import { maskKey } from '../core/mask';
import { type SyncEngine, type SyncOutcome, firstFailure } from '../core/syncEngine';
import { PROVIDERS, type ProviderId, type ProviderInfo, getProvider } from '../core/providers';
import { validateApiKey, validateKeyName, validateOrganizationId, type Checked } from '../core/validation';
import { BACK, type InputCheck, type Prompter } from './prompts';

export interface KeyActionsDeps {
  store: KeyStore;
  sync: SyncEngine;
  prompter: () => Prompter;
  autoSync: () => boolean;
  runCommand: (command: string, ...args: unknown[]) => Thenable<unknown>;
  log: { info(message: string): void; warn(message: string): void };
}

/** What a command receives: a tree item's key, a key id, or nothing (then it asks). */
export type KeyArgument = { readonly record: KeyRecord } | string | undefined;


export class KeyActions {
  constructor(private readonly deps: KeyActionsDeps) {}

  private get prompter(): Prompter {
    return this.deps.prompter();
  }

  async addKey(presetProvider?: ProviderId): Promise<KeyRecord | undefined> {
    const answers: { provider?: ProviderInfo; name?: string; secret?: string; organization?: string } = {};
    let step = presetProvider ? 1 : 0;
    if (presetProvider) answers.provider = getProvider(presetProvider);
    while (true) {
      const provider = answers.provider;
      // Until the provider is chosen, count the organization step too (OpenAI, the usual choice, has it).
      const totalSteps = 3 + (!provider || provider.hasOrganization ? 1 : 0);
      const at = { step: step + 1, totalSteps };
      const title = provider ? t('Add {0} Key', provider.label) : t('Add Key');
      let answer: unknown;
      if (step === 0) {
        answer = await this.prompter.pick({
          title,
          placeholder: t('Which provider is the key for?'),
          step: at,
          items: PROVIDERS.map((p) => ({
            label: p.label,
            description: p.syncsToPieces ? t('syncs to Pieces OS') : t('kept in VS Code only'),
            value: p,
          })),
        });
        if (answer !== BACK && answer !== undefined) answers.provider = answer as ProviderInfo;
      } else if (step === 1 && provider) {
        const taken = this.deps.store.keysOf(provider.id).map((k) => k.name);
        answer = await this.prompter.input({
          title,
          step: at,
          prompt: t('A name that tells this key apart, such as "Personal" or "Work".'),
          value: answers.name ?? (taken.length === 0 ? 'Default' : ''),
          validate: (value) => toCheck(validateKeyName(value, taken)),
        });
        if (typeof answer === 'string') answers.name = answer.trim();
      } else if (step === 2 && provider) {
        answer = await this.prompter.input({
          title,
          step: at,
          prompt: t('Paste the {0} API key. It is kept in VS Code\'s secret storage.', provider.label),
          placeholder: provider.keyPrefixes.length ? `${provider.keyPrefixes[provider.keyPrefixes.length - 1]}…` : '',
          password: true,
          validate: (value) => toCheck(validateApiKey(value, provider)),
          buttons: [{ icon: 'link-external', tooltip: t('Get a key from {0}…', provider.label), run: () => void this.deps.runCommand(Commands.getKey, provider.id) }],
        });
        if (typeof answer === 'string') answers.secret = answer.trim();
      } else if (step === 3 && provider) {
        answer = await this.prompter.input({
          title,
          step: at,
          prompt: t('Optional: the OpenAI organization id (org-…). Leave empty for your default organization.'),
          value: answers.organization ?? '',
          validate: (value) => toCheck(validateOrganizationId(value)),
        });
        if (typeof answer === 'string') answers.organization = answer.trim();
      }
      if (answer === undefined) return undefined; // Escape: nothing stored, nothing sent
      if (answer === BACK) {
        step = Math.max(presetProvider ? 1 : 0, step - 1);
        continue;
      }
      step++;
      if (step >= totalSteps && answers.provider) break;
    }
    const provider = answers.provider;
    if (!provider || answers.name === undefined || answers.secret === undefined) return undefined;
    const record = await this.deps.store.add({
      provider: provider.id,
      name: answers.name,
      secret: answers.secret,
      ...(answers.organization ? { organization: answers.organization } : {}),
    });
    this.deps.log.info(`Added ${provider.label} key "${record.name}"`);
    if (!provider.syncsToPieces) {
      void this.prompter.message('info', t('Saved "{0}" ({1}) in VS Code only.', record.name, maskKey(answers.secret)));
      return record;
    }
    const target = this.deps.store.target(provider.id);
    const current = target.activeId ? this.deps.store.get(target.activeId) : undefined;
    const useNew = t('Use "{0}"', record.name);
    const useIt =
      !current ||
      (await this.prompter.ask(
        t('Should Pieces OS use "{0}" from now on?', record.name),
        t('Pieces OS holds one {0} key, and uses "{1}" now. "{2}" is saved in VS Code either way.', provider.label, current.name, record.name),
        [useNew, t('Keep "{0}"', current.name)],
      )) === useNew;
    if (useIt) {
      await this.deps.sync.choose(provider.id, record.id, 'create');
      await this.syncAfterChange(provider.id, t('Saved "{0}" ({1}).', record.name, maskKey(answers.secret)));
    }
    return record;
  }

  async updateKey(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, t('Update (Rotate) Key'), t('Which key do you want to update?'));
    if (!record) return undefined;
    const provider = getProvider(record.provider);
    if (!provider) return undefined;
    const title = t('Update "{0}"', record.name);
    const totalSteps = provider.hasOrganization ? 2 : 1;
    let secret: string | undefined;
    let organization: string | undefined;
    for (let step = 0; step < totalSteps; ) {
      const answer =
        step === 0
          ? await this.prompter.input({
              title,
              step: { step: 1, totalSteps },
              prompt: t('Paste the new {0} API key for "{1}".', provider.label, record.name),
              password: true,
              validate: (value) => toCheck(validateApiKey(value, provider)),
            })
          : await this.prompter.input({
              title,
              step: { step: 2, totalSteps },
              prompt: t('Optional: the OpenAI organization id (org-…). Leave empty for your default organization.'),
              value: organization ?? record.organization ?? '',
              validate: (value) => toCheck(validateOrganizationId(value)),
            });
      if (answer === undefined) return undefined;
      if (answer === BACK) {
        step = Math.max(0, step - 1);
        continue;
      }
      if (step === 0) secret = answer.trim();
      else organization = answer.trim();
      step++;
    }
    if (secret === undefined) return undefined;
    const next = await this.deps.store.update(record.id, {
      secret,
      ...(organization !== undefined ? { organization } : {}),
    });
    this.deps.log.info(`Updated ${provider.label} key "${next.name}"`);
    await this.afterChange(next, t('Updated "{0}" ({1}).', next.name, maskKey(secret)));
    return next;
  }

  async renameKey(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, t('Rename Key'), t('Which key do you want to rename?'));
    if (!record) return undefined;
    const taken = this.deps.store.keysOf(record.provider).filter((k) => k.id !== record.id).map((k) => k.name);
    const answer = await this.prompter.input({
      title: t('Rename "{0}"', record.name),
      prompt: t('The new name of the key.'),
      value: record.name,
      validate: (value) => toCheck(validateKeyName(value, taken)),
    });
    if (answer === undefined || answer === BACK || answer.trim() === record.name) return undefined;
    const next = await this.deps.store.update(record.id, { name: answer.trim() });
    this.deps.log.info(`Renamed a ${record.provider} key to "${next.name}"`);
    await this.afterChange(next, t('Renamed to "{0}".', next.name));
    return next;
  }

  async deleteKey(arg: KeyArgument): Promise<boolean> {
    const record = await this.resolveKey(arg, t('Delete Key'), t('Which key do you want to delete?'));
    if (!record) return false;
    const provider = getProvider(record.provider);
    const target = this.deps.store.target(record.provider);
    const isActive = target.activeId === record.id;
    const secret = await this.deps.store.secret(record.id);
    const confirmed = await this.prompter.confirm(
      t('Delete "{0}" ({1})?', record.name, secret ? maskKey(secret) : '…'),
      isActive
        ? t('The key is removed from VS Code\'s secret storage, and Pieces OS stops using it.')
        : t('The key is removed from VS Code\'s secret storage. This cannot be undone.'),
      t('Delete'),
    );
    if (!confirmed) return false;
    let successor: KeyRecord | undefined;
    if (isActive) {
      const others = this.deps.store.keysOf(record.provider).filter((k) => k.id !== record.id);
      if (others.length > 0) {
        const choice = await this.prompter.pick<KeyRecord | 'remove'>({
          title: t('Pieces OS used "{0}"', record.name),
          placeholder: t('Which key should Pieces OS use now?'),
          items: [
            ...others.map((k) => ({ label: k.name, description: t('Use this key for Pieces OS'), value: k })),
            { label: t('None'), description: t('Remove the key from Pieces OS'), value: 'remove' as const },
          ],
        });
        if (choice === undefined || choice === BACK) return false;
        if (choice !== 'remove') successor = choice;
      }
    }
    await this.deps.store.remove(record.id);
    this.deps.log.info(`Deleted ${provider?.label ?? record.provider} key "${record.name}"`);
    if (!isActive) {
      void this.prompter.message('info', t('Deleted "{0}".', record.name));
      return true;
    }
    if (successor) await this.deps.sync.choose(record.provider, successor.id, 'use');
    else await this.deps.sync.release(record.provider);
    await this.syncAfterChange(record.provider, t('Deleted "{0}".', record.name));
    return true;
  }

  async useForPieces(arg: KeyArgument): Promise<KeyRecord | undefined> {
    const record = await this.resolveKey(arg, t('Use for Pieces OS'), t('Which key should Pieces OS use?'), (k) => {
      const provider = getProvider(k.provider);
      return !!provider?.syncsToPieces && this.deps.store.target(k.provider).activeId !== k.id;
    });
    if (!record) return undefined;
    if (!getProvider(record.provider)?.syncsToPieces) {
      void this.prompter.message('warning', t('Pieces OS does not accept {0} keys.', getProvider(record.provider)?.label ?? record.provider));
      return undefined;
    }
    await this.deps.sync.choose(record.provider, record.id, 'use');
    await this.syncAfterChange(record.provider, t('Pieces OS now uses "{0}".', record.name));
    return record;
  }

  /** Whether a change waits to be sent (or waits for the user). */
  hasWaitingChanges(): boolean {
    const { pending, parked } = this.deps.sync.state;
    return pending + parked > 0;
  }

  /** Sends everything pending now, parked changes included, whatever `autoSync` says. */
  async syncNow(): Promise<SyncOutcome[]> {
    const outcomes = await this.deps.sync.syncNow();
    const failed = firstFailure(outcomes);
    if (failed) await this.reportFailure(failed.error, failed.keyId);
    else if (outcomes.some((o) => o.kind === 'waiting')) void this.prompter.message('info', t('Another VS Code window is sending your changes to Pieces OS.'));
    else if (outcomes.some((o) => o.kind !== 'nothingToDo')) void this.prompter.message('info', t('Pieces OS is up to date.'));
    else void this.prompter.message('info', t('Nothing to sync: Pieces OS already has your latest changes.'));
    return outcomes;
  }

  private async afterChange(record: KeyRecord, done: string): Promise<void> {
    const target = this.deps.store.target(record.provider);
    if (target.activeId !== record.id) {
      void this.prompter.message('info', done);
      return;
    }
    await this.deps.sync.keyChanged(record.provider, record.id);
    await this.syncAfterChange(record.provider, done);
  }

  private async syncAfterChange(provider: ProviderId, done: string): Promise<void> {
    if (!this.deps.autoSync()) {
      void this.prompter.message('info', t('{0} Pieces OS gets the change when you run Sync Now (auto sync is off).', done));
      return;
    }
    const outcomes = await this.deps.sync.drain();
    const failed = firstFailure(outcomes);
    if (failed) await this.reportFailure(failed.error, failed.keyId, done);
    else if (outcomes.some((o) => o.kind === 'waiting')) void this.prompter.message('info', t('{0} Another VS Code window sends it to Pieces OS.', done));
    else void this.prompter.message('info', this.deps.store.target(provider).intent ? done : t('{0} Pieces OS is up to date.', done));
  }

  /** One message per failure kind, with the buttons for the next step. `done` names what was saved. */
  async reportFailure(error: PiecesError, keyId: string | undefined, done?: string): Promise<void> {
    const name = keyId ? this.deps.store.get(keyId)?.name : undefined;
    const saved = done && name ? t('"{0}" is saved in VS Code. ', name) : '';
    const retry = t('Retry');
    const selectUrl = t('Select Service URL');
    const showLog = t('Show Log');
    const updateKey = t('Update Key');
    this.deps.log.warn(`Sync failed: ${error.message}`);
    let choice: string | undefined;
    switch (error.kind) {
      case 'unreachable':
        choice = await this.prompter.message('warning', t('{0}{1} The change will be sent when Pieces OS answers.', saved, error.message), retry, selectUrl, showLog);
        break;
      case 'notSignedIn':
        choice = await this.prompter.message('warning', t('{0}Sign in to Pieces so that Pieces OS can store the key; the change waits until then.', saved), retry);
        break;
      case 'unauthorized':
        choice = await this.prompter.message('error', t('{0}Pieces OS rejected this key or organization (401). Check the key and the organization id, then update it.', saved), updateKey, showLog);
        break;
      default:
        choice = await this.prompter.message('error', t('{0}Pieces OS could not store the change: {1}', saved, error.message), retry, showLog);
    }
    if (choice === retry) await this.syncNow();
    else if (choice === selectUrl) await this.deps.runCommand(Commands.selectServiceUrl);
    else if (choice === showLog) await this.deps.runCommand(Commands.showLog);
    else if (choice === updateKey && keyId) await this.deps.runCommand(Commands.updateKey, keyId);
  }

  private async resolveKey(arg: KeyArgument, title: string, placeholder: string, filter: (k: KeyRecord) => boolean = () => true): Promise<KeyRecord | undefined> {
    if (typeof arg === 'string') return this.deps.store.get(arg);
    if (arg && typeof arg === 'object' && 'record' in arg) return this.deps.store.get(arg.record.id) ?? undefined;
    const keys = this.deps.store.list().filter(filter);
    if (keys.length === 0) {
      void this.prompter.message('info', t('There is no key to choose. Add one with "Provider Keys: Add Key".'));
      return undefined;
    }
    const items = await Promise.all(
      keys.map(async (k) => {
        const secret = await this.deps.store.secret(k.id);
        const inUse = this.deps.store.target(k.provider).activeId === k.id ? ` · ${t('used by Pieces OS')}` : '';
        return { label: k.name, description: `${getProvider(k.provider)?.label ?? k.provider} · ${secret ? maskKey(secret) : '…'}${inUse}`, value: k };
      }),
    );
    const answer = await this.prompter.pick({ title, placeholder, items });
    return answer === BACK ? undefined : answer;
  }
}

function toCheck(result: Checked): InputCheck {
  if (!result.ok) return { severity: 'error', message: result.error };
  return result.warning ? { severity: 'warning', message: result.warning } : undefined;
}
