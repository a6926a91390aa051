// A key store over a temporary folder and in-memory SecretStorage, as the extension builds it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type StoreBundle, type StoreSetup, createStore } from '../../src/core/store/createStore';
import type { KeyStore } from '../../src/core/store/keyStore';
import type { MementoPort } from '../../src/core/store/migration';
import type { RecordFolderPort } from '../../src/core/store/recordFolder';
import type { SecretStoragePort } from '../../src/core/store/secretVault';
import { MemorySecrets } from './memoryStorage';

export interface TempStore {
  root: string;
  bundle: StoreBundle;
  store: KeyStore;
  secrets: SecretStoragePort;
  /** Closes this window's store (the folder stays). */
  close(): void;
}

/**
 * A new temporary folder for a store: on a memory file system where there is one (/dev/shm), so that
 * the store's flush to disk (fdatasync, ~3.5 ms a write on this machine's disk) does not dominate tests
 * that make thousands of writes. The code path is the same; PROVIDER_KEYS_TEST_TMP picks another place.
 */
export function tempRoot(): string {
  const base = process.env.PROVIDER_KEYS_TEST_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  return mkdtempSync(path.join(base, 'provider-keys-store-'));
}

export function removeRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Opens a store over `root` (a new temporary folder by default). */
export async function openTempStore(options: Partial<StoreSetup> & { memento?: MementoPort; open?: boolean } = {}): Promise<TempStore> {
  const root = options.root ?? tempRoot();
  const secrets = options.secrets ?? new MemorySecrets();
  const bundle = createStore({ ...options, root, secrets });
  if (options.open !== false) await bundle.open(options.memento ? { memento: options.memento } : {});
  return { root, bundle, store: bundle.store, secrets, close: () => bundle.dispose() };
}

/** `inner` with every record write passed to `write`, which calls `next` to write it, or throws (a fault). */
export function interceptWrites(
  inner: RecordFolderPort,
  write: (name: string, text: string, next: () => Promise<void>) => Promise<void>,
): RecordFolderPort {
  return {
    read: (name) => inner.read(name),
    list: () => inner.list(),
    watch: (listener) => inner.watch(listener),
    remove: (name) => inner.remove(name),
    write: (name, text) => write(name, text, () => inner.write(name, text)),
  };
}
