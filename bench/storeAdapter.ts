// The one place that knows how the store under test is built and filled. When the per-record store
// lands, change these functions (its constructor's extra arguments, a counting file port that adds to
// `meter.bytesWritten`, and `seed` through `store.add`); the scale bench itself uses only the public API.
import { randomUUID } from 'node:crypto';
import { StorageKeys } from '../src/constants';
import { KeyStore, type KeyRecord } from '../src/core/keyStore';
import type { ServicePort } from '../src/core/servicePort';
import { SyncEngine } from '../src/core/syncEngine';
import { CountingMemento, CountingSecrets, type Meter, fakeKey } from './fakes';

export interface StoreUnderTest {
  readonly store: KeyStore;
  readonly secrets: CountingSecrets;
  readonly memento: CountingMemento;
  dispose(): void;
}

export function createStore(meter: Meter): StoreUnderTest {
  const secrets = new CountingSecrets(meter);
  const memento = new CountingMemento(meter);
  const store = new KeyStore(secrets, memento);
  return { store, secrets, memento, dispose: () => store.dispose() };
}

/**
 * Fills the store with `count` OpenAI keys named `key-00000001`… Today's store rewrites every record on
 * each add (O(n) per add, so O(n²) to fill), which would take minutes at 10,000 keys: this writes its
 * layout in one go instead. With the per-record store, replace the body with a loop of `store.add`.
 */
export async function seed(target: StoreUnderTest, count: number): Promise<void> {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const keys: KeyRecord[] = [];
  for (let i = 1; i <= count; i++) {
    const record: KeyRecord = { id: randomUUID(), provider: 'openai', name: keyName(i), createdAt: at, updatedAt: at, sync: { kind: 'inactive' } };
    keys.push(record);
    await target.secrets.store(StorageKeys.secretPrefix + record.id, fakeKey(i));
  }
  await target.memento.update(StorageKeys.metadata, { version: 1, keys, pieces: {} });
}

export function keyName(i: number): string {
  return `key-${String(i).padStart(8, '0')}`;
}

/** The sync engine over the store, with no lease and auto sync on: one window, sending at once. */
export function createSync(target: StoreUnderTest, service: ServicePort): SyncEngine {
  return new SyncEngine({ store: target.store, service });
}
