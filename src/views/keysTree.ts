// The sidebar tree: providers that have keys (OpenAI first), and under each its keys with the mask,
// whether Pieces OS uses it, and its state. Masks come from an in-memory cache (MaskCache), filled once
// per key and secret revision; a redraw reads no secret for a row it has shown before.
import * as vscode from 'vscode';
import { ItemContext } from '../constants';
import { t } from '../core/l10n';
import type { MaskCache, MaskView } from '../core/masks';
import { PROVIDERS, type ProviderInfo, getProvider } from '../core/providers';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';
import type { Drift, KeyState, SyncEngine } from '../core/syncEngine';
import { isProblem, stateSentence, stateWord } from '../core/vocabulary';

export type TreeNode =
  | { readonly kind: 'provider'; readonly provider: ProviderInfo }
  | { readonly kind: 'key'; readonly record: KeyRecord }
  | { readonly kind: 'drift'; readonly provider: ProviderInfo; readonly drift: Drift };

const DAY_MS = 24 * 60 * 60 * 1000;
/** Longer names are clipped in the row (the tooltip has them whole), so the mask stays visible. */
const ROW_NAME_MAX = 16;

/** Marks other parts add to a key row (Use the keys: "in terminals", the last verification). */
export interface KeyRowExtras {
  readonly badges: readonly string[];
  readonly lines: ReadonlyArray<{ readonly icon: string; readonly text: string }>;
}

export class KeysTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pendingRefresh: ReturnType<typeof setTimeout> | undefined;
  /** Redraws fired (for tests and the bench). */
  redraws = 0;
  private rowExtras: (record: KeyRecord) => KeyRowExtras = () => ({ badges: [], lines: [] });

  constructor(
    private readonly store: KeyStore,
    private readonly engine: Pick<SyncEngine, 'state' | 'stateOf'>,
    private readonly masks: MaskCache,
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
      this.redraws++;
      this.changed.fire(undefined);
    }, 50);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      const keys = this.store.list();
      const providers = new Set(keys.map((k) => k.provider));
      return PROVIDERS.filter((p) => providers.has(p.id) || this.driftOf(p)).map((provider) => ({ kind: 'provider', provider }));
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

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'provider') return this.providerItem(node.provider);
    if (node.kind === 'drift') return this.driftItem(node.provider, node.drift);
    return this.keyItem(this.store.get(node.record.id) ?? node.record);
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
    item.description = count === 1 ? t('1 key') : t('{0} keys', count);
    const active = this.store.activeKey(provider.id);
    let tooltip: string;
    if (!provider.syncsToPieces) tooltip = t('{0}: kept in VS Code only; Pieces OS does not accept this provider.', provider.label);
    else if (active) tooltip = t('{0}: Pieces OS uses "{1}" ({2}).', provider.label, active.name, stateWord(this.engine.stateOf(active)));
    else tooltip = t('{0}: Pieces OS uses none of these keys.', provider.label);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `${provider.label}, ${item.description}. ${tooltip}` };
    item.iconPath = new vscode.ThemeIcon(provider.syncsToPieces ? 'cloud' : 'device-desktop');
    return item;
  }

  private keyItem(record: KeyRecord): vscode.TreeItem {
    const provider = getProvider(record.provider);
    const state = this.engine.stateOf(record);
    const isActive = state.kind !== 'inactive' && state.kind !== 'localOnly';
    const mask = maskText(this.masks.peek(record));
    const item = new vscode.TreeItem(clip(record.name, ROW_NAME_MAX), vscode.TreeItemCollapsibleState.None);
    item.id = `key:${record.id}`;
    item.contextValue = !provider?.syncsToPieces ? ItemContext.localKey : isActive ? ItemContext.activeKey : ItemContext.inactiveKey;
    if (record.previousRev) item.contextValue += ItemContext.withPreviousSuffix;
    // What matters most comes first, so that the default sidebar width (300 px) shows it: whether Pieces
    // OS uses the key, then the tail of the mask (the provider is the row above; the tooltip and the
    // accessible name have the whole mask). A problem only ever concerns the key Pieces OS uses, so it
    // takes the place of "in Pieces OS" after the tail: "…9f3a · waiting", not cut off at the edge.
    const problem = isProblem(state);
    const parts = isActive && !problem ? [t('in Pieces OS'), rowTail(mask)] : [rowTail(mask)];
    if (problem) parts.push(stateWord(state));
    const extras = this.rowExtras(record);
    parts.push(...extras.badges);
    item.description = parts.join(' · ');
    const stale = this.isStale(record);
    item.iconPath = stale ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : iconOf(state);
    item.accessibilityInformation = {
      label: [record.name, t('{0} key {1}', provider?.label ?? record.provider, mask), isActive ? t('used by Pieces OS') : '', stateWord(state), stale ? t('due for rotation') : '', ...extras.badges]
        .filter(Boolean)
        .join(', '),
    };

    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${escape(record.name)}** · ${escape(provider?.label ?? record.provider)}\n\n`);
    if (isActive) tooltip.appendMarkdown(`$(pass) ${escape(t('Pieces OS uses this key.'))}\n\n`);
    tooltip.appendMarkdown(`$(${codiconOf(state)}) ${escape(stateSentence(state, formatDate))}\n\n`);
    tooltip.appendMarkdown(`${escape(t('Key: {0}', mask))}  \n`);
    if (record.organization) tooltip.appendMarkdown(`${escape(t('Organization: {0}', record.organization))}  \n`);
    tooltip.appendMarkdown(`${escape(t('Created: {0}', formatDate(record.createdAt)))}  \n`);
    tooltip.appendMarkdown(`${escape(t('Updated: {0}', formatDate(record.updatedAt)))}`);
    if (record.previousRev) tooltip.appendMarkdown(`\n\n$(history) ${escape(t('The previous key is kept until Pieces OS accepts this one ("Restore Previous Key" brings it back).'))}`);
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
    item.accessibilityInformation = { label: `${typeof item.label === 'string' ? item.label : ''} ${item.description ?? ''}. ${typeof item.tooltip === 'string' ? item.tooltip : ''}` };
    return item;
  }

  private isStale(record: KeyRecord): boolean {
    const days = this.rotationReminderDays();
    if (!days) return false;
    return this.now().getTime() - Date.parse(record.updatedAt) > days * DAY_MS;
  }
}

/** "sk-proj-…9f3a" → "…9f3a"; other texts as they are. */
function rowTail(mask: string): string {
  const at = mask.indexOf('…');
  return at > 0 && mask.endsWith(mask.slice(at)) ? mask.slice(at) : mask;
}

function maskText(mask: MaskView): string {
  if (mask === 'loading') return t('loading');
  if (mask === 'unavailable') return t('keyring unavailable');
  return mask;
}

function codiconOf(state: KeyState): string {
  switch (state.kind) {
    case 'synced':
      return 'pass';
    case 'waiting':
      return 'clock';
    case 'signIn':
      return 'account';
    case 'failed':
      return 'warning';
    case 'rejected':
      return 'error';
    case 'keyring':
      return 'lock';
    case 'localOnly':
      return 'device-desktop';
    case 'inactive':
      return 'circle-outline';
  }
}

function iconOf(state: KeyState): vscode.ThemeIcon {
  const color =
    state.kind === 'synced'
      ? 'testing.iconPassed'
      : state.kind === 'rejected'
        ? 'list.errorForeground'
        : state.kind === 'failed' || state.kind === 'keyring'
          ? 'list.warningForeground'
          : undefined;
  return new vscode.ThemeIcon(codiconOf(state), color ? new vscode.ThemeColor(color) : undefined);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
