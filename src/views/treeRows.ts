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
  provider(provider: ProviderInfo, keys: number): Item;
  drift(provider: ProviderInfo, drift: Difference): Item;
  same(a: Item, b: Item): boolean;
  /**
   * When a key's row changes by itself (the first moment it shows as due for rotation); undefined: never.
   * A moment already past means it shows so already: the row does not change by itself again.
   */
  expires(record: KeyRecord): number | undefined;
}

export interface RowSources {
  readonly store: Pick<KeyStore, 'list' | 'get' | 'choice' | 'onDidChange' | 'onDidChangeSecret'>;
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
/** A key's node, as VS Code holds it, with the row built for it (kept on the node: a read of 10,000 rows looks up nothing). */
type KeyNode = Mutable<Extract<TreeNode, { kind: 'key' }>> & { row?: KeyRow<unknown> | undefined };
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
  private readonly providerItems = new Map<ProviderId, Item>();
  private readonly driftItems = new Map<ProviderId, Item>();
  /** What VS Code was last given: the root's providers, and each provider's children (one node per key, kept). */
  private shownRoot: ProviderId[] = [];
  private readonly shownChildren = new Map<ProviderId, readonly TreeNode[]>();
  /** Each provider's rows, with the store's list and the difference they were made from. */
  private readonly lists = new Map<ProviderId, { list: readonly KeyRecord[]; drift: Difference | undefined; children: TreeNode[] }>();
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

  /**
   * Every row is built again (settings or marks from other parts changed, which the kept rows cannot see): from
   * now on, also when read before the next redraw, which then names everything.
   */
  invalidate(): void {
    this.restart();
    this.everything = true;
  }

  /** The root's providers, or a provider's rows (the drift first); what VS Code is given is remembered. */
  children(node: TreeNode | undefined): TreeNode[] {
    if (!node) {
      this.shownRoot = this.rootProviders();
      return this.shownRoot.map((id) => this.providerNodes.get(id)!);
    }
    if (node.kind !== 'provider') return [];
    const children = this.listOf(node.provider);
    this.shownChildren.set(node.provider.id, children);
    return children;
  }

  /** A provider's rows (the drift first). The store's list is a new array whenever a key changes: the same list gives the same rows. */
  private listOf(provider: ProviderInfo): TreeNode[] {
    const list = this.sources.store.list();
    const drift = difference(this.sources.engine.state.drift[provider.id]);
    const kept = this.lists.get(provider.id);
    if (kept && kept.list === list && kept.drift === drift) return kept.children;
    const children: TreeNode[] = [];
    if (drift) children.push(this.driftNode(provider, drift));
    for (const record of list) if (record.provider === provider.id) children.push(this.keyNode(record));
    this.lists.set(provider.id, { list, drift, children });
    return children;
  }

