// The composition root: creates the parts, wires them and returns. No I/O happens here: the key store
// opens (migration, recovery, the watcher) and the first look for Pieces OS runs after activate() returns.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands/registerCommands';
import { CONFIG_SECTION, Commands, ContextKeys, STORE_FOLDER, Settings, Views } from './constants';
import { ConnectionMonitor } from './core/pieces/connection';
import { ServiceLocator } from './core/pieces/discovery';
import { KeepAliveConnection } from './core/pieces/keepAlive';
import { setTranslator, t } from './core/l10n';
import { MaskCache } from './core/keys/maskCache';
import { PiecesClient } from './core/pieces/client';
import { knownSecrets } from './core/keys/redact';
import { piecesServicePort } from './core/pieces/servicePort';
import { type StoreBundle, createStore } from './core/store/createStore';
import type { KeyStore } from './core/store/keyStore';
import { SyncEngine } from './core/sync/engine';
import { changesWaiting } from './core/sync/vocabulary';
import type { Prompter } from './flows/prompter';
import { keyringAdvice } from './flows/reportFailure';
import { KeysTreeProvider } from './views/keysTree';
import { readServiceUrl } from './vscode/config';
import { Log } from './vscode/log';
import { Redraw } from './vscode/redraw';
import { StatusBar } from './vscode/statusBar';
import { UseKeys } from './vscode/useKeys';

/** Handles for the extension-host tests; returned only when VS Code runs the extension for tests. */
export interface TestingApi {
  setPrompter(prompter: Prompter | undefined): void;
  store: KeyStore;
  bundle: StoreBundle;
  /** Resolves when the store is open (migrated and recovered). */
  ready: Promise<unknown>;
  sync: SyncEngine;
  monitor: ConnectionMonitor;
  statusBar: StatusBar;
  tree: KeysTreeProvider;
  masks: MaskCache;
  useKeys: UseKeys;
  client: PiecesClient;
  globalState: vscode.Memento;
  secrets: vscode.SecretStorage;
  storeRoot: string;
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
        if (error !== refusedUrl) log.warn(`providerKeys.serviceUrl refused (nothing is sent anywhere until it is fixed): ${error}`);
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
  // One idle keep-alive connection to Pieces OS: its end tells the status bar within moments that
  // Pieces OS may have quit, with no request every few seconds (core/pieces/keepAlive.ts).
  const line = new KeepAliveConnection({ onRequest: (record) => log.request(record) });
  const connection = new ConnectionMonitor(client, { line });

  const storeRoot = path.join(context.globalStorageUri.fsPath, STORE_FOLDER);
  const bundle = createStore({
    root: storeRoot,
    secrets: context.secrets,
    windowId: randomUUID(),
    onSecret: (secret) => knownSecrets.remember(secret),
    log: (message) => log.info(message),
  });
  const store = bundle.store;
  const autoSync = (): boolean => config().get<boolean>(Settings.autoSync, true);
  const sync = new SyncEngine({
    store,
    service: piecesServicePort(client),
    lease: bundle.lease,
    autoSync,
    log: (message) => log.info(message),
  });
  const masks = new MaskCache(store);
  const status = new StatusBar(connection, store, sync, () => config().get<boolean>(Settings.statusBarEnabled, true));

  /** The prompter the tests put in place; undefined: the real window's (the command bundle makes it). */
  let prompter: Prompter | undefined;

  const useKeys = new UseKeys({
    context,
    store,
    masks,
    sync,
    hasKeyInUse: (provider) => store.choice(provider)?.activeId !== undefined,
    prompter: () => prompter,
    log,
  });
  const tree = new KeysTreeProvider(store, sync, masks, () => config().get<number>(Settings.rotationReminderDays, 0));
  tree.setRowExtras((record) => useKeys.rowExtras(record));
  const treeView = vscode.window.createTreeView(Views.keys, { treeDataProvider: tree });

  const updateContext = (): void => {
    void vscode.commands.executeCommand('setContext', ContextKeys.hasKeys, store.list().length > 0);
    void vscode.commands.executeCommand('setContext', ContextKeys.connection, connection.state.kind);
    const { pending, drift } = sync.state;
    void vscode.commands.executeCommand('setContext', ContextKeys.drift, Object.values(drift).some((d) => d.kind !== 'inSync'));
    treeView.badge = pending > 0 ? { value: pending, tooltip: changesWaiting(pending) } : undefined;
  };

  /** Shows the current keys, sync state and connection everywhere, in one frame (redraw.ts). */
  const frame = new Redraw({
    drawTree: () => tree.drawNow(),
    treeVisible: () => treeView.visible,
    drawOthers: () => {
      status.update();
      updateContext();
    },
  });
  const redraw = (): void => frame.schedule();

