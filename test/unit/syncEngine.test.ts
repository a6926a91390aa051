import * as assert from 'node:assert/strict';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, backoffDelay } from '../../src/core/connection';
import { KeyStore } from '../../src/core/keyStore';
import { LEASE_TTL_MS, Lease } from '../../src/core/lease';
import { MAX_BAD_RESPONSES, SyncEngine } from '../../src/core/syncEngine';
import { FakeClock } from '../support/fakeClock';
import { FakeService } from '../support/fakeService';
import { MemoryMemento, MemorySecrets } from '../support/memoryStorage';

const K1 = 'sk-test-FAKE-engine-0000000000000001';
const K2 = 'sk-test-FAKE-engine-0000000000000002';
const K3 = 'sk-test-FAKE-engine-0000000000000003';

function setup(options: { memento?: MemoryMemento; secrets?: MemorySecrets; clock?: FakeClock; service?: FakeService; holder?: string } = {}) {
  const clock = options.clock ?? new FakeClock();
  const service = options.service ?? new FakeService();
  const memento = options.memento ?? new MemoryMemento();
  const secrets = options.secrets ?? new MemorySecrets();
  const store = new KeyStore(secrets, memento, { now: () => new Date(clock.now()) });
  const lease = options.holder ? new Lease(memento, options.holder, () => clock.now()) : undefined;
  const engine = new SyncEngine({ store, service, clock, random: () => 0.5, ...(lease ? { lease } : {}) });
  const idle = (): Promise<void> => engine.whenIdle();
  return { clock, service, memento, secrets, store, engine, idle };
}

describe('sync engine: coalescing', () => {
  it('create then update before any sync is one create with the latest value', async () => {
    const { store, engine, service } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    await engine.choose('openai', a.id, 'create');
    await store.update(a.id, { secret: K2 });
    await engine.keyChanged('openai', a.id);
    await store.update(a.id, { name: 'A2' });
    await engine.keyChanged('openai', a.id);
    assert.equal(store.target('openai').intent?.cause, 'create');
    await engine.drain();
    assert.deepEqual(service.calls, ['openai create up']);
    assert.deepEqual(service.state('openai'), { apiKey: K2, name: 'A2' });
  });

  it('create … delete before any sync sends nothing', async () => {
    const { store, engine, service } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    await engine.choose('openai', a.id, 'create');
    await store.update(a.id, { secret: K2 });
    await engine.keyChanged('openai', a.id);
    await store.remove(a.id);
    await engine.release('openai');
    assert.equal(engine.state.pending, 0);
    assert.deepEqual(await engine.drain(), []);
    assert.deepEqual(service.calls, []);
  });

  it('update then update is one update', async () => {
    const { store, engine, service } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    await store.update(a.id, { secret: K2 });
    await engine.keyChanged('openai', a.id);
    await store.update(a.id, { secret: K3 });
    await engine.keyChanged('openai', a.id);
    await engine.drain();
    assert.deepEqual(service.calls, ['openai create up', 'openai update up']);
    assert.equal(service.state('openai')?.apiKey, K3);
  });

  it('switching A → B → A before a sync is one update with A', async () => {
    const { store, engine, service } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    const b = await store.add({ provider: 'openai', name: 'B', secret: K2 });
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    await engine.choose('openai', b.id, 'use');
    await engine.choose('openai', a.id, 'use');
    await engine.drain();
    assert.deepEqual(service.calls, ['openai create up', 'openai update up']);
    assert.equal(service.state('openai')?.apiKey, K1);
    assert.equal(store.get(b.id)?.sync.kind, 'inactive');
  });

  it('a rotation while a call is in flight is sent by one more update right after it', async () => {
    const { store, engine, service } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    await engine.choose('openai', a.id, 'create');
    let rotated = false;
    service.duringCall = async () => {
      if (rotated) return;
      rotated = true;
      await store.update(a.id, { secret: K2 });
      await engine.keyChanged('openai', a.id);
    };
    await engine.drain();
    assert.deepEqual(service.calls, ['openai create up', 'openai update up']);
    assert.equal(service.state('openai')?.apiKey, K2);
    assert.equal(engine.state.pending, 0);
  });

  it('writes the intent before the call and keeps it until Pieces OS confirms (crash safety)', async () => {
    const memento = new MemoryMemento();
    const secrets = new MemorySecrets();
    const service = new FakeService();
    const first = setup({ memento, secrets, service });
    const a = await first.store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'down';
    await first.engine.choose('openai', a.id, 'create');
    await first.engine.drain();
    assert.equal(first.store.target('openai').intent?.op, 'push');
    first.engine.dispose(); // the window crashes or reloads
    first.store.dispose();
    service.mode = 'up';
    const second = setup({ memento, secrets, service });
    await second.engine.drain();
    assert.equal(service.state('openai')?.apiKey, K1);
    assert.equal(second.engine.state.pending, 0);
    assert.ok(!memento.dump().includes(K1), 'the durable queue holds key bytes');
    second.engine.dispose();
  });
});

