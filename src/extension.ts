// The composition root. activate() makes the parts (src/vscode/parts.ts), registers every command from one
// table (src/commands/commandTable.ts), wires each event to a named reaction below, and returns. No I/O
// happens here: the key store opens (migration, recovery, the watcher) and the first look for Pieces OS runs
// after activate() returns.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from './commands/commandTable';
import type { KeyFlows } from './commands/keyCommands';
import { keyFlowsLoader, registerCommands } from './commands/registerCommands';
import { CONFIG_SECTION, Commands, Settings } from './constants';
import type { MaskCache } from './core/keys/maskCache';
import * as l10n from '@vscode/l10n';
import { setTranslations } from './core/l10n';
import type { PiecesClient } from './core/pieces/client';
import type { ConnectionMonitor, ConnectionState } from './core/pieces/connection';
import type { StoreBundle } from './core/store/createStore';
import type { KeyStore } from './core/store/keyStore';
import type { KeyringUnavailableError } from './core/store/secretVault';
import type { SyncEngine } from './core/sync/engine';
import { KeySessions, type Toggle } from './flows/keySessions';
import type { Prompter } from './flows/prompter';
import { keyringAdvice } from './flows/reportFailure';
import type { KeysTreeProvider } from './views/keysTree';
import { keysAuthentication } from './vscode/authentication';
import { type Parts, createParts } from './vscode/parts';
import type { StatusBar } from './vscode/statusBar';
import type { UseKeys } from './vscode/useKeys';

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
  /** The keys as sessions for other extensions, and their registration with VS Code (the setting). */
  sessions: KeySessions;
  sharing: Toggle;
}

export interface ProviderKeysApi {
  testing?: TestingApi;
}

export function activate(context: vscode.ExtensionContext): ProviderKeysApi {
  const started = performance.now();
  setTranslations(vscode.l10n.bundle);
  const parts = createParts(context);
  const { log, store, sync, connection, masks, tree, useKeys, status } = parts;
  const ready = openStore(parts, context);
  const refresh = (): Promise<void> => refreshAll(parts, ready);
  const keyFlows = keyFlowsLoader(path.join(context.extensionPath, 'dist'), {
    ...{ store, sync, masks, log, refresh, statusBar: status, context },
    autoSync: () => parts.autoSync(),
    prompter: () => parts.prompter,
    foundUrl: () => parts.locator.current,
    drawn: () => parts.frame.drawn(),
  });
  const sharing = shareWithExtensions(parts, ready, keyFlows);
  context.subscriptions.push(
    ...parts.disposables,
    ...registerCommands(COMMANDS, { keyFlows, useKeyFlows: () => useKeys.flows(), refresh, showLog: () => log.show() }, { log, ready }),
    store.onDidChange(() => keysChanged(parts)),
    useKeys,
    useKeys.onDidChange(() => tree.refresh()),
    store.onDidChangeSecret((id) => secretChanged(parts, id)),
    sync.onDidChange(() => parts.redraw()),
    sync.onKeyringTrouble(once((error) => tellKeyringTrouble(parts, error))),
    connection.onDidChange(() => parts.redraw()),
    connection.onDidChange(tellRefusedUrl()),
    connection.onDidReconnect(() => reconnected(parts, ready)),
    sharing.sessions,
    sharing.toggle,
    vscode.workspace.onDidChangeConfiguration((event) => settingsChanged(parts, event, refresh, sharing.toggle)),
    vscode.window.onDidChangeWindowState((state) => state.focused && windowFocused(parts, ready)),
    sync,
    { dispose: () => void parts.bundle.lease.release().catch(() => undefined) },
  );
  parts.updateContext();
  // The first look for Pieces OS, after activation has returned.
  const firstCheck = setTimeout(() => void connection.check(), 0);
  context.subscriptions.push({ dispose: () => clearTimeout(firstCheck) });
  const activationMs = performance.now() - started;
  log.info(`Activated in ${activationMs.toFixed(1)} ms`);
  return context.extensionMode === vscode.ExtensionMode.Test ? { testing: testingApi(parts, context, ready, activationMs, sharing) } : {};
}

export function deactivate(): void {}

/** The store opens after activation: migration from the old layout, recovery, then the first sync. */
function openStore(parts: Parts, context: vscode.ExtensionContext): Promise<void> {
  return (async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The keys are drawn at once when their records are read (not gathered with later changes, nor after the
    // store's lock and recovery): the user waits for them to show. What recovery changes is drawn after.
    const drawAtOnce = (): void => {
      parts.redraw();
      void parts.frame.drawn();
    };
    const opened = await parts.bundle.open({ memento: context.globalState, onLoaded: drawAtOnce });
    if (opened.readOnly) void vscode.window.showWarningMessage(opened.readOnly);
    drawAtOnce();
    parts.sync.kick();
    parts.useKeys.storeOpened(); // sets the terminal variables, now that the keys they come from are known
  })().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    parts.log.error(`The key store could not be opened: ${message}`);
    void vscode.window
      .showErrorMessage(l10n.t('Provider Keys could not open its key store: {0}', message), l10n.t('Show Log'))
      .then((choice) => choice && parts.log.show());
  });
}

/**
 * Other extensions ask VS Code for keys (`provider-keys`), with the user's consent in VS Code's own dialog:
 * registered now if providerKeys.shareWithExtensions is on, and again whenever the setting changes. Add Key
 * and the delete question come from dist/commands.js when VS Code first needs them.
 */
