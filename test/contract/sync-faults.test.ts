// The sync engine, the real client and the stand-in's fault switches, on real sockets and timers.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { PiecesClient } from '../../src/core/pieces/client';
import { piecesServicePort } from '../../src/core/pieces/servicePort';
import type { KeyStore } from '../../src/core/store/keyStore';
import { SyncEngine } from '../../src/core/sync/engine';
import { type StandIn, startStandIn } from '../../stand-in/server';
import { sized } from '../support/sizes';
import { type TempStore, openTempStore, removeRoot } from '../support/tempStore';

/** Operations 200 ms apart while the service flaps: 4 s in `npm test`, 10 s in the long run. */
const FLAP_OPERATIONS = sized('FLAP_OPERATIONS', 20, 50);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const CREATE = '/external_provider/api_key/create';

describe('sync engine against the stand-in under faults', function () {
  this.timeout(60_000);
  let standIn: StandIn;
  let temp: TempStore;
  let store: KeyStore;
  let engine: SyncEngine;
  let counter = 0;
  const fresh = (): string => `sk-test-FAKE-faults-${++counter}-00000000000`;

  beforeEach(async () => {
    standIn = await startStandIn({ port: 0 });
    temp = await openTempStore();
    store = temp.store;
    engine = new SyncEngine({ store, service: piecesServicePort(new PiecesClient({ baseUrl: standIn.url, timeoutMs: 400 })) });
  });
  afterEach(async () => {
    engine.dispose();
    temp.close();
    removeRoot(temp.root);
    await standIn.stop();
  });

  /** Drains until nothing waits (bounded): what the retry timers would do, without waiting for them. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 10 && engine.state.pending + engine.state.parked > 0; i++) {
      await engine.syncNow();
      await sleep(50);
    }
    assert.equal(engine.state.pending + engine.state.parked, 0, `still waiting: ${engine.state.lastError}`);
  }

  async function addActive(): Promise<string> {
    const secret = fresh();
    await store.add({ provider: 'openai', name: 'A', secret }, { choose: true });
    return secret;
  }

  it('down at start, then up: the change is sent', async () => {
    await standIn.stop();
    const secret = await addActive();
    const [outcome] = await engine.drain({ now: true });
    assert.equal(outcome?.kind === 'failed' && outcome.error.kind, 'unreachable');
    assert.ok(engine.state.nextRetryAt, 'a retry is scheduled');
    await standIn.restart();
    await settle();
    assert.equal(standIn.openAI?.api_key, secret);
  });

  it('500 three times, then OK', async () => {
    const secret = await addActive();
    standIn.failNext(3, 'serverError', { paths: [CREATE] });
    for (let i = 0; i < 3; i++) {
      const [outcome] = await engine.drain({ now: true });
      assert.equal(outcome?.kind === 'failed' && outcome.error.kind, 'server');
    }
    assert.equal((await engine.drain({ now: true }))[0]?.kind, 'pushed');
    assert.equal(standIn.openAI?.api_key, secret);
  });

  it('slower than the timeout: retried, and ends right', async () => {
    const secret = await addActive();
    standIn.failNext(1, 'delay', { delayMs: 1000, paths: [CREATE] });
    const [outcome] = await engine.drain({ now: true });
    assert.ok(outcome?.kind === 'failed' && outcome.error.kind === 'unreachable' && /did not answer in time/.test(outcome.error.message));
    await sleep(700); // the slow answer still lands on the stand-in's side
    await settle();
    assert.equal(standIn.openAI?.api_key, secret);
  });

  it('connection dropped mid-body: retried, and ends right', async () => {
    const secret = await addActive();
    standIn.failNext(1, 'dropMidBody', { paths: [CREATE] });
    assert.equal((await engine.drain({ now: true }))[0]?.kind, 'failed');
    await settle();
    assert.equal(standIn.openAI?.api_key, secret);
  });

  it('invalid JSON: retried, and ends right', async () => {
    const secret = await addActive();
    standIn.failNext(1, 'invalidJson', { paths: [CREATE] });
    const [outcome] = await engine.drain({ now: true });
    assert.equal(outcome?.kind === 'failed' && outcome.error.kind, 'badResponse');
    await settle();
    assert.equal(standIn.openAI?.api_key, secret);
  });

  it(`flapping every 200 ms for ${FLAP_OPERATIONS / 5} s under ${FLAP_OPERATIONS} random operations ends in the state the user chose`, async function () {
    this.timeout(90_000);
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const keys: Array<{ id: string; secret: string; name: string } | undefined> = [undefined, undefined, undefined];
    let active: number | undefined;
    let flapping = true;
    const flapper = (async () => {
      for (let up = false; flapping; up = !up) {
        await (up ? standIn.restart() : standIn.stop());
        await sleep(200);
      }
    })();
    const ended = sleep(FLAP_OPERATIONS * 200).then(() => (flapping = false));
    for (let op = 0; op < FLAP_OPERATIONS; op++) {
      const slot = Math.floor(random() * 3);
      const key = keys[slot];
      if (!key) {
        const secret = fresh();
        const choose = active === undefined || random() < 0.5;
        const record = await store.add({ provider: 'openai', name: `k${slot}-${op}`, secret }, { choose });
        keys[slot] = { id: record.id, secret, name: record.name };
        if (choose) active = slot;
      } else if (random() < 0.4) {
        key.secret = fresh();
        await store.rotate(key.id, key.secret);
      } else if (random() < 0.5) {
        await engine.choose('openai', key.id);
        active = slot;
      } else {
        await store.remove(key.id);
        keys[slot] = undefined;
        if (active === slot) active = undefined;
      }
      void engine.drain({ now: true });
      await sleep(200);
    }
    await ended;
    await flapper;
    if (
      !standIn.url ||
      (await fetch(`${standIn.url}/.well-known/health`).then(
        (r) => r.ok,
        () => false,
      )) === false
    ) {
      await standIn.restart();
    }
    await engine.whenIdle();
    await settle();
    const expected = active === undefined ? undefined : keys[active]?.secret;
    assert.equal(standIn.openAI?.api_key, expected);
    if (active !== undefined) assert.equal(standIn.openAI?.api_key_name, keys[active]?.name);
    const records = path.join(temp.root, 'records');
    const text = readdirSync(records)
      .map((name) => readFileSync(path.join(records, name), 'utf8'))
      .join('\n');
    assert.ok(!text.includes('FAKE-faults'), 'a record holds key bytes');
  });
});
