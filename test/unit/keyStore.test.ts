import * as assert from 'node:assert/strict';
import { StorageKeys } from '../../src/constants';
import { KeyStore } from '../../src/core/keyStore';
import { MemoryMemento, MemorySecrets } from '../support/memoryStorage';

const KEY_A = 'sk-test-FAKE-keystore-000000000000000a';
const KEY_B = 'sk-test-FAKE-keystore-000000000000000b';

describe('KeyStore', () => {
  let secrets: MemorySecrets;
  let memento: MemoryMemento;
  let store: KeyStore;
  let clock: Date;

  beforeEach(() => {
    secrets = new MemorySecrets();
    memento = new MemoryMemento();
    clock = new Date('2026-01-01T00:00:00Z');
    store = new KeyStore(secrets, memento, { now: () => clock });
  });
  afterEach(() => store.dispose());

  it('keeps key bytes in SecretStorage and only metadata in globalState', async () => {
    const record = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A, organization: 'org-FAKE0001' });
    assert.equal(await store.secret(record.id), KEY_A);
    assert.equal(secrets.data.get(StorageKeys.secretPrefix + record.id), KEY_A);
    assert.ok(!memento.dump().includes(KEY_A), 'globalState holds the key');
    assert.ok(!memento.dump().includes(KEY_A.slice(-8)), 'globalState holds part of the key');
    assert.deepEqual(store.get(record.id), { ...record });
    assert.equal(record.organization, 'org-FAKE0001');
    assert.equal(record.sync.kind, 'inactive');
  });

  it('marks keys of providers Pieces OS does not accept as local only', async () => {
    const record = await store.add({ provider: 'anthropic', name: 'Default', secret: 'sk-ant-FAKE-000000000000000000' });
    assert.equal(record.sync.kind, 'localOnly');
  });

  it('lists OpenAI first, then by name', async () => {
    await store.add({ provider: 'anthropic', name: 'A', secret: 'sk-ant-FAKE-000000000000000001' });
    await store.add({ provider: 'openai', name: 'Work', secret: KEY_A });
    await store.add({ provider: 'openai', name: 'Home', secret: KEY_B });
    assert.deepEqual(store.list().map((k) => `${k.provider}/${k.name}`), ['openai/Home', 'openai/Work', 'anthropic/A']);
  });

  it('rotates, renames and clears the organization, stamping updatedAt only for key changes', async () => {
    const record = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A, organization: 'org-FAKE0001' });
    clock = new Date('2026-02-01T00:00:00Z');
    const renamed = await store.update(record.id, { name: 'Home' });
    assert.equal(renamed.name, 'Home');
    assert.equal(renamed.updatedAt, record.updatedAt);
    const rotated = await store.update(record.id, { secret: KEY_B, organization: '' });
    assert.equal(await store.secret(record.id), KEY_B);
    assert.equal(rotated.organization, undefined);
    assert.equal(rotated.updatedAt, '2026-02-01T00:00:00.000Z');
  });

  it('removes the secret with the key', async () => {
    const record = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A });
    await store.remove(record.id);
    assert.equal(store.get(record.id), undefined);
    assert.equal(await store.secret(record.id), undefined);
    assert.equal(store.list().length, 0);
  });

  it('serializes concurrent writes so none is lost', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.add({ provider: 'openai', name: `Key ${i}`, secret: `${KEY_A}${i}` })));
    assert.equal(store.list().length, 20);
  });

  it('tells another window about a change through SecretStorage', async () => {
    const otherWindow = new KeyStore(secrets, memento);
    let seen = 0;
    otherWindow.onDidChange(() => seen++);
    const record = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A });
    await store.update(record.id, { name: 'Renamed' });
    assert.ok(seen >= 2, `the other window saw ${seen} changes`);
    let elsewhere = 0;
    let ownElsewhere = 0;
    otherWindow.onDidChangeElsewhere(() => elsewhere++);
    store.onDidChangeElsewhere(() => ownElsewhere++);
    await store.update(record.id, { name: 'Again' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(elsewhere, 1, 'the other window is told the change came from elsewhere');
    assert.equal(ownElsewhere, 0, 'the writing window is not');
    assert.equal(otherWindow.get(record.id)?.name, 'Again');
    otherWindow.dispose();
  });

  it('starts empty on unreadable metadata, without touching secrets', async () => {
    await memento.update(StorageKeys.metadata, { version: 99, garbage: true });
    await secrets.store(`${StorageKeys.secretPrefix}x`, KEY_A);
    assert.deepEqual(store.list(), []);
    assert.equal(secrets.data.get(`${StorageKeys.secretPrefix}x`), KEY_A);
  });

  it('refuses to update a key that no longer exists', async () => {
    await assert.rejects(store.update('missing', { name: 'x' }), /no longer exists/);
  });
});
