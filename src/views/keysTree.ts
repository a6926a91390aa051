// The sidebar tree: providers that have keys (OpenAI first), and under each its keys with the mask,
// whether Pieces OS uses it, and its state. Masks come from an in-memory cache (MaskCache), filled once
// per key and secret revision; a redraw reads no secret for a row it has shown before.
import * as vscode from 'vscode';
import { ItemContext } from '../constants';
import * as l10n from '@vscode/l10n';
import type { MaskCache, MaskView } from '../core/keys/maskCache';
import { PROVIDERS, type ProviderInfo, getProvider } from '../core/providers/catalogue';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';
import type { Difference } from '../core/sync/drift';
import type { Drift } from '../core/sync/drift';
import type { SyncEngine } from '../core/sync/engine';
import type { KeyState } from '../core/sync/plan';
import { driftSentence, driftWord, isHeld, isProblem, stateSentence, stateWord } from '../core/sync/vocabulary';

export type TreeNode =
  | { readonly kind: 'provider'; readonly provider: ProviderInfo }
  | { readonly kind: 'key'; readonly record: KeyRecord }
  | { readonly kind: 'drift'; readonly provider: ProviderInfo; readonly drift: Difference };

const DAY_MS = 24 * 60 * 60 * 1000;
/** After VS Code's last request for rows following a redraw, how long before they count as read. */
const READ_SETTLE_MS = 30;

/** Marks other parts add to a key row (Use the keys: "in terminals", the last verification). */
export interface KeyRowExtras {
  readonly badges: readonly string[];
  readonly lines: ReadonlyArray<{ readonly icon: string; readonly text: string }>;
  /** New terminals get this key: its menu offers Stop Using in Terminals rather than Use in Terminals. */
  readonly inTerminals?: boolean;
}

