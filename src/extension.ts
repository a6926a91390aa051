// The composition root: creates the parts, wires them and returns. No network I/O happens here;
// the first look for Pieces OS runs in the background after activate() returns.
import * as vscode from 'vscode';
import { registerCommands } from './commands/registerCommands';
import { CONFIG_SECTION, ContextKeys, Settings, Views } from './constants';
import { ConnectionMonitor } from './core/connection';
import { ServiceLocator } from './core/discovery';
import { KeyStore } from './core/keyStore';
import { setTranslator, t } from './core/l10n';
import { PiecesClient } from './core/piecesClient';
import { PiecesSync } from './core/piecesSync';
import { KeysTreeProvider } from './views/keysTree';
import { readServiceUrl } from './vscode/config';
import { KeyActions } from './vscode/keyActions';
import { Log } from './vscode/log';
import { type Prompter, WindowPrompter } from './vscode/prompts';
import { StatusBar } from './vscode/statusBar';

/** Handles for the extension-host tests; returned only when VS Code runs the extension for tests. */
export interface TestingApi {
  setPrompter(prompter: Prompter | undefined): void;
  store: KeyStore;
  sync: PiecesSync;
  monitor: ConnectionMonitor;
  statusBar: StatusBar;
  tree: KeysTreeProvider;
  actions: KeyActions;
  client: PiecesClient;
  globalState: vscode.Memento;
  secrets: vscode.SecretStorage;
  activationMs: number;
}

export interface ProviderKeysApi {
  testing?: TestingApi;
}

export function activate(context: vscode.ExtensionContext): ProviderKeysApi {
  const started = performance.now();
  setTranslator(vscode.l10n.t);
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration(CONFIG_SECTION);
  const log = new Log();

  let refusedUrl: string | undefined;
  const locator = new ServiceLocator({
    configuredUrl: () =>
      readServiceUrl((error) => {
        if (error !== refusedUrl) log.warn(`providerKeys.serviceUrl ignored: ${error}`);
        refusedUrl = error;
      }),
  });
  // The monitor learns from every request; the callbacks run only after both parts exist.
  const client = new PiecesClient({
    baseUrl: locator,
    onRequest: (record) => {
      log.request(record);
      connection.noteRequest(record);
    },
  });
  const connection = new ConnectionMonitor(client);

  const store = new KeyStore(context.secrets, context.globalState);
  const sync = new PiecesSync(client, store, { onBusy: (busy) => status.setBusy(busy) });
  const status = new StatusBar(connection, store, sync, () => config().get<boolean>(Settings.statusBarEnabled, true));

  let prompter: Prompter = new WindowPrompter();
  const defaultPrompter = prompter;
  const autoSync = (): boolean => config().get<boolean>(Settings.autoSync, true);
  const actions = new KeyActions({
    store,
    sync,
    prompter: () => prompter,
    autoSync,
    runCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
    log,
  });

  const tree = new KeysTreeProvider(store, () => config().get<number>(Settings.rotationReminderDays, 0));
  const treeView = vscode.window.createTreeView(Views.keys, { treeDataProvider: tree });

  const updateContext = (): void => {
    void vscode.commands.executeCommand('setContext', ContextKeys.hasKeys, store.list().length > 0);
    void vscode.commands.executeCommand('setContext', ContextKeys.connection, connection.state.kind);
    const pending = sync.pendingCount();
    treeView.badge = pending > 0 ? { value: pending, tooltip: t('{0} change(s) waiting for Pieces OS', pending) } : undefined;
  };

  /** Sends what waits, without popping up messages: the tree and status bar tell the outcome. */
  const replay = async (): Promise<void> => {
    if (!autoSync() || sync.pendingCount() === 0) return;
    const outcomes = await sync.syncAll();
    for (const outcome of outcomes) if (outcome.kind === 'failed') log.warn(`Background sync failed: ${outcome.error.message}`);
  };

  const refresh = async (): Promise<void> => {
    locator.invalidate();
    sync.forgetUser();
    await connection.check();
    tree.refresh();
    await replay();
  };

  context.subscriptions.push(
    log,
    store,
    connection,
    status,
    tree,
    treeView,
    ...registerCommands({ actions, log, prompter: () => prompter, refresh, foundUrl: () => locator.current, statusBar: status }),
    store.onDidChange(() => {
      tree.refresh();
      status.update();
      updateContext();
    }),
    connection.onDidChange(() => {
      status.update();
      updateContext();
    }),
    connection.onDidReconnect(() => {
      sync.forgetUser();
      void replay();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.serviceUrl}`) || event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.allowRemoteService}`)) {
        void refresh();
      }
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.statusBarEnabled}`)) status.update();
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.rotationReminderDays}`)) tree.refresh();
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.autoSync}`)) void replay();
    }),
    vscode.window.onDidChangeWindowState((state) => {
      if (state.focused && connection.state.kind !== 'connected') void connection.check().then(replay);
    }),
  );
  updateContext();

  // The first look for Pieces OS, after activation has returned.
  const firstCheck = setTimeout(() => void connection.check(), 0);
  context.subscriptions.push({ dispose: () => clearTimeout(firstCheck) });

  const activationMs = performance.now() - started;
  log.info(`Activated in ${activationMs.toFixed(1)} ms`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return {};
  return {
    testing: {
      setPrompter: (next) => {
        prompter = next ?? defaultPrompter;
      },
      store,
      sync,
      monitor: connection,
      statusBar: status,
      tree,
      actions,
      client,
      globalState: context.globalState,
      secrets: context.secrets,
      activationMs,
    },
  };
}

export function deactivate(): void {}
