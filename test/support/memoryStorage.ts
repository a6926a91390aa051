// In-memory stand-ins for VS Code's SecretStorage and globalState, for tests under plain mocha.
// Two stores can share one SecretStorage to act as two windows.
import type { Disposable } from '../../src/core/emitter';
import type { MementoPort, SecretStoragePort } from '../../src/core/keyStore';

export class MemorySecrets implements SecretStoragePort {
  readonly data = new Map<string, string>();
  private listeners = new Set<(event: { key: string }) => unknown>();

  async get(key: string): Promise<string | undefined> {
    return this.data.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.data.set(key, value);
    this.emit(key);
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
    this.emit(key);
  }
  onDidChange(listener: (event: { key: string }) => unknown): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  private emit(key: string): void {
    for (const listener of this.listeners) listener({ key });
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
