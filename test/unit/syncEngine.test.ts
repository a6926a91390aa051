// The sync engine over a real (temporary) store, a fake Pieces OS and a manual clock: coalescing,
// deletes never lost, honest states, transient vs parked failures, the keyring, the lease, drift.
import * as assert from 'node:assert/strict';
import { BACKOFF_MAX_MS } from '../../src/core/time';
import { NotSignedInError, ServerError, ServiceUnreachableError, UnauthorizedError } from '../../src/core/pieces/errors';
import { SENDER_LEASE_TTL_MS } from '../../src/core/store/createStore';
import { adoptHeldKey } from '../../src/core/sync/adopt';
import { maskKey } from '../../src/core/keys/mask';
import { MAX_BAD_RESPONSES } from '../../src/core/sync/failurePolicy';
import { driftSentence, driftWord, isHeld, isProblem, stateWord } from '../../src/core/sync/vocabulary';
import { type Harness, harness } from '../support/engineHarness';
import { FakeClock } from '../support/fakeClock';
import { FakeService } from '../support/fakeService';
import { SecretBackend } from '../support/memoryStorage';
import { removeRoot, tempRoot } from '../support/tempStore';

const K1 = 'sk-test-FAKE-engine-0000000000000001';
const K2 = 'sk-test-FAKE-engine-0000000000000002';
const K3 = 'sk-test-FAKE-engine-0000000000000003';

