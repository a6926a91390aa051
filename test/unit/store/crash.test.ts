// Crash at every write boundary: for each operation, the window dies before its k-th write (a record
// written or removed, a secret stored or deleted), for every k; then a new window opens the same
// folder and SecretStorage. Nothing may be lost or orphaned, the result must be the state before or the
// state after the operation (never a mix), no mark may be left, and the key the user chose is sent.
import * as assert from 'node:assert/strict';
import type { Disposable } from '../../../src/core/emitter';
import type { RecordFolderPort } from '../../../src/core/store/recordFolder';
import type { KeyStore } from '../../../src/core/store/keyStore';
import { type SecretStoragePort, secretOwner, unwrapSecret } from '../../../src/core/store/secretVault';
import { SyncEngine } from '../../../src/core/sync/engine';
import { FakeClock } from '../../support/fakeClock';
import { FakeService } from '../../support/fakeService';
import { SecretBackend } from '../../support/memoryStorage';
import { openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const A = 'sk-test-FAKE-crash-00000000000000000A';
const B = 'sk-test-FAKE-crash-00000000000000000B';
const C = 'sk-test-FAKE-crash-00000000000000000C';

/** Counts writes across the folder and SecretStorage; the write numbered `dieAt` and every later one fail. */
class Writes {
  count = 0;
  dieAt = Infinity;
  check(): void {
    this.count++;
    if (this.count >= this.dieAt) throw new Error(`died before write ${this.count}`);
  }
}

function faultyFolder(inner: RecordFolderPort, writes: Writes): RecordFolderPort {
  return {
    read: (name) => inner.read(name),
    list: () => inner.list(),
    watch: (listener) => inner.watch(listener),
    write: async (name, text) => {
      writes.check();
      await inner.write(name, text);
    },
    remove: async (name) => {
      writes.check();
      await inner.remove(name);
    },
  };
}

function faultySecrets(inner: SecretStoragePort, writes: Writes): SecretStoragePort {
  return {
    get: (key) => inner.get(key),
    keys: () => Promise.resolve(inner.keys?.() ?? []),
    onDidChange: (listener): Disposable => inner.onDidChange(listener),
    store: async (key, value) => {
      writes.check();
      await inner.store(key, value);
    },
    delete: async (key) => {
      writes.check();
      await inner.delete(key);
    },
  };
}

/** What the user can see: keys (name, secret, organization) and the choice, in a comparable form. */
async function snapshot(store: KeyStore): Promise<string> {
  const keys = [];
  for (const key of store.list()) keys.push({ name: key.name, org: key.organization ?? '', secret: await store.secret(key.id) });
  const active = store.activeKey('openai');
  return JSON.stringify({ keys: keys.sort((a, b) => a.name.localeCompare(b.name)), active: active?.name ?? null });
}

type Setup = { store: KeyStore; ids: Record<string, string> };
interface Operation {
  name: string;
  run(setup: Setup, engine: SyncEngine): Promise<unknown>;
}

const OPERATIONS: Operation[] = [
  {
    name: 'add (becomes the key Pieces OS uses)',
    run: ({ store }) => store.add({ provider: 'openai', name: 'N', secret: C }, { choose: true }),
  },
  { name: 'add (kept in VS Code)', run: ({ store }) => store.add({ provider: 'openai', name: 'N', secret: C }) },
  { name: 'rotate the key Pieces OS uses', run: ({ store, ids }) => store.rotate(ids.a!, C, { organization: 'org-crashtest' }) },
  { name: 'rotate another key', run: ({ store, ids }) => store.rotate(ids.b!, C) },
  { name: 'rename', run: ({ store, ids }) => store.update(ids.a!, { name: 'Renamed' }) },
  { name: 'switch', run: ({ store, ids }) => store.setChoice('openai', ids.b) },
  { name: 'delete the key Pieces OS uses (successor)', run: ({ store, ids }) => store.remove(ids.a!, { successor: ids.b! }) },
  { name: 'delete the key Pieces OS uses (none)', run: ({ store, ids }) => store.remove(ids.a!) },
  { name: 'delete another key', run: ({ store, ids }) => store.remove(ids.b!) },
  { name: 'sync (the engine records what it sent)', run: (_setup, engine) => engine.drain() },
];

describe('crash at every write boundary', function () {
  this.timeout(120_000);

  for (const operation of OPERATIONS) {
    it(`${operation.name}: before or after, nothing lost or orphaned, the chosen key sent`, async () => {
      const total = await crashCase(operation, Infinity); // a run that does not die counts the writes
      assert.ok(total > 0 && total < 50, `${total} writes`);
      for (let dieAt = 1; dieAt <= total; dieAt++) await crashCase(operation, dieAt);
    });
  }
});

/** Runs `operation`, dying before write `dieAt`, then restarts and checks; returns how many writes were made. */
async function crashCase(operation: Operation, dieAt: number): Promise<number> {
  const root = tempRoot();
  const backend = new SecretBackend();
  const writes = new Writes();
  const service = new FakeService();
  const clock = new FakeClock();
  const first = await openTempStore({
    root,
    secrets: faultySecrets(backend.window(0), writes),
    wrapFolder: (folder) => faultyFolder(folder, writes),
    windowId: 'first',
  });
  const engine = new SyncEngine({ store: first.store, service, clock });
  let before = '';
  let after: string | undefined;
  let made = 0;
  try {
    const a = await first.store.add({ provider: 'openai', name: 'A', secret: A, organization: 'org-abcdef' }, { choose: true });
    const b = await first.store.add({ provider: 'openai', name: 'B', secret: B });
    await first.store.rotate(a.id, A); // the key Pieces OS uses has a previous key kept
    before = await snapshot(first.store);
    writes.count = 0;
    writes.dieAt = dieAt;
    try {
      await operation.run({ store: first.store, ids: { a: a.id, b: b.id } }, engine);
      made = writes.count;
      writes.dieAt = Infinity;
      after = await snapshot(first.store);
    } catch (error) {
      if (writes.count < dieAt) throw error; // not the crash we caused
    }
  } finally {
    engine.dispose();
    first.close();
  }

  // A new window opens the same folder and SecretStorage: recovery runs.
  const second = await openTempStore({ root, secrets: backend.window(0), windowId: 'second' });
  try {
    const label = `${operation.name}, died before write ${dieAt}`;
    const now = await snapshot(second.store).catch((error: unknown) => {
      throw new Error(
        `${label}: ${String(error)}\n${JSON.stringify([...second.store.allRecords()])}\n${JSON.stringify([...backend.data])}`,
      );
    });
    if (after !== undefined) assert.equal(now, after, `${label}: completed, so the state is the one after`);
    else {
      assert.ok(
        now === before || (await expectedAfter(operation, before, now)),
        `${label}: ${now} is neither before ${before} nor the state after`,
      );
    }
    for (const record of second.store.allRecords()) assert.equal(record.pending, undefined, `${label}: a mark is left on ${record.name}`);
    for (const [name, value] of backend.data) {
      const owner = secretOwner(name);
      if (!owner) continue;
      const record = second.store.get(owner.id);
      assert.ok(record, `${label}: orphaned secret ${name}`);
      if (owner.slot === 'current') assert.equal(unwrapSecret(value).rev, record.secretRev, `${label}: secret revision`);
      else assert.equal(unwrapSecret(value).rev, record.previousRev, `${label}: previous secret kept without its record saying so`);
    }
    const resend = new SyncEngine({ store: second.store, service, clock });
    await resend.drain();
    resend.dispose();
    const active = second.store.activeKey('openai');
    assert.equal(
      service.state('openai')?.apiKey,
      active ? await second.store.secret(active.id) : undefined,
      `${label}: Pieces OS holds the chosen key`,
    );
  } finally {
    second.close();
    removeRoot(root);
  }
  return made;
}

/** A crash may also leave the operation finished by recovery: that is the state after, which we compute by redoing it. */
async function expectedAfter(operation: Operation, before: string, now: string): Promise<boolean> {
  const root = tempRoot();
  const fresh = await openTempStore({ root, secrets: new SecretBackend().window(0) });
  const service = new FakeService();
  const engine = new SyncEngine({ store: fresh.store, service, clock: new FakeClock() });
  try {
    const a = await fresh.store.add({ provider: 'openai', name: 'A', secret: A, organization: 'org-abcdef' }, { choose: true });
    const b = await fresh.store.add({ provider: 'openai', name: 'B', secret: B });
    await fresh.store.rotate(a.id, A);
    assert.equal(await snapshot(fresh.store), before);
    await operation.run({ store: fresh.store, ids: { a: a.id, b: b.id } }, engine);
    return (await snapshot(fresh.store)) === now;
  } finally {
    engine.dispose();
    fresh.close();
    removeRoot(root);
  }
}
