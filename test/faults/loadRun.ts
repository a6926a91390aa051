// The load run, in a process of its own (load.test.ts starts it): 200 keys added, rotated, switched and
// deleted at once, by 200 concurrent "users", while the stand-in stops and restarts every 100–300 ms and
// now and then answers with a fault. Then Pieces OS stays up, the engine settles, and the outcome is
// compared with a simple model. Everything is closed, and the process must then end by itself.
//
// Output: one JSON object per line on stdout ({ event: 'done' | 'mismatch' | 'unhandled' | 'leak' | … }).
// The exit code is 0 only if the outcome matched the model and no promise rejection went unhandled.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceLocator } from '../../src/core/pieces/discovery';
import { IDENTITY_WHILE_CONNECTED, PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import { SyncEngine } from '../../src/core/sync/engine';
import type { Fault } from '../../stand-in/faults';
import { startStandIn } from '../../stand-in/server';
import { openTempStore, removeRoot } from '../support/tempStore';

const KEYS = Number(process.env.LOAD_KEYS ?? 200);
/** A new seed each run (printed, and in the failure message), or LOAD_SEED to repeat one. */
const SEED = Number(process.env.LOAD_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** The whole run must end well before this; if not, say so and stop (the parent fails the test). */
const DEADLINE_MS = 90_000;
/** After the work is done and closed, the process has this long to end by itself. */
const EXIT_GRACE_MS = 1500;

/** Faults the flapping service answers with now and then (on the key calls and on GET /user). */
const FLAP_FAULTS: readonly Fault[] = [
  'serverError',
  'unavailable',
  'tooManyRequests',
  'drop',
  'dropMidBody',
  'invalidJson',
  'wrongShape',
  'unauthorized',
  'conflict',
  'notFound',
  'delay',
];

function emit(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
}

const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => {
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  unhandled.push(text);
  emit('unhandled', { reason: text });
  process.exitCode = 2;
});

let seed = SEED;
/** A small seeded generator, so that a failing run can be repeated (LOAD_SEED). */
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}
const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the store and Pieces OS should end with: the keys left (name, secret) and the one chosen. */
interface Model {
  keys: Map<number, { id: string; name: string; secret: string }>;
  chosen: number | undefined;
}