describe('sync engine: retries and parking', () => {
  it('backoff doubles from 1 s to a 60 s cap, with jitter inside ±20% and never outside the bounds', () => {
    assert.deepEqual(
      Array.from({ length: 9 }, (_, i) => backoffDelay(i, () => 0.5)),
      [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000],
    );
    for (let attempt = 0; attempt < 30; attempt++) {
      for (const r of [0, 0.25, 0.999]) {
        const delay = backoffDelay(attempt, () => r);
        assert.ok(delay >= BACKOFF_MIN_MS && delay <= BACKOFF_MAX_MS, `${attempt}: ${delay}`);
      }
    }
    assert.equal(backoffDelay(3, () => 0), 6400);
    assert.equal(backoffDelay(3, () => 0.999), 9597);
  });

  it('retries a refused connection with growing delays, then sends once the service answers', async () => {
    const { store, engine, service, clock, idle } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'down';
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const at = engine.state.nextRetryAt;
      assert.ok(at, 'a retry is scheduled');
      delays.push(at - clock.now());
      await clock.advance(at - clock.now(), idle);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
    service.mode = 'up';
    await clock.advance(60_000, idle);
    assert.equal(service.state('openai')?.apiKey, K1);
    assert.equal(engine.state.nextRetryAt, undefined);
  });

  it('retries a 500 three times and then succeeds', async () => {
    const { store, engine, service, clock, idle } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'serverError';
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    await clock.advance(1000, idle);
    await clock.advance(2000, idle);
    service.mode = 'up';
    await clock.advance(4000, idle);
    assert.deepEqual(service.calls, ['openai create serverError', 'openai create serverError', 'openai create serverError', 'openai create up']);
  });

  it('parks on 401 without retrying, until the user runs Sync Now', async () => {
    const { store, engine, service, clock, idle } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'unauthorized';
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    assert.equal(engine.state.parked, 1);
    assert.equal(store.get(a.id)?.sync.kind, 'rejected');
    await clock.advance(600_000, idle);
    assert.equal(service.calls.length, 1, 'a parked change is not retried');
    service.mode = 'up';
    await engine.syncNow();
    assert.equal(service.state('openai')?.apiKey, K1);
    assert.equal(store.get(a.id)?.sync.kind, 'synced');
  });

  it(`retries malformed answers ${MAX_BAD_RESPONSES} times, then parks with the reason`, async () => {
    const { store, engine, service, clock, idle } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'badResponse';
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    await clock.advance(600_000, idle);
    assert.equal(service.calls.length, MAX_BAD_RESPONSES);
    assert.equal(engine.state.parked, 1);
    const status = store.get(a.id)?.sync;
    assert.ok(status?.kind === 'failed' && /does not understand/.test(status.reason) && /Sync Now/.test(status.reason));
  });

  it('a change made after parking replaces the parked intent and is sent', async () => {
    const { store, engine, service } = setup();
    const a = await store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'unauthorized';
    await engine.choose('openai', a.id, 'create');
    await engine.drain();
    service.mode = 'up';
    await store.update(a.id, { secret: K2 });
    await engine.keyChanged('openai', a.id);
    assert.equal(engine.state.parked, 0);
    await engine.drain();
    assert.equal(service.state('openai')?.apiKey, K2);
  });
});