  /** Re-checks the connection, then sends what waits and compares with what Pieces OS holds. */
  const refresh = async (): Promise<void> => {
    locator.invalidate();
    sync.forgetUser();
    await ready;
    const state = await connection.check();
    if (state.kind === 'connected') {
      await sync.drain({ now: true });
      await sync.reconcile();
    }
    tree.refresh();
  };

  // The store opens after activation: migration from the old layout, recovery, then the first sync.
  const ready = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const opened = await bundle.open({ memento: context.globalState });
    if (opened.readOnly) {
      void vscode.window.showWarningMessage(opened.readOnly);
    }
    redraw();
    sync.kick();
    useKeys.storeOpened(); // sets the terminal variables, now that the keys they come from are known
  })().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`The key store could not be opened: ${message}`);
    void vscode.window.showErrorMessage(t('Provider Keys could not open its key store: {0}', message), t('Show Log')).then((choice) => choice && log.show());
  });

  let toldAboutKeyring = false;
  let toldRefused: string | undefined;
  context.subscriptions.push(
    log,
    bundle,
    masks,
    connection,
    line,
    status,
    tree,
    treeView,
    frame,
    ...registerCommands({
      store,
      sync,
      masks,
      log,
      prompter: () => prompter,
      autoSync,
      refresh,
      distPath: path.join(context.extensionPath, 'dist'),
      ready,
      foundUrl: () => locator.current,
      statusBar: status,
      drawn: () => frame.drawn(),
      useKeys,
      context,
    }),
    store.onDidChange(() => {
      redraw();
      sync.kick(); // a change here or in another window: send it (or let the lease holder do it)
      useKeys.onKeysChanged(); // rotated keys update their terminal variable, deleted keys lose it
    }),
    useKeys,
    useKeys.onDidChange(() => tree.refresh()),
    store.onDidChangeSecret((id) => {
      masks.forget(id);
      tree.refresh();
      sync.kick(); // a secret that arrived late (another window's change) may unblock a waiting send
    }),
    masks.onDidChange(() => tree.refresh()),
    sync.onDidChange(redraw),
    sync.onKeyringTrouble((error) => {
      if (toldAboutKeyring) return;
      toldAboutKeyring = true;
      void vscode.window.showWarningMessage(t('{0} Your change waits. {1}', error.message, keyringAdvice()), t('Show Log')).then((choice) => choice && log.show());
    }),
    connection.onDidChange(redraw),
    connection.onDidChange((state) => {
      // One message per refused value, with the way to fix it; the status bar keeps saying so.
      if (state.kind !== 'refusedUrl' || toldRefused === state.reason) return;
      toldRefused = state.reason;
      const select = t('Select Service URL');
      const settings = t('Open Settings');
      void vscode.window.showErrorMessage(t('Provider Keys sends nothing while providerKeys.serviceUrl is refused: {0}', state.reason), select, settings).then((choice) => {
        if (choice === select) void vscode.commands.executeCommand(Commands.selectServiceUrl);
        if (choice === settings) void vscode.commands.executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.${Settings.serviceUrl}`);
      });
    }),
    connection.onDidReconnect(() => {
      sync.forgetUser();
      void ready.then(() => sync.drain({ now: true })).then(() => sync.reconcile());
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.serviceUrl}`) || event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.allowRemoteService}`)) {
        refusedUrl = undefined;
        void refresh();
      }
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.statusBarEnabled}`)) status.update();
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.rotationReminderDays}`)) tree.refresh();
      if (event.affectsConfiguration(`${CONFIG_SECTION}.${Settings.autoSync}`)) sync.kick();
    }),
    vscode.window.onDidChangeWindowState((state) => {
      if (!state.focused) return;
      // Connected or not: Pieces OS may have quit, or someone signed out, while the window was in the background.
      void connection.check();
      // A keyring that was locked may be open now; another window's change may have been missed.
      masks.forgetUnavailable();
      void ready.then(() => store.refresh()).then(() => bundle.recover()).then(() => sync.kick());
    }),
    sync,
    { dispose: () => void bundle.lease.release().catch(() => undefined) },
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
        prompter = next;
      },
      store,
      bundle,
      ready,
      sync,
      monitor: connection,
      statusBar: status,
      tree,
      masks,
      useKeys,
      client,
      globalState: context.globalState,
      secrets: context.secrets,
      storeRoot,
      activationMs,
    },
  };
}

export function deactivate(): void {}
