// The tree's rows, built once and kept, and which of them to tell VS Code about after a change, so that a
// redraw touches only what changed. A row is kept while what it shows from stays the same: its record (a
// record is a new object whenever it changes), its mask, its state, whether it is the key in use. A change
// marks the rows it can affect: a key's record or secret, its own row; a provider's choice, sync record or
// comparison with Pieces OS, the rows whose state depends on them (the key in use, the one Pieces OS holds
// instead, and the rows last drawn in such a state). A redraw builds those again and names to VS Code only
// the rows that came out different, or a provider, whose whole list VS Code then reads again, when its rows
// or their order changed (every other row of it from what is kept). No vscode import: the tree gives the
// builders, and this is tested under plain mocha.
import type { Disposable } from '../core/emitter';
import type { MaskCache, MaskView } from '../core/keys/maskCache';
import { PROVIDERS, type ProviderId, type ProviderInfo } from '../core/providers/catalogue';
import type { KeyStore } from '../core/store/keyStore';
import { type KeyRecord, recordOf } from '../core/store/records';
import type { Difference } from '../core/sync/drift';
import type { SyncEngine } from '../core/sync/engine';
import type { KeyState } from '../core/sync/plan';

export type TreeNode =
  | { readonly kind: 'provider'; readonly provider: ProviderInfo }
  | { readonly kind: 'key'; readonly record: KeyRecord }
  | { readonly kind: 'drift'; readonly provider: ProviderInfo; readonly drift: Difference };

/** How the tree builds each kind of row (keysTree.ts), and when two built rows look the same. */
export interface RowBuilders<Item> {
  key(record: KeyRecord): Item;
  provider(provider: ProviderInfo): Item;
  drift(provider: ProviderInfo, drift: Difference): Item;
  same(a: Item, b: Item): boolean;
  /**
   * When a key's row changes by itself (the first moment it shows as due for rotation); undefined: never.
   * A moment already past means it shows so already: the row does not change by itself again.
   */
  expires(record: KeyRecord): number | undefined;
}

export interface RowSources {
  readonly store: Pick<KeyStore, 'list' | 'keysOf' | 'get' | 'choice' | 'onDidChange' | 'onDidChangeSecret'>;
  readonly engine: Pick<SyncEngine, 'state' | 'stateOf' | 'onDidChange'>;
  readonly masks: Pick<MaskCache, 'peek'>;
  readonly now?: () => number;
}

/** What VS Code is to read again: everything, or these nodes (a provider: its row and its whole list). */
export type RowChanges = { readonly all: true } | { readonly all: false; readonly nodes: readonly TreeNode[] };

interface KeyRow<Item> {
  readonly record: KeyRecord;
  readonly mask: MaskView;
  readonly state: string;
  readonly active: boolean;
  readonly expires: number;
  readonly item: Item;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type KeyNode = Mutable<Extract<TreeNode, { kind: 'key' }>>;
type ProviderNode = Extract<TreeNode, { kind: 'provider' }>;
type DriftNode = Mutable<Extract<TreeNode, { kind: 'drift' }>>;

/** A state as a string, equal for states every view draws alike. */
function stateKey(state: KeyState): string {
  return state.kind === 'inactive' || state.kind === 'localOnly' ? state.kind : JSON.stringify(state);
}

/** Whether a row's state can change with its provider's choice, sync record or comparison (not just with its own record). */
function dependsOnProvider(state: string, active: boolean): boolean {
  return active || (state !== 'inactive' && state !== 'localOnly');
}

/** Above this many changed rows, a redraw is a full one. */
const MANY_ROWS = 64;

const SYNCING: readonly ProviderId[] = PROVIDERS.filter((p) => p.syncsToPieces).map((p) => p.id);

export class TreeRows<Item> implements Disposable {
  private readonly providerNodes = new Map<ProviderId, ProviderNode>(
    PROVIDERS.map((provider) => [provider.id, { kind: 'provider', provider }]),
  );
  private readonly keyNodes = new Map<string, KeyNode>();
  private readonly driftNodes = new Map<ProviderId, DriftNode>();
  private readonly rows = new Map<string, KeyRow<Item>>();
  private readonly providerItems = new Map<ProviderId, Item>();
  private readonly driftItems = new Map<ProviderId, Item>();
  /** What VS Code was last given: the root's providers, and each provider's children (key ids, 'drift'). */
  private shownRoot: ProviderId[] = [];
  private readonly shownChildren = new Map<ProviderId, string[]>();
  /** Rows whose state depends on their provider's choice, sync record or comparison, as last built. */
  private readonly dependent = new Map<ProviderId, Set<string>>();
  /** Rows built while their mask was not there yet (loading, or the keyring gave nothing). */
  private readonly waitingMasks = new Set<string>();
  private readonly changedKeys = new Set<string>();
  private readonly changedProviders = new Set<ProviderId>();
  private everything = true;
  private nextExpiry = Infinity;
  private readonly now: () => number;
  private readonly subscriptions: Disposable[];