describe('sync engine: lease (many windows)', () => {
  it('only the holder sends; another window takes over when the holder stops renewing', async () => {
    const memento = new MemoryMemento();
    const secrets = new MemorySecrets();
    const clock = new FakeClock();
    const service = new FakeService();
    const one = setup({ memento, secrets, clock, service, holder: 'window-1' });
    const two = setup({ memento, secrets, clock, service, holder: 'window-2' });
    const a = await one.store.add({ provider: 'openai', name: 'A', secret: K1 });
    service.mode = 'serverError';
    await one.engine.choose('openai', a.id, 'create');
    await one.engine.drain(); // window 1 takes the lease, fails, will retry
    assert.deepEqual(await two.engine.drain(), [{ kind: 'waiting', reason: 'otherWindow' }]);
    assert.equal(service.calls.length, 1);
    one.engine.dispose(); // window 1 crashes: no release, no renewal
    service.mode = 'up';
    await clock.advance(LEASE_TTL_MS + 1000, () => two.engine.whenIdle());
    assert.equal(service.state('openai')?.apiKey, K1, 'window 2 took over and sent the change');
    assert.deepEqual(service.calls, ['openai create serverError', 'openai create up']);
    two.engine.dispose();
  });

  it('a released lease is free at once', async () => {
    const memento = new MemoryMemento();
    const clock = new FakeClock();
    const one = new Lease(memento, 'w1', () => clock.now());
    const two = new Lease(memento, 'w2', () => clock.now());
    assert.equal(await one.acquire(), true);
    assert.equal(await two.acquire(), false);
    await one.release();
    assert.equal(await two.acquire(), true);
    assert.equal(two.holds(), true);
    clock.advance(LEASE_TTL_MS + 1);
    assert.equal(two.holds(), false);
  });
});

describe('sync engine: reconciliation', () => {
  async function synced() {
    const env = setup();
    const a = await env.store.add({ provider: 'openai', name: 'A', secret: K1 });
    const b = await env.store.add({ provider: 'openai', name: 'B', secret: K2 });
    await env.engine.choose('openai', a.id, 'create');
    await env.engine.drain();
    return { ...env, a, b };
  }

  it('in sync after a push', async () => {
    const { engine } = await synced();
    assert.deepEqual(await engine.reconcile(), { openai: { kind: 'inSync' } });
  });

  it('Pieces OS holds another of our keys', async () => {
    const { engine, service, b } = await synced();
    service.held_.set('openai', { apiKey: K2, name: 'changed in Pieces' });
    assert.deepEqual((await engine.reconcile()).openai, { kind: 'holdsOther', tail: '0002', name: 'changed in Pieces', ourKeyId: b.id });
  });

  it('Pieces OS holds a key we do not have; adopting it stores it and sends nothing', async () => {
    const { engine, service, store, secrets, memento } = await synced();
    service.held_.set('openai', { apiKey: K3, name: 'Set in Pieces', organization: 'org-FAKEpieces' });
    assert.deepEqual((await engine.reconcile()).openai, { kind: 'holdsOther', tail: '0003', name: 'Set in Pieces' });
    const calls = service.calls.length;
    const adopted = await engine.adopt('openai');
    assert.equal(adopted.name, 'Set in Pieces');
    assert.equal(adopted.organization, 'org-FAKEpieces');
    assert.equal(await store.secret(adopted.id), K3);
    assert.ok([...secrets.data.values()].includes(K3));
    assert.ok(!memento.dump().includes(K3));
    assert.equal(store.target('openai').activeId, adopted.id);
    assert.equal(service.calls.length, calls);
    assert.deepEqual((await engine.reconcile()).openai, { kind: 'inSync' });
  });

  it('Pieces OS holds none of our key; pushing ours sends it again as a create', async () => {
    const { engine, service, a } = await synced();
    service.held_.delete('openai');
    assert.deepEqual((await engine.reconcile()).openai, { kind: 'holdsNone', activeId: a.id });
    await engine.pushOurs('openai');
    await engine.drain();
    assert.equal(service.state('openai')?.apiKey, K1);
    assert.equal(service.calls.at(-1), 'openai create up');
  });

  it('we chose no key but Pieces OS holds one: unknown key', async () => {
    const { engine, service } = setup();
    service.held_.set('openai', { apiKey: K3 });
    assert.deepEqual((await engine.reconcile()).openai, { kind: 'holdsUnknown', tail: '0003' });
  });

  it('leaving it hides the difference until Pieces OS holds yet another key', async () => {
    const { engine, service } = await synced();
    service.held_.set('openai', { apiKey: K3 });
    await engine.reconcile();
    engine.ignoreDrift('openai');
    assert.deepEqual((await engine.reconcile()).openai, undefined);
    service.held_.set('openai', { apiKey: 'sk-test-FAKE-engine-0000000000000009' });
    assert.equal((await engine.reconcile()).openai?.kind, 'holdsOther');
  });

  it('skips the comparison while a change waits to be sent', async () => {
    const { engine, service, store, b } = await synced();
    service.mode = 'down';
    await engine.choose('openai', b.id, 'use');
    service.mode = 'up';
    assert.deepEqual(await engine.reconcile(), {});
    assert.equal(store.target('openai').intent?.op, 'push');
  });
});
