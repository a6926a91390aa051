// The one place that knows how the store under test is built and filled: the per-record store over a
// temporary folder on this machine's disk (flushes included, as users have them), with a record folder
// that counts the bytes each change writes and SecretStorage that counts reads of key bytes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ServicePort } from '../src/core/pieces/servicePort';
import { type StoreBundle, createStore as createKeyStore } from '../src/core/store/createStore';
import type { KeyStore } from '../src/core/store/keyStore';
import type { RecordFolderPort } from '../src/core/store/recordFolder';
import { STORE_VERSION, keyFile } from '../src/core/store/records';
import { secretName, wrapSecret } from '../src/core/store/secretVault';
import { SyncEngine } from '../src/core/sync/engine';
import { CountingSecrets, type Meter, fakeKey } from './fakes';

export interface StoreUnderTest {
  readonly store: KeyStore;
  readonly secrets: CountingSecrets;
  readonly root: string;
  readonly bundle: StoreBundle;
  dispose(): void;
}

/** Counts the bytes every record write puts on disk. */
function countingFolder(inner: RecordFolderPort, meter: Meter): RecordFolderPort {
  return {
    read: (name) => inner.read(name),
    ...(inner.readMany ? { readMany: (names: readonly string[]) => inner.readMany!(names) } : {}),
    list: () => inner.list(),
    watch: (listener) => inner.watch(listener),
    remove: (name) => inner.remove(name),
    write: async (name, text) => {
      meter.bytesWritten += Buffer.byteLength(text);
      await inner.write(name, text);
    },
  };
}

export async function createStore(meter: Meter): Promise<StoreUnderTest> {
  const root = mkdtempSync(path.join(process.env.PROVIDER_KEYS_BENCH_TMP ?? tmpdir(), 'provider-keys-bench-'));
  const secrets = new CountingSecrets(meter);
  const bundle = createKeyStore({ root, secrets, windowId: 'bench', wrapFolder: (folder) => countingFolder(folder, meter) });
  await bundle.open();
  return {
    store: bundle.store,
    secrets,
    root,
    bundle,
    dispose: () => {
      bundle.dispose();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Fills the store with `count` OpenAI keys named `key-00000001`… by writing their records and secrets
 * directly (not timed: adding 10,000 keys through `add` one by one, with a flush per write, takes minutes
 * on a slow disk), then has the store read them, as a window does when it opens.
 */
export async function seed(target: StoreUnderTest, count: number): Promise<void> {
  for (const [name, value] of seedRecords(path.join(target.root, 'records'), count)) target.secrets.data.set(name, value);
  await target.store.refresh();
}

/** Writes `count` key records into `records` (a store's records folder); returns their secrets (SecretStorage name → value). */
export function seedRecords(records: string, count: number): Map<string, string> {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  mkdirSync(records, { recursive: true });
  const secrets = new Map<string, string>();
  for (let i = 1; i <= count; i++) {
    const id = randomUUID();
    const rev = `seed${String(i).padStart(8, '0')}`;
    writeFileSync(
      path.join(records, keyFile(id)),
      JSON.stringify({ v: STORE_VERSION, id, provider: 'openai', name: keyName(i), createdAt: at, updatedAt: at, secretRev: rev }),
    );
    secrets.set(secretName(id), wrapSecret(rev, fakeKey(i)));
  }
  return secrets;
}

export function keyName(i: number): string {
  return `key-${String(i).padStart(8, '0')}`;
}

/** The sync engine over the store, with no lease and auto sync on: one window, sending at once. */
export function createSync(target: StoreUnderTest, service: ServicePort): SyncEngine {
  return new SyncEngine({ store: target.store, service });
}
