// Use in Terminals: gives new integrated terminals a key as its provider's environment variable
// (OPENAI_API_KEY, …), opted in per key. One key per variable: opting in a second key of the same
// provider replaces the first. The values live only in this window's environment variable collection
// with `persistent = false`, so VS Code never writes them to disk; what is kept (globalState) is which
// key id each variable comes from, and the values are read again from SecretStorage when applied.
import { Commands } from '../../constants';
import type { KeyRecord } from '../../core/store/keyStore';
import * as l10n from '@vscode/l10n';
import { PROVIDERS, getProvider } from '../../core/providers/catalogue';
import { resolveKey } from '../pickKey';
import { type FlowDeps, keyPicker } from './flowDeps';
import { readTerminalAssignments, writeTerminalAssignments } from './terminalState';

export class TerminalKeys {
  /** Applies run one after another, so a slow SecretStorage read never applies stale values last. */
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly deps: FlowDeps) {}

  async use(arg: unknown): Promise<KeyRecord | undefined> {
    const assignments = readTerminalAssignments(this.deps.workbench().memento);
    const record = await resolveKey(keyPicker(this.deps), arg, {
      title: l10n.t('Use in Terminals'),
      placeholder: l10n.t('Which key should new terminals get?'),
      filter: {
        fits: (k) => assignments[k.provider] !== k.id,
        noneFits: l10n.t('New terminals already get every key you have (one per variable).'),
      },
    });
    if (!record) return undefined;
    const provider = getProvider(record.provider);
    if (!provider) return undefined;
    const previousId = assignments[record.provider];
    if (previousId === record.id) {
      const stop = l10n.t('Stop Using in Terminals');
      const choice = await this.deps
        .workbench()
        .message('info', l10n.t('New terminals already get {0} from "{1}".', provider.envVar, record.name), stop);
      if (choice === stop) await this.stop(record.id);
      return record;
    }
    const previous = previousId ? this.deps.store.get(previousId) : undefined;
    await writeTerminalAssignments(this.deps.workbench().memento, { ...assignments, [record.provider]: record.id });
    await this.apply();
    this.deps.log.info(`New terminals get ${provider.envVar} from the ${provider.label} key "${record.name}"`);
    const replaced = previous ? ` ${l10n.t('It replaces "{0}": one key per variable.', previous.name)}` : '';
    void this.deps
      .workbench()
      .message(
        'info',
        l10n.t(
          'New terminals get {0} from "{1}"; terminals already open keep their environment until relaunched.',
          provider.envVar,
          record.name,
        ) + replaced,
      );
    return record;
  }

  async stop(arg: unknown): Promise<KeyRecord | undefined> {
    const assignments = readTerminalAssignments(this.deps.workbench().memento);
    const inUse = (k: KeyRecord): boolean => assignments[k.provider] === k.id;
    const record = await resolveKey(keyPicker(this.deps), arg, {
      title: l10n.t('Stop Using in Terminals'),
      placeholder: l10n.t('Which key should new terminals no longer get?'),
      filter: { fits: inUse, noneFits: l10n.t('New terminals get none of your keys.') },
    });
    if (!record) return undefined;
    const provider = getProvider(record.provider);
    if (!inUse(record) || !provider) {
      void this.deps.workbench().message('info', l10n.t('New terminals do not get "{0}".', record.name));
      return undefined;
    }
    const { [record.provider]: _removed, ...rest } = assignments;
    await writeTerminalAssignments(this.deps.workbench().memento, rest);
    await this.apply();
    this.deps.log.info(`New terminals no longer get ${provider.envVar}`);
    const use = l10n.t('Use in Terminals');
    const choice = await this.deps
      .workbench()
      .message('info', l10n.t('New terminals no longer get {0}; terminals already open keep it until relaunched.', provider.envVar), use);
    if (choice === use) await this.deps.workbench().runCommand(Commands.useInTerminals, record.id);
    return record;
  }

  /**
   * Makes the collection match the assignments: reads each assigned key from SecretStorage (so a
   * rotated key replaces the old value), drops assignments whose key was deleted, and removes the
   * variables of providers with none.
   */
  apply(): Promise<void> {
    const run = this.applying.then(() => this.applyNow());
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(): Promise<void> {
    const { store } = this.deps;
    const { memento, terminalVariables } = this.deps.workbench();
    const assignments = readTerminalAssignments(memento);
    const kept: typeof assignments = {};
    const named: string[] = [];
    for (const provider of PROVIDERS) {
      const id = assignments[provider.id];
      const record = id ? store.get(id) : undefined;
      const secret = record ? await store.secret(record.id).catch(() => undefined) : undefined;
      if (record) kept[provider.id] = record.id;
      if (record && secret) {
        terminalVariables.replace(provider.envVar, secret);
        named.push(`${provider.envVar} ("${record.name}")`);
      } else {
        terminalVariables.delete(provider.envVar);
      }
    }
    terminalVariables.describe(
      named.length > 0 ? l10n.t("Provider Keys sets {0} from VS Code's secret storage.", named.join(', ')) : undefined,
    );
    if (Object.keys(kept).length !== Object.keys(assignments).length) await writeTerminalAssignments(memento, kept);
    this.deps.terminalsChanged();
  }
}
