// Registers every command with one wrapper: it logs failures, shows one clear message, and stays
// silent when the user cancelled.
import * as vscode from 'vscode';
import { Commands, type CommandId, Views } from '../constants';
import { isPiecesError } from '../core/errors';
import { t } from '../core/l10n';
import type { DriftActions, DriftArgument } from '../vscode/driftActions';
import type { KeyActions, KeyArgument } from '../vscode/keyActions';
import type { Log } from '../vscode/log';
import type { Prompter } from '../vscode/prompts';
import type { StatusBar } from '../vscode/statusBar';
import type { UseKeys } from '../vscode/useKeys/useKeys';
import { selectServiceUrl } from './serviceUrl';

export interface CommandDeps {
  actions: KeyActions;
  drift: DriftActions;
  log: Log;
  prompter: () => Prompter;
  refresh: () => Promise<void>;
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
    ...deps.useKeys.handlers(),
  };
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
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
  const rejected = deps.statusBar.rejectedKey();
  const view = deps.statusBar.view();
  const waiting = deps.actions.hasWaitingChanges();
  type Action = () => unknown;
  const items: Array<{ label: string; detail?: string; value: Action }> = [];
  if (rejected) items.push({ label: `$(key) ${t('Update "{0}"…', rejected.name)}`, detail: t('Pieces OS rejected this key (401)'), value: () => deps.actions.updateKey(rejected.id) });
  const syncNow = { label: `$(sync) ${t('Sync Now')}`, value: () => deps.actions.syncNow() };
  const refresh = { label: `$(refresh) ${t('Refresh')}`, detail: t('Look for Pieces OS again and compare what it holds'), value: () => deps.refresh() };
  items.push(...(waiting ? [syncNow, refresh] : [refresh, syncNow]));
  if (view.severity !== 'ok') items.push({ label: `$(plug) ${t('Select Service URL…')}`, value: () => vscode.commands.executeCommand(Commands.selectServiceUrl) });
  items.push({ label: `$(add) ${t('Add Key…')}`, value: () => deps.actions.addKey() });
  items.push({ label: `$(list-tree) ${t('Show Keys')}`, value: () => vscode.commands.executeCommand(`${Views.keys}.focus`) });
  items.push({ label: `$(output) ${t('Show Log')}`, value: () => deps.log.show() });
  const action = await deps.prompter().pick({ title: view.tooltip, placeholder: t('Choose what to do'), items });
  if (typeof action === 'function') await action();
}
