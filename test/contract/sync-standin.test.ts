import * as assert from 'node:assert/strict';
import { KeyStore } from '../../src/core/keyStore';
import { PiecesClient } from '../../src/core/piecesClient';
import { piecesServicePort } from '../../src/core/servicePort';
import { SyncEngine, type SyncOutcome } from '../../src/core/syncEngine';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { MemoryMemento, MemorySecrets } from '../support/memoryStorage';

const KEY_A = 'sk-test-FAKE-sync-00000000000000000000a';
const KEY_B = 'sk-test-FAKE-sync-00000000000000000000b';
const KEY_C = 'sk-test-FAKE-sync-00000000000000000000c';

describe('SyncEngine against the stand-in', function () {
  this.timeout(10000);
  let standIn: StandIn;
  let store: KeyStore;
  let sync: SyncEngine;
  let memento: MemoryMemento;

  beforeEach(async () => {
    standIn = await startStandIn({ port: 0 });
    memento = new MemoryMemento();
    store = new KeyStore(new MemorySecrets(), memento);
    sync = new SyncEngine({ store, service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 1000 })) });
  });
  afterEach(async () => {
    sync.dispose();
    store.dispose();
    await standIn.stop();
  });

  /** The outcome of one drain for the one provider that syncs. */
  const drainOnce = async (): Promise<SyncOutcome> => (await sync.drain())[0] ?? { kind: 'nothingToDo' };

  const keyCalls = (): string[] => standIn.requests.filter((r) => r.path.startsWith('/external_provider/')).map((r) => `${r.path.split('/').pop()} ${r.status}`);

  it('creates the first key, updates on rotate, switches keys and deletes on release', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A, organization: 'org-FAKEsync01' });
    await sync.choose('openai', a.id);
    assert.equal(store.get(a.id)?.sync.kind, 'pending');
    assert.equal(sync.state.pending, 1);
    assert.deepEqual(await drainOnce(), { kind: 'pushed', keyId: a.id, call: 'create' });
    assert.deepEqual(standIn.openAI, { api_key: KEY_A, api_key_name: 'Personal', organization_key: 'org-FAKEsync01' });
    assert.equal(store.get(a.id)?.sync.kind, 'synced');
    assert.equal(sync.state.pending, 0);

    await store.update(a.id, { secret: KEY_B });
    await sync.keyChanged('openai', a.id);
    assert.equal((await drainOnce()).kind, 'pushed');
    assert.equal(standIn.openAI?.api_key, KEY_B);

    const c = await store.add({ provider: 'openai', name: 'Work', secret: KEY_C });
    await sync.choose('openai', c.id);
    await sync.drain();
    // The switch clears the organization the first key had set: the new key has none.
    assert.deepEqual(standIn.openAI, { api_key: KEY_C, api_key_name: 'Work', organization_key: '' });
    assert.equal(store.get(a.id)?.sync.kind, 'inactive');

    await store.remove(c.id);
    await sync.release('openai');
    assert.deepEqual(await drainOnce(), { kind: 'removed' });
    assert.equal(standIn.openAI, undefined);
    assert.deepEqual(keyCalls(), ['create 200', 'update 200', 'update 200', 'delete 200']);
    assert.ok(!memento.dump().includes('FAKE-sync'), 'globalState holds key bytes');
  });

  it('sends nothing when nothing is pending', async () => {
    assert.deepEqual(await drainOnce(), { kind: 'nothingToDo' });
    assert.deepEqual(keyCalls(), []);
  });

  it('keeps the change pending while the service is down, and sends it when it is back', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A });
    await sync.choose('openai', a.id);
    await standIn.stop();
    const outcome = await drainOnce();
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.error.kind, 'unreachable');
    const status = store.get(a.id)?.sync;
    assert.equal(status?.kind, 'failed');
    assert.ok(status?.kind === 'failed' && !status.reason.includes(KEY_A));
    assert.equal(sync.state.pending, 1);
    await standIn.restart();
    assert.equal((await drainOnce()).kind, 'pushed');
    assert.equal(standIn.openAI?.api_key, KEY_A);
  });

  it('marks the key rejected on 401 and asks for the user again next time', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A });
    await sync.choose('openai', a.id);
    standIn.failNext(1, 'unauthorized', { paths: ['/external_provider/api_key/create'] });
    const outcome = await drainOnce();
    assert.equal(outcome.kind === 'failed' && outcome.error.kind, 'unauthorized');
    assert.equal(store.get(a.id)?.sync.kind, 'rejected');
    assert.equal(sync.state.parked, 1, 'a 401 parks the change: retrying cannot help');
    assert.deepEqual(await drainOnce(), { kind: 'nothingToDo' });
    const userCalls = standIn.requests.filter((r) => r.path === '/user').length;
    assert.equal((await sync.syncNow())[0]?.kind, 'pushed');
    // One GET /user for the user id (forgotten after the 401), one to compare what Pieces OS then holds.
    assert.equal(standIn.requests.filter((r) => r.path === '/user').length, userCalls + 2);
  });

  it('sends nothing and says so when nobody is signed in', async () => {
    standIn.signedIn = false;
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A });
    await sync.choose('openai', a.id);
    const outcome = await drainOnce();
    assert.equal(outcome.kind === 'failed' && outcome.error.kind, 'notSignedIn');
    assert.equal(store.get(a.id)?.sync.kind, 'notSignedIn');
    assert.deepEqual(keyCalls(), []);
  });

  it('sends a rotation made while a call is in flight right after it', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A });
    await sync.choose('openai', a.id);
    standIn.failNext(1, 'delay', { delayMs: 300, paths: ['/external_provider/api_key/create'] });
    const inFlight = sync.drain();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.update(a.id, { secret: KEY_B });
    await sync.keyChanged('openai', a.id);
    await inFlight;
    await sync.drain();
    assert.equal(standIn.openAI?.api_key, KEY_B);
    assert.deepEqual(keyCalls(), ['create 200', 'update 200']);
    assert.equal(sync.state.pending, 0);
  });
});