function shareWithExtensions(parts: Parts, ready: Promise<void>, keyFlows: () => KeyFlows): { sessions: KeySessions; toggle: Toggle } {
  const sessions = new KeySessions({
    store: parts.store,
    ready,
    addKey: (provider) => keyFlows().actions.addKey(provider),
    signOut: (id) => keyFlows().actions.deleteKey(id, { signOut: true }),
    log: (message) => parts.log.info(message),
  });
  const enabled = (): boolean => vscode.workspace.getConfiguration(CONFIG_SECTION).get<boolean>(Settings.shareWithExtensions, true);
  const toggle = keysAuthentication(sessions, enabled, parts.log);
  toggle.update();
  return { sessions, toggle };
}

/** Re-checks the connection, then sends what waits and compares with what Pieces OS holds (Refresh). */
async function refreshAll(parts: Parts, ready: Promise<void>): Promise<void> {
  parts.locator.invalidate();
  parts.sync.forgetUser();
  await ready;
  const state = await parts.connection.check();
  if (state.kind === 'connected') {
    await parts.sync.drain({ now: true });
    await parts.sync.reconcile();
  }
  parts.tree.refresh();
}

/** A key changed, here or in another window. */
function keysChanged(parts: Parts): void {
  parts.redraw();
  parts.sync.kick(); // send it (or let the lease holder do it)
  parts.useKeys.onKeysChanged(); // rotated keys update their terminal variable, deleted keys lose it
}

/** A secret changed (another window's change reached this window's copy of SecretStorage, say); its row follows. */
function secretChanged(parts: Parts, id: string): void {
  parts.masks.forget(id);
  parts.sync.kick(); // a secret that arrived late may unblock a waiting send
}

/** `react` the first time only. */
function once<T>(react: (value: T) => void): (value: T) => void {
  let done = false;
  return (value) => {
    if (done) return;
    done = true;
    react(value);
  };
}

/** The keyring did not give a key the engine had to send: said once per window, with what to do. */
function tellKeyringTrouble(parts: Parts, error: KeyringUnavailableError): void {
  void vscode.window
    .showWarningMessage(l10n.t('{0} Your change waits. {1}', error.message, keyringAdvice()), l10n.t('Show Log'))
    .then((choice) => choice && parts.log.show());
}

/** One message per refused service URL value, with the way to fix it; the status bar keeps saying so. */
function tellRefusedUrl(): (state: ConnectionState) => void {
  let told: string | undefined;
  return (state) => {
    if (state.kind !== 'refusedUrl' || told === state.reason) return;
    told = state.reason;
    const select = l10n.t('Select Service URL');
    const settings = l10n.t('Open Settings');
    void vscode.window
      .showErrorMessage(l10n.t('Provider Keys sends nothing while providerKeys.serviceUrl is refused: {0}', state.reason), select, settings)
      .then((choice) => {
        if (choice === select) void vscode.commands.executeCommand(Commands.selectServiceUrl);
        if (choice === settings) {
          void vscode.commands.executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.${Settings.serviceUrl}`);
        }
      });
  };
}

/** Pieces OS answers again: who is signed in may have changed; send what waits, then compare. */
function reconnected(parts: Parts, ready: Promise<void>): void {
  parts.sync.forgetUser();
  void ready.then(() => parts.sync.drain({ now: true })).then(() => parts.sync.reconcile());
}

function settingsChanged(parts: Parts, event: vscode.ConfigurationChangeEvent, refresh: () => Promise<void>, sharing: Toggle): void {
  const affects = (setting: string): boolean => event.affectsConfiguration(`${CONFIG_SECTION}.${setting}`);
  if (affects(Settings.serviceUrl) || affects(Settings.allowRemoteService)) {
    parts.forgetRefusedUrl();
    void refresh();
  }
  if (affects(Settings.statusBarEnabled)) parts.status.update();
  if (affects(Settings.rotationReminderDays)) parts.tree.refresh();
  if (affects(Settings.autoSync)) parts.sync.kick();
  if (affects(Settings.shareWithExtensions)) sharing.update(); // at once: VS Code lets a provider come and go
}

/** Connected or not: Pieces OS may have quit, someone signed out, a keyring been unlocked, another window changed something. */
function windowFocused(parts: Parts, ready: Promise<void>): void {
  void parts.connection.check();
  parts.masks.forgetUnavailable();
  void ready
    .then(() => parts.store.refresh())
    .then(() => parts.bundle.recover())
    .then(() => parts.sync.kick());
}

function testingApi(
  parts: Parts,
  context: vscode.ExtensionContext,
  ready: Promise<void>,
  activationMs: number,
  sharing: { sessions: KeySessions; toggle: Toggle },
): TestingApi {
  return {
    ...{ store: parts.store, bundle: parts.bundle, ready, sync: parts.sync, monitor: parts.connection, statusBar: parts.status },
    ...{ tree: parts.tree, masks: parts.masks, useKeys: parts.useKeys, client: parts.client, storeRoot: parts.storeRoot },
    setPrompter: (next) => {
      parts.prompter = next;
    },
    globalState: context.globalState,
    secrets: context.secrets,
    activationMs,
    sessions: sharing.sessions,
    sharing: sharing.toggle,
  };
}
