// The sidebar tree: providers that have keys (OpenAI first), and under each its keys with the
// masked key, the sync state and the dates. Masks are read from SecretStorage when drawn, so
// globalState never needs to hold a single key character.
import * as vscode from 'vscode';
import { ItemContext } from '../constants';
import type { KeyRecord, KeyStore, SyncStatus } from '../core/keyStore';
import type { Drift, SyncEngine } from '../core/syncEngine';
import { t } from '../core/l10n';
import { maskKey } from '../core/mask';
import { PROVIDERS, type ProviderInfo, getProvider } from '../core/providers';

export type TreeNode =
  | { readonly kind: 'provider'; readonly provider: ProviderInfo }
  | { readonly kind: 'key'; readonly record: KeyRecord }
  | { readonly kind: 'drift'; readonly provider: ProviderInfo; readonly drift: Drift };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Marks other parts add to a key row (Use the keys: "in terminals", the last verification). */
export interface KeyRowExtras {
  readonly badges: readonly string[];
  readonly lines: ReadonlyArray<{ readonly icon: string; readonly text: string }>;
}

export class KeysTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pendingRefresh: ReturnType<typeof setTimeout> | undefined;
  private rowExtras: (record: KeyRecord) => KeyRowExtras = () => ({ badges: [], lines: [] });

  constructor(
    private readonly store: KeyStore,
    private readonly engine: Pick<SyncEngine, 'state'>,
    private readonly rotationReminderDays: () => number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  setRowExtras(extras: (record: KeyRecord) => KeyRowExtras): void {
    this.rowExtras = extras;
  }

  /** Redraws soon; several changes in a row cause one redraw. */
  refresh(): void {
    if (this.pendingRefresh) return;
    this.pendingRefresh = setTimeout(() => {
      this.pendingRefresh = undefined;
      this.changed.fire(undefined);
    }, 50);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      const keys = this.store.list();
      return PROVIDERS.filter((p) => keys.some((k) => k.provider === p.id) || this.driftOf(p)).map((provider) => ({ kind: 'provider', provider }));
    }
    if (node.kind !== 'provider') return [];
    const drift = this.driftOf(node.provider);
    const keys: TreeNode[] = this.store.keysOf(node.provider.id).map((record) => ({ kind: 'key', record }));
    return drift ? [{ kind: 'drift', provider: node.provider, drift }, ...keys] : keys;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'provider') return undefined;
    const provider = node.kind === 'drift' ? node.provider : getProvider(node.record.provider);
    return provider ? { kind: 'provider', provider } : undefined;
  }

  async getTreeItem(node: TreeNode): Promise<vscode.TreeItem> {
    if (node.kind === 'provider') return this.providerItem(node.provider);
    if (node.kind === 'drift') return this.driftItem(node.provider, node.drift);
    return this.keyItem(node.record);
  }

  dispose(): void {
    clearTimeout(this.pendingRefresh);
    this.changed.dispose();
  }

  private providerItem(provider: ProviderInfo): vscode.TreeItem {
    const count = this.store.keysOf(provider.id).length;
    const item = new vscode.TreeItem(provider.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `provider:${provider.id}`;
    item.contextValue = ItemContext.provider;
    const activeId = this.store.target(provider.id).activeId;
    const active = activeId ? this.store.get(activeId) : undefined;
    const keys = count === 1 ? t('1 key') : t('{0} keys', count);
    item.description = active ? t('{0} · Pieces OS uses "{1}"', keys, active.name) : keys;
    item.tooltip = provider.syncsToPieces ? t('{0}: synced to Pieces OS', provider.label) : t('{0}: kept in VS Code only; Pieces OS does not accept this provider', provider.label);
    item.iconPath = new vscode.ThemeIcon(provider.syncsToPieces ? 'cloud' : 'device-desktop');
    return item;
  }

  private async keyItem(record: KeyRecord): Promise<vscode.TreeItem> {
    const provider = getProvider(record.provider);
    const secret = await this.store.secret(record.id);
    const isActive = this.store.target(record.provider).activeId === record.id;
    const item = new vscode.TreeItem(record.name, vscode.TreeItemCollapsibleState.None);
    item.id = `key:${record.id}`;
    item.contextValue = !provider?.syncsToPieces ? ItemContext.localKey : isActive ? ItemContext.activeKey : ItemContext.inactiveKey;
    const mask = secret ? maskKey(secret) : t('(missing from secret storage)');
    // Which key Pieces OS uses is named on the provider's row and shown by the icon, keeping this row short.
    const extras = this.rowExtras(record);
    item.description = [mask, ...extras.badges].join(' · ');
    const stale = this.isStale(record);
    const state = describe(record.sync);
    item.iconPath = stale ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : state.icon;
    item.accessibilityInformation = { label: [record.name, mask, state.text, ...extras.badges].join(', ') };

    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${escape(record.name)}** · ${escape(provider?.label ?? record.provider)}\n\n`);
    tooltip.appendMarkdown(`$(${state.codicon}) ${escape(state.text)}\n\n`);
    if (isActive) {
      const confirmed = record.sync.kind === 'synced';
      tooltip.appendMarkdown(`${escape(confirmed ? t('This is the key Pieces OS uses.') : t('Pieces OS should use this key; it has not confirmed it yet.'))}\n\n`);
    }
    tooltip.appendMarkdown(`${escape(t('Key: {0}', mask))}  \n`);
    if (record.organization) tooltip.appendMarkdown(`${escape(t('Organization: {0}', record.organization))}  \n`);
    tooltip.appendMarkdown(`${escape(t('Created: {0}', formatDate(record.createdAt)))}  \n`);
    tooltip.appendMarkdown(`${escape(t('Updated: {0}', formatDate(record.updatedAt)))}`);
    if (stale) tooltip.appendMarkdown(`\n\n$(warning) ${escape(t('Older than {0} days: consider rotating it.', this.rotationReminderDays()))}`);
    for (const line of extras.lines) tooltip.appendMarkdown(`\n\n$(${line.icon}) ${escape(line.text)}`);
    item.tooltip = tooltip;
    return item;
  }

  private driftOf(provider: ProviderInfo): Drift | undefined {
    const drift = this.engine.state.drift[provider.id];
    return drift && drift.kind !== 'inSync' ? drift : undefined;
  }

  private driftItem(provider: ProviderInfo, drift: Drift): vscode.TreeItem {
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    item.id = `drift:${provider.id}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    const ours = drift.kind === 'holdsOther' && drift.ourKeyId ? this.store.get(drift.ourKeyId) : undefined;
    switch (drift.kind) {
      case 'holdsOther':
        item.label = ours ? t('Pieces OS uses "{0}" instead', ours.name) : t('Pieces OS holds a different key');
        item.description = `…${drift.tail}${drift.name && !ours ? ` · ${drift.name}` : ''}`;
        item.contextValue = ItemContext.drift;
        item.tooltip = t('What Pieces OS holds differs from the key you chose. Send yours, keep the one Pieces OS holds, or leave it.');
        break;
      case 'holdsNone':
        item.label = t('Pieces OS holds no {0} key', provider.label);
        item.contextValue = ItemContext.driftNone;
        item.tooltip = t('Your key was sent, but Pieces OS no longer holds it (it may have been removed in Pieces). Send it again, or leave it.');
        break;
      case 'holdsUnknown':
        item.label = t('Pieces OS holds a key you have not added');
        item.description = `…${drift.tail}${drift.name ? ` · ${drift.name}` : ''}`;
        item.contextValue = ItemContext.driftUnknown;
        item.tooltip = t('Keep it here (stored in VS Code\'s secret storage), or leave it.');
        break;
    }
    return item;
  }

  private isStale(record: KeyRecord): boolean {
    const days = this.rotationReminderDays();
    if (!days) return false;
    return this.now().getTime() - Date.parse(record.updatedAt) > days * DAY_MS;
  }
}

/** The icon and words for a sync state, shared by the tree and its tooltip. */
export function describe(sync: SyncStatus): { icon: vscode.ThemeIcon; codicon: string; text: string } {
  switch (sync.kind) {
    case 'synced':
      return { icon: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')), codicon: 'pass', text: t('Synced to Pieces OS {0}', formatDate(sync.at)) };
    case 'pending':
      return { icon: new vscode.ThemeIcon('clock'), codicon: 'clock', text: t('Waiting to be sent to Pieces OS') };
    case 'failed':
      return { icon: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')), codicon: 'warning', text: t('Not synced: {0}', sync.reason) };
    case 'rejected':
      return { icon: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')), codicon: 'error', text: t('Rejected by Pieces OS (401): check the key and organization') };
    case 'notSignedIn':
      return { icon: new vscode.ThemeIcon('account'), codicon: 'account', text: t('Waiting: sign in to Pieces to sync') };
    case 'inactive':
      return { icon: new vscode.ThemeIcon('circle-outline'), codicon: 'circle-outline', text: t('Kept in VS Code; Pieces OS uses another key') };
    case 'localOnly':
      return { icon: new vscode.ThemeIcon('lock'), codicon: 'lock', text: t('Local only: Pieces OS does not accept this provider') };
  }
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