  /**
   * The row for `node`: the one kept, unless what it shows from changed since it was built. Every such change
   * comes as an event (a record, a secret, the engine) or a moment (due for rotation): while none is pending,
   * a kept row is returned as it is, since VS Code reads every row of a list whenever the list changes.
   */
  item(node: TreeNode): Item {
    if (node.kind === 'provider') return this.providerItem(node.provider, false);
    if (node.kind === 'drift') {
      const item = this.build.drift(node.provider, node.drift);
      this.driftItems.set(node.provider.id, item);
      return item;
    }
    if (!this.everything && this.changedKeys.size === 0 && this.changedProviders.size === 0) {
      const kept = (node as KeyNode).row as KeyRow<Item> | undefined;
      if (kept && kept.record === node.record && (this.nextExpiry === Infinity || this.now() < this.nextExpiry)) return kept.item;
    }
    return this.keyItem(node, this.sources.store.get(node.record.id) ?? node.record).item;
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
      if (record && masks.peek(record) !== this.keyNodes.get(id)?.row?.mask) this.changedKeys.add(id);
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
    /** The keys whose place in their provider's list may have changed: the node it had, the record it has. */
    const moved: Array<{ node: KeyNode | undefined; record: KeyRecord | undefined }> = [];
    for (const id of this.changedKeys) {
      const node = this.keyNodes.get(id);
      const record = store.get(id);
      if (node) touched.add(node.record.provider);
      if (record) touched.add(record.provider);
      moved.push({ node, record });
      if (!record) {
        this.forgetKey(id);
        continue;
      }
      if (!node) continue; // a new key: its provider's list shows it
      node.record = record;
      const before = node.row as KeyRow<Item> | undefined;
      if (before && !this.build.same(before.item, this.keyItem(node, record).item)) nodes.push(node);
    }
    this.changedKeys.clear();
    this.changedProviders.clear();
    if (touched.size === 0) return { all: false, nodes: [] };
    const drift = engine.state.drift;
    if (!sameIds(this.rootProviders(), this.shownRoot)) return this.restart();
    const fired: TreeNode[] = [];
    for (const id of touched) {
      const provider = this.providerNodes.get(id)!;
      this.patchList(provider.provider, moved);
      if (!this.shownRoot.includes(id)) continue;
      const shown = this.shownChildren.get(id);
      const before = this.providerItems.get(id);
      // Its rows or their order changed, or its own row did: VS Code reads it and its list again (kept rows are reused).
      if (
        !shown ||
        !sameNodes(this.listOf(provider.provider), shown) ||
        !before ||
        !this.build.same(before, this.providerItem(provider.provider, true))
      ) {
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

  /**
   * Brings a provider's kept list up to the store's by moving only the keys that changed, rather than
   * looking up a node for each of its keys (a list of 10,000 changes by one row at a time). Every key whose
   * record changed since the list was made is in `moved`: changes() sees every such change, and a list
   * it cannot patch (the difference with Pieces OS changed) is dropped, to be made again when read.
   */
  private patchList(provider: ProviderInfo, moved: ReadonlyArray<{ node: KeyNode | undefined; record: KeyRecord | undefined }>): void {
    const kept = this.lists.get(provider.id);
    const list = this.sources.store.list();
    if (!kept || kept.list === list) return;
    const drift = difference(this.sources.engine.state.drift[provider.id]);
    if (kept.drift !== drift) {
      this.lists.delete(provider.id);
      return;
    }
    const first = firstOf(list, provider.id);
    // One key changed and kept its place (a rotation, a rename that does not move it): the same rows.
    const [only] = moved;
    if (moved.length === 1 && only?.node && only.record?.provider === provider.id) {
      const was = kept.children.indexOf(only.node);
      if (was >= 0 && was === list.indexOf(only.record) - first + (drift ? 1 : 0)) {
        this.lists.set(provider.id, { list, drift, children: kept.children });
        return;
      }
    }
    // A new array: the one VS Code was given is what the list is compared with.
    const children = kept.children.slice();
    for (const { node } of moved) {
      const at = node ? children.indexOf(node) : -1;
      if (at >= 0) children.splice(at, 1);
    }
    const places: Array<{ at: number; record: KeyRecord }> = [];
    for (const { record } of moved) {
      if (record?.provider !== provider.id) continue;
      const at = list.indexOf(record);
      if (at < 0) {
        this.lists.delete(provider.id); // not in the list it is shown in: made again when read
        return;
      }
      places.push({ at: at - first + (drift ? 1 : 0), record });
    }
    // In the order of their places: each goes where it belongs once every row before it is in place.
    places.sort((a, b) => a.at - b.at);
    for (const { at, record } of places) children.splice(at, 0, this.keyNode(record));
    this.lists.set(provider.id, { list, drift, children });
  }

  /** Everything again: every row is built anew when VS Code reads it. */
  private restart(): RowChanges {
    this.everything = false;
    this.lists.clear();
    for (const node of this.keyNodes.values()) node.row = undefined;
    this.waitingMasks.clear();
    this.dependent.clear();
    this.providerItems.clear();
    this.driftItems.clear();
    this.changedKeys.clear();
    this.changedProviders.clear();
    this.nextExpiry = Infinity;
    return { all: true };
  }

  private keyItem(node: KeyNode, record: KeyRecord): KeyRow<Item> {
    const { engine, masks, store } = this.sources;
    const mask = masks.peek(record);
    const state = stateKey(engine.stateOf(record));
    const active = store.choice(record.provider)?.activeId === record.id;
    const kept = node.row as KeyRow<Item> | undefined;
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
    node.row = row;
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
    const list = this.sources.store.list();
    const drift = this.sources.engine.state.drift;
    return PROVIDERS.filter((p) => list[firstOf(list, p.id)]?.provider === p.id || difference(drift[p.id])).map((p) => p.id);
  }

  /** The node of a provider's row (the same object every time, as VS Code knows it). */
  providerNode(provider: ProviderId): TreeNode | undefined {
    return this.providerNodes.get(provider);
  }

  /** The provider's row; `fresh`: built again (to compare), otherwise the one kept if any. */
  private providerItem(provider: ProviderInfo, fresh: boolean): Item {
    const kept = this.providerItems.get(provider.id);
    if (kept && !fresh) return kept;
    const rows = this.listOf(provider);
    const item = this.build.provider(provider, rows[0]?.kind === 'drift' ? rows.length - 1 : rows.length);
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
    this.waitingMasks.delete(id);
    for (const dependent of this.dependent.values()) dependent.delete(id);
  }
}

function difference(drift: { readonly kind: string } | undefined): Difference | undefined {
  return drift && drift.kind !== 'inSync' ? (drift as Difference) : undefined;
}

const RANK = new Map<ProviderId, number>(PROVIDERS.map((provider, rank) => [provider.id, rank]));

/**
 * Where `provider`'s keys start in the store's list (or would), found by a binary search: the list is in
 * catalogue order (KeyStore.list), and a loop over 10,000 keys on every change is what this avoids.
 */
function firstOf(list: readonly KeyRecord[], provider: ProviderId): number {
  const rank = RANK.get(provider) ?? PROVIDERS.length;
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((RANK.get(list[middle]!.provider) ?? PROVIDERS.length) < rank) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Whether two lists of rows are the same rows in the same order (a row's node is kept while its key is). */
function sameNodes(a: readonly TreeNode[], b: readonly TreeNode[]): boolean {
  return a === b || (a.length === b.length && a.every((node, i) => node === b[i]));
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
