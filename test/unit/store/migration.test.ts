// Existing installs: the globalState layout of 0.1 (one `providerKeys.metadata.v1` value) moves to
// the per-record store once, losing nothing, in every sync state; the old value is removed only after
// the new store is complete; a crash during the move runs it again; data it does not know is left alone.
import * as assert from 'node:assert/strict';
import type { RecordFolderPort } from '../../../src/core/store/recordFolder';
import { LEGACY_KEYS, LEGACY_REVISION_SECRET } from '../../../src/core/store/migration';
import { secretName } from '../../../src/core/store/secretVault';
import { SyncEngine } from '../../../src/core/syncEngine';
import { FakeClock } from '../../support/fakeClock';
import { FakeService } from '../../support/fakeService';
import { MemoryMemento, MemorySecrets } from '../../support/memoryStorage';
import { openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const SYNCED = 'sk-test-FAKE-legacy-synced-0000000001';
const WAITING = 'sk-test-FAKE-legacy-waiting-000000002';
const SPARE = 'sk-test-FAKE-legacy-spare-00000000003';
const LOCAL = 'sk-ant-FAKE-legacy-local-00000000004';
const at = '2026-10-01T10:00:00.000Z';

/** A 0.1 install: OpenAI key "Work" synced and in use, "Spare" inactive, an Anthropic key, a null row. */
async function legacy(kind: 'synced' | 'waiting' | 'rejected' | 'removing'): Promise<{ memento: MemoryMemento; secrets: MemorySecrets }> {
  const memento = new MemoryMemento();
  const secrets = new MemorySecrets();
  const key = (id: string, name: string, provider: string, sync: object) => ({ id, provider, name, createdAt: at, updatedAt: at, sync });
  const active = kind === 'waiting' ? 'waiting' : 'work';
  const keys = [
    key('work', 'Work', 'openai', kind === 'rejected' ? { kind: 'rejected', reason: 'Pieces OS rejected this key (401).', at } : { kind: kind === 'synced' ? 'synced' : 'pending', at }),
    key('waiting', 'Waiting', 'openai', { kind: kind === 'waiting' ? 'pending' : 'inactive' }),
    key('spare', 'Spare', 'openai', { kind: 'inactive' }),
    key('local', 'Local', 'anthropic', { kind: 'localOnly' }),
    null,
  ].filter((row) => kind !== 'removing' || row?.id !== 'work');
  const intent =
    kind === 'synced'
      ? undefined
      : kind === 'rejected'
        ? { op: 'push', cause: 'update', since: at, attempts: 1, parked: { reason: 'Pieces OS rejected this key (401).', at } }
        : kind === 'removing'
          ? { op: 'remove', cause: 'delete', since: at, attempts: 0 }
          : { op: 'push', cause: 'create', since: at, attempts: 2 };
  const target = kind === 'removing' ? { holds: true, intent, seq: 4 } : { activeId: active, holds: kind !== 'waiting', ...(intent ? { intent } : {}), seq: 3 };
  void memento.update(LEGACY_KEYS.metadata, { version: 1, keys, pieces: { openai: target } });
  void memento.update(LEGACY_KEYS.lease, { holder: 'old-window', expires: Date.now() + 10_000 });
  for (const [id, value] of [['work', SYNCED], ['waiting', WAITING], ['spare', SPARE], ['local', LOCAL]] as const) await secrets.store(secretName(id), value);
  await secrets.store(LEGACY_REVISION_SECRET, 'old-writer:123');
  return { memento, secrets };
}

describe('migration from the globalState layout (0.1)', () => {
  const roots: string[] = [];
  afterEach(() => {
    while (roots.length) removeRoot(roots.pop() as string);
  });
  const open = async (options: Parameters<typeof openTempStore>[0]) => {
    const opened = await openTempStore(options);
    roots.push(opened.root);
    return opened;
  };

  for (const kind of ['synced', 'waiting', 'rejected', 'removing'] as const) {
    it(`moves every key and the ${kind} sync state, then removes the old value; a sync does what 0.1 would have done`, async () => {
      const { memento, secrets } = await legacy(kind);
      const { store, close } = await open({ memento, secrets });
      try {
        const names = store.list().map((k) => k.name);
        assert.deepEqual(names, kind === 'removing' ? ['Spare', 'Waiting', 'Local'] : ['Spare', 'Waiting', 'Work', 'Local']);
        for (const key of store.list()) assert.ok((await store.secret(key.id)).startsWith('sk-'), 'the secrets stay where they were');
        assert.equal(memento.get(LEGACY_KEYS.metadata), undefined);
        assert.equal(memento.get(LEGACY_KEYS.lease), undefined);
        assert.equal(secrets.data.has(LEGACY_REVISION_SECRET), false);
        const service = new FakeService();
        if (kind === 'synced' || kind === 'rejected' || kind === 'removing') service.held_.set('openai', { apiKey: SYNCED, name: 'Work' });
        const engine = new SyncEngine({ store, service, clock: new FakeClock() });
        const activeKey = store.activeKey('openai');
        if (kind === 'synced') assert.equal(engine.stateOf(activeKey!).kind, 'synced');
        if (kind === 'rejected') assert.equal(engine.stateOf(activeKey!).kind, 'rejected');
        if (kind === 'waiting') assert.equal(engine.stateOf(activeKey!).kind, 'waiting');
        await engine.drain();
        engine.dispose();
        const expected = { synced: [], waiting: ['openai create up'], rejected: [], removing: ['openai delete up'] }[kind];
        assert.deepEqual(service.calls, expected);
      } finally {
        close();
      }
    });
  }

  it('runs once: a second window, or a second start, does not migrate again', async () => {
    const { memento, secrets } = await legacy('synced');
    const root = tempRoot();
    roots.push(root);
    const first = await open({ root, memento, secrets });
    await first.store.update(first.store.list()[0]!.id, { name: 'Changed after migration' });
    first.close();
    void memento.update(LEGACY_KEYS.metadata, { version: 1, keys: [], pieces: {} }); // an old window writes again
    const second = await open({ root, memento, secrets });
    assert.ok(second.store.list().some((k) => k.name === 'Changed after migration'));
    assert.equal(second.store.list().length, 4);
    second.close();
  });

  it('a crash during the move leaves the old value, and the next start completes it', async () => {
    const { memento, secrets } = await legacy('waiting');
    const root = tempRoot();
    roots.push(root);
    let writes = 0;
    const dying = (folder: RecordFolderPort): RecordFolderPort => ({
      ...folder,
      read: (name) => folder.read(name),
      list: () => folder.list(),
      watch: (listener) => folder.watch(listener),
      remove: (name) => folder.remove(name),
      write: async (name, text) => {
        if (++writes === 3) throw new Error('died');
        await folder.write(name, text);
      },
    });
    await assert.rejects(open({ root, memento, secrets, wrapFolder: dying }), /died/);
    assert.notEqual(memento.get(LEGACY_KEYS.metadata), undefined, 'the old value stays until the new store is complete');
    const again = await open({ root, memento, secrets });
    assert.equal(again.store.list().length, 4);
    assert.equal(memento.get(LEGACY_KEYS.metadata), undefined);
    again.close();
  });

  it('an old value of an unknown version or shape is left untouched', async () => {
    const memento = new MemoryMemento();
    void memento.update(LEGACY_KEYS.metadata, { version: 2, keys: [{ id: 'x' }] });
    const { store, close } = await open({ memento, secrets: new MemorySecrets() });
    assert.deepEqual(store.list(), []);
    assert.deepEqual(memento.get(LEGACY_KEYS.metadata), { version: 2, keys: [{ id: 'x' }] });
    close();
  });
});
