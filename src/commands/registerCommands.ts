// Registers every command with one wrapper: it logs failures, shows one clear message, and stays
// silent when the user cancelled.
import * as vscode from 'vscode';
import { Commands, type CommandId, Views } from '../constants';
import { isPiecesError } from '../core/errors';
import { t } from '../core/l10n';
import type { DriftActions, DriftArgument } from '../flows/driftActions';
import type { KeyActions, KeyArgument } from '../flows/keyActions';
import type { Prompter } from '../flows/prompter';
import type { Log } from '../vscode/log';
import type { StatusBar } from '../vscode/statusBar';
import type { UseKeys } from '../vscode/useKeys/useKeys';
import { selectServiceUrl } from './serviceUrl';

export interface CommandDeps {
  actions: KeyActions;
  drift: DriftActions;
  log: Log;
  prompter: () => Prompter;
  refresh: () => Promise<void>;
  /** Resolves when the key store is open; commands wait for it. */
  ready: Promise<unknown>;
  foundUrl: () => string | undefined;
  statusBar: StatusBar;
  useKeys: UseKeys;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { actions, log } = deps;
  const handlers: Record<CommandId, (...args: unknown[]) => unknown> = {
    [Commands.addKey]: () => actions.addKey(),
    [Commands.updateKey]: (arg) => actions.updateKey(arg as KeyArgument),
    [Commands.renameKey]: (arg) => actions.renameKey(arg as KeyArgument),
    [Commands.deleteKey]: (arg) => actions.deleteKey(arg as KeyArgument),
    [Commands.useForPieces]: (arg) => actions.useForPieces(arg as KeyArgument),
    [Commands.syncNow]: () => actions.syncNow(),
    [Commands.refresh]: () => deps.refresh(),
    [Commands.showLog]: () => log.show(),
    [Commands.selectServiceUrl]: () => selectServiceUrl(deps.prompter(), deps.foundUrl()),
    [Commands.statusActions]: () => statusActions(deps),
    [Commands.pushToPieces]: (arg) => deps.drift.pushToPieces(arg as DriftArgument),
    [Commands.adoptFromPieces]: (arg) => deps.drift.adoptFromPieces(arg as DriftArgument),
    [Commands.ignoreDrift]: (arg) => deps.drift.ignoreDrift(arg as DriftArgument),
    [Commands.restorePreviousKey]: (arg) => actions.restorePrevious(arg as KeyArgument),
    ...deps.useKeys.handlers(),
  };
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await deps.ready;
        return await handler(...args);
      } catch (error) {
        if (isPiecesError(error) && error.kind === 'cancelled') return undefined;
        const message = error instanceof Error ? error.message : String(error);
        log.error(`${id} failed: ${message}`);
        void vscode.window.showErrorMessage(message, t('Show Log')).then((choice) => choice && log.show());
        return undefined;
      }
    }),
  );
}

/** The status bar's click: the next steps that fit what it shows. */
async function statusActions(deps: CommandDeps): Promise<void> {
  const rejected = deps.statusBar.rejectedKeys();
  const view = deps.statusBar.view();
  const waiting = deps.actions.hasWaitingChanges();
  type Action = () => unknown;
  const items: Array<{ label: string; detail?: string; value: Action }> = [];
  for (const key of rejected) {
    if (key.previousRev) items.push({ label: `$(history) ${t('Restore the previous key of "{0}"', key.name)}`, detail: t('Pieces OS rejected the new key (401); it accepted the previous one'), value: () => deps.actions.restorePrevious(key.id) });
    items.push({ label: `$(key) ${t('Update "{0}"…', key.name)}`, detail: t('Pieces OS rejected this key (401)'), value: () => deps.actions.updateKey(key.id) });
  }
  const syncNow = { label: `$(sync) ${t('Sync Now')}`, value: () => deps.actions.syncNow() };
  const refresh = { label: `$(refresh) ${t('Refresh')}`, detail: t('Look for Pieces OS again and compare what it holds'), value: () => deps.refresh() };
  items.push(...(waiting ? [syncNow, refresh] : [refresh, syncNow]));
  if (view.severity !== 'ok') items.push({ label: `$(plug) ${t('Select Service URL…')}`, value: () => vscode.commands.executeCommand(Commands.selectServiceUrl) });
  items.push({ label: `$(add) ${t('Add Key…')}`, value: () => deps.actions.addKey() });
  items.push({ label: `$(list-tree) ${t('Show Keys')}`, value: () => vscode.commands.executeCommand(`${Views.keys}.focus`) });
  items.push({ label: `$(output) ${t('Show Log')}`, value: () => deps.log.show() });
  const action = await deps.prompter().pick({ title: view.title, placeholder: view.lines.join(' · ') || t('Choose what to do'), items });
  if (typeof action === 'function') await action();
}