  constructor(
    private readonly sources: RowSources,
    private readonly build: RowBuilders<Item>,
  ) {
    this.now = sources.now ?? (() => Date.now());
    this.subscriptions = [
      sources.store.onDidChange(({ names }) => {
        for (const name of names) {
          const record = recordOf(name);
          if (record?.kind === 'key') this.changedKeys.add(record.id);
          else if (record?.kind === 'choice' || record?.kind === 'sent') this.changedProviders.add(record.id as ProviderId);
        }
      }),
      sources.store.onDidChangeSecret((id) => this.changedKeys.add(id)),
      sources.engine.onDidChange(() => {
        for (const provider of SYNCING) this.changedProviders.add(provider);
      }),
    ];
  }

  /** Every row is built again at the next redraw (settings or marks from other parts changed). */
  invalidate(): void {
    this.everything = true;
  }

  /** The root's providers, or a provider's rows (the drift first); what VS Code is given is remembered. */
  children(node: TreeNode | undefined): TreeNode[] {
    if (!node) {
      this.shownRoot = this.rootProviders();
      return this.shownRoot.map((id) => this.providerNodes.get(id)!);
    }
    if (node.kind !== 'provider') return [];
    const provider = node.provider;
    const children: TreeNode[] = this.sources.store.keysOf(provider.id).map((record) => this.keyNode(record));
    const drift = difference(this.sources.engine.state.drift[provider.id]);
    if (drift) children.unshift(this.driftNode(provider, drift));
    this.shownChildren.set(provider.id, children.map(childId));
    return children;
  }

  /** The row for `node`: the one kept, unless what it shows from changed since it was built. */
  item(node: TreeNode): Item {
    if (node.kind === 'provider') return this.providerItem(node.provider, false);
    if (node.kind === 'drift') {
      const item = this.build.drift(node.provider, node.drift);
      this.driftItems.set(node.provider.id, item);
      return item;
    }
    return this.keyItem(this.sources.store.get(node.record.id) ?? node.record).item;
  }

