// The status bar item: one glance says whether Pieces OS is there and whether the keys are in sync;
// a click offers the next steps that fit.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { ConnectionMonitor, ConnectionState } from '../core/connection';
import type { KeyRecord, KeyStore } from '../core/keyStore';
import { t } from '../core/l10n';
import type { SyncEngine } from '../core/syncEngine';

export interface StatusView {
  text: string;
  tooltip: string;
  severity: 'ok' | 'warning' | 'error' | 'busy';
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private shown = false;

  constructor(
    private readonly monitor: ConnectionMonitor,
    private readonly store: KeyStore,
    private readonly sync: SyncEngine,
    private readonly enabled: () => boolean,
  ) {
    this.item = vscode.window.createStatusBarItem('providerKeys.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = t('Provider Keys: Pieces OS');
    this.item.command = Commands.statusActions;
    this.update();
  }


  /** Whether the item is in the status bar (`providerKeys.statusBar.enabled`). */
  get visible(): boolean {
    return this.shown;
  }

  /** What the item shows now; also read by tests. */
  view(): StatusView {
    const state = this.monitor.state;
    const rejected = this.rejectedKey();
    const { pending, parked, busy, lastError } = this.sync.state;
    if (busy) return { text: `$(sync~spin) ${t('Pieces OS: syncing')}`, tooltip: t('Sending your change to Pieces OS…'), severity: 'busy' };
    if (rejected) return { text: `$(error) ${t('Pieces OS: key rejected')}`, tooltip: t('Pieces OS rejected "{0}" (401): update the key or its organization id.', rejected.name), severity: 'error' };
    if (pending > 0 && state.kind !== 'connected') {
      return { text: `$(clock) ${t('Pieces OS: {0} pending', pending)}`, tooltip: `${t('{0} change(s) waiting to be sent.', pending)} ${connectionText(state)}`, severity: 'warning' };
    }
    if (pending > 0) return { text: `$(clock) ${t('Pieces OS: {0} pending', pending)}`, tooltip: t('{0} change(s) waiting: run Sync Now to send them.', pending), severity: 'warning' };
    if (parked > 0) return { text: `$(warning) ${t('Pieces OS: sync failed')}`, tooltip: t('A change could not be sent: {0} Run Sync Now to try again.', lastError ?? ''), severity: 'error' };
    switch (state.kind) {
      case 'unknown':
        return { text: `$(key) ${t('Pieces OS')}`, tooltip: t('Looking for Pieces OS…'), severity: 'busy' };
      case 'connected':
        return { text: `$(check) ${t('Pieces OS')}`, tooltip: connectionText(state), severity: 'ok' };
      case 'notSignedIn':
        return { text: `$(account) ${t('Pieces OS: not signed in')}`, tooltip: connectionText(state), severity: 'warning' };
      case 'notRunning':
        return { text: `$(debug-disconnect) ${t('Pieces OS: not running')}`, tooltip: connectionText(state), severity: 'warning' };
      case 'error':
        return { text: `$(warning) ${t('Pieces OS: error')}`, tooltip: connectionText(state), severity: 'error' };
    }
  }

  update(): void {
    if (!this.enabled()) {
      this.item.hide();
      this.shown = false;
      return;
    }
    const view = this.view();
    this.item.text = view.text;
    // Screen readers get the words, not the icon's name and the tooltip's Markdown (VS Code's default).
    this.item.accessibilityInformation = { label: `${view.text.replace(/\$\([^)]*\)\s*/g, '')}. ${view.tooltip}`, role: 'button' };
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${t('Provider Keys for Pieces OS')}**\n\n`);
    tooltip.appendText(view.tooltip);
    const state = this.monitor.state;
    if ('url' in state && state.url) tooltip.appendMarkdown(`\n\n${t('Service')}: \`${state.url}\``);
    const lastSync = this.lastSync();
    if (lastSync) tooltip.appendMarkdown(`  \n${t('Last sync')}: ${new Date(lastSync).toLocaleString()}`);
    tooltip.appendMarkdown(`\n\n${t('Click for actions')}`);
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      view.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
    this.shown = true;
  }

  /** When Pieces OS last confirmed a key, read from the keys' states. */
  private lastSync(): string | undefined {
    let latest: string | undefined;
    for (const { sync } of this.store.list()) if (sync.kind === 'synced' && (!latest || sync.at > latest)) latest = sync.at;
    return latest;
  }

  rejectedKey(): KeyRecord | undefined {
    return this.store.list().find((k) => k.sync.kind === 'rejected');
  }

  dispose(): void {
    this.item.dispose();
  }
}

export function connectionText(state: ConnectionState): string {
  switch (state.kind) {
    case 'unknown':
      return t('Looking for Pieces OS…');
    case 'connected':
      return t('Connected to Pieces OS {0}, signed in as {1}.', state.version, state.user);
    case 'notSignedIn':
      return t('Pieces OS {0} is running, but nobody is signed in. Sign in to Pieces to sync keys.', state.version);
    case 'notRunning':
      return state.detail;
    case 'error':
      return state.detail;
  }
}