async function main(): Promise<void> {
  const started = performance.now();
  const standIn = await startStandIn({ port: 0 });
  const temp = await openTempStore();
  const store = temp.store;
  // As the extension builds it: what GET /user said holds while its connection stays open.
  const client = new PiecesClient({
    baseUrl: new ServiceLocator({ configuredUrl: () => standIn.url }),
    timeoutMs: 500,
    identityMaxAgeMs: IDENTITY_WHILE_CONNECTED,
  });
  const engine = new SyncEngine({ store, service: piecesServicePort(client), log: () => undefined });
  // As the extension does: every store change kicks the engine.
  const kicks = store.onDidChange(() => engine.kick());
  const model: Model = { keys: new Map(), chosen: undefined };
  let counter = 0;
  const fresh = (i: number): string => `sk-test-FAKE-load-${String(i).padStart(3, '0')}-${String(++counter).padStart(5, '0')}-0000000000`;
  const stats = { adds: 0, rotations: 0, switches: 0, deletes: 0, syncNows: 0, flaps: 0, faults: 0, settleSyncs: 0 };
  const problems: string[] = [];

  /** The service flaps until the returned function is called: down 100–300 ms, up 100–300 ms, sometimes with faults. */
  const flap = (): (() => Promise<void>) => {
    let flapping = true;
    const flapper = (async () => {
      while (flapping) {
        await standIn.stop();
        await sleep(between(100, 300));
        await standIn.restart();
        stats.flaps++;
        if (random() < 0.5) {
          const count = between(1, 3);
          const fault = FLAP_FAULTS[between(0, FLAP_FAULTS.length - 1)]!;
          // A delay shorter than the client's deadline: slow, but answered. (A call the service applies after
          // the client gave up, and after a later call, can leave it holding an older state: drift, not this.)
          standIn.failNext(count, fault, { delayMs: 200, retryAfter: '1' });
          stats.faults += count;
        }
        await sleep(between(100, 300));
      }
    })();
    return async () => {
      flapping = false;
      await flapper;
    };
  };

  /** After a change: what a flow does (drain), or now and then what a user does (Sync Now). */
  const send = async (): Promise<void> => {
    if (random() < 0.1) {
      stats.syncNows++;
      await engine.syncNow();
    } else {
      await engine.drain();
    }
  };

  const remove = async (i: number, successorIndex?: number): Promise<void> => {
    const key = model.keys.get(i)!;
    const successor = successorIndex === undefined ? undefined : model.keys.get(successorIndex);
    await store.remove(key.id, successor ? { successor: successor.id } : {});
    // The store moves the choice to the successor only if it still exists when the delete is applied.
    if (model.chosen === i) model.chosen = successor && model.keys.get(successorIndex!)?.id === successor.id ? successorIndex : undefined;
    model.keys.delete(i);
    stats.deletes++;
    await send();
  };

  // Each user has a key of their own: add (chosen or not), rotate 0–2 times, maybe switch to it, maybe
  // delete it (naming another user's key to take over, which may be gone by then).
  const user = async (i: number): Promise<void> => {
    await sleep(between(0, 4000));
    const choose = random() < 0.3;
    let secret = fresh(i);
    const record = await store.add({ provider: 'openai', name: `load-${i}`, secret }, { choose });
    model.keys.set(i, { id: record.id, name: record.name, secret });
    if (choose) model.chosen = i;
    stats.adds++;
    await send();
    for (let r = between(0, 2); r > 0; r--) {
      await sleep(between(50, 1500));
      secret = fresh(i);
      await store.rotate(record.id, secret);
      model.keys.get(i)!.secret = secret;
      stats.rotations++;
      await send();
    }
    if (random() < 0.3) {
      await sleep(between(50, 1500));
      await engine.choose('openai', record.id);
      model.chosen = i;
      stats.switches++;
      await send();
    }
    if (random() < 0.4) {
      await sleep(between(50, 1500));
      const other = between(0, KEYS - 1);
      await remove(i, other !== i && random() < 0.7 ? other : undefined);
    }
  };

  /** Pieces OS stays up now: what waits is sent (Sync Now also sends what a 401 or a 4xx parked); then compare. */
  const settleAndCompare = async (phase: string): Promise<void> => {
    if (!standIn.listening) await standIn.restart();
    standIn.clearFaults();
    for (let i = 0; i < 5 && engine.planFor('openai').kind !== 'none'; i++) {
      await engine.whenIdle();
      await engine.syncNow();
      stats.settleSyncs++;
      if (engine.planFor('openai').kind !== 'none') await sleep(100);
    }
    await engine.whenIdle();
    const say = (problem: string): void => void problems.push(`${phase}: ${problem}`);
    const expectKeys = [...model.keys.values()].map((k) => `${k.id}:${k.name}`).sort();
    const storeKeys = store
      .keysOf('openai')
      .map((k) => `${k.id}:${k.name}`)
      .sort();
    if (JSON.stringify(expectKeys) !== JSON.stringify(storeKeys)) {
      say(`the store lists ${storeKeys.length} keys, the model ${expectKeys.length}`);
    }
    for (const [i, key] of model.keys) {
      const stored = store.get(key.id) ? await store.secret(key.id).catch(() => undefined) : undefined;
      if (stored !== key.secret) say(`key ${i}: the store holds another secret than the last one given`);
    }
    const chosen = model.chosen === undefined ? undefined : model.keys.get(model.chosen);
    if (store.choice('openai')?.activeId !== chosen?.id) {
      say(`the store's choice is ${store.choice('openai')?.activeId ?? 'none'}, the model's ${chosen?.id ?? 'none'}`);
    }
    if (engine.planFor('openai').kind !== 'none') say(`the engine still plans ${engine.planFor('openai').kind}`);
    const held = standIn.openAI;
    if (held?.api_key !== chosen?.secret) {
      say(
        `Pieces OS holds ${held?.api_key === undefined ? 'no key' : 'another key'}, the model ${chosen ? `load-${model.chosen}` : 'none'}`,
      );
    }
    if (chosen && held?.api_key_name !== chosen.name) say(`Pieces OS holds the name "${held?.api_key_name}", the model "${chosen.name}"`);
    emit('phase', {
      phase,
      keysLeft: model.keys.size,
      chosen: chosen ? chosen.name : 'none',
      atMs: Math.round(performance.now() - started),
    });
  };

  // Phase 1: the burst, 200 users at once.
  let stopFlapping = flap();
  await Promise.all(Array.from({ length: KEYS }, (_, i) => user(i)));
  await stopFlapping();
  await settleAndCompare('burst');

  // Phase 2: every key left is deleted at once, the service flapping again: Pieces OS must end with none.
  stopFlapping = flap();
  await Promise.all(
    [...model.keys.keys()].map(async (i) => {
      await sleep(between(0, 2000));
      await remove(i);
    }),
  );
  await stopFlapping();
  await settleAndCompare('delete all');

  const records = path.join(temp.root, 'records');
  const recordText = readdirSync(records)
    .map((name) => readFileSync(path.join(records, name), 'utf8'))
    .join('\n');
  if (recordText.includes('FAKE-load')) problems.push('a record file holds key bytes');

  // Close everything this run opened; what is left alive after this is a leak.
  kicks.dispose();
  engine.dispose();
  temp.close();
  removeRoot(temp.root);
  await standIn.stop();

  if (problems.length > 0) emit('mismatch', { problems });
  emit('done', {
    ok: problems.length === 0 && unhandled.length === 0,
    seed: SEED,
    ...stats,
    keyCalls: standIn.requests.filter((r) => r.method === 'POST').length,
    totalMs: Math.round(performance.now() - started),
  });
  if (problems.length > 0) process.exitCode = 1;
  // Unref'd: it does not keep the process alive; it fires only if something else does, and names it.
  setTimeout(() => {
    emit('leak', { resources: process.getActiveResourcesInfo() });
    process.exit(3);
  }, EXIT_GRACE_MS).unref();
}

setTimeout(() => {
  emit('deadline', { afterMs: DEADLINE_MS, resources: process.getActiveResourcesInfo() });
  process.exit(4);
}, DEADLINE_MS).unref();

main().catch((error: unknown) => {
  emit('error', { message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  process.exitCode = 5;
});