describe('sync engine', () => {
  let harnesses: Harness[] = [];
  const make = async (...args: Parameters<typeof harness>): Promise<Harness> => {
    const h = await harness(...args);
    harnesses.push(h);
    return h;
  };
  afterEach(() => {
    for (const h of harnesses) {
      h.dispose();
      removeRoot(h.root);
    }
    harnesses = [];
  });

  describe('coalescing (only the difference is sent)', () => {
    it('add, rotate and rename before any sync is one create with the latest value', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      await store.rotate(a.id, K2);
      await store.update(a.id, { name: 'A2' });
      await engine.drain();
      assert.deepEqual(service.calls, ['openai create up']);
      assert.deepEqual(service.state('openai'), { apiKey: K2, name: 'A2' });
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'synced');
    });

    it('add … delete before any sync sends nothing', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      await store.rotate(a.id, K2);
      await store.remove(a.id);
      assert.equal(engine.state.pending, 0);
      assert.deepEqual(await engine.drain(), []);
      assert.deepEqual(service.calls, []);
    });

    it('two rotations are one update; A → B → A before a sync is nothing', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      const b = await store.add({ provider: 'openai', name: 'B', secret: K3 });
      await engine.drain();
      await store.rotate(a.id, K2);
      await store.rotate(a.id, K3);
      await engine.drain();
      assert.deepEqual(service.calls, ['openai create up', 'openai update up']);
      await engine.choose('openai', b.id);
      await engine.choose('openai', a.id);
      await engine.drain();
      assert.equal(service.calls.length, 2, 'Pieces OS already holds A');
      assert.equal(engine.stateOf(store.get(b.id)!).kind, 'inactive');
    });

    it('a change made while a call is in flight is sent right after it', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.duringCall = async () => {
        service.duringCall = undefined;
        await store.rotate(a.id, K2);
      };
      await engine.drain();
      assert.deepEqual(service.calls, ['openai create up', 'openai update up']);
      assert.equal(service.state('openai')?.apiKey, K2);
    });
  });

  describe('a delete is never lost', () => {
    it('deleting a key while its first create is in flight sends the delete after the create lands', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.duringCall = async () => {
        service.duringCall = undefined;
        await store.remove(a.id);
      };
      await engine.drain();
      assert.deepEqual(service.calls, ['openai create up', 'openai delete up']);
      assert.equal(service.state('openai'), undefined);
    });

    it('switching away while the first create is in flight sends the new key', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      const b = await store.add({ provider: 'openai', name: 'B', secret: K2 });
      service.duringCall = async () => {
        service.duringCall = undefined;
        await store.setChoice('openai', b.id);
      };
      await engine.drain();
      assert.equal(service.state('openai')?.apiKey, K2);
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'inactive');
    });

    it('a create whose answer was lost counts as "may hold": a later delete is sent', async () => {
      const { store, engine, service, advance } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.mode = 'lostAnswer';
      await engine.drain();
      assert.equal(store.sent('openai')?.holds, 'maybe');
      service.mode = 'down';
      await store.remove(a.id);
      service.mode = 'up';
      await advance(BACKOFF_MAX_MS);
      assert.equal(service.state('openai'), undefined);
      assert.equal(service.calls.at(-1), 'openai delete up');
    });

    it('a create that was refused (nothing sent) followed by a delete sends nothing', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.mode = 'down';
      await engine.drain();
      assert.equal(store.sent('openai')?.holds, 'none');
      await store.remove(a.id);
      service.mode = 'up';
      assert.deepEqual(await engine.drain(), []);
    });
  });

  describe('honest states', () => {
    it('a 401 for key A after the user switched to B marks neither A nor B rejected', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      const b = await store.add({ provider: 'openai', name: 'B', secret: K2 });
      service.duringCall = async () => {
        service.duringCall = undefined;
        await store.setChoice('openai', b.id);
        service.nextErrors.push(new UnauthorizedError('Invalid Authentication'));
      };
      await engine.drain();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'inactive');
      assert.notEqual(engine.stateOf(store.get(b.id)!).kind, 'rejected');
      assert.equal(engine.state.parked, 0);
      service.duringCall = undefined;
      await engine.drain();
      assert.equal(engine.stateOf(store.get(b.id)!).kind, 'synced');
    });

    it('a 401 on a key call parks it as rejected until the key changes or Sync Now', async () => {
      const { store, engine, service, advance } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.mode = 'unauthorized';
      await engine.drain();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'rejected');
      assert.equal(engine.state.parked, 1);
      await advance(10 * BACKOFF_MAX_MS);
      assert.equal(service.calls.length, 1, 'a parked change is not retried by itself');
      service.mode = 'up';
      await engine.syncNow();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'synced');
    });

    it(`a response garbled ${MAX_BAD_RESPONSES} times in a row parks the change as failed`, async () => {
      const { store, engine, service, advance } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.mode = 'badResponse';
      await engine.drain();
      await advance(10 * BACKOFF_MAX_MS);
      assert.equal(service.calls.length, MAX_BAD_RESPONSES);
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'failed');
    });

    it('two windows converge to the same states', async () => {
      const root = tempRoot();
      const backend = new SecretBackend();
      const clock = new FakeClock();
      const service = new FakeService();
      const one = await make({ root, secrets: backend.window(2), clock, service, windowId: 'one', lease: true });
      const two = await make({ root, secrets: backend.window(2), clock, service, windowId: 'two', lease: true });
      const a = await one.store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.mode = 'unauthorized';
      await one.engine.drain();
      await two.store.refresh();
      assert.equal(one.engine.stateOf(one.store.get(a.id)!).kind, 'rejected');
      assert.equal(two.engine.stateOf(two.store.get(a.id)!).kind, 'rejected');
    });
  });

  describe('transient failures retry; they never park', () => {
    it('a drain asked for while a failed change waits for its retry answers with that failure and sends nothing', async () => {
      const { store, engine, service } = await make();
      await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.nextErrors.push(new ServerError(500, 'Internal Server Error'));
      const [first] = await engine.drain();
      assert.equal(first?.kind, 'failed');
      const [again] = await engine.drain();
      assert.deepEqual(again, first, 'the same failure, not a second call');
      assert.equal(service.calls.length, 1);
      const [now] = await engine.drain({ now: true }); // Pieces OS came back, or the user refreshed
      assert.equal(now?.kind, 'pushed');
    });

    it('503 with Retry-After waits that long (capped at the backoff maximum), then retries', async () => {
      const { store, engine, service, clock, advance } = await make();
      await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.nextErrors.push(Object.assign(new ServerError(503, 'busy'), { retryAfterMs: 7_000 }));
      await engine.drain();
      assert.equal(clock.nextAt(), clock.now() + 7_000);
      assert.equal(engine.state.parked, 0);
      service.nextErrors.push(Object.assign(new ServerError(429, 'slow down'), { retryAfterMs: 10 * 24 * 3600_000 }));
      await advance(7_000);
      assert.equal(clock.nextAt(), clock.now() + BACKOFF_MAX_MS, 'an absurd Retry-After is capped');
      await advance(BACKOFF_MAX_MS);
      assert.equal(service.state('openai')?.apiKey, K1);
    });

    it('not signed in waits for sign-in and is retried; a 5xx and a timeout are retried with backoff', async () => {
      const { store, engine, service, advance } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      service.mode = 'signedOut';
      await engine.drain();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'signIn');
      service.mode = 'serverError';
      await advance(2_000);
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'waiting');
      service.mode = 'up';
      service.nextErrors.push(new ServiceUnreachableError('timeout', 'http://fake'));
      await advance(BACKOFF_MAX_MS);
      await advance(BACKOFF_MAX_MS);
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'synced');
      assert.ok(!(new NotSignedInError() instanceof UnauthorizedError));
    });
  });

  describe('the keyring', () => {
    it('a keyring that gives nothing keeps the change, says "keyring unavailable", tells once, and sends when it recovers', async () => {
      const { store, engine, service, secrets, advance } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      const told: string[] = [];
      engine.onKeyringTrouble((error) => told.push(error.message));
      secrets.faults.add('getEmpty');
      await engine.drain();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'waiting', 'just added: perhaps still on its way from another window');
      assert.deepEqual(told, []);
      secrets.faults.clear();
      await advance(11_000); // past the wait for another window's write; the keyring has it: sent
      assert.deepEqual(service.calls, ['openai create up']);
      await store.rotate(a.id, K2);
      await advance(11_000);
      for (const fault of ['getEmpty', 'getThrows'] as const) {
        secrets.faults.add(fault);
        await engine.drain();
        assert.equal(engine.stateOf(store.get(a.id)!).kind, 'keyring', fault);
        assert.equal(store.choice('openai')?.activeId, a.id, 'the choice is kept');
        assert.deepEqual(service.calls, ['openai create up']);
        secrets.faults.delete(fault);
      }
      assert.ok(told.length >= 1);
      await advance(BACKOFF_MAX_MS);
      assert.deepEqual(service.calls, ['openai create up', 'openai update up']);
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'synced');
    });
  });

  describe('one sender at a time', () => {
    it('a second window waits for the lease and takes over within the TTL when the first dies; every timer within 0…TTL', async () => {
      const root = tempRoot();
      const backend = new SecretBackend();
      const clock = new FakeClock();
      const delays: number[] = [];
      const setTimeout = clock.setTimeout.bind(clock);
      clock.setTimeout = (callback, ms) => {
        delays.push(ms);
        return setTimeout(callback, ms);
      };
      const service = new FakeService();
      const one = await make({ root, secrets: backend.window(1), clock, service, windowId: 'one', lease: true });
      const two = await make({ root, secrets: backend.window(1), clock, service, windowId: 'two', lease: true });
      assert.equal(await one.lease?.acquire(), true); // window one holds the lease, then dies without releasing it
      one.engine.dispose();
      await two.store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      const outcomes = await two.engine.drain();
      assert.deepEqual(outcomes, [{ kind: 'waiting', reason: 'otherWindow' }]);
      assert.deepEqual(service.calls, []);
      await two.advance(SENDER_LEASE_TTL_MS + 200);
      assert.deepEqual(service.calls, ['openai create up'], 'taken over after the TTL');
      assert.ok(
        delays.every((ms) => ms >= 0 && ms <= SENDER_LEASE_TTL_MS),
        `timers: ${delays.join(', ')}`,
      );
      assert.ok(delays.length < 10, `no busy loop: ${delays.length} timers`);
    });
  });

  describe('drift', () => {
    it('shows a key changed in Pieces, sends ours again on request, or keeps theirs after validating it', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'A', secret: K1 }, { choose: true });
      await engine.drain();
      service.held_.set('openai', { apiKey: K2, name: 'set in Pieces' });
      await engine.reconcile();
      assert.equal(engine.state.drift.openai?.kind, 'holdsOther');
      await engine.pushOurs('openai');
      await engine.drain();
      assert.equal(service.state('openai')?.apiKey, K1);

      service.held_.set('openai', { apiKey: 'sk-test-FAKE-with\nnewline-000000000', name: 'bad' });
      await engine.reconcile();
      await assert.rejects(engine.adopt('openai', adoptHeldKey), /cannot be kept: An API key is a single line/);

      service.held_.set('openai', { apiKey: K3, name: '\u202eevil name' });
      await engine.reconcile();
      const adopted = await engine.adopt('openai', adoptHeldKey);
      assert.equal(adopted.name, 'evil name', 'bidi characters are stripped from names that come from the service');
      assert.equal(await store.secret(adopted.id), K3);
      assert.equal(engine.planFor('openai').kind, 'none', 'nothing is sent: Pieces OS holds it already');
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'inactive');
    });

    it('a key Pieces OS forgot is "not in Pieces OS" (not synced), and what it holds is worded once', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'Personal', secret: K1 }, { choose: true });
      await engine.drain();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'synced');
      assert.equal(engine.holdOf(store.get(a.id)!), 'this');
      service.held_.delete('openai'); // forgotten in Pieces
      await engine.reconcile();
      const state = engine.stateOf(store.get(a.id)!);
      assert.deepEqual(state, { kind: 'notHeld', held: 'none' }, 'the sync record says "ours", the last look says none: not synced');
      assert.ok(isProblem(state) && !isHeld(state));
      assert.equal(stateWord(state), 'not in Pieces OS');
      assert.equal(engine.holdOf(store.get(a.id)!), 'none');
      const drift = engine.state.drift.openai;
      assert.ok(drift && drift.kind === 'holdsNone');
      assert.equal(driftWord(drift), 'holds no key');
      assert.equal(driftSentence(drift, 'OpenAI', 'Personal', undefined), 'Pieces OS holds no OpenAI key; you chose "Personal".');
      // Sending it again: waiting while it goes, then synced once Pieces OS holds it.
      await engine.pushOurs('openai');
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'waiting');
      await engine.drain();
      assert.equal(engine.stateOf(store.get(a.id)!).kind, 'synced');
    });

    it('another of our keys held instead: the chosen key is "not in Pieces OS", the held one "in Pieces OS instead"', async () => {
      const { store, engine, service } = await make();
      const a = await store.add({ provider: 'openai', name: 'Personal', secret: K1 }, { choose: true });
      const b = await store.add({ provider: 'openai', name: 'Work', secret: K2 });
      await engine.drain();
      service.held_.set('openai', { apiKey: K2, name: 'Work' }); // switched in Pieces
      await engine.reconcile();
      assert.deepEqual(engine.stateOf(store.get(a.id)!), { kind: 'notHeld', held: 'other' });
      assert.deepEqual(engine.stateOf(store.get(b.id)!), { kind: 'heldInstead' });
      const drift = engine.state.drift.openai;
      assert.ok(drift && drift.kind === 'holdsOther');
      assert.equal(driftWord(drift), 'holds another key');
      assert.equal(driftSentence(drift, 'OpenAI', 'Personal', 'Work'), 'Pieces OS holds "Work", not "Personal", the OpenAI key you chose.');
    });

    it('the key Pieces OS holds is masked by the one mask rule: no characters of a short key', async () => {
      const { store, engine, service } = await make();
      await store.add({ provider: 'openai', name: 'Personal', secret: K1 }, { choose: true });
      await engine.drain();
      service.held_.set('openai', { apiKey: 'sk-FAKE-short9', name: 'short' });
      await engine.reconcile();
      const drift = engine.state.drift.openai;
      assert.ok(drift && drift.kind === 'holdsOther');
      assert.equal(drift.mask, 'sk-…', 'a 14-character key shows no characters, as maskKey shows it');
      assert.equal(drift.mask, maskKey('sk-FAKE-short9'));
      assert.ok(!JSON.stringify(engine.state.drift).includes('rt9'), 'no tail of the short key anywhere in the drift');
      service.held_.set('openai', { apiKey: K3, name: 'long' });
      await engine.reconcile();
      const long = engine.state.drift.openai;
      assert.ok(long && long.kind === 'holdsOther' && long.mask === maskKey(K3));
    });
  });
});
