// The sidebar tree: providers that have keys (OpenAI first), and under each its keys with the mask,
// whether Pieces OS uses it, and its state. Masks come from an in-memory cache (MaskCache), filled once
// per key and secret revision; a redraw reads no secret for a row it has shown before. Rows are built once
// and kept (treeRows.ts): a redraw tells VS Code only of the rows that changed.
import * as vscode from 'vscode';
import { ItemContext } from '../constants';
import * as l10n from '@vscode/l10n';
import type { MaskCache, MaskView } from '../core/keys/maskCache';
import { type ProviderInfo, getProvider } from '../core/providers/catalogue';
import type { KeyRecord, KeyStore } from '../core/store/keyStore';
import type { Difference } from '../core/sync/drift';
import type { Drift } from '../core/sync/drift';
import type { SyncEngine } from '../core/sync/engine';
import type { KeyState } from '../core/sync/plan';
import { driftSentence, driftWord, isHeld, isProblem, stateSentence, stateWord } from '../core/sync/vocabulary';
import { type RowChanges, type TreeNode, TreeRows } from './treeRows';

export type { TreeNode } from './treeRows';

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
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pendingRefresh: ReturnType<typeof setTimeout> | undefined;
  /** Callers of drawNow() waiting for VS Code to read the rows. */
  private readers: Array<() => void> = [];
  /** What the last redraw asked VS Code to read again: the whole tree, or these nodes. */
  private awaited: 'root' | ReadonlySet<TreeNode> = 'root';
  private readStarted = false;
  private settle: ReturnType<typeof setTimeout> | undefined;
  /** When VS Code last asked for rows while a redraw waits to be read (performance.now()). */
  private lastRead = 0;
  /** VS Code is asking for rows in this run of the event loop (its end is noted). */
  private readRun = false;
  /** Redraws fired (for tests and the bench). */
  redraws = 0;
  private rowExtras: (record: KeyRecord) => KeyRowExtras = () => ({ badges: [], lines: [] });
  private readonly rows: TreeRows<vscode.TreeItem>;
  private readonly subscriptions: vscode.Disposable[];
  /** The setting, read once per full redraw rather than for every row (a configuration read is not free). */
  private reminderDays: number | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly engine: Pick<SyncEngine, 'state' | 'stateOf' | 'onDidChange'>,
    private readonly masks: MaskCache,
    private readonly readRotationReminderDays: () => number,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.rows = new TreeRows(
      { store, engine, masks, now: () => this.now().getTime() },
      {
        key: (record) => this.keyItem(record),
        provider: (provider, keys) => this.providerItem(provider, keys),
        drift: (provider, drift) => this.driftItem(provider, drift),
        same: sameItem,
        expires: (record) => {
          const days = this.rotationReminderDays();
          // isStale: more than `days` days old, to the millisecond.
          return days ? Date.parse(record.updatedAt) + days * DAY_MS + 1 : undefined;
        },
      },
    );
    // A mask that arrived, or a secret that changed (perhaps in another window): its row, soon.
    this.subscriptions = [this.rows, masks.onDidChange(() => this.redrawSoon()), store.onDidChangeSecret(() => this.redrawSoon())];
  }

  setRowExtras(extras: (record: KeyRecord) => KeyRowExtras): void {
    this.rowExtras = extras;
  }

  /** Rows may have changed in ways the tree does not see (settings, marks of other parts): all of them, soon. */
  refresh(): void {
    this.reminderDays = undefined;
    this.rows.invalidate();
    this.redrawSoon();
  }

  /**
   * Redraws now what changed; resolves once VS Code has read those rows again (it asks for each named row,
   * or for the root's children and then each row), or after `maxWaitMs` if it does not ask (a view VS Code
   * does not draw). When nothing changed there is nothing to read.
   */
  drawNow(maxWaitMs = 1000): Promise<void> {
    clearTimeout(this.pendingRefresh);
    this.pendingRefresh = undefined;
    const changes = this.rows.changes();
    if (!changes.all && changes.nodes.length === 0) return Promise.resolve();
    const read = new Promise<void>((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.readers.push(done);
    });
    this.fire(changes);
    return read;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    this.noteRead(node, true);
    return this.rows.children(node);
  }

  /**
   * After a redraw VS Code asks for what it was told changed (the root's children, then each provider's; or
   * the rows named), and the rows with them: they are read once such requests have stopped coming for a moment.
   */
  private noteRead(node: TreeNode | undefined, children: boolean): void {
    if (this.readers.length === 0) return;
    // Requests about other rows, or a provider's rows asked for before the root's, are from before the redraw.
    if (!this.readStarted) {
      const awaited = this.awaited;
      if (awaited === 'root' ? !children || node !== undefined : node === undefined || !awaited.has(node)) return;
      this.readStarted = true;
    }
    // VS Code asks for every row of a list in one run (10,000 keys: 10,000 calls): the run is noted once, when it ends.
    if (this.readRun) return;
    this.readRun = true;
    queueMicrotask(() => {
      this.readRun = false;
      if (this.readers.length === 0) return; // disposed, or done meanwhile
      this.lastRead = performance.now();
      this.settle ??= setTimeout(() => this.settled(), READ_SETTLE_MS);
    });
  }

  /** Once VS Code has asked for nothing for READ_SETTLE_MS, the rows count as read. */
  private settled(): void {
    const quietFor = performance.now() - this.lastRead;
    if (quietFor < READ_SETTLE_MS) {
      this.settle = setTimeout(() => this.settled(), READ_SETTLE_MS - quietFor);
      return;
    }
    this.settle = undefined;
    this.readStarted = false;
    for (const done of this.readers.splice(0)) done();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'provider') return undefined;
    return this.rows.providerNode(node.kind === 'drift' ? node.provider.id : node.record.provider);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    this.noteRead(node, false);
    return this.rows.item(node);
  }

  dispose(): void {
    clearTimeout(this.pendingRefresh);
    clearTimeout(this.settle);
    for (const done of this.readers.splice(0)) done();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  /** Several changes in a row cause one redraw, of what changed. */
  private redrawSoon(): void {
    this.pendingRefresh ??= setTimeout(() => {
      this.pendingRefresh = undefined;
      const changes = this.rows.changes();
      if (changes.all || changes.nodes.length > 0) this.fire(changes);
    }, 50);
  }

  private fire(changes: RowChanges): void {
    this.redraws++;
    this.readStarted = false;
    // A read that was settling is of rows this redraw replaces: its waiters wait for this one's read.
    clearTimeout(this.settle);
    this.settle = undefined;
    this.awaited = changes.all ? 'root' : new Set(changes.nodes);
    this.changed.fire(changes.all ? undefined : [...changes.nodes]);
  }

  private rotationReminderDays(): number {
    return (this.reminderDays ??= this.readRotationReminderDays());
  }

  private providerItem(provider: ProviderInfo, count: number): vscode.TreeItem {
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

/** As Date.toLocaleString() shows it, from one formatter: toLocaleString builds a new one on every call. */
let dateFormat: Intl.DateTimeFormat | undefined;
/** Dates already formatted (a key's two dates are often one; formatting one takes microseconds), a few thousand at most. */
const formattedDates = new Map<string, string>();
const FORMATTED_DATES_MAX = 4096;

function formatDate(iso: string): string {
  const known = formattedDates.get(iso);
  if (known !== undefined) return known;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  dateFormat ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const text = dateFormat.format(date);
  if (formattedDates.size >= FORMATTED_DATES_MAX) formattedDates.clear();
  formattedDates.set(iso, text);
  return text;
}

/**
 * Whether VS Code would show two rows alike: every field a row sets, as JSON (icons and colors serialize
 * with their ids), the text of a Markdown tooltip included (a MarkdownString keeps it out of JSON's reach).
 */
function sameItem(a: vscode.TreeItem, b: vscode.TreeItem): boolean {
  return a === b || JSON.stringify(a, itemFields) === JSON.stringify(b, itemFields);
}

function itemFields(_key: string, value: unknown): unknown {
  return value instanceof vscode.MarkdownString ? { markdown: value.value } : value;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
