// Existing installs: the globalState layout of 0.1 (one `providerKeys.metadata.v1` value) moves to
// the per-record store once, losing nothing, in every sync state; the old value is removed only after
// the new store is complete; a crash during the move runs it again; data it does not know is left alone.
// Old data is taken as strictly as typed input, no key bytes that were not moved are deleted, and a
// clean-up that fails never stops the store and is tried again at the next start.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { RecordFolderPort } from '../../../src/core/store/recordFolder';
import { LEGACY_KEYS, LEGACY_REVISION_SECRET } from '../../../src/core/store/migration';
import { secretName, wrapSecret } from '../../../src/core/store/secretVault';
import { SyncEngine } from '../../../src/core/sync/engine';
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
    key(
      'work',
      'Work',
      'openai',
      kind === 'rejected'
        ? { kind: 'rejected', reason: 'Pieces OS rejected this key (401).', at }
        : { kind: kind === 'synced' ? 'synced' : 'pending', at },
    ),
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
  const target =
    kind === 'removing'
      ? { holds: true, intent, seq: 4 }
      : { activeId: active, holds: kind !== 'waiting', ...(intent ? { intent } : {}), seq: 3 };
  void memento.update(LEGACY_KEYS.metadata, { version: 1, keys, pieces: { openai: target } });
  void memento.update(LEGACY_KEYS.lease, { holder: 'old-window', expires: Date.now() + 10_000 });
  for (const [id, value] of [
    ['work', SYNCED],
    ['waiting', WAITING],
    ['spare', SPARE],
    ['local', LOCAL],
  ] as const) {
    await secrets.store(secretName(id), value);
  }
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

  describe('as strict as typed input', () => {
    const KEY_NAMED = 'sk-test-FAKE-legacy-named-000000000011';
    const FRAGMENT = 'sk-test-FAKE-legacy-frag-2468013579';
    const OTHER = 'sk-test-FAKE-legacy-other-00000000013';
    /** 0.1 accepted names, organization ids, dates and reasons that typed input refuses now. */
    const hostile = {
      version: 1,
      keys: [
        { id: 'keyname', provider: 'openai', name: KEY_NAMED, organization: `org-${OTHER}`, createdAt: KEY_NAMED, updatedAt: at },
        { id: 'bidi', provider: 'openai', name: 'Invoice\u202Egnp.exe', organization: 'org-\u202Eevil1234', createdAt: at, updatedAt: at },
        { id: 'newline', provider: 'openai', name: 'Line\nbreak', createdAt: at, updatedAt: at },
        { id: 'long', provider: 'openai', name: 'y'.repeat(5000), createdAt: at, updatedAt: at },
        { id: 'fragment', provider: 'openai', name: 'mine 2468013579', createdAt: at, updatedAt: at },
        { id: 'nostring', provider: 'openai', name: 42, createdAt: at, updatedAt: at },
        {
          id: 'personal',
          provider: 'openai',
          name: '  Personal  ',
          organization: 'org-FAKEorg1',
          createdAt: at,
          updatedAt: at,
          sync: { kind: 'rejected', at },
        },
        { id: 'dup', provider: 'openai', name: 'PERSONAL', createdAt: at, updatedAt: at },
        { id: 'taken', provider: 'openai', name: 'OpenAI key 1', createdAt: at, updatedAt: at },
        { id: 'claude', provider: 'anthropic', name: '\u0007bell', createdAt: at, updatedAt: at },
      ],
      pieces: {
        openai: {
          activeId: 'personal',
          holds: true,
          intent: { op: 'push', parked: { reason: `Incorrect API key provided: ${KEY_NAMED} (${OTHER})`, at: KEY_NAMED } },
        },
      },
    };
    const secretsOf: Record<string, string> = {
      keyname: KEY_NAMED,
      bidi: 'sk-test-FAKE-legacy-bidi-0000000000021',
      newline: 'sk-test-FAKE-legacy-line-0000000000022',
      long: 'sk-test-FAKE-legacy-long-0000000000023',
      fragment: FRAGMENT,
      nostring: 'sk-test-FAKE-legacy-nostr-000000000024',
      personal: OTHER,
      dup: 'sk-test-FAKE-legacy-dup-00000000000025',
      taken: 'sk-test-FAKE-legacy-taken-000000000026',
      claude: 'sk-ant-FAKE-legacy-claude-00000000027',
    };

    it('names, organization ids, dates and reasons pass the checks and redaction new input gets; replacements are logged without the old text', async () => {
      const memento = new MemoryMemento();
      const secrets = new MemorySecrets();
      await memento.update(LEGACY_KEYS.metadata, hostile);
      for (const [id, key] of Object.entries(secretsOf)) await secrets.store(secretName(id), key);
      const logs: string[] = [];
      const { store, root, close } = await open({ memento, secrets, log: (line) => logs.push(line) });
      try {
        const byId = new Map(store.list().map((key) => [key.id, key]));
        const replaced = ['keyname', 'bidi', 'newline', 'long', 'fragment', 'nostring', 'dup'].map((id) => byId.get(id)?.name);
        assert.deepEqual(replaced, [
          'OpenAI key 2',
          'OpenAI key 3',
          'OpenAI key 4',
          'OpenAI key 5',
          'OpenAI key 6',
          'OpenAI key 7',
          'OpenAI key 8',
        ]);
        assert.equal(byId.get('personal')?.name, 'Personal', 'a good name is kept (trimmed, as typed input is)');
        assert.equal(byId.get('personal')?.organization, 'org-FAKEorg1');
        assert.equal(byId.get('taken')?.name, 'OpenAI key 1', 'a good name that looks neutral is kept');
        assert.equal(byId.get('claude')?.name, 'Anthropic key 1');
        assert.equal(byId.get('keyname')?.organization, undefined, 'an organization id holding a key is dropped');
        assert.equal(byId.get('bidi')?.organization, undefined, 'an organization id with a bidi character is dropped');
        assert.match(byId.get('keyname')?.createdAt ?? '', /^\d{4}-\d{2}-\d{2}T/, 'a date that is not one is replaced');
        for (const id of Object.keys(secretsOf)) assert.ok(byId.has(id), `${id} was moved`);
        const failure = store.sent('openai')?.failure;
        assert.ok(failure?.reason.includes('[redacted]'), `the reason is redacted: ${failure?.reason}`);
        assert.match(failure?.at ?? '', /^\d{4}-\d{2}-\d{2}T/);

        const files = readdirSync(path.join(root, 'records')).map((name) => readFileSync(path.join(root, 'records', name), 'utf8'));
        const text = files.join('\n');
        for (const key of Object.values(secretsOf)) {
          for (let i = 0; i + 8 <= key.length; i++) {
            assert.ok(!text.includes(key.slice(i, i + 8)), `"${key.slice(i, i + 8)}" is in a record file`);
          }
        }
        assert.ok(
          !text.includes('\u202E') && !text.includes('\\u') && !text.includes('\\n'),
          'no bidi, control or line-break characters in a record file',
        );
        assert.ok(!text.includes('yyyyyyyy'), 'the long name is not kept');

        const renamed = logs.filter((line) => line.includes('is now named'));
        assert.equal(renamed.length, 8, logs.join('\n'));
        const logText = logs.join('\n');
        for (const old of ['gnp.exe', 'Line', 'break', 'yyyyyyyy', '2468013579', 'bell', 'PERSONAL', 'evil1234', 'FAKE-legacy']) {
          assert.ok(!logText.includes(old), `the log does not quote "${old}":\n${logText}`);
        }
      } finally {
        close();
      }
    });
  });

  describe('nothing is deleted that was not moved', () => {
    const UNKNOWN = 'sk-test-FAKE-legacy-unknown-000000031';
    const FUTURE = 'sk-test-FAKE-legacy-future-0000000032';

    it('the key bytes of rows that could not be moved stay; a secret this format wrote with no record is still collected', async () => {
      const memento = new MemoryMemento();
      const secrets = new MemorySecrets();
      await memento.update(LEGACY_KEYS.metadata, {
        version: 1,
        keys: [
          { id: 'acme', provider: 'acme-ai', name: 'Acme', createdAt: at, updatedAt: at },
          { id: 'work', provider: 'openai', name: 'Work', createdAt: at, updatedAt: at },
        ],
        pieces: {},
      });
      await secrets.store(secretName('acme'), UNKNOWN);
      await secrets.store(secretName('work'), SYNCED);
      await secrets.store(secretName('ffffffff-0000-4000-8000-000000000000'), wrapSecret('abc123', SPARE)); // an orphan of this format
      const root = tempRoot();
      roots.push(root);
      const { store, close } = await open({ root, memento, secrets });
      try {
        assert.deepEqual(
          store.list().map((k) => k.name),
          ['Work'],
        );
        assert.equal(secrets.data.get(secretName('acme')), UNKNOWN, 'the row that could not be moved keeps its key bytes');
        assert.equal(
          secrets.data.has(secretName('ffffffff-0000-4000-8000-000000000000')),
          false,
          'a secret this format wrote, with no record, is an orphan',
        );
      } finally {
        close();
      }
      const again = await open({ root, memento, secrets });
      assert.equal(secrets.data.get(secretName('acme')), UNKNOWN, 'and at every later start');
      again.close();
    });

    it('old data left for a newer version keeps its key bytes, and its value', async () => {
      const memento = new MemoryMemento();
      const secrets = new MemorySecrets();
      const newer = { version: 2, keys: [{ id: 'future', provider: 'openai', label: 'Future' }] };
      await memento.update(LEGACY_KEYS.metadata, newer);
      await secrets.store(secretName('future'), FUTURE);
      const { store, close } = await open({ memento, secrets });
      try {
        assert.deepEqual(store.list(), []);
        assert.equal(secrets.data.get(secretName('future')), FUTURE);
        assert.deepEqual(memento.get(LEGACY_KEYS.metadata), newer);
      } finally {
        close();
      }
    });
  });

  describe('clean-up of the old value', () => {
    /** globalState whose writes fail while `failing` is set (a storage error in VS Code). */
    class FailingMemento extends MemoryMemento {
      failing = true;
      override async update(key: string, value: unknown): Promise<void> {
        if (this.failing) throw new Error('globalState: cannot write');
        await super.update(key, value);
      }
    }

    it('a failed clean-up does not stop the store from opening; the next start removes the old value, and moves nothing again', async () => {
      const { secrets } = await legacy('synced');
      const memento = new FailingMemento();
      memento.failing = false;
      const source = (await legacy('synced')).memento;
      for (const key of [LEGACY_KEYS.metadata, LEGACY_KEYS.lease]) await memento.update(key, source.get(key));
      memento.failing = true;
      const root = tempRoot();
      roots.push(root);
      const logs: string[] = [];
      const first = await open({ root, memento, secrets, log: (line) => logs.push(line) });
      assert.equal(first.store.list().length, 4, 'the store opened with every key');
      assert.notEqual(memento.get(LEGACY_KEYS.metadata), undefined);
      assert.ok(
        logs.some((line) => line.startsWith('Could not remove the old storage value')),
        logs.join('\n'),
      );
      await first.store.update(first.store.list()[0]!.id, { name: 'Renamed after the move' });
      first.close();

      memento.failing = false;
      const second = await open({ root, memento, secrets });
      try {
        assert.equal(memento.get(LEGACY_KEYS.metadata), undefined, 'removed at the next start');
        assert.equal(memento.get(LEGACY_KEYS.lease), undefined);
        assert.ok(
          second.store.list().some((k) => k.name === 'Renamed after the move'),
          'records are not moved again',
        );
        assert.equal(second.store.list().length, 4);
      } finally {
        second.close();
      }
    });

    it('a value an old window wrote after the move is not the one moved: it is left as it is', async () => {
      const { memento, secrets } = await legacy('synced');
      const root = tempRoot();
      roots.push(root);
      (await open({ root, memento, secrets })).close();
      const later = { version: 1, keys: [{ id: 'later', provider: 'openai', name: 'Later', createdAt: at, updatedAt: at }], pieces: {} };
      await memento.update(LEGACY_KEYS.metadata, later);
      (await open({ root, memento, secrets })).close();
      assert.deepEqual(memento.get(LEGACY_KEYS.metadata), later);
    });
  });
});
