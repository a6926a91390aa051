// Reads a tree's rows the way VS Code does after the extension fires `onDidChangeTreeData`: everything
// when it fires with nothing, and only the nodes it names otherwise (a row's item, and an expanded node's
// children with their items). Counts the rows it read, and how many of them were built anew (an item
// object it had not been given before), and times the extension's part of it, so that the bench can tell
// a redraw that touches one row from one that rebuilds them all.

interface TreeItemLike {
  collapsibleState?: number;
}

/** What VS Code calls on a TreeDataProvider (synchronous here, as the extension's tree is). */
export interface TreeProviderLike {
  onDidChangeTreeData?: (listener: (event: unknown) => unknown) => unknown;
  getChildren(node?: unknown): unknown;
  getTreeItem(node: unknown): unknown;
}

const COLLAPSED = 1;
const EXPANDED = 2;

export class TreeReader {
  /** Rows (getTreeItem calls) read since the last reset. */
  rowsRead = 0;
  /** Of those, rows whose item the provider built anew (not one it returned before). */
  rowsBuilt = 0;
  private readonly seen = new WeakSet<object>();
  /** The items of the read in progress. */
  private readonly read: object[] = [];
  /** Time spent in the provider's getChildren and getTreeItem since the last reset. */
  readMs = 0;
  /** When the reader last read anything (performance.now()). */
  lastReadAt = 0;
  /** Leaves under each expanded node, as last read: what the view shows. */
  private readonly leaves = new Map<unknown, number>();
  private rootNodes: unknown[] = [];

  /** Called after every read the extension's change event caused. */
  onRead: (() => void) | undefined;

  constructor(private readonly provider: TreeProviderLike) {
    provider.onDidChangeTreeData?.((event) => this.changed(event));
  }

  /** The rows the view shows now (leaves under the root's nodes, as last read). */
  get shownRows(): number {
    let rows = 0;
    for (const node of this.rootNodes) rows += this.leaves.get(node) ?? 0;
    return rows;
  }

  reset(): void {
    this.rowsRead = 0;
    this.rowsBuilt = 0;
    this.readMs = 0;
  }

  /** Reads every row, as VS Code does when the view appears or the whole tree changed. */
  readAll(): void {
    const started = performance.now();
    this.rootNodes = this.children(undefined);
    for (const node of this.rootNodes) this.readNode(node);
    this.readMs += performance.now() - started;
    this.lastReadAt = performance.now();
    this.countBuilt();
  }

  private changed(event: unknown): void {
    if (event === undefined || event === null) {
      this.readAll();
    } else {
      const started = performance.now();
      for (const node of Array.isArray(event) ? event : [event]) this.readNode(node);
      this.readMs += performance.now() - started;
      this.lastReadAt = performance.now();
      this.countBuilt();
    }
    this.onRead?.();
  }

  private readNode(node: unknown): void {
    const item = this.item(node);
    const state = item.collapsibleState ?? 0;
    if (state !== COLLAPSED && state !== EXPANDED) return;
    const children = this.children(node);
    let leaves = 0;
    for (const child of children) {
      const childItem = this.item(child);
      if ((childItem.collapsibleState ?? 0) === 0) leaves++;
    }
    this.leaves.set(node, leaves);
  }

  private item(node: unknown): TreeItemLike {
    const item = this.provider.getTreeItem(node) as TreeItemLike;
    this.rowsRead++;
    this.read.push(item);
    return item;
  }

  /** Which of the items just read are new, counted after the read's timing: the bench's bookkeeping is not the extension's time. */
  private countBuilt(): void {
    for (const item of this.read) {
      if (!this.seen.has(item)) {
        this.seen.add(item);
        this.rowsBuilt++;
      }
    }
    this.read.length = 0;
  }

  private children(node: unknown): unknown[] {
    const children = this.provider.getChildren(node);
    if (!Array.isArray(children)) throw new Error('the bench reads synchronous trees only');
    return children;
  }
}
