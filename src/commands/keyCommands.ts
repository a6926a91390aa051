// The entry of dist/commands.js: the key flows, the drift answers, the status quick pick and Select
// Service URL, bundled apart from dist/extension.js and loaded on the first command (registerCommands.ts),
// so that activation compiles only what the first second needs. It gets every part it works with from
// the activation bundle; state shared across bundles (the translator, the known secrets) lives in
// src/core/shared.ts.
import { Commands, type CommandId } from '../constants';
import type { MaskCache } from '../core/keys/maskCache';
import type { KeyStore } from '../core/store/keyStore';
import type { SyncEngine } from '../core/sync/engine';
import { type DriftArgument, DriftActions } from '../flows/driftActions';
import { type KeyArgument, KeyActions } from '../flows/keyActions';
import type { Prompter } from '../flows/prompter';
import { selectServiceUrl } from '../flows/serviceUrl';
import { statusActions } from '../flows/statusActions';
import type { Log } from '../vscode/log';
import type { StatusBar } from '../vscode/statusBar';
import type { UseKeysCommand } from '../vscode/useKeys';
import { VsCodeWorkbench, type VsCodeWorkbenchOptions } from '../vscode/workbench';

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
  readonly context: VsCodeWorkbenchOptions['context'];
}

/** The commands this bundle answers (the activation bundle answers Refresh and Show Log; use-keys.js its own). */
export type KeyCommandId = Exclude<CommandId, typeof Commands.refresh | typeof Commands.showLog | UseKeysCommand>;

export function createKeyCommands(deps: KeyCommandDeps): Record<KeyCommandId, (...args: unknown[]) => unknown> {
  const workbench = new VsCodeWorkbench({ prompter: () => deps.prompter(), beforeMessage: deps.drawn, context: deps.context });
  const prompter = (): Prompter => workbench;
  const actions = new KeyActions({
    store: deps.store,
    sync: deps.sync,
    masks: deps.masks,
    prompter,
    autoSync: deps.autoSync,
    runCommand: (command, ...args) => workbench.runCommand(command, ...args),
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
    [Commands.selectServiceUrl]: () => selectServiceUrl(workbench, deps.foundUrl()),
    [Commands.statusActions]: () => statusActions({ status: deps.statusBar, actions, workbench, refresh: deps.refresh, showLog: () => deps.log.show() }),
    [Commands.pushToPieces]: (arg) => drift.pushToPieces(arg as DriftArgument),
    [Commands.adoptFromPieces]: (arg) => drift.adoptFromPieces(arg as DriftArgument),
    [Commands.ignoreDrift]: (arg) => drift.ignoreDrift(arg as DriftArgument),
  };
}
