// In-memory stand-ins for VS Code's SecretStorage and globalState, for tests under plain mocha.
//
// SecretStorage as VS Code has it: one backing store shared by every window, and in each window a copy
// that the window's own writes change at once and other windows' writes change later, by an event
// (`WindowSecrets`, made by `SecretBackend.window()`). `MemorySecrets` is one window with no delay.
// Each window can be told to fail like a real keyring does: `get` throws or returns nothing (locked),
// `store` or `delete` throws.
import type { Disposable } from '../../src/core/emitter';
import type { MementoPort } from '../../src/core/store/migration';
import type { SecretStoragePort } from '../../src/core/store/secretVault';

export type KeyringFault = 'getThrows' | 'getEmpty' | 'storeThrows' | 'deleteThrows';

export class SecretBackend {
  readonly data = new Map<string, string>();
  private readonly windows = new Set<WindowSecrets>();

  /** A window's view; other windows see its writes after `delayMs` (0: on the next turn of the event loop). */
  window(delayMs = 0): WindowSecrets {
    const window = new WindowSecrets(this, delayMs);
    this.windows.add(window);
    return window;
  }

  /** Applies a write made by `from` to the backing store, and to every other window later. */
  publish(from: WindowSecrets, key: string, value: string | undefined): void {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, value);
    for (const window of this.windows) if (window !== from) window.deliver(key, value);
  }

  close(window: WindowSecrets): void {
    this.windows.delete(window);
  }
}

export class WindowSecrets implements SecretStoragePort {
  private readonly copy: Map<string, string>;
  private readonly listeners = new Set<(event: { key: string }) => unknown>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  readonly faults = new Set<KeyringFault>();
  /** Calls made, for tests that count reads. */
  gets = 0;
  /** Whether keys() exists (VS Code 1.106+). */
  listable = true;

  constructor(
    private readonly backend: SecretBackend,
    private readonly delayMs: number,
  ) {
    this.copy = new Map(backend.data);
  }

  async get(key: string): Promise<string | undefined> {
    this.gets++;
    if (this.faults.has('getThrows')) throw new Error('keyring: cannot unlock');
    if (this.faults.has('getEmpty')) return undefined;
    return this.copy.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    if (this.faults.has('storeThrows')) throw new Error('keyring: cannot store');
    this.copy.set(key, value);
    this.backend.publish(this, key, value);
    this.emit(key);
  }

  async delete(key: string): Promise<void> {
    if (this.faults.has('deleteThrows')) throw new Error('keyring: cannot delete');
    this.copy.delete(key);
    this.backend.publish(this, key, undefined);
    this.emit(key);
  }

  /** Below VS Code 1.106 there is no keys(): `listable = false` makes it fail, which the store takes the same way. */
  async keys(): Promise<string[]> {
    if (!this.listable) throw new TypeError('secrets.keys is not a function');
    return [...this.copy.keys()];
  }

  onDidChange(listener: (event: { key: string }) => unknown): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Another window's write reaches this window's copy (later), with its change event. */
  deliver(key: string, value: string | undefined): void {
    const apply = (): void => {
      if (value === undefined) this.copy.delete(key);
      else this.copy.set(key, value);
      this.emit(key);
    };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      apply();
    }, this.delayMs);
    this.timers.add(timer);
  }

  /** What this window's copy holds now (without counting a read or applying faults). */
  peek(key: string): string | undefined {
    return this.copy.get(key);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.backend.close(this);
  }

  private emit(key: string): void {
    for (const listener of [...this.listeners]) listener({ key });
  }
}

/** One window, no delay: the simple case. `data` is the backing store. */
export class MemorySecrets extends WindowSecrets {
  readonly backing: SecretBackend;
  constructor(backend = new SecretBackend()) {
    super(backend, 0);
    this.backing = backend;
  }
  get data(): Map<string, string> {
    return this.backing.data;
  }
}

export class MemoryMemento implements MementoPort {
  readonly data = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const raw = this.data.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    // Serialized like VS Code does, so a test can search the stored text.
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, JSON.stringify(value));
  }
  /** Everything stored, as text. */
  dump(): string {
    return [...this.data.values()].join('\n');
  }
}
