// The entry of dist/commands.js: the key flows, the drift answers, the status quick pick and Select
// Service URL, bundled apart from dist/extension.js and loaded on the first command (registerCommands.ts),
// so that activation compiles only what the first second needs. It gets every part it works with from
// the activation bundle and makes the window's workbench here; state shared across bundles (the known
// secrets) lives in src/core/shared.ts, and the translations in dist/l10n.js (src/core/l10n.ts).
import type { MaskCache } from '../core/keys/maskCache';
import type { KeyStore } from '../core/store/keyStore';
import type { SyncEngine } from '../core/sync/engine';
import { DriftActions } from '../flows/driftActions';
import { KeyActions } from '../flows/keyActions';
import type { Prompter } from '../flows/prompter';
import { selectServiceUrl } from '../flows/serviceUrl';
import { statusActions } from '../flows/statusActions';
import type { Log } from '../vscode/log';
import type { StatusBar } from '../vscode/statusBar';
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

/** The flows this bundle answers for (the command table, commandTable.ts, says which command runs which). */
export interface KeyFlows {
  readonly actions: KeyActions;
  readonly drift: DriftActions;
  selectServiceUrl(): Promise<string | undefined>;
  statusActions(): Promise<void>;
}

export function createKeyFlows(deps: KeyCommandDeps): KeyFlows {
  const workbench = new VsCodeWorkbench({ prompter: () => deps.prompter(), beforeMessage: deps.drawn, context: deps.context });
  const actions = new KeyActions({
    store: deps.store,
    sync: deps.sync,
    masks: deps.masks,
    prompter: () => workbench,
    autoSync: deps.autoSync,
    runCommand: (command, ...args) => workbench.runCommand(command, ...args),
    log: deps.log,
  });
  const drift = new DriftActions(
    deps.sync,
    () => workbench,
    (error, keyId) => actions.report.failure(error, keyId),
  );
  return {
    actions,
    drift,
    selectServiceUrl: () => selectServiceUrl(workbench, deps.foundUrl()),
    statusActions: () =>
      statusActions({
        ...{ status: deps.statusBar, actions, drift, workbench, refresh: deps.refresh },
        hasKeys: () => deps.store.list().length > 0,
        showLog: () => deps.log.show(),
      }),
  };
}
