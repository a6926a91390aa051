// The entry of dist/commands.js: the key flows, the drift answers, the status quick pick and Select
// Service URL, bundled apart from dist/extension.js and loaded on the first command (registerCommands.ts),
// so that activation compiles only what the first second needs. It gets every part it works with from
// the activation bundle; state shared across bundles (the translator, the known secrets) lives in
// src/core/shared.ts.
import * as vscode from 'vscode';
import { Commands, type CommandId, Views } from '../constants';
import { t } from '../core/l10n';
import type { MaskCache } from '../core/keys/maskCache';
import type { KeyStore } from '../core/store/keyStore';
import type { SyncEngine } from '../core/sync/engine';
import { type DriftArgument, DriftActions } from '../flows/driftActions';
import { type KeyArgument, KeyActions } from '../flows/keyActions';
import type { Prompter } from '../flows/prompter';
import type { Log } from '../vscode/log';
import { WindowPrompter } from '../vscode/prompts';
import type { StatusBar } from '../vscode/statusBar';
import type { UseKeysCommand } from '../vscode/useKeys';
import { selectServiceUrl } from '../flows/serviceUrl';

export interface KeyCommandDeps {
  store: KeyStore;
  sync: SyncEngine;
  masks: MaskCache;
  log: Log;
  /** The prompter tests put in place, if any; otherwise the real window's. */
  prompter: () => Prompter | undefined;
  autoSync: () => boolean;
  refresh: () => Promise<void>;
  foundUrl: () => string | undefined;
  statusBar: StatusBar;
  /** Resolves when the views show the state as it is now (a message waits for it: redraw.ts). */
  drawn: () => Promise<void>;
}

/** The commands this bundle answers (the activation bundle answers Refresh and Show Log; use-keys.js its own). */
export type KeyCommandId = Exclude<CommandId, typeof Commands.refresh | typeof Commands.showLog | UseKeysCommand>;

export function createKeyCommands(deps: KeyCommandDeps): Record<KeyCommandId, (...args: unknown[]) => unknown> {
  const window = new WindowPrompter({ beforeMessage: deps.drawn });
  const prompter = (): Prompter => deps.prompter() ?? window;
  const actions = new KeyActions({
    store: deps.store,
    sync: deps.sync,
    masks: deps.masks,
    prompter,
    autoSync: deps.autoSync,
    runCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
    log: deps.log,
  });
  const drift = new DriftActions(deps.sync, prompter, (error, keyId) => actions.report.failure(error, keyId));
  return {
    [Commands.addKey]: () => actions.addKey(),
    [Commands.updateKey]: (arg) => actions.updateKey(arg as KeyArgument),
    [Commands.renameKey]: (arg) => actions.renameKey(arg as KeyArgument),
    [Commands.deleteKey]: (arg) => actions.deleteKey(arg as KeyArgument),
    [Commands.useForPieces]: (arg) => actions.useForPieces(arg as KeyArgument),
    [Commands.restorePreviousKey]: (arg) => actions.restorePrevious(arg as KeyArgument),
    [Commands.syncNow]: () => actions.syncNow(),
    [Commands.selectServiceUrl]: () => selectServiceUrl(prompter(), deps.foundUrl()),
    [Commands.statusActions]: () => statusActions(deps, actions, prompter()),
    [Commands.pushToPieces]: (arg) => drift.pushToPieces(arg as DriftArgument),
    [Commands.adoptFromPieces]: (arg) => drift.adoptFromPieces(arg as DriftArgument),
    [Commands.ignoreDrift]: (arg) => drift.ignoreDrift(arg as DriftArgument),
  };
}

/** The status bar's click: the next steps that fit what it shows. */
async function statusActions(deps: KeyCommandDeps, actions: KeyActions, prompter: Prompter): Promise<void> {
  const rejected = deps.statusBar.rejectedKeys();
  const view = deps.statusBar.view();
  const waiting = actions.hasWaitingChanges();
  type Action = () => unknown;
  const items: Array<{ label: string; detail?: string; value: Action }> = [];
  for (const key of rejected) {
    if (key.previousRev) items.push({ label: `$(history) ${t('Restore the previous key of "{0}"', key.name)}`, detail: t('Pieces OS rejected the new key (401); it accepted the previous one'), value: () => actions.restorePrevious(key.id) });
    items.push({ label: `$(key) ${t('Update "{0}"…', key.name)}`, detail: t('Pieces OS rejected this key (401)'), value: () => actions.updateKey(key.id) });
  }
  const syncNow = { label: `$(sync) ${t('Sync Now')}`, value: () => actions.syncNow() };
  const refresh = { label: `$(refresh) ${t('Refresh')}`, detail: t('Look for Pieces OS again and compare what it holds'), value: () => deps.refresh() };
  items.push(...(waiting ? [syncNow, refresh] : [refresh, syncNow]));
  if (view.severity !== 'ok') items.push({ label: `$(plug) ${t('Select Service URL…')}`, value: () => vscode.commands.executeCommand(Commands.selectServiceUrl) });
  items.push({ label: `$(add) ${t('Add Key…')}`, value: () => actions.addKey() });
  items.push({ label: `$(list-tree) ${t('Show Keys')}`, value: () => vscode.commands.executeCommand(`${Views.keys}.focus`) });
  items.push({ label: `$(output) ${t('Show Log')}`, value: () => deps.log.show() });
  const action = await prompter.pick({ title: view.title, placeholder: view.lines.join(' · ') || t('Choose what to do'), items });
  if (typeof action === 'function') await action();
}
