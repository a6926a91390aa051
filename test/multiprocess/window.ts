// One "VS Code window" in its own Node process, for the two-process test (twoWindows.test.ts): a key
// store and a sync engine over the shared folder, the real Pieces OS client, and a SecretStorage that
// behaves like VS Code's (a copy in this process that its own writes change at once and the other
// window's writes change later, by an event forwarded by the parent). Driven over the IPC channel.
import type { Disposable } from '../../src/core/emitter';
import { PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import { type StoreBundle, createStore } from '../../src/core/store/createStore';
import type { SecretStoragePort } from '../../src/core/store/secretVault';
import { SyncEngine } from '../../src/core/sync/engine';

export type Op =
  | { op: 'add'; name: string; secret: string; choose: boolean; organization?: string }
  | { op: 'rotate'; name: string; secret: string }
  | { op: 'rename'; name: string; to: string }
  | { op: 'use'; name: string }
  | { op: 'delete'; name: string; successor?: string };

export type Request =
  | { id: number; type: 'open'; root: string; windowId: string; serviceUrl: string; secrets: Array<[string, string]> }
  | { id: number; type: 'op'; op: Op }
  | { id: number; type: 'settle' }
  | { id: number; type: 'snapshot' }
  | { id: number; type: 'close' };

export interface Snapshot {
  keys: Array<{ name: string; organization: string; secret: string }>;
  /** Key ids with their secret slots, to find orphaned secrets. */
  ids: Array<{ id: string; previous: boolean }>;
  active: string | null;
  marks: number;
  pending: number;
}

/** SecretStorage as one window of VS Code sees it. */
class IpcSecrets implements SecretStoragePort {
  readonly copy: Map<string, string>;
  private readonly listeners = new Set<(event: { key: string }) => unknown>();
  constructor(initial: Array<[string, string]>) {
    this.copy = new Map(initial);
  }
  async get(key: string): Promise<string | undefined> {
    return this.copy.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.copy.set(key, value);
    process.send?.({ type: 'secret', key, value });
    this.emit(key);
  }
  async delete(key: string): Promise<void> {
    this.copy.delete(key);
    process.send?.({ type: 'secret', key, value: null });
    this.emit(key);
  }
  async keys(): Promise<string[]> {
    return [...this.copy.keys()];
  }
  onDidChange(listener: (event: { key: string }) => unknown): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  /** The other window's write reaches this copy. */
  deliver(key: string, value: string | null): void {
    if (value === null) this.copy.delete(key);
    else this.copy.set(key, value);
    this.emit(key);
  }
  private emit(key: string): void {
    for (const listener of [...this.listeners]) listener({ key });
  }
}

let bundle: StoreBundle | undefined;
let engine: SyncEngine | undefined;
let secrets: IpcSecrets | undefined;
const subscriptions: Disposable[] = [];

/** The id of the key named `name`, reading the folder again if this window has not seen it yet. */
async function idOf(name: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const key = bundle?.store.list().find((k) => k.name === name);
    if (key) return key.id;
    await bundle?.store.refresh();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no key named ${name}`);
}

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'open': {
      secrets = new IpcSecrets(request.secrets);
      bundle = createStore({ root: request.root, secrets, windowId: request.windowId });
      const client = new PiecesClient({ baseUrl: request.serviceUrl, timeoutMs: 500 });
      engine = new SyncEngine({ store: bundle.store, service: piecesServicePort(client), lease: bundle.lease, random: Math.random });
      const sync = engine;
      // As the extension wires it: any change here or in the other window is sent (by the lease holder).
      subscriptions.push(
        bundle.store.onDidChange(() => sync.kick()),
        bundle.store.onDidChangeSecret(() => sync.kick()),
      );
      await bundle.open();
      return null;
    }
    case 'op': {
      const store = bundle!.store;
      const op = request.op;
      switch (op.op) {
        case 'add':
          await store.add(
            { provider: 'openai', name: op.name, secret: op.secret, ...(op.organization ? { organization: op.organization } : {}) },
            { choose: op.choose },
          );
          break;
        case 'rotate':
          await store.rotate(await idOf(op.name), op.secret);
          break;
        case 'rename':
          await store.update(await idOf(op.name), { name: op.to });
          break;
        case 'use':
          await engine!.choose('openai', await idOf(op.name));
          break;
        case 'delete':
          await store.remove(await idOf(op.name), op.successor ? { successor: await idOf(op.successor) } : {});
          break;
      }
      engine!.kick();
      return null;
    }
    case 'settle': {
      await bundle!.store.refresh();
      await engine!.syncNow();
      await engine!.whenIdle();
      return engine!.state.pending + engine!.state.parked;
    }
    case 'snapshot': {
      const store = bundle!.store;
      await store.refresh();
      const keys = [];
      for (const key of store.list()) {
        keys.push({ name: key.name, organization: key.organization ?? '', secret: await secretWhenHere(key.id) });
      }
      const marks = [...store.allRecords()].filter((r) => r.pending).length;
      const ids = store.list().map((key) => ({ id: key.id, previous: !!key.previousRev }));
      const snapshot: Snapshot = {
        keys,
        ids,
        active: store.activeKey('openai')?.name ?? null,
        marks,
        pending: engine!.state.pending + engine!.state.parked,
      };
      return snapshot;
    }
    case 'close': {
      for (const subscription of subscriptions.splice(0)) subscription.dispose();
      engine?.dispose();
      await bundle?.lease.release().catch(() => undefined);
      bundle?.dispose();
      bundle = undefined;
      engine = undefined;
      return null;
    }
  }
}

/** A key's secret, waiting a moment for another window's write to reach this window's copy. */
async function secretWhenHere(id: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bundle!.store.secret(id);
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

process.on('message', (message: Request | { type: 'secret'; key: string; value: string | null }) => {
  if (message.type === 'secret') {
    secrets?.deliver(message.key, message.value);
    return;
  }
  handle(message).then(
    (result) => process.send?.({ type: 'reply', id: message.id, result }),
    (error: unknown) => process.send?.({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