  /**
   * What changed since the last call, for VS Code to read again, and the rows built anew for it. Everything
   * when nothing was drawn yet, when asked to (invalidate), when a provider appeared or left, or when a
   * row became due for rotation.
   */
  changes(): RowChanges {
    if (this.everything || this.now() >= this.nextExpiry) return this.restart();
    const { store, engine, masks } = this.sources;
    for (const id of this.waitingMasks) {
      const record = store.get(id);
      if (record && masks.peek(record) !== this.rows.get(id)?.mask) this.changedKeys.add(id);
    }
    // Many rows at once (the masks of a whole list arrived, another window changed many keys): one full
    // redraw, rather than comparing each row and naming each to VS Code.
    if (this.changedKeys.size > MANY_ROWS) return this.restart();
    const touched = new Set<ProviderId>(this.changedProviders);
    if (this.changedProviders.size > 0) {
      const drift = engine.state.drift;
      for (const provider of this.changedProviders) {
        const active = store.choice(provider)?.activeId;
        const held = drift[provider];
        for (const id of [active, held?.kind === 'holdsOther' ? held.ourKeyId : undefined, ...(this.dependent.get(provider) ?? [])]) {
          if (id) this.changedKeys.add(id);
        }
      }
    }
    const nodes: TreeNode[] = [];
    for (const id of this.changedKeys) {
      const node = this.keyNodes.get(id);
      const record = store.get(id);
      if (node) touched.add(node.record.provider);
      if (record) touched.add(record.provider);
      if (!record) {
        this.forgetKey(id);
        continue;
      }
      if (!node) continue; // a new key: its provider's list shows it
      node.record = record;
      const before = this.rows.get(id);
      if (before && !this.build.same(before.item, this.keyItem(record).item)) nodes.push(node);
    }
    this.changedKeys.clear();
    this.changedProviders.clear();
    if (touched.size === 0) return { all: false, nodes: [] };
    const drift = engine.state.drift;
    if (!sameIds(this.rootProviders(), this.shownRoot)) return this.restart();
    const fired: TreeNode[] = [];
    for (const id of touched) {
      const provider = this.providerNodes.get(id)!;
      if (!this.shownRoot.includes(id)) continue;
      const shown = this.shownChildren.get(id);
      const now = [...(difference(drift[id]) ? ['drift'] : []), ...store.keysOf(id).map((record) => record.id)];
      const before = this.providerItems.get(id);
      // Its rows or their order changed, or its own row did: VS Code reads it and its list again (kept rows are reused).
      if (!shown || !sameIds(now, shown) || !before || !this.build.same(before, this.providerItem(provider.provider, true))) {
        fired.push(provider);
        continue;
      }
      const differs = difference(drift[id]);
      const driftNode = this.driftNodes.get(id);
      const driftBefore = this.driftItems.get(id);
      if (differs && driftNode && driftBefore) {
        driftNode.drift = differs;
        const driftNow = this.build.drift(provider.provider, differs);
        if (!this.build.same(driftBefore, driftNow)) {
          this.driftItems.set(id, driftNow);
          fired.push(driftNode);
        }
      }
      for (const node of nodes) if (node.kind === 'key' && node.record.provider === id) fired.push(node);
    }
    return { all: false, nodes: fired };
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  /** Everything again: every row is built anew when VS Code reads it. */
  private restart(): RowChanges {
    this.everything = false;
    this.rows.clear();
    this.waitingMasks.clear();
    this.dependent.clear();
    this.providerItems.clear();
    this.driftItems.clear();
    this.changedKeys.clear();
    this.changedProviders.clear();
    this.nextExpiry = Infinity;
    return { all: true };
  }

  private keyItem(record: KeyRecord): KeyRow<Item> {
    const { engine, masks, store } = this.sources;
    const mask = masks.peek(record);
    const state = stateKey(engine.stateOf(record));
    const active = store.choice(record.provider)?.activeId === record.id;
    const kept = this.rows.get(record.id);
    if (
      kept &&
      kept.record === record &&
      kept.mask === mask &&
      kept.state === state &&
      kept.active === active &&
      this.now() < kept.expires
    ) {
      return kept;
    }
    const due = this.build.expires(record);
    const row: KeyRow<Item> = {
      record,
      mask,
      state,
      active,
      // Already due: the row shows it now, and does not change by itself again.
      expires: due !== undefined && due > this.now() ? due : Infinity,
      item: this.build.key(record),
    };
    this.rows.set(record.id, row);
    this.nextExpiry = Math.min(this.nextExpiry, row.expires);
    if (mask === 'loading' || mask === 'unavailable') this.waitingMasks.add(record.id);
    else this.waitingMasks.delete(record.id);
    const dependent = this.dependent.get(record.provider) ?? new Set<string>();
    this.dependent.set(record.provider, dependent);
    if (dependsOnProvider(state, active)) dependent.add(record.id);
    else dependent.delete(record.id);
    return row;
  }

  /** The providers that have keys, or a difference with Pieces OS to show. */
  private rootProviders(): ProviderId[] {
    const withKeys = new Set(this.sources.store.list().map((key) => key.provider));
    const drift = this.sources.engine.state.drift;
    return PROVIDERS.filter((p) => withKeys.has(p.id) || difference(drift[p.id])).map((p) => p.id);
  }

  /** The node of a provider's row (the same object every time, as VS Code knows it). */
  providerNode(provider: ProviderId): TreeNode | undefined {
    return this.providerNodes.get(provider);
  }

  /** The provider's row; `fresh`: built again (to compare), otherwise the one kept if any. */
  private providerItem(provider: ProviderInfo, fresh: boolean): Item {
    const kept = this.providerItems.get(provider.id);
    if (kept && !fresh) return kept;
    const item = this.build.provider(provider);
    this.providerItems.set(provider.id, item);
    return item;
  }

  private keyNode(record: KeyRecord): KeyNode {
    let node = this.keyNodes.get(record.id);
    if (!node) {
      node = { kind: 'key', record };
      this.keyNodes.set(record.id, node);
    } else node.record = record;
    return node;
  }

  private driftNode(provider: ProviderInfo, drift: Difference): DriftNode {
    let node = this.driftNodes.get(provider.id);
    if (!node) {
      node = { kind: 'drift', provider, drift };
      this.driftNodes.set(provider.id, node);
    } else node.drift = drift;
    return node;
  }

  private forgetKey(id: string): void {
    this.keyNodes.delete(id);
    this.rows.delete(id);
    this.waitingMasks.delete(id);
    for (const dependent of this.dependent.values()) dependent.delete(id);
  }
}

function difference(drift: { readonly kind: string } | undefined): Difference | undefined {
  return drift && drift.kind !== 'inSync' ? (drift as Difference) : undefined;
}

function childId(node: TreeNode): string {
  return node.kind === 'key' ? node.record.id : node.kind;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
