// A keyring that fails (get throws, get returns nothing as a locked keyring does, store or delete
// throws) at each step of add, rotate, switch, delete and sync: the user gets a clear error or the
// change waits; nothing is deleted or forgotten because a read came back empty; once the keyring works
// again, recovery and the engine finish the job; no promise is left rejected unhandled.
import * as assert from 'node:assert/strict';
import type { KeyStore } from '../../../src/core/store/keyStore';
import { KeyringUnavailableError, secretOwner, unwrapSecret } from '../../../src/core/store/secretVault';
import { SyncEngine } from '../../../src/core/sync/engine';
import { FakeClock } from '../../support/fakeClock';
import { FakeService } from '../../support/fakeService';
import { type KeyringFault, SecretBackend, type WindowSecrets } from '../../support/memoryStorage';
import { openTempStore, removeRoot, tempRoot } from '../../support/tempStore';

const A = 'sk-test-FAKE-keyring-000000000000000A';
const B = 'sk-test-FAKE-keyring-000000000000000B';
const C = 'sk-test-FAKE-keyring-000000000000000C';
const FAULTS: readonly KeyringFault[] = ['getThrows', 'getEmpty', 'storeThrows', 'deleteThrows'];

interface Case {
  name: string;
  run(store: KeyStore, ids: { a: string; b: string }, engine: SyncEngine): Promise<unknown>;
  /** What must hold once the keyring works again and recovery and a sync ran. */
  after(store: KeyStore, ids: { a: string; b: string }, succeeded: boolean): Promise<void>;
}

const CASES: Case[] = [
  {
    name: 'add',
    run: (store) => store.add({ provider: 'openai', name: 'New', secret: C }, { choose: true }),
    after: async (store, _ids, succeeded) => {
      const added = store.list().find((k) => k.name === 'New');
      if (succeeded) assert.equal(added && (await store.secret(added.id)), C);
      else assert.equal(added, undefined, 'a failed add leaves no row');
    },
  },
  {
    name: 'rotate',
    run: (store, { a }) => store.rotate(a, C),
    after: async (store, { a }, succeeded) => assert.equal(await store.secret(a), succeeded ? C : A),
  },
  {
    name: 'switch',
    run: (store, { b }) => store.setChoice('openai', b),
    after: async (store, { b }) => assert.equal(store.activeKey('openai')?.id, b),
  },
  {
    name: 'delete',
    run: (store, { a, b }) => store.remove(a, { successor: b }),
    after: async (store, { a }) => assert.equal(store.get(a), undefined, 'the key is gone from the list either way'),
  },
  {
    name: 'sync',
    run: (_store, _ids, engine) => engine.drain(),
    after: async () => undefined,
  },
];

describe('keyring faults at every step', function () {
  this.timeout(60_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));

  for (const testCase of CASES) {
    for (const fault of FAULTS) {
      it(`${testCase.name} while ${fault}: a clear error or a waiting change, nothing lost, finished once the keyring works`, async () => {
        const root = tempRoot();
        const backend = new SecretBackend();
        const secrets: WindowSecrets = backend.window(0);
        const service = new FakeService();
        // The engine's clock a minute after the records were written: past the wait for another window's secret.
        const clock = new FakeClock(Date.now() + 60_000);
        const { store, close } = await openTempStore({ root, secrets });
        const engine = new SyncEngine({ store, service, clock });
        try {
          const a = await store.add({ provider: 'openai', name: 'A', secret: A }, { choose: true });
          const b = await store.add({ provider: 'openai', name: 'B', secret: B });
          const ids = { a: a.id, b: b.id };
          secrets.faults.add(fault);
          let succeeded = true;
          try {
            await testCase.run(store, ids, engine);
          } catch (error) {
            succeeded = false;
            assert.ok(error instanceof KeyringUnavailableError, `a clear keyring error, not ${String(error)}`);
            assert.match(error.message, /secret storage|keyring/i);
          }
          if (testCase.name === 'sync' && (fault === 'getThrows' || fault === 'getEmpty')) {
            assert.equal(engine.stateOf(store.get(a.id)!).kind, 'keyring', 'the change waits, marked');
            assert.deepEqual(service.calls, []);
          }
          const added = store.list().find((k) => k.name === 'New');
          const chosen = testCase.name === 'switch' || testCase.name === 'delete' ? b.id : added && succeeded ? added.id : a.id;
          assert.equal(store.choice('openai')?.activeId, chosen, 'the choice is never dropped');

          // The keyring works again: a new window opens (recovery), then syncs.
          secrets.faults.delete(fault);
          close();
          engine.dispose();
          const again = await openTempStore({ root, secrets: backend.window(0), windowId: 'again' });
          try {
            await testCase.after(again.store, ids, succeeded);
            for (const record of again.store.allRecords()) assert.equal(record.pending, undefined, `a mark is left on ${record.name}`);
            for (const [name, value] of backend.data) {
              const owner = secretOwner(name);
              if (!owner) continue;
              const record = again.store.get(owner.id);
              assert.ok(record, `orphaned secret ${name}`);
              assert.equal(unwrapSecret(value).rev, owner.slot === 'current' ? record.secretRev : record.previousRev);
            }
            const resend = new SyncEngine({ store: again.store, service, clock });
            await resend.drain();
            resend.dispose();
            const active = again.store.activeKey('openai');
            assert.equal(
              service.state('openai')?.apiKey,
              active ? await again.store.secret(active.id) : undefined,
              'Pieces OS holds the chosen key',
            );
          } finally {
            again.close();
          }
          assert.deepEqual(unhandled, [], 'unhandled promise rejections');
        } finally {
          engine.dispose();
          close();
          removeRoot(root);
        }
      });
    }
  }
});
