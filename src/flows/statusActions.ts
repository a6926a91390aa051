// The status bar's click: the next steps that fit what it shows (restore or update a rejected key, Sync
// Now or Refresh first as fits, the service URL when something is wrong, add a key, the keys, the log).
import { Commands, Views } from '../constants';
import * as l10n from '@vscode/l10n';
import type { KeyRecord } from '../core/store/keyStore';
import type { KeyActions } from './keyActions';
import type { Prompter } from './prompter';
import type { Workbench } from './workbench';

export interface StatusActionsDeps {
  /** What the status bar shows now, and the keys Pieces OS rejected (src/vscode/statusBar.ts). */
  readonly status: {
    view(): { readonly title: string; readonly lines: readonly string[]; readonly severity: string };
    rejectedKeys(): KeyRecord[];
  };
  readonly actions: Pick<KeyActions, 'restorePrevious' | 'updateKey' | 'syncNow' | 'addKey' | 'hasWaitingChanges'>;
  readonly workbench: Prompter & Pick<Workbench, 'runCommand'>;
  refresh(): Promise<void>;
  showLog(): void;
}

export async function statusActions(deps: StatusActionsDeps): Promise<void> {
  const { actions, workbench } = deps;
  const rejected = deps.status.rejectedKeys();
  const view = deps.status.view();
  const waiting = actions.hasWaitingChanges();
  type Action = () => unknown;
  const items: Array<{ label: string; detail?: string; value: Action }> = [];
  for (const key of rejected) {
    if (key.previousRev) {
      items.push({
        label: `$(history) ${l10n.t('Restore the previous key of "{0}"', key.name)}`,
        detail: l10n.t('Pieces OS rejected the new key (401); it accepted the previous one'),
        value: () => actions.restorePrevious(key.id),
      });
    }
    items.push({
      label: `$(key) ${l10n.t('Update "{0}"…', key.name)}`,
      detail: l10n.t('Pieces OS rejected this key (401)'),
      value: () => actions.updateKey(key.id),
    });
  }
  const syncNow = { label: `$(sync) ${l10n.t('Sync Now')}`, value: () => actions.syncNow() };
  const refresh = {
    label: `$(refresh) ${l10n.t('Refresh')}`,
    detail: l10n.t('Look for Pieces OS again and compare what it holds'),
    value: () => deps.refresh(),
  };
  items.push(...(waiting ? [syncNow, refresh] : [refresh, syncNow]));
  if (view.severity !== 'ok') {
    items.push({ label: `$(plug) ${l10n.t('Select Service URL…')}`, value: () => workbench.runCommand(Commands.selectServiceUrl) });
  }
  items.push({ label: `$(add) ${l10n.t('Add Key…')}`, value: () => actions.addKey() });
  items.push({ label: `$(list-tree) ${l10n.t('Show Keys')}`, value: () => workbench.runCommand(`${Views.keys}.focus`) });
  items.push({ label: `$(output) ${l10n.t('Show Log')}`, value: () => deps.showLog() });
  const action = await workbench.pick({ title: view.title, placeholder: view.lines.join(' · ') || l10n.t('Choose what to do'), items });
  if (typeof action === 'function') await action();
}
