// The sender lease and the store lock: compare-and-set through exclusive creation, expiry checks that
// trust nothing read back, and waits that never leave 0…TTL.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GenerationLock } from '../../../src/core/store/lock';
import { StoreMutex } from '../../../src/core/store/mutex';
import { removeRoot, tempRoot } from '../../support/tempStore';

const TTL = 20_000;

describe('generation lock (sender lease, store lock)', () => {
  let root: string;
  let now: number;
  const lock = (holder: string, ttl = TTL): GenerationLock => new GenerationLock(path.join(root, 'lock'), holder, ttl, () => now);
  const plant = (gen: number, content: string): void => {
    mkdirSync(path.join(root, 'lock'), { recursive: true });
    writeFileSync(path.join(root, 'lock', `${gen}.json`), content);
  };

  beforeEach(() => {
    root = tempRoot();
    now = 1_000_000;
  });
  afterEach(() => removeRoot(root));

  it('one holder at a time; renewal; release lets another take it at once', async () => {
    const a = lock('a');
    const b = lock('b');
    assert.equal(await a.acquire(), true);
    assert.equal(await b.acquire(), false);
    assert.equal(await a.acquire(), true, 'renewal');
    assert.equal(await a.holds(), true);
    await a.release();
    assert.equal(await a.holds(), false);
    assert.equal(await b.acquire(), true);
    assert.equal(await a.acquire(), false);
  });

  it('of many contenders for an expired lease exactly one wins', async () => {
    const contenders = Array.from({ length: 12 }, (_, i) => lock(`w${i}`));
    const results = await Promise.all(contenders.map((c) => c.acquire()));
    assert.equal(results.filter(Boolean).length, 1);
    now += TTL + 1;
    const again = await Promise.all(contenders.map((c) => c.acquire()));
    assert.equal(again.filter(Boolean).length, 1, 'one takes over after the expiry');
  });

  it('takes over a lease that expired (a dead window), not one that lives', async () => {
    const dead = lock('dead');
    assert.equal(await dead.acquire(), true);
    const other = lock('other');
    now += TTL - 1;
    assert.equal(await other.acquire(), false, 'still live one millisecond before the expiry');
    now += 2;
    assert.equal(await other.acquire(), true, 'taken over within the TTL of the last renewal');
    assert.equal(await dead.holds(), false);
    assert.equal(await dead.acquire(), false, 'the old holder cannot renew over the new one');
  });

  it('an expiry far in the future, in the past, or garbage counts as expired; waits stay within 0…TTL', async () => {
    for (const [content, why] of [
      [JSON.stringify({ holder: 'x', expires: now + 10 * 24 * 3600_000 }), 'ten days ahead'],
      [JSON.stringify({ holder: 'x', expires: Number.MAX_SAFE_INTEGER }), 'the largest number'],
      [JSON.stringify({ holder: 'x', expires: now - 1 }), 'in the past'],
      ['{garbage', 'garbage'],
      [JSON.stringify({ holder: 42, expires: 'soon' }), 'wrong types'],
    ] as const) {
      removeRoot(root);
      root = tempRoot();
      plant(7, content);
      const me = lock('me');
      const wait = await me.waitMs();
      assert.ok(wait >= 0 && wait <= TTL, `${why}: wait ${wait}`);
      assert.equal(await me.acquire(), true, why);
    }
  });

  it('a live lease reports the time left, clamped to the TTL', async () => {
    plant(3, JSON.stringify({ holder: 'x', expires: now + 5_000 }));
    assert.equal(await lock('me').waitMs(), 5_000);
    assert.equal(await lock('me').acquire(), false);
  });

  it('old generations are collected, keeping the newest two', async () => {
    const a = lock('a');
    for (let i = 0; i < 10; i++) await a.acquire();
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(path.join(root, 'lock')).filter((f) => f.endsWith('.json'));
    assert.deepEqual(files.sort(), ['10.json', '9.json']);
  });

  it('the store mutex waits for a live holder without a busy loop, and takes over a dead one after the TTL', async () => {
    const ttl = 300;
    const holder = new GenerationLock(path.join(root, 'lock'), 'dead', ttl);
    assert.equal(await holder.acquire(), true); // a window that died holding the lock
    const waits: number[] = [];
    const mutex = new StoreMutex(new GenerationLock(path.join(root, 'lock'), 'me', ttl), async (ms) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    });
    const started = Date.now();
    const result = await mutex.run(async () => 'done');
    const took = Date.now() - started;
    assert.equal(result, 'done');
    assert.ok(took >= ttl - 20 && took < ttl + 500, `took over after about the TTL (${took} ms)`);
    assert.ok(
      waits.every((ms) => ms >= 0 && ms <= ttl),
      `every wait within 0…TTL: ${waits.join(',')}`,
    );
    assert.ok(waits.length <= ttl / 10 + 2, `polls, not a busy loop: ${waits.length} waits`);
  });
});
