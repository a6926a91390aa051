// The "use the keys" flows as the activation bundle sees them: loaded (dist/use-keys.js) on first use, the
// tree's extra marks for a key row, and the terminal variables re-applied at start (the collection is not
// persisted, so a new window has to set it again).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ContextKeys } from '../constants';
import type { KeyRecord } from '../core/store/keyStore';
import * as l10n from '@vscode/l10n';
import { getProvider } from '../core/providers/catalogue';
import type { Prompter } from '../flows/prompter';
import type { FlowDeps, UseKeysKnobs } from '../flows/useKeys/flowDeps';
import type { UseKeyFlows } from '../flows/useKeys/useKeyFlows';
import { readTerminalAssignments } from '../flows/useKeys/terminalState';

export type UseKeysDeps = Omit<FlowDeps, 'knobs' | 'terminalsChanged' | 'distPath' | 'workbench'> & {
  /** The prompter the tests put in place; undefined: the real window's (made in dist/use-keys.js). */
  prompter(): Prompter | undefined;
  readonly context: Pick<vscode.ExtensionContext, 'environmentVariableCollection' | 'globalState' | 'extensionPath'>;
};

/** Extra marks for a key row: short words after the mask, and tooltip lines (icon, text). */
export interface KeyRowExtras {
  readonly badges: string[];
  readonly lines: Array<{ icon: string; text: string }>;
  readonly inTerminals: boolean;
}

export class UseKeys implements vscode.Disposable {
  readonly knobs: UseKeysKnobs = {};
  private loaded: Promise<UseKeyFlows> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when which keys new terminals get changed (the tree redraws its marks). */
  readonly onDidChange = this.changed.event;

  /** Until the key store is open every key looks deleted, and applying would drop every opt-in. */
  private storeOpen = false;
  private readonly focus: vscode.Disposable;
  /** Which key each provider's terminal variable comes from, as the tree's marks last showed it. */
  private shownAssignments: string;

  constructor(private readonly deps: UseKeysDeps) {
    deps.context.environmentVariableCollection.persistent = false;
    this.shownAssignments = JSON.stringify(readTerminalAssignments(deps.context.globalState));
    this.updateContext();
    // Another window may have changed which keys terminals get (globalState is shared): catch up on focus.
    this.focus = vscode.window.onDidChangeWindowState((state) => {
      if (!state.focused) return;
      this.updateContext();
      this.onKeysChanged();
    });
  }

  /** This window's terminal variables (what new integrated terminals get). */
  get collection(): vscode.GlobalEnvironmentVariableCollection {
    return this.deps.context.environmentVariableCollection;
  }

  /** The key store is open (after activation): set the terminal variables again. */
  storeOpened(): void {
    this.storeOpen = true;
    this.onKeysChanged();
  }

  /** After any key change: rotated keys update their variable, deleted keys lose it. */
  onKeysChanged(): void {
    if (this.storeOpen && (this.hasTerminalKeys() || this.loaded)) void this.refreshTerminals();
  }

  /** Sets the terminal variables from the current keys again (at start, after changes, for tests). */
  async refreshTerminals(): Promise<void> {
    try {
      await (await this.flows()).terminals.apply();
    } catch (error) {
      this.deps.log.warn(`Could not set the terminal variables: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  rowExtras(record: KeyRecord): KeyRowExtras {
    const badges: string[] = [];
    const lines: KeyRowExtras['lines'] = [];
    const provider = getProvider(record.provider);
    const label = provider?.label ?? record.provider;
    const inTerminals = !!provider && readTerminalAssignments(this.deps.context.globalState)[record.provider] === record.id;
    if (provider && inTerminals) {
      badges.push(l10n.t('in terminals'));
      lines.push({ icon: 'terminal', text: l10n.t('New integrated terminals get {0} from this key.', provider.envVar) });
    }
    const verified = record.verified;
    if (verified) {
      const when = new Date(verified.at).toLocaleString();
      if (Date.parse(verified.at) < Date.parse(record.updatedAt)) {
        lines.push({ icon: 'history', text: l10n.t('Last verified {0}, before the key was last updated.', when) });
      } else if (verified.result === 'ok') {
        lines.push({ icon: 'verified', text: l10n.t('Verified: {0} accepted it {1}.', label, when) });
      } else {
        badges.push(l10n.t('rejected by {0}', label));
        lines.push({
          icon: 'error',
          text: l10n.t('Verified: {0} rejected it ({1}) {2}. Update it with a working key.', label, verified.status ?? '401/403', when),
        });
      }
    }
    return { badges, lines, inTerminals };
  }

  dispose(): void {
    this.focus.dispose();
    this.changed.dispose();
    void this.loaded?.then(
      (flows) => void flows.dispose(),
      () => undefined,
    );
  }

  private hasTerminalKeys(): boolean {
    return Object.keys(readTerminalAssignments(this.deps.context.globalState)).length > 0;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.inTerminals, this.hasTerminalKeys());
  }

  /** The flows, from dist/use-keys.js, loaded once; a failed load is tried again next time. */
  flows(): Promise<UseKeyFlows> {
    this.loaded ??= (async () => {
      const distPath = path.join(this.deps.context.extensionPath, 'dist');
      const module = createRequire(__filename)(path.join(distPath, 'use-keys.js')) as typeof import('../commands/useKeyCommands');
      return module.createFlows({
        ...this.deps,
        distPath,
        knobs: this.knobs,
        terminalsChanged: () => {
          this.updateContext();
          // Applied after every key change: only a change of which keys terminals get changes the tree's marks
          // (a redraw of every row otherwise, at every rotation, rename or add).
          const assignments = JSON.stringify(readTerminalAssignments(this.deps.context.globalState));
          if (assignments === this.shownAssignments) return;
          this.shownAssignments = assignments;
          this.changed.fire();
        },
      });
    })().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }
}
