// The cache's list and its open: keys stay in order through changes without being sorted again, a list a
// caller holds never changes under it, and a store read in bulk is taken whole (nothing sees half of it).
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RecordCache } from '../../../src/core/store/recordCache';
import { FsRecordFolder, type RecordFolderPort } from '../../../src/core/store/recordFolder';
import { type KeyRecord, STORE_VERSION, keyFile, recordOf } from '../../../src/core/store/records';
import { mulberry32 } from '../../support/random';
import { removeRoot, tempRoot } from '../../support/tempStore';

const AT = '2026-01-01T00:00:00.000Z';

function key(name: string, provider = 'openai', createdAt = AT): KeyRecord {
  return {
    v: STORE_VERSION,
    id: randomUUID(),
    provider: provider as KeyRecord['provider'],
    name,
    createdAt,
    updatedAt: createdAt,
    secretRev: 'r1',
  };
}

/** The list as a full sort gives it: catalogue order, then name, then age, then id. */
function sortedWhole(records: Iterable<KeyRecord>): string[] {
  const order = ['openai', 'anthropic', 'gemini', 'mistral', 'groq', 'openrouter'];
  return [...records]
    .filter((r) => r.pending?.op !== 'add' && r.pending?.op !== 'delete')
    .sort(
      (a, b) =>
        order.indexOf(a.provider) - order.indexOf(b.provider) ||
        a.name.localeCompare(b.name) ||
        a.createdAt.localeCompare(b.createdAt) ||
        (a.id < b.id ? -1 : 1),
    )
    .map((r) => r.id);
}

/** Counts String.prototype.localeCompare calls made by `work`. */
function countComparisons(work: () => void): number {
  const original = String.prototype.localeCompare;
  let calls = 0;
  String.prototype.localeCompare = function (this: string, ...args: Parameters<typeof original>) {
    calls++;
    return original.apply(this, args);
  };
  try {
    work();
  } finally {
    String.prototype.localeCompare = original;
  }
  return calls;
}

describe('RecordCache: the list and the open', () => {
  let root: string;
  beforeEach(() => {
    root = tempRoot();
  });
  afterEach(() => removeRoot(root));

  const folderAt = (dir: string): FsRecordFolder =>
    new FsRecordFolder(dir, { base: root, isRecordName: (name) => recordOf(name) !== undefined });

  it('keeps the keys in order through adds, renames, moves between providers, hides and removals, as a full sort would', () => {
    const cache = new RecordCache(folderAt(path.join(root, 'records')));
    const random = mulberry32(18);
    const records = new Map<string, KeyRecord>();
    const providers = ['openai', 'anthropic', 'mistral'];
    const names = ['alpha', 'Beta', 'beta', 'gamma', 'Ärger', 'zeta', 'eta 2', 'eta 10', ''];
    cache.visibleKeys(); // the order is kept from here on
    for (let step = 0; step < 600; step++) {
      const ids = [...records.keys()];
      const pick = ids[Math.floor(random() * ids.length)];
      const roll = random();
      const anyName = (): string => names[Math.floor(random() * names.length)]!;
      const anyProvider = (): KeyRecord['provider'] => providers[Math.floor(random() * providers.length)] as KeyRecord['provider'];
      if (pick === undefined || roll < 0.35) {
        const record = key(anyName(), anyProvider());
        records.set(record.id, record);
      } else if (roll < 0.9) {
        const { pending: _pending, ...current } = records.get(pick)!;
        records.set(
          pick,
          roll < 0.6
            ? { ...current, name: anyName() }
            : roll < 0.7
              ? { ...current, provider: anyProvider() }
              : roll < 0.8
                ? { ...current, pending: { op: random() < 0.5 ? 'add' : 'delete', at: AT } }
                : { ...current, updatedAt: '2026-02-01T00:00:00.000Z' },
        );
      } else {
        records.delete(pick);
        cache.delete(keyFile(pick));
      }
      const changed = pick !== undefined && records.get(pick);
      if (changed) cache.set(keyFile(pick), JSON.stringify(changed));
      for (const record of records.values()) if (!cache.key(record.id)) cache.set(keyFile(record.id), JSON.stringify(record));
      assert.deepEqual(
        cache.visibleKeys().map((r) => r.id),
        sortedWhole(records.values()),
        `step ${step}`,
      );
    }
  });

  it('a change moves one key to its place without sorting every key again, and a list held stays as it was', () => {
    const cache = new RecordCache(folderAt(path.join(root, 'records')));
    const records = Array.from({ length: 2000 }, (_, i) => key(`key-${String(i).padStart(5, '0')}`));
    for (const record of records) cache.set(keyFile(record.id), JSON.stringify(record));
    const held = cache.visibleKeys();
    const heldIds = held.map((r) => r.id);
    const renamed = { ...records[1500]!, name: 'key-00010.5' };
    const comparisons = countComparisons(() => {
      cache.set(keyFile(renamed.id), JSON.stringify(renamed));
      cache.visibleKeys();
    });
    // A search for its place: about log2(2000) = 11 comparisons; a sort of 2,000 keys makes about 20,000.
    assert.ok(comparisons <= 40, `${comparisons} comparisons for one rename`);
    assert.equal(cache.visibleKeys()[11]?.id, renamed.id);
    assert.deepEqual(
      held.map((r) => r.id),
      heldIds,
      'the list a caller held did not change',
    );
  });

  it('a store read in bulk is taken whole: nothing in between sees half of it, and one change event names every record', async () => {
    const dir = path.join(root, 'records');
    mkdirSync(dir, { recursive: true });
    const count = 700;
    for (let i = 0; i < count; i++) {
      const record = key(`key-${i}`);
      writeFileSync(path.join(dir, keyFile(record.id)), JSON.stringify(record));
    }
    const real = folderAt(dir);
    const seenBetween: number[] = [];
    let slices = 0;
    const cache: RecordCache = new RecordCache({
      read: (name) => real.read(name),
      list: () => real.list(),
      write: (name, text) => real.write(name, text),
      remove: (name) => real.remove(name),
      watch: (listener) => real.watch(listener),
      readMany: async (names) => {
        slices++;
        seenBetween.push(cache.visibleKeys().length); // what a redraw between two slices would show
        return real.readMany(names);
      },
    } satisfies RecordFolderPort);
    const events: number[] = [];
    cache.onDidChange(({ names }) => events.push(names.length));
    await cache.loadAll();
    assert.ok(slices >= 3, `${slices} slices`);
    assert.deepEqual(new Set(seenBetween), new Set([0]), 'no key showed before the whole store was read');
    assert.equal(cache.visibleKeys().length, count);
    assert.deepEqual(events, [count]);
  });
});