export class KeysTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pendingRefresh: ReturnType<typeof setTimeout> | undefined;
  /** Callers of drawNow() waiting for VS Code to read the rows. */
  private readers: Array<() => void> = [];
  private rootRead = false;
  private settle: ReturnType<typeof setTimeout> | undefined;
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

  /**
   * Redraws now; resolves once VS Code has read the rows again (it asks for the root's children, then for
   * each row), or after `maxWaitMs` if it does not ask (a view VS Code does not draw).
   */
  drawNow(maxWaitMs = 1000): Promise<void> {
    clearTimeout(this.pendingRefresh);
    this.pendingRefresh = undefined;
    this.redraws++;
    const read = new Promise<void>((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.readers.push(done);
    });
    this.changed.fire(undefined);
    return read;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    this.noteRead(node);
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

  /**
   * VS Code reads the root's children, then each expanded provider's (a request each), and the rows
   * (getTreeItem) with them: the rows are read once such requests have stopped coming for a moment.
   */
  private noteRead(node: TreeNode | undefined): void {
    // A provider's rows asked for before the root's were asked for since the redraw are from before it.
    if (this.readers.length === 0 || (node !== undefined && !this.rootRead)) return;
    this.rootRead = true;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.rootRead = false;
      for (const done of this.readers.splice(0)) done();
    }, READ_SETTLE_MS);
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
    clearTimeout(this.settle);
    for (const done of this.readers.splice(0)) done();
    this.changed.dispose();
  }

  private providerItem(provider: ProviderInfo): vscode.TreeItem {
    const count = this.store.keysOf(provider.id).length;
    const item = new vscode.TreeItem(provider.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `provider:${provider.id}`;
    item.contextValue = ItemContext.provider;
    item.description = count === 1 ? l10n.t('1 key') : l10n.t('{0} keys', count);
    const active = this.store.activeKey(provider.id);
    const drift = this.driftOf(provider);
    let tooltip: string;
    if (!provider.syncsToPieces) tooltip = l10n.t('{0}: local only; Pieces OS does not accept this provider.', provider.label);
    else if (drift) tooltip = `${provider.label}: ${driftSentence(drift, provider.label, active?.name, this.heldName(drift))}`;
    else if (active && isHeld(this.engine.stateOf(active))) {
      tooltip = l10n.t('{0}: Pieces OS uses "{1}" (synced).', provider.label, active.name);
    } else if (active) {
      tooltip = l10n.t('{0}: you chose "{1}" for Pieces OS ({2}).', provider.label, active.name, stateWord(this.engine.stateOf(active)));
    } else tooltip = l10n.t('{0}: Pieces OS uses none of these keys.', provider.label);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `${provider.label}, ${item.description}. ${tooltip}` };
    item.iconPath = new vscode.ThemeIcon(provider.syncsToPieces ? 'cloud' : 'device-desktop');
    return item;
  }

  private keyItem(record: KeyRecord): vscode.TreeItem {
    const provider = getProvider(record.provider);
    const state = this.engine.stateOf(record);
    // The key the user chose for Pieces OS; whether Pieces OS holds it is the state's to say (isHeld).
    const isActive = !!provider?.syncsToPieces && this.store.choice(record.provider)?.activeId === record.id;
    const held = isHeld(state);
    const mask = maskText(this.masks.peek(record));
    // VS Code cuts a row at its end when the sidebar is narrow or the row's buttons show (hover, focus), so
    // what must survive comes first: the state word (the key Pieces OS uses: "in Pieces OS", or its problem
    // in its place), then the name, which gives way, then the tail of the mask and the marks (the provider is
    // the row above; the tooltip and the accessible name have everything whole).
    const word = rowWord(state);
    const item = new vscode.TreeItem(word ? `${word} · ${record.name}` : record.name, vscode.TreeItemCollapsibleState.None);
    item.id = `key:${record.id}`;
    const extras = this.rowExtras(record);
    item.contextValue = !provider?.syncsToPieces ? ItemContext.localKey : isActive ? ItemContext.activeKey : ItemContext.inactiveKey;
    if (record.previousRev) item.contextValue += ItemContext.withPreviousSuffix;
    if (extras.inTerminals) item.contextValue += ItemContext.inTerminalsSuffix;
    item.description = [rowTail(mask), ...extras.badges].join(' · ');
    const stale = this.isStale(record);
    item.iconPath = stale ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : iconOf(state);
    item.accessibilityInformation = {
      label: [
        record.name,
        l10n.t('{0} key {1}', provider?.label ?? record.provider, mask),
        held ? l10n.t('used by Pieces OS') : isActive ? l10n.t('chosen for Pieces OS') : '',
        stateWord(state),
        stale ? l10n.t('due for rotation') : '',
        ...extras.badges,
      ]
        .filter(Boolean)
        .join(', '),
    };

    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${escape(record.name)}** · ${escape(provider?.label ?? record.provider)}\n\n`);
    if (held) tooltip.appendMarkdown(`$(pass) ${escape(l10n.t('Pieces OS uses this key.'))}\n\n`);
    else if (isActive) tooltip.appendMarkdown(`$(circle-large-outline) ${escape(l10n.t('You chose this key for Pieces OS.'))}\n\n`);
    tooltip.appendMarkdown(`$(${codiconOf(state)}) ${escape(stateSentence(state, formatDate))}\n\n`);
    tooltip.appendMarkdown(`${escape(l10n.t('Key: {0}', mask))}  \n`);
    if (record.organization) tooltip.appendMarkdown(`${escape(l10n.t('Organization: {0}', record.organization))}  \n`);
    tooltip.appendMarkdown(`${escape(l10n.t('Created: {0}', formatDate(record.createdAt)))}  \n`);
    tooltip.appendMarkdown(`${escape(l10n.t('Updated: {0}', formatDate(record.updatedAt)))}`);
    if (record.previousRev) {
      tooltip.appendMarkdown(
        `\n\n$(history) ${escape(l10n.t('The previous key is kept until Pieces OS accepts this one ("Restore Previous Key" brings it back).'))}`,
      );
    }
    if (stale) {
      tooltip.appendMarkdown(`\n\n$(warning) ${escape(l10n.t('Older than {0} days: consider rotating it.', this.rotationReminderDays()))}`);
    }
    for (const line of extras.lines) tooltip.appendMarkdown(`\n\n$(${line.icon}) ${escape(line.text)}`);
    item.tooltip = tooltip;
    return item;
  }

  private driftOf(provider: ProviderInfo): Difference | undefined {
    const drift = this.engine.state.drift[provider.id];
    return drift && drift.kind !== 'inSync' ? drift : undefined;
  }

  /** The name of our key that Pieces OS holds instead of the chosen one, if it is one of ours. */
  private heldName(drift: Drift): string | undefined {
    return drift.kind === 'holdsOther' && drift.ourKeyId ? this.store.get(drift.ourKeyId)?.name : undefined;
  }

  /** What Pieces OS holds, where it differs from the choice: the same words as the status bar's (vocabulary.ts). */
  private driftItem(provider: ProviderInfo, drift: Difference): vscode.TreeItem {
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    item.id = `drift:${provider.id}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    const chosen = this.store.activeKey(provider.id)?.name;
    const ours = this.heldName(drift);
    const sentence = driftSentence(drift, provider.label, chosen, ours);
    item.label = l10n.t('Pieces OS {0}', driftWord(drift));
    // The held key's mask follows the mask rule of every row (no characters of a short key).
    if (drift.kind !== 'holdsNone') {
      item.description = [ours ?? rowTail(drift.mask), !ours ? drift.name : undefined].filter(Boolean).join(' · ');
    }
    switch (drift.kind) {
      case 'holdsOther':
        item.contextValue = ItemContext.drift;
        item.tooltip = `${sentence} ${l10n.t('Send yours, keep the one Pieces OS holds, or leave it.')}`;
        break;
      case 'holdsNone':
        item.contextValue = ItemContext.driftNone;
        item.tooltip = `${sentence} ${l10n.t('It was sent, but Pieces OS no longer holds it (it may have been removed in Pieces). Send it again, or leave it.')}`;
        break;
      case 'holdsUnknown':
        item.contextValue = ItemContext.driftUnknown;
        item.tooltip = `${sentence} ${l10n.t("Keep it here (stored in VS Code's secret storage), or leave it.")}`;
        break;
    }
    item.accessibilityInformation = { label: [item.label, item.description].filter(Boolean).join(', ') + `. ${item.tooltip}` };
    return item;
  }

  private isStale(record: KeyRecord): boolean {
    const days = this.rotationReminderDays();
    if (!days) return false;
    return this.now().getTime() - Date.parse(record.updatedAt) > days * DAY_MS;
  }
}

