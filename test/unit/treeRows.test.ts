// The tree's rows (src/views/treeRows.ts) over the real store, engine and masks: built once and kept; after
// a change, only the rows it touched are built again and named to VS Code, or a provider's list when its
// rows or their order changed; everything again only when that is cheaper or asked for.
import * as assert from 'node:assert/strict';
import { MaskCache } from '../../src/core/keys/maskCache';
import type { ProviderInfo } from '../../src/core/providers/catalogue';
import type { KeyRecord } from '../../src/core/store/records';
import { SyncEngine } from '../../src/core/sync/engine';
import { type RowChanges, type TreeNode, TreeRows } from '../../src/views/treeRows';
import { FakeService } from '../support/fakeService';
import { type TempStore, openTempStore, removeRoot } from '../support/tempStore';

interface Row {
  text: string;
}

const key = (n: number): string => `sk-test-FAKE-rows-${String(n).padStart(4, '0')}-000000000000000`;

describe('tree rows: built once, redrawn where they changed', () => {
  let temp: TempStore;
  let engine: SyncEngine;
  let masks: MaskCache;
  let rows: TreeRows<Row>;
  let built: string[];
  let now: number;

  beforeEach(async () => {
    temp = await openTempStore();
    engine = new SyncEngine({ store: temp.store, service: new FakeService() });
    masks = new MaskCache(temp.store);
    built = [];
    now = Date.now();
    rows = new TreeRows<Row>(
      { store: temp.store, engine, masks, now: () => now },
      {
        key: (record) => {
          built.push(record.name);
          return { text: `${record.name} ${masks.peek(record)} ${engine.stateOf(record).kind}` };
        },
        provider: (provider: ProviderInfo, keys) => ({ text: `${provider.label} ${keys}` }),
        drift: (provider, drift) => ({ text: `${provider.label} ${drift.kind}` }),
        same: (a, b) => a.text === b.text,
        expires: (record) => Date.parse(record.updatedAt) + 30 * 86_400_000,
      },
    );
  });
  afterEach(async () => {
    rows.dispose();
    await engine.whenIdle();
    engine.dispose();
    masks.dispose();
    temp.close();
    removeRoot(temp.root);
  });

  /** Reads what VS Code reads after `changes`: everything, or the nodes named (a provider with its list). */
  function read(changes: RowChanges): string[] {
    const names: string[] = [];
    const readNode = (node: TreeNode): void => {
      rows.item(node);
      names.push(node.kind === 'key' ? node.record.name : node.kind === 'provider' ? `[${node.provider.id}]` : '[drift]');
      if (node.kind === 'provider') for (const child of rows.children(node)) readNode(child);
    };
    for (const node of changes.all ? rows.children(undefined) : changes.nodes) readNode(node);
    return names;
  }

  /** Adds `count` keys, draws everything, and lets the masks arrive (one more redraw of everything). */
  async function shown(count: number): Promise<KeyRecord[]> {
    const added: KeyRecord[] = [];
    for (let i = 0; i < count; i++) {
      added.push(await temp.store.add({ provider: 'openai', name: `key-${String(i).padStart(3, '0')}`, secret: key(i) }));
    }
    read(rows.changes());
    for (const record of temp.store.list()) await masks.get(record);
    read(rows.changes());
    built.length = 0;
    return added;
  }

  it('a full read after the first builds no row again', async () => {
    await shown(80);
    const again = read({ all: true });
    assert.equal(again.length, 81);
    assert.deepEqual(built, []);
    assert.deepEqual(rows.changes(), { all: false, nodes: [] }, 'nothing changed, nothing to redraw');
  });

  it("a rotated key's row is the only one built and named; when its mask arrives, again that row alone", async () => {
    const added = await shown(80);
    const target = added[40]!;
    await temp.store.rotate(target.id, key(999));
    assert.deepEqual(read(rows.changes()), [target.name]);
    assert.deepEqual(built, [target.name]);
    await masks.get(temp.store.get(target.id)!);
    built.length = 0;
    assert.deepEqual(read(rows.changes()), [target.name]);
    assert.deepEqual(built, [target.name]);
  });

  it('a rename that moves a row names its provider (VS Code reads its list) and builds that row only; so do an add and a delete', async () => {
    const added = await shown(80);
    await temp.store.update(added[70]!.id, { name: 'key-000a' });
    const renamed = read(rows.changes());
    assert.equal(renamed[0], '[openai]');
    assert.equal(renamed.length, 81);
    assert.deepEqual(built, ['key-000a']);
    built.length = 0;
    const extra = await temp.store.add({ provider: 'openai', name: 'key-050b', secret: key(500) });
    assert.equal(read(rows.changes())[0], '[openai]');
    assert.deepEqual(built, ['key-050b']);
    built.length = 0;
    await temp.store.remove(extra.id);
    assert.equal(read(rows.changes()).length, 81);
    assert.deepEqual(built, []);
  });

  it('choosing a key builds the rows whose state changed (the old and the new key in use), not the others', async () => {
    const added = await shown(80);
    await engine.choose('openai', added[10]!.id);
    read(rows.changes());
    assert.deepEqual(built, [added[10]!.name]);
    await engine.drain({ now: true }); // sent: synced
    built.length = 0;
    read(rows.changes());
    assert.deepEqual(built, [added[10]!.name]);
    built.length = 0;
    await engine.choose('openai', added[20]!.id);
    read(rows.changes());
    assert.deepEqual(built.sort(), [added[10]!.name, added[20]!.name]);
  });

  it('rows already due for rotation are drawn so once: not built again at every read, nor everything at every change', async () => {
    const added = await shown(80);
    now += 31 * 86_400_000; // a month later: every row becomes due for rotation
    assert.equal(rows.changes().all, true);
    read({ all: true });
    assert.equal(built.length, 80);
    built.length = 0;
    read({ all: true });
    assert.deepEqual(built, [], 'a row already due does not change by itself again');
    await temp.store.update(added[5]!.id, { name: 'key-005a' }); // its place in the list stays
    assert.deepEqual(read(rows.changes()), ['key-005a']);
    assert.deepEqual(built, ['key-005a']);
  });

  it("after random adds, renames and deletes, in bursts, in two providers, each list is the store's, in its order", async () => {
    const added = await shown(40);
    const live = added.map((record) => record.id);
    let seed = 18;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor(seed / 65_536) % n; // the high bits: the low ones of this generator repeat quickly
    };
    for (let burst = 0; burst < 40; burst++) {
      for (let step = 0, steps = 1 + random(4); step < steps; step++) {
        const which = random(4);
        const serial = String(burst * 10 + step).padStart(4, '0');
        if (which === 3) {
          // Another provider: its list starts after OpenAI's in the store's, and it joins the root with its first key.
          live.push(
            (await temp.store.add({ provider: 'anthropic', name: `claude-${random(100)}`, secret: `sk-ant-FAKE-${serial}0000000` })).id,
          );
        } else if (which === 0 || live.length < 5) {
          const name = `key-${String(random(100)).padStart(3, '0')}x${burst}`;
          live.push((await temp.store.add({ provider: 'openai', name, secret: key(100 + burst * 3 + step) })).id);
        } else if (which === 1) {
          await temp.store.update(live[random(live.length)]!, { name: `key-${String(random(100)).padStart(3, '0')}r${burst}` });
        } else {
          await temp.store.remove(live.splice(random(live.length), 1)[0]!);
        }
      }
      if (random(2) === 0) rows.children(rows.children(undefined)[0]); // VS Code may read a list before the redraw
      read(rows.changes());
      const providers = rows.children(undefined);
      const ids = providers.map((node) => (node.kind === 'provider' ? node.provider.id : 'openai'));
      assert.deepEqual(
        ids,
        (['openai', 'anthropic'] as const).filter((id) => temp.store.keysOf(id).length > 0),
        `the root after burst ${burst}`,
      );
      providers.forEach((provider, at) => {
        const names = rows.children(provider).map((node) => (node.kind === 'key' ? node.record.name : node.kind));
        const expected = temp.store.keysOf(ids[at]!).map((record) => record.name);
        assert.deepEqual(names, expected, `${ids[at]} after burst ${burst}`);
      });
    }
  });

  it('many rows changed at once, a request for everything, or a row due for rotation: everything again', async () => {
    const added = await shown(80);
    for (const record of added) masks.forget(record.id);
    assert.equal(rows.changes().all, false, 'forgotten masks are looked for only in rows that wait for one');
    for (const record of added.slice(0, 70)) await temp.store.rotate(record.id, key(record.name.length + 1000));
    assert.equal(rows.changes().all, true, '70 rows changed: one full redraw');
    read({ all: true });
    rows.invalidate();
    assert.equal(rows.changes().all, true);
    read({ all: true });
    now += 31 * 86_400_000; // a month later: every row is due for rotation
    assert.equal(rows.changes().all, true);
  });

  it('after a request for everything, a row read before the redraw is built anew (marks of other parts changed)', async () => {
    await shown(2);
    const [provider] = rows.children(undefined);
    const [first] = rows.children(provider);
    const before = rows.item(first!);
    // Another part's marks changed (terminals): the tree invalidates, and the redraw comes 50 ms later. A read in
    // between (a test, or VS Code reading for another reason) must not get the row built before the change.
    rows.invalidate();
    assert.notEqual(rows.item(first!), before, 'the row kept from before the request');
    assert.deepEqual(built, ['key-000']);
    assert.equal(rows.changes().all, true, 'and the redraw is of everything');
  });
});
