// In-memory SecretStorage and globalState that count what the store costs: secret reads (how many
// `get`s return key bytes) and bytes written. globalState is modelled on VS Code's ExtensionMemento:
// `update` serializes the value (VS Code sends it to the main process as JSON and keeps a JSON copy),
// `get` returns the kept copy without parsing, so a read costs what it costs in VS Code.
import type { Disposable } from '../src/core/emitter';
import type { MementoPort } from '../src/core/store/migration';
import type { SecretStoragePort } from '../src/core/store/secretVault';

/** Every fake key the bench stores starts with this, so a read of key bytes is told from other reads. */
export const FAKE_KEY_PREFIX = 'sk-test-FAKE-bench-';

export function fakeKey(n: number): string {
  return `${FAKE_KEY_PREFIX}${String(n).padStart(8, '0')}-xxxxxxxxxxxxxxxx`;
}

/** What the fakes counted since the last reset. An adapter for a file-based store adds its bytes here. */
export class Meter {
  /** `get`s that returned key bytes. */
  secretReads = 0;
  /** All SecretStorage `get`s (key bytes or bookkeeping such as a revision counter). */
  secretGets = 0;
  secretBytesWritten = 0;
  /** globalState bytes (JSON size of each update's value), plus files, for a store that writes files. */
  bytesWritten = 0;

  reset(): void {
    this.secretReads = 0;
    this.secretGets = 0;
    this.secretBytesWritten = 0;
    this.bytesWritten = 0;
  }
}

export class CountingSecrets implements SecretStoragePort {
  readonly data = new Map<string, string>();
  private readonly listeners = new Set<(event: { key: string }) => unknown>();

  constructor(private readonly meter: Meter) {}

  async get(key: string): Promise<string | undefined> {
    const value = this.data.get(key);
    this.meter.secretGets++;
    if (value?.includes(FAKE_KEY_PREFIX)) this.meter.secretReads++; // stored as { rev, key }
    return value;
  }

  async store(key: string, value: string): Promise<void> {
    this.meter.secretBytesWritten += Buffer.byteLength(value);
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

export class CountingMemento implements MementoPort {
  private readonly data = new Map<string, unknown>();

  constructor(private readonly meter: Meter) {}

  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) {
      this.data.delete(key);
      return;
    }
    const json = JSON.stringify(value);
    this.meter.bytesWritten += Buffer.byteLength(json);
    this.data.set(key, JSON.parse(json));
  }

  keys(): readonly string[] {
    return [...this.data.keys()];
  }
}
