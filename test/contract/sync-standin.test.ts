// The sync engine with the real client against the stand-in: create, update, switch, delete, down, 401.
import * as assert from 'node:assert/strict';
import { PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import type { KeyStore } from '../../src/core/store/keyStore';
import { SyncEngine } from '../../src/core/sync/engine';
import type { SyncOutcome } from '../../src/core/sync/outcome';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { type TempStore, openTempStore, removeRoot } from '../support/tempStore';

const KEY_A = 'sk-test-FAKE-sync-00000000000000000000a';
const KEY_B = 'sk-test-FAKE-sync-00000000000000000000b';
const KEY_C = 'sk-test-FAKE-sync-00000000000000000000c';

describe('SyncEngine against the stand-in', function () {
  this.timeout(10000);
  let standIn: StandIn;
  let temp: TempStore;
  let store: KeyStore;
  let sync: SyncEngine;

  beforeEach(async () => {
    standIn = await startStandIn({ port: 0 });
    temp = await openTempStore();
    store = temp.store;
    sync = new SyncEngine({ store, service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 1000 })) });
  });
  afterEach(async () => {
    sync.dispose();
    temp.close();
    removeRoot(temp.root);
    await standIn.stop();
  });
  const stateOf = (id: string): string | undefined => {
    const record = store.get(id);
    return record && sync.stateOf(record).kind;
  };

  /** The outcome of one drain for the one provider that syncs. */
  const drainOnce = async (): Promise<SyncOutcome> => (await sync.drain({ now: true }))[0] ?? { kind: 'nothingToDo' };

  const keyCalls = (): string[] =>
    standIn.requests.filter((r) => r.path.startsWith('/external_provider/')).map((r) => `${r.path.split('/').pop()} ${r.status}`);

  it('creates the first key, updates on rotate, switches keys and deletes on release', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A, organization: 'org-FAKEsync01' }, { choose: true });
    assert.equal(stateOf(a.id), 'waiting');
    assert.equal(sync.state.pending, 1);
    assert.deepEqual(await drainOnce(), { kind: 'pushed', keyId: a.id, call: 'create' });
    assert.deepEqual(standIn.openAI, { api_key: KEY_A, api_key_name: 'Personal', organization_key: 'org-FAKEsync01' });
    assert.equal(stateOf(a.id), 'synced');
    assert.equal(sync.state.pending, 0);

    await store.rotate(a.id, KEY_B);
    assert.equal((await drainOnce()).kind, 'pushed');
    assert.equal(standIn.openAI?.api_key, KEY_B);

    const c = await store.add({ provider: 'openai', name: 'Work', secret: KEY_C });
    await sync.choose('openai', c.id);
    await sync.drain({ now: true });
    // The switch clears the organization the first key had set: the new key has none.
    assert.deepEqual(standIn.openAI, { api_key: KEY_C, api_key_name: 'Work', organization_key: '' });
    assert.equal(stateOf(a.id), 'inactive');

    await store.remove(c.id);
    assert.deepEqual(await drainOnce(), { kind: 'removed' });
    assert.equal(standIn.openAI, undefined);
    assert.deepEqual(keyCalls(), ['create 200', 'update 200', 'update 200', 'delete 200']);
  });

  it('sends nothing when nothing is pending', async () => {
    assert.deepEqual(await drainOnce(), { kind: 'nothingToDo' });
    assert.deepEqual(keyCalls(), []);
  });

  it('keeps the change pending while the service is down, and sends it when it is back', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A }, { choose: true });
    await standIn.stop();
    const outcome = await drainOnce();
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.error.kind, 'unreachable');
    const status = sync.stateOf(store.get(a.id)!);
    assert.equal(status.kind, 'waiting');
    assert.ok(status.kind === 'waiting' && status.reason && !status.reason.includes(KEY_A));
    assert.equal(sync.state.pending, 1);
    await standIn.restart();
    assert.equal((await drainOnce()).kind, 'pushed');
    assert.equal(standIn.openAI?.api_key, KEY_A);
  });

  it('marks the key rejected on 401 and asks for the user again next time', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A }, { choose: true });
    standIn.failNext(1, 'unauthorized', { paths: ['/external_provider/api_key/create'] });
    const outcome = await drainOnce();
    assert.equal(outcome.kind === 'failed' && outcome.error.kind, 'unauthorized');
    assert.equal(stateOf(a.id), 'rejected');
    assert.equal(sync.state.parked, 1, 'a 401 parks the change: retrying cannot help');
    const again = await drainOnce();
    assert.ok(
      again.kind === 'failed' && again.parked && again.error.kind === 'unauthorized',
      'a drain meanwhile says what waits for the user, and sends nothing',
    );
    const userCalls = standIn.requests.filter((r) => r.path === '/user').length;
    assert.equal((await sync.syncNow())[0]?.kind, 'pushed');
    // One GET /user for the user id (forgotten after the 401), the key call's own check, and one to
    // compare what Pieces OS then holds.
    assert.equal(standIn.requests.filter((r) => r.path === '/user').length, userCalls + 3);
  });

  it('sends nothing and says so when nobody is signed in', async () => {
    standIn.signedIn = false;
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A }, { choose: true });
    const outcome = await drainOnce();
    assert.equal(outcome.kind === 'failed' && outcome.error.kind, 'notSignedIn');
    assert.equal(stateOf(a.id), 'signIn');
    assert.deepEqual(keyCalls(), []);
  });

  it('sends a rotation made while a call is in flight right after it', async () => {
    const a = await store.add({ provider: 'openai', name: 'Personal', secret: KEY_A }, { choose: true });
    standIn.failNext(1, 'delay', { delayMs: 300, paths: ['/external_provider/api_key/create'] });
    const inFlight = sync.drain({ now: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.rotate(a.id, KEY_B);
    await inFlight;
    await sync.drain({ now: true });
    assert.equal(standIn.openAI?.api_key, KEY_B);
    assert.deepEqual(keyCalls(), ['create 200', 'update 200']);
    assert.equal(sync.state.pending, 0);
  });
});
