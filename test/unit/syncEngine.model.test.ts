// Model-based test of the sync engine over the real store: random sequences of user actions on two
// providers and three keys, with Pieces OS going up, down, answering 401/500, garbling or losing answers,
// and the keyring giving nothing, at random points. After each sequence the service and the keyring come
// back, the user runs Sync Now, and Pieces OS must hold exactly what a simple reference model says.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ProviderId, ProviderInfo } from '../../src/core/providers/catalogue';
import { BACKOFF_MAX_MS } from '../../src/core/time';
import { harness } from '../support/engineHarness';
import { type Held, MODES } from '../support/fakeService';
import { mulberry32 } from '../support/random';
import { sized } from '../support/sizes';
import { removeRoot } from '../support/tempStore';

const SEQUENCES = sized('MODEL_SEQUENCES', 100, 1000);
const STEPS = 25;
const SEED = Number(process.env.MODEL_SEED ?? 20261129);

/** Two providers that both sync, so that per-provider ordering and independence are exercised. */
const TWO: readonly ProviderInfo[] = [
  {
    id: 'openai',
    label: 'OpenAI',
    keyPrefixes: ['sk-'],
    envVar: 'OPENAI_API_KEY',
    syncsToPieces: true,
    hasOrganization: true,
    keyLength: [51, 256],
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    keyPrefixes: ['sk-ant-'],
    envVar: 'ANTHROPIC_API_KEY',
    syncsToPieces: true,
    hasOrganization: true,
    keyLength: [100, 130],
  },
];
const SLOTS = 3;

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

function folderText(root: string): string {
  const dir = path.join(root, 'records');
  return readdirSync(dir)
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
}

async function runSequence(seed: number): Promise<number> {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const h = await harness({ providers: TWO });
  const { store, engine, service, secrets } = h;
  const model = new Model();
  const log: string[] = [];
  let counter = 0;
  const fresh = (): string => `sk-test-FAKE-model-${seed}-${++counter}-000000`;

  try {
    for (let step = 0; step < STEPS; step++) {
      const provider = pick(TWO).id;
      const slots = model.keys.get(provider) ?? new Map<number, ModelKey>();
      model.keys.set(provider, slots);
      const slot = Math.floor(random() * SLOTS);
      const key = slots.get(slot);
      const roll = random();
      if (roll < 0.12) {
        service.mode = pick(MODES);
        log.push(`service ${service.mode}`);
      } else if (roll < 0.16) {
        if (secrets.faults.size > 0) secrets.faults.clear();
        else secrets.faults.add('getEmpty');
        log.push(`keyring ${secrets.faults.size ? 'locked' : 'unlocked'}`);
      } else if (roll < 0.25) {
        await h.advance(Math.floor(random() * 8000));
        log.push('time passes');
      } else if (!key) {
        const secret = fresh();
        const first = model.active.get(provider) === undefined;
        const choose = first || random() < 0.5;
        const record = await store.add({ provider, name: `k${slot}`, secret }, { choose });
        slots.set(slot, { id: record.id, secret, name: record.name });
        if (choose) model.active.set(provider, slot);
        log.push(`add ${provider}/${slot}${choose ? ' (chosen)' : ''}`);
      } else if (roll < 0.45) {
        const secret = fresh();
        const organization = random() < 0.3 ? `org-FAKE${counter}` : '';
        try {
          await store.rotate(key.id, secret, { organization });
          key.secret = secret;
          if (organization) key.organization = organization;
          else delete key.organization;
          log.push(`rotate ${provider}/${slot}`);
        } catch {
          log.push(`rotate ${provider}/${slot} refused (keyring)`);
        }
      } else if (roll < 0.55) {
        key.name = `k${slot}-${counter++}`;
        await store.update(key.id, { name: key.name });
        log.push(`rename ${provider}/${slot}`);
      } else if (roll < 0.7) {
        await engine.choose(provider, key.id);
        model.active.set(provider, slot);
        log.push(`use ${provider}/${slot}`);
      } else if (roll < 0.85) {
        const wasActive = model.active.get(provider) === slot;
        slots.delete(slot);
        const others = [...slots.keys()];
        const successor = wasActive && others.length > 0 && random() < 0.6 ? pick(others) : undefined;
        await store.remove(key.id, successor !== undefined ? { successor: (slots.get(successor) as ModelKey).id } : {});
        if (wasActive) model.active.set(provider, successor);
        log.push(`delete ${provider}/${slot}${successor !== undefined ? ` (successor ${successor})` : ''}`);
      } else if (roll < 0.95) {
        await engine.drain();
        log.push('drain');
      } else {
        await engine.syncNow();
        log.push('sync now');
      }
      if (random() < 0.5) engine.kick();
      await h.idle();
    }

    // The service and the keyring come back and stay; the user runs Sync Now for what waits for them.
    service.mode = 'up';
    secrets.faults.clear();
    log.push('service up, keyring unlocked, for good');
    await engine.syncNow();
    for (let i = 0; i < 20 && engine.state.pending + engine.state.parked > 0; i++) await h.advance(BACKOFF_MAX_MS + 1000);
    assert.equal(engine.state.pending + engine.state.parked, 0, 'changes still wait');
    for (const { id } of TWO) assert.deepEqual(service.state(id), model.expected(id), `Pieces OS holds the wrong ${id} key`);
    assert.equal(service.overlapped, false, 'two calls for one provider overlapped');
    assert.ok(!folderText(h.root).includes('FAKE-model'), 'a record holds key bytes');
    return service.calls.length;
  } catch (error) {
    (error as Error).message += `\n  seed ${seed}; steps:\n    ${log.join('\n    ')}\n  calls:\n    ${service.calls.join('\n    ')}`;
    throw error;
  } finally {
    h.dispose();
    removeRoot(h.root);
  }
}

describe('sync engine against a reference model (coalescing, ordering, retries, the keyring)', function () {
  this.timeout(300_000);

  it(`ends in the state the user chose, over ${SEQUENCES} random sequences`, async () => {
    const started = performance.now();
    let calls = 0;
    for (let i = 0; i < SEQUENCES; i++) calls += await runSequence(SEED + i);
    const seconds = (performance.now() - started) / 1000;
    console.log(`      (${SEQUENCES} sequences of ${STEPS} steps, ${calls} calls to the service, in ${seconds.toFixed(1)} s)`);
  });
});
