// The parts of the extension, made once at activation (extension.ts wires them): the log; Pieces OS (the
// locator, the client, the connection monitor and its idle connection); the key store and the engine; the
// masks, the status bar, the use-keys loader and the tree; and the one frame that draws them. Making them
// does no I/O: the store opens, and Pieces OS is first looked for, after activate() returns.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SECTION, ContextKeys, STORE_FOLDER, Settings, Views } from '../constants';
import { MaskCache } from '../core/keys/maskCache';
import { knownSecrets } from '../core/keys/redact';
import { IDENTITY_WHILE_CONNECTED, PiecesClient } from '../core/pieces/client';
import { ConnectionMonitor } from '../core/pieces/connection';
import { ServiceLocator } from '../core/pieces/discovery';
import { KeepAliveConnection } from '../core/pieces/keepAlive';
import { piecesServicePort } from '../core/pieces/servicePort';
import { type StoreBundle, createStore } from '../core/store/createStore';
import type { KeyStore } from '../core/store/keyStore';
import { SyncEngine } from '../core/sync/engine';
import { changesWaiting } from '../core/sync/vocabulary';
import type { Prompter } from '../flows/prompter';
import { KeysTreeProvider } from '../views/keysTree';
import { readServiceUrl } from './config';
import { Log } from './log';
import { Redraw } from './redraw';
import { StatusBar } from './statusBar';
import { UseKeys } from './useKeys';

export interface Parts {
  readonly log: Log;
  readonly locator: ServiceLocator;
  readonly client: PiecesClient;
  readonly connection: ConnectionMonitor;
  readonly bundle: StoreBundle;
  readonly store: KeyStore;
  readonly sync: SyncEngine;
  readonly masks: MaskCache;
  readonly status: StatusBar;
  readonly useKeys: UseKeys;
  readonly tree: KeysTreeProvider;
  readonly frame: Redraw;
  readonly storeRoot: string;
  /** The prompter the tests put in place; undefined: the window's own (made by the bundle that asks). */
  prompter: Prompter | undefined;
  autoSync(): boolean;
  /** The service URL setting changed: a refused value is logged again if it is refused again. */
  forgetRefusedUrl(): void;
  /** Shows the current keys, sync state and connection everywhere, soon, in one frame (redraw.ts). */
  redraw(): void;
  /** The context keys and the view's badge, now. */
  updateContext(): void;
  /** What the window disposes when the extension stops, in this order. */
  readonly disposables: vscode.Disposable[];
}

export function createParts(context: vscode.ExtensionContext): Parts {
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
  // The monitor learns from every request; the callbacks run only after both parts exist. What GET /user
  // said on a connection holds while that connection stays open: a key call asks first only on another one.
  const client = new PiecesClient({
    baseUrl: locator,
    identityMaxAgeMs: IDENTITY_WHILE_CONNECTED,
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

  const parts: Parts = {
    ...{ log, locator, client, connection, bundle, store, sync, masks, status, storeRoot, autoSync },
    prompter: undefined,
    useKeys: new UseKeys({
      context,
      store,
      masks,
      sync,
      hasKeyInUse: (provider) => store.choice(provider)?.activeId !== undefined,
      prompter: () => parts.prompter,
      log,
    }),
    tree: new KeysTreeProvider(store, sync, masks, () => config().get<number>(Settings.rotationReminderDays, 0)),
    frame: new Redraw({ drawTree: () => parts.tree.drawNow(), treeVisible: () => treeView.visible, drawOthers: () => drawOthers() }),
    forgetRefusedUrl: () => {
      refusedUrl = undefined;
    },
    redraw: () => parts.frame.schedule(),
    updateContext: () => updateContext(),
    disposables: [],
  };
  parts.tree.setRowExtras((record) => parts.useKeys.rowExtras(record));
  const treeView = vscode.window.createTreeView(Views.keys, { treeDataProvider: parts.tree });

  function updateContext(): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.hasKeys, store.list().length > 0);
    void vscode.commands.executeCommand('setContext', ContextKeys.connection, connection.state.kind);
    const { pending, drift } = sync.state;
    void vscode.commands.executeCommand(
      'setContext',
      ContextKeys.drift,
      Object.values(drift).some((d) => d.kind !== 'inSync'),
    );
    treeView.badge = pending > 0 ? { value: pending, tooltip: changesWaiting(pending) } : undefined;
  }
  function drawOthers(): void {
    status.update();
    updateContext();
  }

  parts.disposables.push(log, bundle, masks, connection, line, client, status, parts.tree, treeView, parts.frame);
  return parts;
}