/**
 * The word a key row leads with: "in Pieces OS" on the key Pieces OS holds, the problem in its place (a
 * problem only ever concerns the key Pieces OS should hold), "in Pieces OS instead"; none for a key Pieces
 * OS does not use or cannot take (its icon says so, its tooltip and accessible name in words).
 */
function rowWord(state: KeyState): string | undefined {
  if (state.kind === 'synced') return l10n.t('in Pieces OS');
  return isProblem(state) || state.kind === 'heldInstead' ? stateWord(state) : undefined;
}

/** "sk-proj-…9f3a" → "…9f3a"; other texts as they are. */
function rowTail(mask: string): string {
  const at = mask.indexOf('…');
  return at > 0 && mask.endsWith(mask.slice(at)) ? mask.slice(at) : mask;
}

function maskText(mask: MaskView): string {
  if (mask === 'loading') return l10n.t('loading');
  if (mask === 'unavailable') return l10n.t('keyring unavailable');
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
    case 'heldInstead':
      return 'pass';
    case 'notHeld':
      return 'warning';
  }
}

function iconOf(state: KeyState): vscode.ThemeIcon {
  const color =
    state.kind === 'synced'
      ? 'testing.iconPassed'
      : state.kind === 'rejected'
        ? 'list.errorForeground'
        : state.kind === 'failed' || state.kind === 'keyring' || state.kind === 'notHeld'
          ? 'list.warningForeground'
          : undefined;
  return new vscode.ThemeIcon(codiconOf(state), color ? new vscode.ThemeColor(color) : undefined);
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
