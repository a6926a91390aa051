// Model-based test of the sync engine: random sequences of user actions on two providers and three
// keys, with Pieces OS going up, down, answering 401/500, garbling or losing answers at random points.
// After each sequence the service comes back, the user runs Sync Now if something waits for them,
// and Pieces OS must hold exactly what a simple reference model says the user chose.
import * as assert from 'node:assert/strict';
import { KeyStore } from '../../src/core/keyStore';
import type { ProviderId, ProviderInfo } from '../../src/core/providers';
import { SyncEngine } from '../../src/core/syncEngine';
import { FakeClock } from '../support/fakeClock';
import { FakeService, type Held, MODES } from '../support/fakeService';
import { MemoryMemento, MemorySecrets } from '../support/memoryStorage';

const SEQUENCES = Number(process.env.MODEL_SEQUENCES ?? 1000);
const STEPS = 25;
const SEED = Number(process.env.MODEL_SEED ?? 20261123);

/** Two providers that both sync, so that per-provider ordering and independence are exercised. */
const TWO: readonly ProviderInfo[] = [
  { id: 'openai', label: 'OpenAI', keyPrefixes: ['sk-'], envVar: 'OPENAI_API_KEY', syncsToPieces: true, hasOrganization: true },
  { id: 'anthropic', label: 'Anthropic', keyPrefixes: ['sk-ant-'], envVar: 'ANTHROPIC_API_KEY', syncsToPieces: true, hasOrganization: true },
];
const SLOTS = 3;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reference model: per provider, the key the user chose, with its latest fields. */
interface ModelKey {
  id: string;
  secret: string;
  name: string;
  organization?: string;
}

class Model {
  keys = new Map<ProviderId, Map<number, ModelKey>>();
  active = new Map<ProviderId, number | undefined>();
  expected(provider: ProviderId): Held | undefined {
    const slot = this.active.get(provider);
    const key = slot === undefined ? undefined : this.keys.get(provider)?.get(slot);
    if (!key) return undefined;
    return { apiKey: key.secret, name: key.name, ...(key.organization ? { organization: key.organization } : {}) };
  }
}

async function runSequence(seed: number): Promise<{ calls: number; log: string[] }> {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const clock = new FakeClock();
  const service = new FakeService();
  const memento = new MemoryMemento();
  const store = new KeyStore(new MemorySecrets(), memento, { now: () => new Date(clock.now()), providers: TWO });
  const engine = new SyncEngine({ store, service, clock, providers: TWO, random });
  const model = new Model();
  const log: string[] = [];
  let counter = 0;
  const fresh = (): string => `sk-test-FAKE-model-${seed}-${++counter}-000000`;
  const idle = (): Promise<void> => engine.whenIdle();

  try {
    for (let step = 0; step < STEPS; step++) {
      const provider = pick(TWO).id;
      const slots = model.keys.get(provider) ?? new Map<number, ModelKey>();
      model.keys.set(provider, slots);
      const slot = Math.floor(random() * SLOTS);
      const key = slots.get(slot);
      const roll = random();
      if (roll < 0.15) {
        service.mode = pick(MODES);
        log.push(`service ${service.mode}`);
      } else if (roll < 0.25) {
        await clock.advance(Math.floor(random() * 8000), idle);
        log.push('time passes');
      } else if (!key) {
        const secret = fresh();
        const record = await store.add({ provider, name: `k${slot}`, secret });
        slots.set(slot, { id: record.id, secret, name: record.name });
        const first = model.active.get(provider) === undefined;
        if (first || random() < 0.5) {
          await engine.choose(provider, record.id, first ? 'create' : 'use');
          model.active.set(provider, slot);
        }
        log.push(`add ${provider}/${slot}${model.active.get(provider) === slot ? ' (active)' : ''}`);
      } else if (roll < 0.45) {
        const secret = fresh();
        const organization = random() < 0.3 ? `org-FAKE${counter}` : '';
        await store.update(key.id, { secret, organization });
        key.secret = secret;
        if (organization) key.organization = organization;
        else delete key.organization;
        await engine.keyChanged(provider, key.id);
        log.push(`rotate ${provider}/${slot}`);
      } else if (roll < 0.55) {
        key.name = `k${slot}-${counter++}`;
        await store.update(key.id, { name: key.name });
        await engine.keyChanged(provider, key.id);
        log.push(`rename ${provider}/${slot}`);
      } else if (roll < 0.7) {
        await engine.choose(provider, key.id, 'use');
        model.active.set(provider, slot);
        log.push(`use ${provider}/${slot}`);
      } else if (roll < 0.85) {
        const wasActive = model.active.get(provider) === slot;
        await store.remove(key.id);
        slots.delete(slot);
        if (wasActive) {
          const others = [...slots.keys()];
          const successor = others.length > 0 && random() < 0.6 ? pick(others) : undefined;
          if (successor !== undefined) await engine.choose(provider, (slots.get(successor) as ModelKey).id, 'use');
          else await engine.release(provider);
          model.active.set(provider, successor);
        }
        log.push(`delete ${provider}/${slot}`);
      } else if (roll < 0.95) {
        await engine.drain();
        log.push('drain');
      } else {
        await engine.syncNow();
        log.push('sync now');
      }
      if (random() < 0.5) engine.kick();
      await idle();
    }

    // The service comes back and stays up; the user runs Sync Now for what waits for them.
    service.mode = 'up';
    log.push('service up for good');
    await engine.syncNow();
    for (let i = 0; i < 20 && engine.state.pending + engine.state.parked > 0; i++) await clock.advance(61_000, idle);
    assert.equal(engine.state.pending + engine.state.parked, 0, 'changes still wait');
    for (const { id } of TWO) assert.deepEqual(service.state(id), model.expected(id), `Pieces OS holds the wrong ${id} key`);
    assert.equal(service.overlapped, false, 'two calls for one provider overlapped');
    assert.ok(!memento.dump().includes('FAKE-model'), 'globalState holds key bytes');
    return { calls: service.calls.length, log };
  } catch (error) {
    (error as Error).message += `\n  seed ${seed}; steps:\n    ${log.join('\n    ')}\n  calls:\n    ${service.calls.join('\n    ')}`;
    throw error;
  } finally {
    engine.dispose();
    store.dispose();
  }
}

describe('sync engine against a reference model (coalescing, ordering, retries)', function () {
  this.timeout(120_000);

  it(`ends in the state the user chose, over ${SEQUENCES} random sequences`, async () => {
    const started = performance.now();
    let calls = 0;
    for (let i = 0; i < SEQUENCES; i++) calls += (await runSequence(SEED + i)).calls;
    const seconds = (performance.now() - started) / 1000;
    console.log(`      (${SEQUENCES} sequences of ${STEPS} steps, ${calls} calls to the service, in ${seconds.toFixed(1)} s)`);
  });
});
