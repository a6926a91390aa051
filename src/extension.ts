// The composition root: creates the parts, wires them and returns. No network I/O happens here;
// the first look for Pieces OS runs in the background after activate() returns.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { registerCommands } from './commands/registerCommands';
import { CONFIG_SECTION, ContextKeys, Settings, Views } from './constants';
import { ConnectionMonitor } from './core/connection';
import { ServiceLocator } from './core/discovery';
import { KeyStore } from './core/keyStore';
import { setTranslator, t } from './core/l10n';
import { Lease } from './core/lease';
import { PiecesClient } from './core/piecesClient';
import { piecesServicePort } from './core/servicePort';
import { SyncEngine } from './core/syncEngine';
import { KeysTreeProvider } from './views/keysTree';
import { readServiceUrl } from './vscode/config';
import { DriftActions } from './vscode/driftActions';
import { KeyActions } from './vscode/keyActions';
import { Log } from './vscode/log';
import { type Prompter, WindowPrompter } from './vscode/prompts';
import { StatusBar } from './vscode/statusBar';
import { UseKeys } from './vscode/useKeys/useKeys';

/** Handles for the extension-host tests; returned only when VS Code runs the extension for tests. */
export interface TestingApi {
  setPrompter(prompter: Prompter | undefined): void;
  store: KeyStore;
  sync: SyncEngine;
  monitor: ConnectionMonitor;
  statusBar: StatusBar;
  tree: KeysTreeProvider;
  actions: KeyActions;
  useKeys: UseKeys;
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
  const autoSync = (): boolean => config().get<boolean>(Settings.autoSync, true);
  // One window at a time sends; the lease lives in globalState, which all windows share.
  const lease = new Lease(context.globalState, randomUUID(), () => Date.now());
  const sync = new SyncEngine({ store, service: piecesServicePort(client), lease, autoSync, log: (message) => log.info(message) });
  const status = new StatusBar(connection, store, sync, () => config().get<boolean>(Settings.statusBarEnabled, true));

  let prompter: Prompter = new WindowPrompter();
  const defaultPrompter = prompter;
  const actions = new KeyActions({
    store,
    sync,
    prompter: () => prompter,
    autoSync,
    runCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
    log,
  });

  const useKeys = new UseKeys({
    context,
    store,
    sync,
    hasKeyInUse: (provider) => store.target(provider).activeId !== undefined,
    prompter: () => prompter,
    log,
    runCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
  });
  const tree = new KeysTreeProvider(store, sync, () => config().get<number>(Settings.rotationReminderDays, 0));
  tree.setRowExtras((record) => useKeys.rowExtras(record));
  const treeView = vscode.window.createTreeView(Views.keys, { treeDataProvider: tree });

  const updateContext = (): void => {
    void vscode.commands.executeCommand('setContext', ContextKeys.hasKeys, store.list().length > 0);
    void vscode.commands.executeCommand('setContext', ContextKeys.connection, connection.state.kind);
    const { pending, drift } = sync.state;
    void vscode.commands.executeCommand('setContext', ContextKeys.drift, Object.values(drift).some((d) => d.kind !== 'inSync'));
    treeView.badge = pending > 0 ? { value: pending, tooltip: t('{0} change(s) waiting for Pieces OS', pending) } : undefined;
  };

  /** Shows the current keys, sync state and connection everywhere (the tree redraw is debounced). */
  const redraw = (): void => {
    tree.refresh();
    status.update();
    updateContext();
  };

  /** Re-checks the connection, then sends what waits and compares with what Pieces OS holds. */
  const refresh = async (): Promise<void> => {
    locator.invalidate();
    sync.forgetUser();
    const state = await connection.check();
    if (state.kind === 'connected') {
      await sync.drain();
      await sync.reconcile();
    }
    tree.refresh();
  };

  context.subscriptions.push(
    log,
    store,
    connection,
    status,
    tree,
    treeView,
    ...registerCommands({ actions, drift: new DriftActions(sync, () => prompter, (error, keyId) => actions.reportFailure(error, keyId)), log, prompter: () => prompter, refresh, foundUrl: () => locator.current, statusBar: status, useKeys }),
    store.onDidChange(redraw),
    useKeys,
    store.onDidChange(() => useKeys.onKeysChanged()),
    useKeys.onDidChange(() => tree.refresh()),
    // Work queued in another window is sent by whichever window holds the lease, or taken over.
    store.onDidChangeElsewhere(() => {
      if (sync.state.pending > 0) sync.kick();
    }),
    sync.onDidChange(redraw),
    connection.onDidChange(redraw),
    connection.onDidReconnect(() => {
      sync.forgetUser();
      void sync.drain().then(() => sync.reconcile());
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.serviceUrl}`) || event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.allowRemoteService}`)) {
        void refresh();
      }
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.statusBarEnabled}`)) status.update();
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.rotationReminderDays}`)) tree.refresh();
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.autoSync}`)) sync.kick();
    }),
    vscode.window.onDidChangeWindowState((state) => {
      if (!state.focused) return;
      if (connection.state.kind !== 'connected') void connection.check();
      sync.kick();
    }),
    sync,
    { dispose: () => void lease.release() },
  );
  updateContext();

  // The first look for Pieces OS, after activation has returned; then send what waited since last time.
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
      useKeys,
      client,
      globalState: context.globalState,
      secrets: context.secrets,
      activationMs,
    },
  };
}

export function deactivate(): void {}
